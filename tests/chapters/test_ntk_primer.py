"""The primer's four steps, asserted from its results.json against the tolerances recorded with each check."""

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

NAME = "ntk_primer"

EXPECTED = {
    "gram_converges": "pass",
    "gd_linear_rate": "pass",
    "distance_shrinks": "pass",
    "flips_shrink": "pass",
    "real_gram_converges": "pass",
    "real_gd_linear_rate": "pass",
    "real_lazy": "pass",
}
FIGURES = ["gram_convergence", "gd_convergence", "lazy_training", "digits"]


@pytest.fixture(scope="module")
def primer(chapter):
    return chapter(NAME)


def test_executed_cleanly(primer):
    assert_no_errors(primer)
    assert_figures(primer)
    assert_checks_well_formed(primer)
    assert_meta(primer)
    assert_clean_page(primer)
    assert primer.results["figures"] == [f"figures/{name}.png" for name in FIGURES]


def test_verdicts(primer):
    assert_verdicts(primer, EXPECTED)


def test_lambda0_is_a_value_not_a_verdict(primer):
    # λ0 > 0 on separated data is a proved fact about a deterministic matrix: an implementation test
    # (tests/unit/test_kernels.py), not a verdict on the page; the page quotes λ0 and its distance from
    # the eigensolver's round-off
    assert "lambda0_positive" not in primer.checks
    assert primer.results["values"]["lambda0_over_floor"] > 1e6


def test_kinds_say_what_is_the_papers_claim(primer):
    kinds = {k: c["kind"] for k, c in primer.checks.items()}
    assert kinds["gram_converges"] == kinds["flips_shrink"] == "remark"
    assert all(kinds[k] == "beyond" for k in ("gd_linear_rate", "distance_shrinks", "real_gram_converges",
                                              "real_gd_linear_rate", "real_lazy"))


@pytest.mark.parametrize("key, cond, tol", [("gram_converges", "value", 0.1), ("real_gram_converges", "value", 0.1),
                                            ("distance_shrinks", "slope", 0.15), ("flips_shrink", "value", 0.15),
                                            ("real_lazy", "distance", 0.15), ("real_lazy", "flips", 0.15)])
def test_power_laws_near_minus_half(primer, key, cond, tol):
    c = primer.checks[key]["conditions"][cond]
    assert c["rule"] == "within" and c["target"] == -0.5 and c["tol"] == tol
    assert abs(c["value"] - c["target"]) <= c["tol"]
    if "interval" in c:
        lo, hi = c["interval"]
        assert lo <= c["value"] <= hi and hi - lo < 0.5  # a real fit, not a degenerate one


def test_gd_rate_beats_theorem(primer):
    c = primer.checks["gd_linear_rate"]
    rate, envelope = c["conditions"]["rate"], c["conditions"]["envelope"]
    assert 0 < c["measured"] <= rate["value"] <= rate["bound"] == c["predicted"] < 1
    assert envelope["bound"] == 1 + 1e-9 and envelope["value"] <= envelope["bound"]
    assert math.isclose(envelope["value"], 1.0) or envelope["value"] < 1  # the ratio is 1 at k = 0
    real = primer.checks["real_gd_linear_rate"]
    cond = real["conditions"]["value"]
    assert 0 < cond["value"] <= cond["bound"] == real["predicted"] < 1


def test_distance_within_lemma_radius(primer):
    c = primer.checks["distance_shrinks"]["conditions"]["within_R"]
    assert c["rule"] == "at_most" and c["bound"] == 1
    assert 0 < c["value"] <= c["bound"]
    assert c["value"] == primer.results["values"]["R_ratio_max"]


def test_width_table_is_vacuous_at_reachable_widths(primer):
    table = (primer.dir / "tables" / "width_requirements.csv").read_text().splitlines()
    assert len(table) == 3  # header, sphere, digits
    assert primer.results["values"]["width_req_synthetic"] > 1e12
