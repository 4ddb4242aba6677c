"""Oymak & Soltanolkotabi (2020): the chapter's checks, asserted from its results.json.

Three kinds of checks. (1) Exact or rigorous statements (the rank transition of the Jacobian, the
meta-theorem's conclusions for the measured Jacobian bounds, Lemma 6.4, Monte Carlo against closed form /
quadrature, no success below kd = n, the theorems' parameter counts are not below what training needed):
they must pass. (2) Measured trends the chapter asserts (Lemma 6.7's concentration, the Jacobian drift's
k^(-1/2), SGD against GD, Figure 2's boundary band under the quick profile's realizations, the regime is
not lazy): they must pass with the chapter's tolerances. (3) Checks whose outcome at the quick scale is an
honest measurement rather than a guaranteed statement (the beyond-the-paper comparison on real inputs; iterations
against n/d, whose slope the corollary's constants only bound; full numerical rank of a square feature matrix;
the least-squares step at k = n under Figure 2's residual threshold): their verdict must follow from the measured
value by the stated rule, whatever it is.

Added for Theorem 2.5 / I.1 (separated data), Corollaries 2.2/2.4 (iterations against n/d) and Section 3 /
Theorem 3.2 (random features): the rank and lower-bound statements and Theorem I.1's bound are exact; the
slopes in delta, the fixed-step law, the theorem's iteration bound and the convergence to lambda~ are trends.
"""

import pytest

from .common import assert_checks_well_formed, assert_figures, assert_meta, assert_no_errors

NAME = "oymak_soltanolkotabi"

EXACT = ["jacobian_rank_transition", "meta_rate", "meta_distance", "meta_path", "thm62_rate", "lambda_mc_softplus",
         "lambda_mc_relu", "lemma64", "fig2_rank_softplus_n100", "fig2_rank_relu_n100", "requirement_softplus",
         "requirement_relu", "sgd_theorem_bound", "sep_relu_bound", "rf_rank_deficient", "rf_lower_bound",
         "rf_theorem_width"]
TRENDS = ["jacobian_concentration", "jacobian_drift", "sgd_linear_to_zero", "sgd_vs_gd",
          "fig2_boundary_softplus_n100", "fig2_boundary_relu_n100", "fig2_not_lazy", "sep_relu_slope",
          "sep_softplus_slope", "rate_theorem_bound", "rate_fixed_step", "rf_converges"]
MEASURED = ["real_data_boundary", "rate_d_over_n", "rf_rank_full", "rf_ls_step_relu", "rf_ls_step_softplus"]
FIGURES = ["jacobian_at_init", "meta_theorem", "sgd_vs_gd", "figure2", "boundary_vs_budget", "real_data_phase",
           "separation", "rate_vs_n_over_d", "random_features_lambda", "random_features_vs_gd"]
C_BAND = (1.0, 2.5)


@pytest.fixture(scope="module")
def oy(chapter):
    return chapter(NAME)


def test_executed_cleanly(oy):
    assert_no_errors(oy)
    assert_figures(oy)
    assert_checks_well_formed(oy)
    assert_meta(oy)
    names = {f.split("/")[-1].removesuffix(".png") for f in oy.results["figures"]}
    assert set(FIGURES) <= names


def test_every_check_has_its_verdict(oy):
    assert set(EXACT + TRENDS + MEASURED) <= set(oy.checks)
    for key, c in oy.checks.items():
        assert c["verdict"] in ("pass", "fail"), key


@pytest.mark.parametrize("key", EXACT)
def test_exact_statements_hold(oy, key):
    assert oy.checks[key]["verdict"] == "pass", oy.checks[key]["reason"]


@pytest.mark.parametrize("key", TRENDS)
def test_measured_trends_hold(oy, key):
    assert oy.checks[key]["verdict"] == "pass", oy.checks[key]["reason"]


@pytest.mark.parametrize("act", ["softplus", "relu"])
def test_figure2_boundary_band(oy, act):
    c = oy.checks[f"fig2_boundary_{act}_n100"]["measured"]
    assert C_BAND[0] <= c["c"] <= C_BAND[1]
    lo, hi = c["c_ci"]
    assert lo <= c["c"] <= hi and hi - lo < 1.0  # a real fit over the realizations, not a degenerate one
    assert 0.5 <= c["exponent_ratio"] <= 2.0     # kd, not k or d alone


def test_meta_theorem_numbers_are_sane(oy):
    rate = oy.checks["meta_rate"]
    assert 0 < rate["measured"] <= rate["predicted"] < 1
    drift = oy.checks["jacobian_drift"]
    assert abs(drift["measured"] + 0.5) <= drift["tolerance"]


def test_theory_is_far_from_practice(oy):
    # the requirements exceed what training needed by many orders of magnitude (vacuous at this size)
    assert oy.checks["requirement_softplus"]["measured"] > 1e3
    assert oy.checks["requirement_relu"]["measured"] > 1e3


def test_real_data_verdict_follows_from_its_measurement(oy):
    c = oy.checks["real_data_boundary"]
    expected = "pass" if C_BAND[0] <= c["measured"]["c"] <= C_BAND[1] else "fail"
    assert c["verdict"] == expected
    assert 0.5 < c["measured"]["c"] < 10  # a fitted boundary inside the grid's range


def test_separation_slopes_are_the_predicted_ones(oy):
    relu, sp = oy.checks["sep_relu_slope"], oy.checks["sep_softplus_slope"]
    assert abs(relu["measured"] - 1.0) <= relu["tolerance"]
    assert abs(sp["measured"] - 2.0) <= sp["tolerance"]
    assert oy.checks["sep_relu_bound"]["measured"] >= 1  # Theorem I.1 holds, with room


def test_rate_verdict_follows_from_its_measurement(oy):
    c = oy.checks["rate_d_over_n"]
    m = c["measured"]
    expected = m["slope"] is not None and abs(m["slope"] - 1) <= c["tolerance"] and m["spread"] <= 3.0
    assert c["verdict"] == ("pass" if expected else "fail")
    assert m["slope"] is not None and m["slope"] > 0  # iterations do grow with n/d
    assert 0 < oy.checks["rate_theorem_bound"]["measured"] <= 1


def test_random_features_rank_verdicts_follow_from_measurements(oy):
    zero = 1e-10
    below, full = oy.checks["rf_rank_deficient"], oy.checks["rf_rank_full"]
    assert below["measured"] < zero
    assert full["verdict"] == ("pass" if full["measured"] > zero else "fail")


@pytest.mark.parametrize("act", ["relu", "softplus"])
def test_least_squares_step_verdict_follows_from_measurement(oy, act):
    c = oy.checks[f"rf_ls_step_{act}"]["measured"]
    assert c["disagreements"] == c["success_below_n"] + c["failure_at_or_above_n"]
    assert oy.checks[f"rf_ls_step_{act}"]["verdict"] == ("pass" if c["disagreements"] == 0 else "fail")


def test_random_features_width_is_far_above_what_is_needed(oy):
    c = oy.checks["rf_theorem_width"]
    for key, k_meas in c["measured"].items():
        if k_meas != float("inf"):
            assert c["predicted"][key] >= k_meas
