"""Phase diagrams: where in the (k, d) plane training succeeds, and the fitted boundary.

Oymak & Soltanolkotabi's Figure 2 colours each cell (k, d) by the fraction of networks that fit, and the
paper's claim is that the boundary follows k d = c n. ``success_grid`` tabulates the success rate per cell;
``fit_phase_boundary`` fits a logistic model in log(k d / n) by maximum likelihood, with a bootstrap interval
for c that resamples networks, or whole realizations where the widths of one realization share inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["success_grid", "BoundaryFit", "fit_phase_boundary"]

# --------------------------------------------------------------------------------- phase-diagram boundaries
def success_grid(k, d, success, ks=None, ds=None) -> pd.DataFrame:
    """Success fraction per cell as a (k rows) x (d columns) table."""
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

    Hyperbola model: P(success) = sigmoid(slope * (log(kd/n) - log c)), so the boundary P = 1/2 is kd = c n.
    Free model: P = sigmoid(a_k log k + a_d log d + b); its boundary is k^{a_k} d^{a_d} = const, a hyperbola
    in kd exactly when ratio = a_k / a_d = 1. Intervals (95%) by bootstrap: each cell's count redrawn from
    its binomial, or whole realizations resampled (``fit_phase_boundary(realization=...)``).
    ``empirical_min_ratio_90``: the smallest kd/n over cells whose measured success fraction is >= 0.9."""

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
        """kd/n at which the fitted hyperbola model gives success probability p."""
        return self.c * math.exp(math.log(p / (1 - p)) / self.slope)

    def probability(self, kd_over_n) -> np.ndarray:
        x = np.log(np.asarray(kd_over_n, float) / self.c)
        return 1 / (1 + np.exp(-self.slope * x))


def _nll(z, s, m):
    # -log-likelihood of s successes in m trials with logit z (numerically stable)
    return float(np.sum(m * np.logaddexp(0, z) - s * z))


def _fit_hyperbola(x, s, m, start=(0.3, 1.5)):
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


def _fit_free(lk, ld, s, m):
    from scipy.optimize import minimize

    def f(p):
        return _nll(p[0] * lk + p[1] * ld + p[2], s, m) + 1e-6 * (p[0] ** 2 + p[1] ** 2)

    r = minimize(f, np.array([2.0, 2.0, -9.0]), method="BFGS")
    return r.x


def _realization_resampler(df: pd.DataFrame, g: pd.DataFrame, rng: np.random.Generator):
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

    def draw() -> np.ndarray:
        out = np.zeros(len(g))
        for rows, S in blocks:
            out[rows] = S[:, rng.integers(0, S.shape[1], S.shape[1])].sum(1)
        return out

    return draw


def fit_phase_boundary(k, d, n: int, success, n_boot: int = 200, seed: int = 0, realization=None) -> BoundaryFit:
    """Fit the boundary of a phase diagram from per-network outcomes (k_b, d_b, success_b).

    realization: the realization label of each network. Given, the intervals resample whole realizations
    at each d (``_realization_resampler``), as shared inputs require; None, each cell's count is redrawn
    from its own binomial (independent draws only)."""
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

    def ci(v, fallback):
        v = np.asarray(v, float)
        v = v[np.isfinite(v)]
        return (float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))) if v.size else (fallback, fallback)

    good = p_hat >= 0.9
    emp = float((kk * dd / n)[good].min()) if good.any() else math.inf
    return BoundaryFit(int(n), c, *ci(bc, c), slope, float(ratio), *ci(br, ratio), r90, *ci(b90, r90), emp,
                       int(len(g)), int(m.sum()))
