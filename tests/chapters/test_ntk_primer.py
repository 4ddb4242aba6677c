"""The primer's four claims, asserted from its results.json with the tolerances the chapter states."""

import pytest

from .common import assert_checks_well_formed, assert_figures, assert_meta, assert_no_errors

NAME = "ntk_primer"


@pytest.fixture(scope="module")
def primer(chapter):
    return chapter(NAME)


def test_executed_cleanly(primer):
    assert_no_errors(primer)
    assert_figures(primer)
    assert_checks_well_formed(primer)
    assert_meta(primer)
    assert len(primer.results["figures"]) >= 4


def test_all_primer_checks_pass(primer):
    failing = {k: c["reason"] for k, c in primer.checks.items() if c["verdict"] != "pass"}
    assert not failing, failing


def test_lambda0_positive(primer):
    for key in ("lambda0_positive", "real_lambda0_positive"):
        assert primer.checks[key]["measured"] > 1e-6


@pytest.mark.parametrize("key", ["gram_converges", "real_gram_converges", "distance_shrinks", "flips_shrink"])
def test_power_laws_near_minus_half(primer, key):
    c = primer.checks[key]
    assert abs(c["measured"] - c["predicted"]) <= c["tolerance"] <= 0.15
    lo, hi = c["interval"]
    assert lo <= c["measured"] <= hi and hi - lo < 0.5  # a real fit, not a degenerate one


def test_gd_rate_beats_theorem(primer):
    for key in ("gd_linear_rate", "real_gd_linear_rate"):
        c = primer.checks[key]
        assert 0 < c["measured"] <= c["predicted"] < 1


def test_real_data_laziness(primer):
    c = primer.checks["real_lazy"]
    assert all(abs(s + 0.5) <= 0.15 for s in c["measured"])
