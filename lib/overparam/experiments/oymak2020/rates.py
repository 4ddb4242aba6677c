"""Iterations to a relative error eps against n/d (Corollaries 2.2 and 2.4).

Oymak & Soltanolkotabi (2020): on sphere data with d <= n <~ d^2, ||X||^2 ~ n/d and lambda(X) is of order
one, so Theorems 6.2 and 6.3 at their step contract the residual by 1 - c d/n per step and reaching eps
takes about (n/d) log(1/eps) iterations. With a fixed step instead the linearised rate is
1 - eta lambda(X), so the iterations follow 1/lambda(X).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...kernels.two_layer import lambda_x
from ...measure.fit import SlopeFit, loglog_slope
from ...nets.activations import activation_pair
from ...theory import oymak2020 as th
from ...train import sphere_problems
from ._train import train_networks

__all__ = ["RateStudy", "iterations_to_eps"]

# the fit where a run did not reach eps within the budget: a NaN slope, which no check's rule accepts
NO_FIT = SlopeFit(math.nan, math.nan, math.nan, math.nan, 0)


@dataclass(frozen=True)
class RateStudy:
    """Iterations to relative error eps on a grid of (n, d), at the theorem's step and at a fixed step.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (activation, variant, n, d, realization): ``k``, ``n/d``, ``lambda``, ``||X||^2``,
        ``eta``, ``iterations`` (NaN when not reached within the budget), the ``theorem bound`` (Theorem 6.2
        or 6.3's rate turned into an iteration count, theorem step only) and the rescaled counts
        ``iterations x d/n`` and ``iterations x lambda/||X||^2``.
    activation : str
        The activation the checks are about (the first one run).
    eps : float
    budget : int
    kd_over_n : float
    eta_fixed : float
    """

    table: pd.DataFrame
    activation: str
    eps: float
    budget: int
    kd_over_n: float
    eta_fixed: float

    def _variant(self, variant: str) -> pd.DataFrame:
        t = self.table
        return t[(t.activation == self.activation) & (t.variant == variant)]

    @property
    def cells(self) -> pd.DataFrame:
        """Medians per (n, d) cell at the theorem's step."""
        return self._variant("theorem step").groupby(["n", "d"]).median(numeric_only=True)

    @property
    def censored(self) -> int:
        """Runs of the checked activation at the theorem's step that did not reach eps within the budget."""
        return int(self._variant("theorem step").iterations.isna().sum())

    @property
    def censored_fixed(self) -> int:
        """Runs of the checked activation at the fixed step that did not reach eps within the budget."""
        return int(self._variant("fixed step").iterations.isna().sum())

    @property
    def slope_fit(self) -> SlopeFit:
        """Slope of log iterations on log(n/d) at the theorem's step (``NO_FIT`` when one of its runs is
        censored: a run past the budget has no iteration count)."""
        thm = self._variant("theorem step")
        return loglog_slope(thm["n/d"], thm.iterations) if self.censored == 0 else NO_FIT

    @property
    def fixed_fit(self) -> SlopeFit:
        """Slope of log iterations on log(1/lambda(X)) at the fixed step (``NO_FIT`` when one of its runs is
        censored)."""
        fix = self._variant("fixed step")
        return loglog_slope(1 / fix["lambda"], fix.iterations) if self.censored_fixed == 0 else NO_FIT

    @property
    def spread(self) -> float:
        """max / min over the cells of the median iterations x d/n (1 where the n/d law is exact)."""
        c = self.cells["iterations x d/n"]
        return float(c.max() / c.min())

    @property
    def levels(self) -> int:
        """Distinct n/d levels at the theorem's step."""
        return int(self._variant("theorem step")["n/d"].nunique())

    @property
    def runs(self) -> int:
        """Runs at the theorem's step (cells times realizations)."""
        return len(self._variant("theorem step"))

    @property
    def c_max(self) -> float:
        """Largest C for which every cell meets Corollary 2.4's width sqrt(kd) >= C n^2 / d."""
        t = self._variant("theorem step")
        return float((np.sqrt(t.k * t.d) * t.d / t.n**2).min())

    @property
    def worst_bound_ratio(self) -> float:
        """Largest measured iterations / the theorem's iteration count, over the runs that finished."""
        thm = self._variant("theorem step")
        return float((thm.iterations / thm["theorem bound"]).max())

    def quotes(self) -> dict[str, float]:
        """The numbers the chapter's prose quotes."""
        fit, cells = self.slope_fit, self.cells
        lam_scaled = cells["iterations x lambda/||X||^2"]
        return {"rate_slope": fit.slope, "rate_slope_lo": fit.lo, "rate_slope_hi": fit.hi,
                "rate_levels": self.levels, "rate_C_max": self.c_max,
                "rate_direction": "steeper than" if fit.slope > 1 else "no steeper than",
                "rate_spread": self.spread, "rate_spread_lam": float(lam_scaled.max() / lam_scaled.min()),
                "rate_bound_worst": self.worst_bound_ratio, "rate_fix_slope": self.fixed_fit.slope,
                "rate_act": self.activation, "rate_lam_range": float(cells["lambda"].max() / cells["lambda"].min())}


def iterations_to_eps(grid: Sequence[tuple[int, int]], kd_over_n: float, activations: Sequence[str],
                      realizations: int, eps: float, eta_fixed: float, budget: int, *, seed: int,
                      device="cpu") -> RateStudy:
    """GD iterations to relative error eps on sphere problems with kd ~ kd_over_n * n, for every (n, d).

    Corollaries 2.2 and 2.4 of Oymak & Soltanolkotabi (2020): at Theorem 6.2's step (softplus) or 6.3's
    (ReLU), eta = n / (c ||y||^2 ||X||^2), the iterations grow like n/d; Theorem 6.2/6.3's own rate,
    turned into an iteration count log(||r0|| / (eps ||y||)) / -log(rate), bounds them. The same problems
    are run again at the fixed step ``eta_fixed`` (as in Figure 2).

    Parameters
    ----------
    grid : sequence of (n, d)
    kd_over_n : float
        Width k = round(kd_over_n * n / d).
    activations : sequence of str
        The first is the one the checks are about.
    realizations : int
        Independent problems per cell.
    eps : float
        Target relative error ||f - y|| / ||y||.
    eta_fixed : float
    budget : int
        Most GD steps per run.
    seed : int
        Root of the problems' draws (``sphere_problems``).
    device : str or torch.device
        Where to train (float32).

    Returns
    -------
    RateStudy
    """
    rows = []
    for act in activations:
        step_fn = th.relu_step if act == "relu" else th.smooth_step
        rate_fn = th.relu_rate if act == "relu" else th.smooth_rate
        for n, d in grid:
            k = round(kd_over_n * n / d)
            probs = sphere_problems(n, [(k, d)], realizations, seed=seed, dtype=torch.float32)
            Xd = [x.double() for x in probs.X]
            X_norm = np.array([float(torch.linalg.matrix_norm(x, 2)) for x in Xd])
            y_norm = np.array([float(y.double().norm()) for y in probs.y])
            lam = np.array([lambda_x(x, act) for x in Xd])
            r0 = np.array([float((activation_pair(x @ w.double().T, act)[0] @ v.double() - y.double()).norm())
                           for x, w, v, y in zip(Xd, probs.W0, probs.v, probs.y)])
            eta_thm = np.array([step_fn(n, a, b) for a, b in zip(y_norm, X_norm)])
            thm_rate = rate_fn(lam, X_norm)
            for variant, eta in (("theorem step", torch.as_tensor(eta_thm)), ("fixed step", eta_fixed)):
                res = train_networks(probs, act, eta, budget, tol=eps, device=device, dtype=torch.float32)
                for b in range(len(probs)):
                    hit = res.hit_step[b]
                    rows.append({
                        "activation": act, "variant": variant, "n": n, "d": d, "k": k, "realization": b,
                        "n/d": n / d, "lambda": lam[b], "||X||^2": X_norm[b] ** 2,
                        "eta": float(eta_thm[b]) if variant == "theorem step" else eta_fixed,
                        "iterations": int(hit) if hit >= 0 else np.nan,
                        "theorem bound": (math.log(r0[b] / (eps * y_norm[b])) / -math.log(thm_rate[b])
                                          if variant == "theorem step" else np.nan),
                    })
    table = pd.DataFrame(rows)
    table["iterations x d/n"] = table.iterations / table["n/d"]
    table["iterations x lambda/||X||^2"] = table.iterations * table["lambda"] / table["||X||^2"]
    return RateStudy(table, activations[0], float(eps), int(budget), float(kd_over_n), float(eta_fixed))
