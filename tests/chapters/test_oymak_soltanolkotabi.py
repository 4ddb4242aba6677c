"""Oymak & Soltanolkotabi (2020): the chapter's checks, asserted from its results.json.

Every check is listed with its expected verdict under the quick profile and seed 0, and the verdict is
re-decided from the measured numbers and the tolerances recorded with them (``assert_verdicts``): a
number that moves across its tolerance fails this test whatever the chapter wrote. Every check carries
the paper's words it tests (``source``) and a kind; checks that could not have failed at this scale (rank
counts, proved inequalities evaluated exactly, bounds 10^10 away, Monte Carlo against quadrature) are unit
tests of the library, not verdicts of this page, and the test makes sure they stay off it.

The further assertions test numbers the checks' rules do not pin down: a fitted boundary with a real
interval, the meta-theorem's rate strictly inside (0, 1), a real-data boundary inside the grid, iterations
that grow with n/d, least-squares residuals at k >= n at round-off level.
"""

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
    "jacobian_concentration": "pass", "meta_rate": "pass", "meta_distance": "pass", "meta_path": "pass",
    "jacobian_drift": "pass", "thm62_rate": "pass",
    # Section 2: separated data (Theorem I.1), iterations against n/d (Corollaries 2.2, 2.4; Theorem 6.3)
    "sep_relu_slope": "pass", "sep_softplus_slope": "pass", "rate_d_over_n": "pass", "rate_theorem_bound": "pass",
    "rate_fixed_step": "pass",
    # Section 3: SGD at practical steps
    "sgd_linear_to_zero": "pass", "sgd_vs_gd": "pass",
    # Section 4: Figure 2
    "fig2_boundary_softplus_n100": "pass", "fig2_boundary_relu_n100": "pass", "fig2_not_lazy": "pass",
    # Section 5: random features (Section 3 of the paper, Theorem 3.2)
    "rf_rank_full": "pass", "rf_converges": "pass", "rf_ls_step_relu": "pass", "rf_ls_step_softplus": "pass",
    # Section 6: real inputs
    "real_data_boundary": "pass",
}
KINDS = {
    "claim": {"jacobian_concentration", "rate_d_over_n"},
    "bound": {"meta_rate", "meta_distance", "meta_path", "thm62_rate", "rate_theorem_bound"},
    "remark": {"fig2_boundary_softplus_n100", "fig2_boundary_relu_n100", "rf_ls_step_relu", "rf_ls_step_softplus"},
    "beyond": {"jacobian_drift", "sep_relu_slope", "sep_softplus_slope", "rate_fixed_step", "sgd_linear_to_zero",
               "sgd_vs_gd", "fig2_not_lazy", "rf_rank_full", "rf_converges", "real_data_boundary"},
}
# checks that could not fail at this scale: unit tests now, never verdicts on the page
RETIRED = {"jacobian_rank_transition", "lambda_mc_softplus", "lambda_mc_relu", "lemma64", "sep_relu_bound",
           "sgd_theorem_bound", "fig2_rank_softplus_n100", "fig2_rank_relu_n100", "rf_rank_deficient",
           "rf_lower_bound", "rf_theorem_width", "requirement_softplus", "requirement_relu"}
FIGURES = ["jacobian_at_init", "meta_theorem", "sgd_vs_gd", "figure2", "boundary_vs_budget", "real_data_phase",
           "separation", "rate_vs_n_over_d", "random_features_lambda", "random_features_vs_gd"]


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


def test_kinds_and_sources(oy):
    for kind, keys in KINDS.items():
        for key in keys:
            assert oy.checks[key]["kind"] == kind, key
            assert len(oy.checks[key]["source"]) > 20, key  # the paper's words, not only a number
    assert not RETIRED & set(oy.checks)
    assert "post_hoc" in oy.checks["rate_d_over_n"] and "post_hoc" in oy.checks["rf_rank_full"]
    counts = oy.results["values"]["verdict_counts_text"]
    assert "claim" in counts and "beyond" in counts


def test_no_wall_time_outside_meta(oy):
    assert not any("time" in key for key in oy.results["values"])
    assert "wall_time_s" in oy.results["meta"]


@pytest.mark.parametrize("act", ["softplus", "relu"])
def test_figure2_boundary_is_a_real_fit(oy, act):
    c = cond(oy, f"fig2_boundary_{act}_n100", "c")
    assert (c["lo"], c["hi"]) == (1.0, 2.5)  # the band fixed when the chapter was written (Section 4)
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
    assert oy.results["values"]["meta_step_ratio"] <= 1  # Theorem 6.10's step rule holds along the run


def test_real_data_boundary_above_the_sphere(oy):
    c = cond(oy, "real_data_boundary")
    assert c["rule"] == "exceeds" and c["bound"] == 0
    m = oy.checks["real_data_boundary"]["measured"]
    assert 0.5 < m["c"] < 10 and 0.5 < m["c_sphere"] < 10  # fitted boundaries inside the grid's range
    assert c["interval"][0] == pytest.approx(m["c_ci"][0] - m["c_sphere_ci"][1])


def test_separation_slopes(oy):
    relu, sp = cond(oy, "sep_relu_slope"), cond(oy, "sep_softplus_slope")
    assert (relu["target"], relu["tol"]) == (1.0, 0.2) and (sp["target"], sp["tol"]) == (2.0, 0.3)
    assert abs(relu["value"] - 1.0) <= relu["tol"]
    assert abs(sp["value"] - 2.0) <= sp["tol"]
    assert oy.results["values"]["sep_ratio_I1"] >= 1  # Theorem I.1 holds, with room


def test_rates(oy):
    margin = cond(oy, "rate_d_over_n")
    assert margin["rule"] == "exceeds" and margin["bound"] == 0
    slope = oy.checks["rate_d_over_n"]["measured"]
    assert slope == pytest.approx(1.5 - margin["value"])  # the rule: slope below 1.5
    assert 0 < slope  # iterations do grow with n/d
    assert oy.results["values"]["rate_levels"] >= 4
    assert cond(oy, "rate_theorem_bound", "censored")["value"] == 0
    assert 0 < cond(oy, "rate_theorem_bound", "ratio")["value"] <= 1


def test_random_features_rank_and_fits(oy):
    full = cond(oy, "rf_rank_full")
    assert full["rule"] == "at_least" and full["bound"] == 1  # sigma_n / sigma_1 over max(n, k) eps
    assert 0 < oy.results["values"]["rf_rank_min"] < 1
    assert oy.results["values"]["rf_ls_worst_residual"] < 1e-6  # the SVD solve interpolates at k >= n
    for act in ("relu", "softplus"):
        allow = cond(oy, f"rf_ls_step_{act}", "chance_below_n")["bound"]
        assert 0 <= allow <= 10  # a binomial allowance, not a blanket pass
        assert cond(oy, f"rf_ls_step_{act}", "fits_at_or_above_n")["bound"] == 0


def test_theory_is_far_from_practice(oy):
    # the requirements exceed what training needed by many orders of magnitude (vacuous at this size)
    assert oy.results["values"]["req_sp_ratio"] > 1e3
    assert oy.results["values"]["req_relu_ratio"] > 1e3
