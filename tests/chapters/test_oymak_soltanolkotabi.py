"""Oymak & Soltanolkotabi (2020): the chapter's checks, asserted from its results.json.

Every check is listed with its expected verdict under the quick profile and seed 0, and the verdict is
re-decided from the measured numbers and the tolerances recorded with them (``assert_verdicts``): a
number that moves across its tolerance fails this test whatever the chapter wrote. The five FAILs are
honest measurements at the quick scale that the chapter discusses (iterations against n/d steeper than
linear, iterations against 1/lambda(X) at a fixed step, a square feature matrix singular to working
precision, the least-squares step at k = n under Figure 2's threshold for softplus, and the boundary on
real inputs outside the sphere's band).

The further assertions test numbers the checks' rules do not pin down: a fitted boundary with a real
interval, the meta-theorem's rate strictly inside (0, 1), the theorems' widths many orders of magnitude
above what training needs, a real-data boundary inside the grid, iterations that grow with n/d.
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

NAME = "oymak_soltanolkotabi"

EXPECTED = {
    # Section 1: the Jacobian at initialisation and the meta-theorem (Theorem 6.10, Lemmas 6.7, 6.8)
    "jacobian_rank_transition": "pass", "jacobian_concentration": "pass", "meta_rate": "pass",
    "meta_distance": "pass", "meta_path": "pass", "jacobian_drift": "pass", "thm62_rate": "pass",
    # Section 2: lambda(X) (Lemma 6.4), separated data (Theorems 2.5, I.1), iterations against n/d
    "lambda_mc_softplus": "pass", "lambda_mc_relu": "pass", "lemma64": "pass", "sep_relu_bound": "pass",
    "sep_relu_slope": "pass", "sep_softplus_slope": "pass", "rate_d_over_n": "fail", "rate_theorem_bound": "pass",
    "rate_fixed_step": "fail",
    # Section 3: SGD (Theorem 2.6)
    "sgd_linear_to_zero": "pass", "sgd_vs_gd": "pass", "sgd_theorem_bound": "pass",
    # Section 4: Figure 2
    "fig2_boundary_softplus_n100": "pass", "fig2_rank_softplus_n100": "pass", "fig2_boundary_relu_n100": "pass",
    "fig2_rank_relu_n100": "pass", "fig2_not_lazy": "pass",
    # Section 5: random features (Theorem 3.2)
    "rf_rank_deficient": "pass", "rf_rank_full": "fail", "rf_converges": "pass", "rf_lower_bound": "pass",
    "rf_theorem_width": "pass", "rf_ls_step_relu": "pass", "rf_ls_step_softplus": "fail",
    # Sections 6 and 7: real inputs, the theorems' widths against practice
    "real_data_boundary": "fail", "requirement_softplus": "pass", "requirement_relu": "pass",
}
FIGURES = ["jacobian_at_init", "meta_theorem", "sgd_vs_gd", "figure2", "boundary_vs_budget", "real_data_phase",
           "separation", "rate_vs_n_over_d", "random_features_lambda", "random_features_vs_gd"]
NUMERICAL_ZERO = 1e-10


@pytest.fixture(scope="module")
def oy(chapter):
    return chapter(NAME)


def cond(oy, key: str, name: str = "value") -> dict:
    """One recorded condition of a check (its rule, measured value and tolerance)."""
    return oy.checks[key]["conditions"][name]


def test_executed_cleanly(oy):
    assert_no_errors(oy)
    assert_clean_page(oy)
    assert_figures(oy)
    assert_checks_well_formed(oy)
    assert_meta(oy)
    names = {f.split("/")[-1].removesuffix(".png") for f in oy.results["figures"]}
    assert set(FIGURES) <= names


def test_verdicts(oy):
    assert_verdicts(oy, EXPECTED)


def test_no_wall_time_outside_meta(oy):
    assert not any("time" in key for key in oy.results["values"])
    assert "wall_time_s" in oy.results["meta"]


@pytest.mark.parametrize("act", ["softplus", "relu"])
def test_figure2_boundary_is_a_real_fit(oy, act):
    c = cond(oy, f"fig2_boundary_{act}_n100", "c")
    assert (c["lo"], c["hi"]) == (1.0, 2.5)  # the band fixed in advance (Section 4)
    lo, hi = c["interval"]
    assert lo <= c["value"] <= hi and hi - lo < 1.0  # a fit over the realizations, not a degenerate one
    ratio = cond(oy, f"fig2_boundary_{act}_n100", "exponent_ratio")
    assert (ratio["lo"], ratio["hi"]) == (0.5, 2.0)


def test_meta_theorem_numbers(oy):
    rate = oy.checks["meta_rate"]
    assert 0 < rate["measured"] <= rate["predicted"] < 1
    assert cond(oy, "meta_rate", "envelope")["bound"] == pytest.approx(1 + 1e-9)
    drift = cond(oy, "jacobian_drift", "slope")
    assert (drift["target"], drift["tol"]) == (-0.5, 0.15)
    assert abs(drift["value"] + 0.5) <= drift["tol"]
    lo, hi = drift["interval"]
    assert lo < drift["value"] < hi


def test_theory_is_far_from_practice(oy):
    # the requirements exceed what training needed by many orders of magnitude (vacuous at this size)
    assert oy.checks["requirement_softplus"]["measured"] > 1e3
    assert oy.checks["requirement_relu"]["measured"] > 1e3


def test_real_data_boundary_inside_the_grid(oy):
    c = cond(oy, "real_data_boundary")
    assert (c["lo"], c["hi"]) == (1.0, 2.5)
    assert 0.5 < c["value"] < 10  # a fitted boundary inside the grid's range


def test_separation_slopes(oy):
    relu, sp = cond(oy, "sep_relu_slope"), cond(oy, "sep_softplus_slope")
    assert (relu["target"], relu["tol"]) == (1.0, 0.2) and (sp["target"], sp["tol"]) == (2.0, 0.3)
    assert abs(relu["value"] - 1.0) <= relu["tol"]
    assert abs(sp["value"] - 2.0) <= sp["tol"]
    assert cond(oy, "sep_relu_bound")["value"] >= 1  # Theorem I.1 holds, with room


def test_rates(oy):
    slope = cond(oy, "rate_d_over_n", "slope")
    assert (slope["target"], slope["tol"]) == (1.0, 0.5)
    assert cond(oy, "rate_d_over_n", "spread")["bound"] == 3.0
    assert slope["value"] is not None and slope["value"] > 0  # iterations do grow with n/d
    assert cond(oy, "rate_theorem_bound", "censored")["value"] == 0
    assert 0 < cond(oy, "rate_theorem_bound", "ratio")["value"] <= 1


def test_random_features_rank(oy):
    below, full = cond(oy, "rf_rank_deficient"), cond(oy, "rf_rank_full")
    assert below["bound"] == full["bound"] == NUMERICAL_ZERO
    assert below["value"] < NUMERICAL_ZERO
    assert full["value"] > 0  # positive in exact arithmetic; the FAIL is the working precision of a square Phi


def test_random_features_width_is_far_above_what_is_needed(oy):
    c = oy.checks["rf_theorem_width"]
    for key, k_meas in c["measured"].items():
        if k_meas is not None and math.isfinite(k_meas):
            assert c["predicted"][key] >= k_meas

