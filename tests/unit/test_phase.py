"""The phase-diagram statistics of ``measure.phase`` (Oymak & Soltanolkotabi 2020, Section 4, Figure 2):
the success table, and the logistic boundary fit kd = c n against outcomes drawn from a planted boundary."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from overparam.measure.phase import BoundaryFit, fit_phase_boundary, success_grid


def planted(c_true: float, *, n: int = 100, slope: float = 6.0, k_power: float = 1.0, size: int = 25,
            reps: int = 10, seed: int = 0):
    """Outcomes of ``reps`` networks per cell (k, d) in [1, size]^2, each succeeding with probability
    sigmoid(slope (log(k^k_power d / n) - log c_true)): a boundary k^k_power d = c_true n."""
    rng = np.random.default_rng(seed)
    k, d = np.meshgrid(np.arange(1, size + 1), np.arange(1, size + 1), indexing="ij")
    k, d = np.repeat(k.ravel(), reps), np.repeat(d.ravel(), reps)
    p = 1 / (1 + np.exp(-slope * (k_power * np.log(k) + np.log(d) - np.log(c_true * n))))
    return k, d, rng.random(k.size) < p


# ------------------------------------------------------------------------------------------- success_grid
def test_success_grid_pivots_cells_with_missing_ones_as_nan():
    k = [1, 1, 2, 2, 2, 3]
    d = [1, 2, 1, 1, 2, 1]
    s = [True, False, True, False, True, True]
    g = success_grid(k, d, s)
    expected = pd.DataFrame({1: [1.0, 0.5, 1.0], 2: [0.0, 1.0, np.nan]}, index=[1, 2, 3])
    pd.testing.assert_frame_equal(g, expected, check_names=False)
    assert g.index.name == "k" and g.columns.name == "d"
    assert math.isnan(g.loc[3, 2])  # (k=3, d=2) has no network


def test_success_grid_reindexes_to_the_asked_rows_and_columns():
    g = success_grid([1, 1, 2], [1, 2, 1], [1.0, 0.0, 1.0], ks=[2, 1, 5], ds=[2, 1, 7])
    assert list(g.index) == [2, 1, 5] and list(g.columns) == [2, 1, 7]
    assert g.loc[1, 1] == 1.0 and g.loc[1, 2] == 0.0 and g.loc[2, 1] == 1.0
    assert math.isnan(g.loc[2, 2])
    assert g.loc[5].isna().all() and g[7].isna().all()  # asked for, never run
    assert list(success_grid([1, 2], [1, 1], [1, 0], ks=[2]).index) == [2]  # cells not asked for are dropped


# ------------------------------------------------------------------------------------ fit_phase_boundary
def test_planted_hyperbola_is_recovered_within_its_interval():
    """Figure 2's grid (k, d <= 25, n = 100, 10 networks per cell) with a planted boundary kd = 0.8 n.
    The draw is fixed: a 95% interval misses the truth in about 1 draw of 20 (29 of 30 draws covered both
    c and the ratio at these settings)."""
    n, c_true = 100, 0.8
    k, d, s = planted(c_true, n=n, seed=3)
    fit = fit_phase_boundary(k, d, n, s, n_boot=100, seed=0)
    assert isinstance(fit, BoundaryFit)
    assert fit.c_lo < c_true < fit.c_hi
    assert abs(math.log(fit.c / c_true)) < 0.05
    assert fit.c_hi - fit.c_lo < 0.2 * c_true  # an interval, not the whole axis
    assert 3.0 < fit.slope < 12.0  # planted 6
    assert fit.ratio_lo < 1.0 < fit.ratio_hi  # the boundary depends on kd alone
    assert fit.cells == 625 and fit.trials == 6250 and fit.n == n


def test_fit_tells_a_boundary_in_k_squared_d_from_one_in_kd():
    """A planted boundary k^2 d = 0.3 n: the free model's ratio a_k / a_d is 2, and its interval excludes
    the hyperbola's 1 (the draw is fixed, as above)."""
    n = 100
    k, d, s = planted(0.3, n=n, k_power=2.0, seed=3)
    fit = fit_phase_boundary(k, d, n, s, n_boot=40, seed=0)
    assert fit.ratio_lo < 2.0 < fit.ratio_hi
    assert fit.ratio_lo > 1.5


def test_fitted_model_is_self_consistent():
    n = 100
    k, d, s = planted(1.2, n=n, seed=2, size=20, reps=6)
    fit = fit_phase_boundary(k, d, n, s, n_boot=20, seed=0)
    assert fit.probability([fit.c])[0] == pytest.approx(0.5)
    assert fit.r90 == pytest.approx(fit.ratio_at(0.9))
    assert fit.probability([fit.ratio_at(0.9)])[0] == pytest.approx(0.9)
    assert fit.c_lo <= fit.c <= fit.c_hi and fit.r90_lo <= fit.r90 <= fit.r90_hi
    cell = pd.DataFrame({"k": k, "d": d, "s": s}).groupby(["k", "d"]).s.mean()
    kd = np.array([a * b for a, b in cell.index]) / n
    assert fit.empirical_min_ratio_90 == kd[cell.to_numpy() >= 0.9].min()
    other = fit_phase_boundary(k, d, n, s, n_boot=5, seed=7)  # the point estimates ignore the bootstrap
    assert (other.c, other.slope, other.ratio, other.r90) == (fit.c, fit.slope, fit.ratio, fit.r90)


@pytest.mark.parametrize("outcome", [True, False])
def test_all_success_or_all_failure_gives_nan_boundary(outcome):
    """No boundary inside the grid: the documented result is NaN for c, slope and r90, with no error and no
    warning; the free model's ratio is not an estimate and its interval collapses to it."""
    n = 100
    k, d, _ = planted(1.0, n=n, size=6, reps=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_phase_boundary(k, d, n, np.full(k.size, outcome), n_boot=10, seed=0)
    for name in ("c", "c_lo", "c_hi", "slope", "r90", "r90_lo", "r90_hi"):
        assert math.isnan(getattr(fit, name)), name
    assert math.isnan(fit.ratio_at(0.9))
    assert fit.ratio_lo == fit.ratio == fit.ratio_hi
    assert fit.cells == 36 and fit.trials == 108
    assert fit.empirical_min_ratio_90 == (1 / n if outcome else math.inf)
