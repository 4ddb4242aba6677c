"""Phase diagrams: where in the (k, d) plane training succeeds, and the fitted boundary.

Oymak & Soltanolkotabi (2020), Section 4 and Figure 2, colour each cell (k, d) of hidden units and input
dimension by the fraction of networks that fit n random labels, and claim that the boundary follows the
line kd = n (parameters = samples), i.e. kd = c n with c near 1. ``success_grid`` tabulates the success
rate per cell (the picture); ``fit_phase_boundary`` turns the same outcomes into numbers a check can
test: c with a bootstrap interval, from a logistic model in log(kd/n) fitted by maximum likelihood, and a
free model in (log k, log d) whose ratio of coefficients tests that the boundary depends on kd alone.

The fit takes per-network outcomes rather than cell fractions so that the likelihood weighs every cell by
its number of trials, and so that the bootstrap can resample whole realizations where the networks of
one realization share their inputs across k (``train.sphere_problems(shared_inputs=True)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["BoundaryFit", "fit_phase_boundary", "success_grid"]


def success_grid(k: ArrayLike, d: ArrayLike, success: ArrayLike, ks: Iterable | None = None,
                 ds: Iterable | None = None) -> pd.DataFrame:
    """Success fraction per cell (k, d) as a table with k as rows and d as columns (Figure 2's picture).

    Parameters
    ----------
    k, d : array-like
        Hidden units and input dimension of each network.
    success : array-like of bool or float
        Each network's outcome (1 = fitted).
    ks, ds : iterable, optional
        The rows and columns to show, in this order. Cells with no network are NaN, as are rows or
        columns asked for that have no network at all; cells not asked for are dropped. None: the
        values present, sorted.

    Returns
    -------
    pandas.DataFrame
        The mean success per cell, index k, columns d.
    """
    df = pd.DataFrame({"k": np.asarray(k), "d": np.asarray(d), "s": np.asarray(success, float)})
    g = df.groupby(["k", "d"]).s.mean().unstack("d")
    if ks is not None:
        g = g.reindex(index=list(ks))
    if ds is not None:
        g = g.reindex(columns=list(ds))
    return g


@dataclass(frozen=True)
class BoundaryFit:
    """Logistic fits of a phase diagram's success probability (maximum likelihood, bootstrap intervals).

    Hyperbola model: P(success) = sigmoid(slope * (log(kd/n) - log c)), so the boundary P = 1/2 is kd = c n
    (Oymak & Soltanolkotabi 2020, Section 4, claim c ~ 1). Free model: P = sigmoid(a_k log k + a_d log d +
    b); its boundary is k^{a_k} d^{a_d} = const, a hyperbola in kd exactly when ratio = a_k / a_d = 1.
    Intervals (95%) by bootstrap: each cell's count redrawn from its binomial, or whole realizations
    resampled (``fit_phase_boundary(realization=...)``).

    When every network succeeds, or every one fails, there is no boundary inside the grid: c, slope, r90
    and their intervals are NaN, and the free model's ratio is whatever its optimiser stopped at, not an
    estimate (its interval collapses to that point, since every bootstrap draw repeats the data).

    Attributes
    ----------
    n : int
        Number of samples.
    c, c_lo, c_hi : float
        The boundary constant of kd = c n and its interval.
    slope : float
        Steepness of the hyperbola model in log(kd/n) (large: a sharp transition).
    ratio, ratio_lo, ratio_hi : float
        a_k / a_d of the free model and its interval (1: the boundary depends on kd alone).
    r90, r90_lo, r90_hi : float
        kd/n at which the hyperbola model gives success probability 0.9 (``ratio_at(0.9)``), with its
        interval.
    empirical_min_ratio_90 : float
        The smallest kd/n over cells whose measured success fraction is >= 0.9 (inf if none).
    cells : int
        Number of (k, d) cells.
    trials : int
        Number of networks.
    """

    n: int
    c: float
    c_lo: float
    c_hi: float
    slope: float
    ratio: float
    ratio_lo: float
    ratio_hi: float
    r90: float
    r90_lo: float
    r90_hi: float
    empirical_min_ratio_90: float
    cells: int
    trials: int

    def ratio_at(self, p: float) -> float:
        """kd/n at which the fitted hyperbola model gives success probability p.

        Parameters
        ----------
        p : float
            A probability in (0, 1).

        Returns
        -------
        float
            c (p / (1 - p))^{1/slope}; NaN for a degenerate fit.
        """
        return self.c * math.exp(math.log(p / (1 - p)) / self.slope)

    def probability(self, kd_over_n: ArrayLike) -> np.ndarray:
        """The hyperbola model's success probability sigmoid(slope log(kd/(c n))).

        Parameters
        ----------
        kd_over_n : array-like
            Values of kd/n.

        Returns
        -------
        numpy.ndarray
            Probabilities, same shape.
        """
        x = np.log(np.asarray(kd_over_n, float) / self.c)
        return 1 / (1 + np.exp(-self.slope * x))


def _nll(z: np.ndarray, s: np.ndarray, m: np.ndarray) -> float:
    # -log-likelihood of s successes in m trials with logit z (numerically stable)
    return float(np.sum(m * np.logaddexp(0, z) - s * z))


def _fit_hyperbola(x: np.ndarray, s: np.ndarray, m: np.ndarray,
                   start: tuple[float, float] = (0.3, 1.5)) -> tuple[float, float]:
    # maximum likelihood (c, slope) of the hyperbola model, from three Nelder-Mead starts in (log c, log
    # slope); log slope is capped at 6 and log c clipped to [-8, 8] so a near-step transition stays finite
    from scipy.optimize import minimize

    if s.sum() == 0 or s.sum() == m.sum():  # all failures or all successes: no boundary inside the grid
        return math.nan, math.nan
    f = lambda p: _nll(math.exp(min(p[1], 6.0)) * (x - p[0]), s, m) + 1e-6 * p[1] ** 2
    best = None
    for x0 in (start, (0.0, 1.0), (0.7, 2.5)):
        r = minimize(f, np.array(x0), method="Nelder-Mead",
                     options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
        if best is None or r.fun < best.fun:
            best = r
    logc, logslope = best.x
    return math.exp(float(np.clip(logc, -8.0, 8.0))), math.exp(min(logslope, 6.0))


def _fit_free(lk: np.ndarray, ld: np.ndarray, s: np.ndarray, m: np.ndarray) -> np.ndarray:
    # maximum likelihood (a_k, a_d, b) of the free model, with a tiny ridge that keeps it finite
    from scipy.optimize import minimize

    def _objective(p: np.ndarray) -> float:
        return _nll(p[0] * lk + p[1] * ld + p[2], s, m) + 1e-6 * (p[0] ** 2 + p[1] ** 2)

    r = minimize(_objective, np.array([2.0, 2.0, -9.0]), method="BFGS")
    return r.x


def _realization_resampler(df: pd.DataFrame, g: pd.DataFrame,
                           rng: np.random.Generator) -> Callable[[], np.ndarray]:
    """Bootstrap success counts per cell of ``g`` that resample whole realizations: for every d, R
    realization labels drawn with replacement, used for all k at that d. Networks of one realization that
    share their inputs across k (``sphere_problems(shared_inputs=True)``) are correlated; drawing them
    together keeps that correlation in the intervals (for independent draws it is the ordinary
    nonparametric bootstrap over realizations)."""
    table = df.pivot_table(index=["k", "d"], columns="r", values="s", aggfunc="first")
    table = table.loc[list(zip(g.k, g.d))]
    blocks = []
    for dd in np.unique(g.d):
        rows = np.flatnonzero(g.d.to_numpy() == dd)
        sub = table.iloc[rows].dropna(axis=1, how="all")
        if sub.isna().any().any():
            raise ValueError(f"resampling realizations needs every cell at d = {dd} to have the same realizations")
        blocks.append((rows, sub.to_numpy()))

    def _draw() -> np.ndarray:
        out = np.zeros(len(g))
        for rows, S in blocks:
            out[rows] = S[:, rng.integers(0, S.shape[1], S.shape[1])].sum(1)
        return out

    return _draw


def fit_phase_boundary(k: ArrayLike, d: ArrayLike, n: int, success: ArrayLike, n_boot: int = 200,
                       seed: int = 0, realization: ArrayLike | None = None) -> BoundaryFit:
    """Fit the boundary kd = c n of a phase diagram from per-network outcomes (k_b, d_b, success_b).

    The test of Oymak & Soltanolkotabi's (2020) Section 4 claim that networks fit random labels as soon as
    kd exceeds n: the hyperbola model gives c (expected near 1) and the free model tests that the boundary
    depends on k and d only through kd (``BoundaryFit``).

    Parameters
    ----------
    k, d : array-like
        Hidden units and input dimension of each network.
    n : int
        Number of samples (the same for every network).
    success : array-like of bool or float
        Each network's outcome (1 = fitted).
    n_boot : int
        Bootstrap replicates for the intervals.
    seed : int
        Seed of the bootstrap's ``numpy.random.default_rng``.
    realization : array-like, optional
        The realization label of each network. Given, the intervals resample whole realizations at each d
        (networks of one realization that share their inputs across k are correlated, and are drawn
        together); None, each cell's count is redrawn from its own binomial (independent draws only).

    Returns
    -------
    BoundaryFit
        The point estimates do not depend on ``n_boot``, ``seed`` or ``realization``. If every network
        succeeds or every one fails, c, slope and r90 are NaN (see ``BoundaryFit``).

    Raises
    ------
    ValueError
        With ``realization``, if the cells at one d do not all hold the same realizations.
    """
    df = pd.DataFrame({"k": np.asarray(k), "d": np.asarray(d), "s": np.asarray(success, float)})
    if realization is not None:
        df["r"] = np.asarray(realization)
    g = df.groupby(["k", "d"]).s.agg(["sum", "count"]).reset_index()
    kk, dd = g.k.to_numpy(float), g.d.to_numpy(float)
    s, m = g["sum"].to_numpy(float), g["count"].to_numpy(float)
    x = np.log(kk * dd / n)
    lk, ld = np.log(kk), np.log(dd)
    c, slope = _fit_hyperbola(x, s, m)
    a = _fit_free(lk, ld, s, m)
    ratio = a[0] / a[1] if a[1] != 0 else math.inf
    r90 = c * math.exp(math.log(9.0) / slope)
    rng = np.random.default_rng(seed)
    bc, br, b90 = [], [], []
    p_hat = s / m
    resample = _realization_resampler(df, g, rng) if realization is not None else None
    for _ in range(n_boot):
        sb = resample() if resample is not None else rng.binomial(m.astype(int), p_hat).astype(float)
        cb, sl = _fit_hyperbola(x, sb, m, start=(math.log(c), math.log(slope)) if math.isfinite(c) else (0.3, 1.5))
        bc.append(cb)
        b90.append(cb * math.exp(math.log(9.0) / sl))
        ab = _fit_free(lk, ld, sb, m)
        br.append(ab[0] / ab[1] if ab[1] != 0 else np.nan)

    def _ci(v: list[float], fallback: float) -> tuple[float, float]:
        # the 95% percentile interval of the finite replicates; the point estimate if none is finite
        v = np.asarray(v, float)
        v = v[np.isfinite(v)]
        return (float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))) if v.size else (fallback, fallback)

    good = p_hat >= 0.9
    emp = float((kk * dd / n)[good].min()) if good.any() else math.inf
    return BoundaryFit(int(n), c, *_ci(bc, c), slope, float(ratio), *_ci(br, ratio), r90, *_ci(b90, r90), emp,
                       len(g), int(m.sum()))
