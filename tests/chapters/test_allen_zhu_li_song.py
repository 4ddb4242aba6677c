"""Allen-Zhu, Li & Song (2019), theory part: the chapter's checks, asserted from its results.json.

Only this part's checks are listed: the landscape section (Figures 1-7) has its own test module and its own
keys, which this module neither lists nor forbids. Every verdict is re-decided from the recorded numbers
against the tolerance fixed for it (``TOLERANCES``), and the exponents' intervals must contain their values.
"""

import math
from types import SimpleNamespace

import pytest

from .common import (
    assert_checks_well_formed,
    assert_clean_page,
    assert_figures,
    assert_meta,
    assert_no_errors,
    assert_verdicts,
)

NAME = "allen_zhu_li_song"

EXPECTED = {
    "lemma71_mean_per_layer": "pass",
    "lemma71_sd_sqrtL": "inconclusive",
    "lemma73_sqrtL": "pass",
    "lemma75_separation": "pass",
    "lemma75_recursion": "pass",
    "thm3_delta_exponent": "pass",
    "gram_kernel_converges": "pass",
    "thm1_linear_rate": "pass",
    "b1_rate_matches_gram": "pass",
    "r121_distance_exponent": "inconclusive",
    "minnorm_distance": "fail",
    "lemma82_flips_along_gd": "pass",
    "thm5_along_gd": "pass",
    "thm4_kink_term_shrinks": "pass",
    "claim83_adversarial_two_thirds": "pass",
    "claim83_random_linear": "inconclusive",
    "claim112_forward_stability": "pass",
    "thm2_sgd_linear": "pass",
    "thm2_iterations_one_over_b": "pass",
    "thm6_ce_full_accuracy": "pass",
    "thm8_resnet_linear_rate": "pass",
    "thm8_resnet_distance_exponent": "pass",
    "erratum_claim76_closed_form": "pass",
    "claim76_inequality_holds": "pass",
    "erratum_claim95_probability": "pass",
    "erratum_thm2_batch_in_width": "pass",
    "erratum_appendixA_softmax": "pass",
}
KINDS = {
    "lemma75_separation": "claim", "thm1_linear_rate": "claim", "thm2_sgd_linear": "claim",
    "thm2_iterations_one_over_b": "claim", "thm6_ce_full_accuracy": "claim", "claim76_inequality_holds": "claim",
    "thm8_resnet_linear_rate": "claim",
    "lemma75_recursion": "beyond", "gram_kernel_converges": "beyond", "b1_rate_matches_gram": "beyond",
    "minnorm_distance": "beyond", "claim83_random_linear": "beyond", "thm4_kink_term_shrinks": "remark",
    **{k: "erratum" for k in EXPECTED if k.startswith("erratum_")},
}
POST_HOC = {"thm1_linear_rate", "thm8_resnet_linear_rate", "thm8_resnet_distance_exponent"}


def _edges(lo, hi):
    """The two exceeds conditions of an exponent band [lo, hi] decided by its interval."""
    return {"lower edge": ("exceeds", {"bound": lo}), "upper edge": ("exceeds", {"bound": -hi})}


TOLERANCES = {  # fixed from the theory before the runs (claims map, section 1)
    "lemma71_mean_per_layer": {"smallest m E[log Δ]": ("at_least", {"bound": -4.0}),
                               "largest m E[log Δ]": ("at_most", {"bound": 0.0})},
    "lemma71_sd_sqrtL": _edges(0.4, 0.6),
    "lemma73_sqrtL": _edges(0.35, 0.65),
    "lemma75_separation": {"value": ("at_most", {"bound": 0.10})},
    "lemma75_recursion": {"ratio": ("at_least", {"bound": 0.9}), "ratio ": ("at_most", {"bound": 1.05})},
    "thm3_delta_exponent": _edges(0.9, 1.25),
    "gram_kernel_converges": {"value": ("exceeds", {"bound": 0.25})},
    "thm1_linear_rate": {"every decade ratio ≥ 0.5": ("at_least", {"bound": 0.5}),
                         "every decade ratio ≤ 2": ("at_most", {"bound": 2.0}),
                         "runs reaching 1e-9 F_0": ("at_least", {"bound": 0.8})},
    "b1_rate_matches_gram": {"smallest ratio": ("at_least", {"bound": 0.8}), "largest ratio": ("at_most", {"bound": 1.05})},
    "r121_distance_exponent": {"lower edge": ("exceeds", {"bound": -0.65}), "upper edge": ("exceeds", {"bound": 0.35})},
    "minnorm_distance": {"smallest ratio": ("at_least", {"bound": 0.95}), "largest ratio": ("at_most", {"bound": 1.2})},
    "lemma82_flips_along_gd": {"value": ("exceeds", {"bound": 0.23})},
    "thm5_along_gd": {"Gram change": ("exceeds", {"bound": 0.1}), "linearisation error": ("exceeds", {"bound": 0.1})},
    "thm4_kink_term_shrinks": {"value": ("exceeds", {"bound": 0.1})},
    "claim83_adversarial_two_thirds": _edges(0.60, 0.73),
    "claim83_random_linear": _edges(0.9, 1.1),
    "claim112_forward_stability": {"ω exponent ≥ 0.9": ("exceeds", {"bound": 0.9}),
                                   "ω exponent ≤ 1.1": ("exceeds", {"bound": -1.1}),
                                   "depth exponent ≤ 1.6": ("exceeds", {"bound": -1.6})},
    "thm2_sgd_linear": {"every decade ratio ≥ 0.5": ("at_least", {"bound": 0.5}),
                        "every decade ratio ≤ 2": ("at_most", {"bound": 2.0}),
                        "runs reaching 1e-8 F_0": ("at_least", {"bound": 1.0})},
    "thm2_iterations_one_over_b": {"value": ("at_most", {"bound": 2.0})},
    "thm8_resnet_linear_rate": {"every decade ratio ≥ 0.5": ("at_least", {"bound": 0.5}),
                                "every decade ratio ≤ 2": ("at_most", {"bound": 2.0}),
                                "runs reaching 1e-9 F_0": ("at_least", {"bound": 0.8})},
    "thm8_resnet_distance_exponent": {"lower edge": ("exceeds", {"bound": -0.65}), "upper edge": ("exceeds", {"bound": 0.35})},
    "thm6_ce_full_accuracy": {"value": ("at_least", {"bound": 1.0})},
    "claim76_inequality_holds": {"value": ("at_least", {"bound": 1.0})},
}


@pytest.fixture(scope="module")
def azls(chapter):
    return chapter(NAME)


def own(ch):
    """The chapter restricted to this part's checks (the landscape section's keys are its own test's)."""
    missing = set(EXPECTED) - set(ch.checks)
    assert not missing, f"checks not run: {sorted(missing)}"
    return SimpleNamespace(name=ch.name, checks={k: ch.checks[k] for k in EXPECTED})


def test_executed_cleanly(azls):
    assert_no_errors(azls)
    assert_figures(azls)
    assert_checks_well_formed(azls)
    assert_meta(azls)
    assert_clean_page(azls)
    figs = azls.results["figures"]
    for name in ("step1_initialisation", "theorem3_gram", "theorem1_gd", "steps3_4_perturbations",
                 "theorems2_6_sgd_ce", "width_threshold", "claim76"):
        assert f"figures/{name}.png" in figs


def test_verdicts(azls):
    assert_verdicts(own(azls), EXPECTED)


def test_kinds_sources_and_post_hoc_marks(azls):
    for key in EXPECTED:
        c = azls.checks[key]
        assert c["kind"] == KINDS.get(key, "bound"), key
        assert "l." in c["source"] or c["kind"] == "beyond", key       # the paper's line is quoted
        assert bool(c.get("post_hoc")) == (key in POST_HOC), key
    for key in EXPECTED:
        if key.startswith("erratum_"):
            assert azls.checks[key].get("corrected"), key


@pytest.mark.parametrize("key", sorted(TOLERANCES))
def test_rules_and_tolerances_as_fixed(azls, key):
    got = {name: (c["rule"], {p: v for p, v in c.items() if p not in ("rule", "value", "interval")})
           for name, c in azls.checks[key]["conditions"].items()}
    want = TOLERANCES[key]
    assert set(got) == set(want)
    for name, (rule, params) in want.items():
        assert got[name][0] == rule and set(got[name][1]) == set(params)
        assert all(math.isclose(got[name][1][p], v, rel_tol=1e-12, abs_tol=1e-15) for p, v in params.items())


def test_exponent_intervals_contain_their_values(azls):
    for key, c in azls.checks.items():
        if key not in EXPECTED:
            continue
        for cond in c["conditions"].values():
            if cond["rule"] == "exceeds":
                lo, hi = cond["interval"]
                assert lo <= cond["value"] <= hi and hi - lo > 0, key


def test_measurements_where_the_theory_puts_them(azls):
    v = lambda key, name="value": azls.checks[key]["conditions"][name]["value"]
    # Fact 7.2 exactly: m E[log Delta] = -2.5 + O(1/m)
    assert -2.6 < v("lemma71_mean_per_layer", "smallest m E[log Δ]") <= v("lemma71_mean_per_layer", "largest m E[log Δ]") < -2.49
    # the separation follows the infinite-width recursion, the delta exponent the kernel's (1.1 at L = 3)
    assert abs(v("lemma75_recursion", "ratio") - 1) < 0.05
    assert abs(v("thm3_delta_exponent", "lower edge") - azls.checks["thm3_delta_exponent"]["predicted"]) < 0.1
    # the worst case is attained at 2/3 and a random direction is linear
    assert abs(v("claim83_adversarial_two_thirds", "lower edge") - 2 / 3) < 0.03
    assert abs(v("claim83_random_linear", "lower edge") - 1) < 0.1
    # the distance exponent is near -1/2 even where its interval straddles an edge
    assert abs(v("r121_distance_exponent", "lower edge") + 0.5) < 0.12
    # the printed Claim 7.6 misses the truth by about 2 %, Monte Carlo agrees with quadrature
    c76 = azls.checks["erratum_claim76_closed_form"]["conditions"]
    assert 0.015 < c76["printed vs quadrature (relative)"]["value"] < 0.03
    assert c76["exact vs quadrature"]["value"] < 1e-9
    assert abs(azls.checks["erratum_claim95_probability"]["measured"] - 0.3173) < 1e-3
    assert 1.0 <= v("claim76_inequality_holds") < 1.01
