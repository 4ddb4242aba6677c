"""Zou, Cao, Zhou & Gu (2020): the chapter's checks, asserted from its results.json against their recorded tolerances.

The rules come from the claims map of the paper, fixed before the run: one-sided bands wherever the statement
is a bound, S20 for the initialisation's violation frequency, >= 5 seeds for every slope, and a t-interval
for the SGD decrease. Every training run is outside Theorems 4.1/4.5 and is ``beyond``; the eps remark is a
``remark``. Beyond the verdicts, the measured numbers are asserted near what the theory (or the book's own
derivation) puts them at, so a test fails when a number moves even if its verdict does not.
"""

import math

import pytest

from .common import (
    assert_checks_well_formed,
    assert_clean_page,
    assert_figures,
    assert_meta,
    assert_no_errors,
    assert_verdicts,
)

NAME = "zou_cao_zhou_gu"

EXPECTED = {
    "thm51_norms": "pass",
    "thm51_output": "pass",
    "thm51_separation": "pass",
    "thm51_near_zero": "pass",
    "thm53_flips": "pass",
    "thm53_flips_tight": "pass",
    "thm53_gradient_lower": "pass",
    "thm53_gradient_upper": "pass",
    "lemmaC2_output_change": "pass",
    "lemma55_distance": "pass",
    "thm41_flat_in_m": "pass",
    "lemma56_sgd_decreases": "pass",
    "eps_squared_hinge_log": "pass",
    "eps_logistic_polynomial": "pass",
}
KINDS = {
    "thm51_norms": "bound", "thm51_output": "bound", "thm51_separation": "bound", "thm51_near_zero": "bound",
    "thm53_flips": "bound",
    "thm53_flips_tight": "beyond", "thm53_gradient_lower": "bound", "thm53_gradient_upper": "bound",
    "lemmaC2_output_change": "bound",
    "lemma55_distance": "beyond", "thm41_flat_in_m": "beyond", "lemma56_sgd_decreases": "beyond",
    "eps_squared_hinge_log": "remark", "eps_logistic_polynomial": "remark",
}
SLOPE_L = {f"slope, L = {L}" for L in (1, 2, 4)}
TOLERANCES = {
    "thm51_norms": {k: ("at_most", {"bound": -0.3}) for k in SLOPE_L},
    "thm51_output": {k: ("at_most", {"bound": 0.1}) for k in SLOPE_L},
    "thm51_separation": {"violation frequency": ("at_most", {"bound": 0.05}),
                         "width condition met (C = 1)": ("at_least", {})},
    "thm51_near_zero": {"value": ("at_most", {"bound": 0.05})},
    "thm53_flips": {"worst case": ("at_least", {"bound": 0.58}), "random": ("at_least", {"bound": 0.58})},
    "thm53_flips_tight": {"worst-case slope": ("band", {"lo": 0.58, "hi": 0.75}),
                          "measured / (3τ²/π)^(1/3)": ("band", {"lo": 0.8, "hi": 1.25})},
    "thm53_gradient_lower": {"φ exponent": ("at_most", {"bound": 1.3}), "n exponent": ("at_least", {"bound": -3.3}),
                             "QP gap / value": ("at_most", {"bound": 1e-4})},
    "thm53_gradient_upper": {"value": ("at_most", {"bound": 2.2})},
    "lemmaC2_output_change": {"value": ("at_most", {"bound": 0.2})},
    "lemma55_distance": {"value": ("exceeds", {"bound": 0.25})},
    "thm41_flat_in_m": {"value": ("at_most", {"bound": 0.15})},
    "lemma56_sgd_decreases": {"value": ("exceeds", {"bound": 0.0})},
    "eps_squared_hinge_log": {"last / first decade": ("at_most", {"bound": 1.3}),
                              "every run reached every ε": ("at_most", {"bound": 0.0})},
    "eps_logistic_polynomial": {"value": ("at_most", {"bound": 1.5})},
}
FIGURES = ["init_properties", "flips", "gradient_lower", "linearisation", "gd", "sgd", "eps"]


@pytest.fixture(scope="module")
def zou(chapter):
    return chapter(NAME)


def cond(ch, key, name="value"):
    return ch.checks[key]["conditions"][name]


def test_executed_cleanly(zou):
    assert_no_errors(zou)
    assert_figures(zou)
    assert_checks_well_formed(zou)
    assert_meta(zou)
    assert_clean_page(zou)
    assert zou.results["figures"] == [f"figures/{name}.png" for name in FIGURES]
    assert {"ladder", "separations"} <= {t.rsplit("/", 1)[-1].removesuffix(".csv") for t in zou.results["tables"]}


def test_verdicts(zou):
    assert_verdicts(zou, EXPECTED)


def test_kinds_and_sources(zou):
    for key, c in zou.checks.items():
        assert c["kind"] == KINDS[key], key
        assert c["source"].strip() and not c.get("post_hoc"), key
    for key in ("thm53_gradient_lower", "thm53_gradient_upper", "lemmaC2_output_change"):  # built on a lost display: said so
        assert "reconstructed" in zou.checks[key]["source"] and "[R]" in zou.checks[key]["title"]


@pytest.mark.parametrize("key", sorted(TOLERANCES))
def test_rules_and_tolerances_as_fixed(zou, key):
    got = zou.checks[key]["conditions"]
    want = TOLERANCES[key]
    assert set(got) == set(want)
    for name, (rule, params) in want.items():
        assert got[name]["rule"] == rule, (key, name)
        for p, v in params.items():
            assert math.isclose(got[name][p], v, rel_tol=1e-12), (key, name, p)


def test_seeds_meet_the_claims_map(zou):
    cfg = zou.results["config"]
    assert cfg["init_seeds"] >= 20  # S20: a violation frequency
    assert min(cfg["flip_seeds"], cfg["qp_seeds"], cfg["gd_seeds"], cfg["upper_seeds"]) >= 5  # S5: slopes
    assert cfg["sgd_streams"] >= 10
    taus = cfg["flip_taus"]
    assert math.log10(max(taus) / min(taus)) >= 2  # >= 2 decades of tau
    widths = cfg["init_widths"]
    assert math.log10(max(widths) / min(widths)) >= 1.5


def test_initialisation_numbers_sit_where_the_theory_puts_them(zou):
    for name in SLOPE_L:  # the CLT and the bound both give -1/2
        assert abs(cond(zou, "thm51_norms", name)["value"] + 0.5) < 0.1
        assert abs(cond(zou, "thm51_output", name)["value"]) < 0.1
    v = zou.results["values"]
    assert abs(v["nz_mean"] - 1 / math.sqrt(math.pi)) < 0.05 and v["nz_max"] < 2  # the book's 1/sqrt(pi)
    w = cond(zou, "thm51_separation", "width condition met (C = 1)")
    assert w["value"] >= w["bound"] > 1000  # in hypothesis, and the condition is not trivial


def test_flips_follow_their_laws(zou):
    worst, rand = cond(zou, "thm53_flips", "worst case"), cond(zou, "thm53_flips", "random")
    assert abs(worst["value"] - 2 / 3) < 0.03 and worst["interval"][1] - worst["interval"][0] < 0.05
    assert abs(rand["value"] - 1.0) < 0.15  # a random direction is linear in tau
    assert abs(cond(zou, "thm53_flips_tight", "measured / (3τ²/π)^(1/3)")["value"] - 1) < 0.05


def test_gradient_constants(zou):
    assert abs(cond(zou, "thm53_gradient_lower", "φ exponent")["value"] - 1.0) < 0.2
    assert abs(cond(zou, "thm53_gradient_lower", "n exponent")["value"] + 1.0) < 0.3  # phi/n, not phi/n^3
    v = zou.results["values"]
    assert v["dup_gamma_after"] == pytest.approx(v["dup_gamma"], rel=1e-4)  # duplicates: gamma_min unchanged
    assert abs(v["dup_lam_after"]) < 1e-10 < v["dup_lam"]                  # ... lambda_min(G) drops to 0
    assert 1.0 <= v["qp_uniform"] < 1.2                                     # uniform weights are nearly the worst
    assert cond(zou, "thm53_gradient_upper")["value"] < 0.5
    assert abs(cond(zou, "lemmaC2_output_change")["value"]) < 0.2  # flat in m: the 1/m of the step is right
    assert zou.results["values"]["nonlin_slope"] < -0.2           # the step becomes linear as m grows


def test_training_runs(zou):
    d = cond(zou, "lemma55_distance")
    assert abs(d["value"] - 0.5) < 0.25 and d["interval"][0] > 0.25
    v = zou.results["values"]
    assert v["gd_unreached"] == 0 and v["sgd_unreached"] == 0
    assert v["sgd_k1"] > 5 * v["sgd_kgd"]
    assert cond(zou, "lemma56_sgd_decreases")["interval"][0] > 0
    assert 0.3 < cond(zou, "eps_logistic_polynomial")["value"] <= 1.2
    assert v["ladder_m"] > 1e45 and v["ladder_K"] > 1e13
    assert v["sgd_bound_ratio"] == zou.results["config"]["sgd_n"] ** 2


def test_assumption_demonstration(zou):
    v = zou.results["values"]
    assert v["margin_phi_last"] >= 2 * zou.results["config"]["margin_gamma"] > 10 * v["margin_delta_last"]
