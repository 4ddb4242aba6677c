"""Random features: fit only the output layer (Section 3, Theorem 3.2).

Oymak & Soltanolkotabi (2020), Theorem 3.2: with W fixed at its N(0, 1) initialisation, the feature matrix
Phi = phi(X W^T) (n x k) has full row rank and lambda_min(Phi Phi^T) >= k (lambda~(X) - 6B/n^100) / 2 once
k >= C log^2(n) n / lambda~(X), where lambda~(X) = lambda_min(E[phi(Xw) phi(Xw)^T]); then least squares on v
interpolates. Moreover lambda~(X) >= gamma_phi^2 sigma_min^2(X * X).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from scipy.stats import binom

from ...kernels.random_features import lambda_tilde
from ...kernels.two_layer import khatri_rao_sigma_min_sq
from ...measure.phase import success_grid
from ...runtime import generator_for
from ...theory import oymak2020 as th
from ...train import random_features_fit
from ...train.output_layer import rank_tolerance
from .jacobian import sphere_inputs

__all__ = ["RFLeastSquares", "RFSpectrum", "random_features_grid", "random_features_spectrum", "rank_tolerance"]

ACTIVATIONS = ("relu", "softplus")


@dataclass(frozen=True)
class RFSpectrum:
    """lambda_min(Phi Phi^T) / k against k, beside lambda~(X).

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per (activation, d, k, draw): ``lam_min/k``, ``sigma_min/sigma_max`` (sigma_n(Phi) /
        sigma_1(Phi), 0 when k < n), ``full_rank`` (that ratio above ``rank_tolerance(n, k)``, the SVD's
        round-off), ``rel_residual``, ``lambda~``.
    kernel : pandas.DataFrame
        Index (activation, d): ``lambda~``, ``gamma_phi``, ``sigma2_min(X*X)``, ``bound gamma^2 sigma2``,
        ``n/lambda~``, ``Thm 3.2 width (C = 1)``, ``k where λmin/k ≥ λ̃/2`` (inf if never) and
        ``Thm 3.2 width / measured``.
    convergence : pandas.DataFrame
        Index (activation, d): the relative gap |median lambda_min/k - lambda~| / lambda~ at ``k_mid`` and at
        ``k_max``, and whether ``k_max`` reaches n / lambda~.
    n, k_mid, k_max : int
        k_mid is the smallest k >= 4n of the sweep.
    """

    draws: pd.DataFrame
    kernel: pd.DataFrame
    convergence: pd.DataFrame
    n: int
    k_mid: int
    k_max: int

    @property
    def below_n(self) -> pd.DataFrame:
        return self.draws[self.draws.k < self.n]

    @property
    def at_or_above_n(self) -> pd.DataFrame:
        return self.draws[self.draws.k >= self.n]

    @property
    def singular(self) -> pd.DataFrame:
        """Draws with k >= n whose Phi is rank-deficient to working precision (sigma_n / sigma_1 <= max(n, k) eps)."""
        above = self.at_or_above_n
        return above[~above.full_rank]

    @property
    def tested(self) -> pd.DataFrame:
        """Convergence rows where k_max reaches the theorem's natural scale n / lambda~."""
        return self.convergence[self.convergence["k_max >= n/lambda~"]]

    @property
    def reached(self) -> pd.DataFrame:
        """Kernel rows where lambda_min/k reached lambda~/2 within the sweep."""
        return self.kernel[np.isfinite(self.kernel["k where λmin/k ≥ λ̃/2"])]

    @property
    def min_ratio_at_or_above_n(self) -> float:
        """Smallest sigma_n(Phi) / sigma_1(Phi) over the draws with k >= n."""
        return float(self.at_or_above_n["sigma_min/sigma_max"].min())

    @property
    def min_rank_margin(self) -> float:
        """Smallest (sigma_n / sigma_1) / rank_tolerance(n, k) over the draws with k >= n: above 1 exactly when
        every such Phi has full row rank to working precision."""
        a = self.at_or_above_n
        tol = np.array([rank_tolerance(self.n, k) for k in a.k])
        return float((a["sigma_min/sigma_max"].to_numpy() / tol).min())

    @property
    def worst_shrink(self) -> float:
        """Largest gap at k_max / gap at k_mid over (activation, d): below 1 where every gap shrinks."""
        c = self.convergence
        return float((c[f"gap at k = {self.k_max}"] / c[f"gap at k = {self.k_mid}"]).max())

    @property
    def worst_tested_gap(self) -> float:
        """Largest relative gap at k_max where k_max reaches n / lambda~ (NaN when nowhere)."""
        return float(self.tested[f"gap at k = {self.k_max}"].max()) if len(self.tested) else math.nan

    def quotes(self) -> dict[str, float]:
        """The numbers the chapter's prose quotes."""
        q = {"rf_singular_draws": len(self.singular), "rf_rank_min": self.min_ratio_at_or_above_n,
             "rf_rank_margin": self.min_ratio_at_or_above_n / rank_tolerance(self.n, self.n),
             "rf_n": self.n, "rf_kmax": self.k_max, "rf_kmid": self.k_mid}
        for (a, d), row in self.kernel.iterrows():
            q[f"rf_lt_{a}_{d}"] = float(row["lambda~"])
            q[f"rf_gap_{a}_{d}"] = float(self.convergence.loc[(a, d), f"gap at k = {self.k_max}"])
            q[f"rf_khalf_{a}_{d}"] = float(row["k where λmin/k ≥ λ̃/2"])
            q[f"rf_wratio_{a}_{d}"] = float(row["Thm 3.2 width / measured"])
        d_hi = int(self.kernel.index.get_level_values("d").max())
        q.update({"rf_d_hi": d_hi, "rf_lb_relu": float(self.kernel.loc[("relu", d_hi), "bound gamma^2 sigma2"]),
                  "rf_lb_sp": float(self.kernel.loc[("softplus", d_hi), "bound gamma^2 sigma2"])})
        return q


def random_features_spectrum(n: int, ds: Sequence[int], widths: Sequence[int], draws: int, *,
                             seed: int) -> RFSpectrum:
    """lambda_min(Phi Phi^T) / k over widths and draws, against lambda~(X) and Theorem 3.2's width.

    Theorem 3.2 of Oymak & Soltanolkotabi (2020): E[Phi Phi^T] = k Sigma~(X), so lambda_min / k is exactly
    zero for k < n, positive from k = n on, and tends to lambda~(X) (from below on average, lambda_min
    being concave). The theorem's width is taken with C = 1.

    Parameters
    ----------
    n : int
    ds : sequence of int
        Input dimensions; each has one data set (x_i on the sphere, y_i ~ N(0, 1)).
    widths : sequence of int
        Must contain a k >= 4n.
    draws : int
        Independent W per (activation, d, k).
    seed : int
        Root of the streams ("d", d): X, y, then every W in order.

    Returns
    -------
    RFSpectrum
    """
    rows, kernel_rows = [], []
    for d in ds:
        g = generator_for(seed, "d", int(d))
        X = sphere_inputs(n, int(d), g)
        y = torch.randn(n, generator=g, dtype=torch.float64)
        s2 = khatri_rao_sigma_min_sq(X, 2)
        for act in ACTIVATIONS:
            lt = lambda_tilde(X, act)
            gam = float(th.hermite_coefficients(act, 2, derivative=False)[2])
            kernel_rows.append({"activation": act, "d": int(d), "lambda~": lt, "gamma_phi": gam, "sigma2_min(X*X)": s2,
                                "bound gamma^2 sigma2": gam**2 * s2, "n/lambda~": n / lt,
                                "Thm 3.2 width (C = 1)": th.random_features_width(n, lt)})
            for k in widths:
                for r in range(draws):
                    f = random_features_fit(X, y, int(k), act, g)
                    rows.append({"activation": act, "d": int(d), "k": int(k), "draw": r, "lam_min/k": f.lam_min_over_k,
                                 "sigma_min/sigma_max": f.sigma_ratio, "full_rank": f.full_rank,
                                 "rel_residual": f.rel_residual, "lambda~": lt})
    rfs = pd.DataFrame(rows)
    kernel = pd.DataFrame(kernel_rows).set_index(["activation", "d"])
    k_max, k_mid = max(widths), min(k for k in widths if k >= 4 * n)
    med = rfs.groupby(["activation", "d", "k"])["lam_min/k"].median().unstack("k")
    gap = med.sub(kernel["lambda~"], axis=0).abs().div(kernel["lambda~"], axis=0)
    conv = pd.DataFrame({f"gap at k = {k_mid}": gap[k_mid], f"gap at k = {k_max}": gap[k_max],
                         "k_max >= n/lambda~": k_max >= kernel["n/lambda~"]})
    half = [min((k for k in widths if med.loc[i, k] >= kernel.loc[i, "lambda~"] / 2), default=math.inf)
            for i in kernel.index]
    kernel["k where λmin/k ≥ λ̃/2"] = half
    kernel["Thm 3.2 width / measured"] = kernel["Thm 3.2 width (C = 1)"] / kernel["k where λmin/k ≥ λ̃/2"]
    return RFSpectrum(rfs, kernel, conv, int(n), int(k_mid), int(k_max))


@dataclass(frozen=True)
class RFLeastSquares:
    """Least squares on k random features over a (k, d) grid, with Figure 2's success threshold.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (activation, d, k, realization): ``rel_residual``, ``full_rank``, ``success``
        (rel_residual < tol), ``kd_over_n``.
    n : int
    tol : float
    """

    table: pd.DataFrame
    n: int
    tol: float

    def disagreements(self, activation: str) -> dict[str, object]:
        """Fits that disagree with "success iff k >= n": successes below n (chance under the threshold) and
        failures at or above n (numerical rank), and the d where the latter happen."""
        sub = self.table[self.table.activation == activation]
        lucky = int(((sub.k < self.n) & sub.success).sum())
        missed_rows = sub[(sub.k >= self.n) & ~sub.success]
        at_edge = int((sub.k == self.n - 1).sum())
        return {"disagreements": lucky + len(missed_rows), "success_below_n": lucky,
                "failure_at_or_above_n": len(missed_rows), "fits": len(sub),
                "fits_at_or_above_n": int((sub.k >= self.n).sum()), "fits_at_n_minus_1": at_edge,
                "lucky_allowance": self.lucky_allowance(at_edge),
                "bad_d": sorted(int(d) for d in set(missed_rows.d))}

    def lucky_allowance(self, fits: int, level: float = 1e-3) -> int:
        """The most chance successes below k = n that a true "success iff k >= n" leaves: the (1 - level)
        quantile of Binomial(fits, p_lucky), with ``fits`` the fits at k = n - 1 (a fit at smaller k has a
        residual stochastically larger, so its chance is far smaller and the allowance covers it too).

        Parameters
        ----------
        fits : int
            Fits at k = n - 1.
        level : float
            Chance that the true law exceeds the allowance at k = n - 1.

        Returns
        -------
        int
        """
        return int(binom.ppf(1 - level, fits, min(self.p_lucky, 1.0))) if fits else 0

    def grid(self, activation: str) -> pd.DataFrame:
        """Success fraction per cell (k rows, d columns) for one activation."""
        sub = self.table[self.table.activation == activation]
        return success_grid(sub.k, sub.d, sub.success)

    def rate_by_parameters(self, activation: str) -> pd.DataFrame:
        """Success rate per cell against the trained parameters per sample, k / n."""
        sub = self.table[self.table.activation == activation]
        cells = sub.groupby(["k", "d"]).success.mean().reset_index()
        return cells.assign(params_over_n=cells.k / self.n)

    @property
    def p_lucky(self) -> float:
        """Chance that a fit at k = n - 1 passes: its residual is |u.y| / ||y|| ~ |g| / sqrt(n), below tol with
        probability ~ 2 tol sqrt(n) phi(0)."""
        return 2 * self.tol * math.sqrt(self.n) / math.sqrt(2 * math.pi)

    def quotes(self) -> dict[str, object]:
        """The numbers the chapter's prose quotes."""
        q: dict[str, object] = {"rf_tol": self.tol, "rf_p_lucky": self.p_lucky}
        for act in sorted(set(self.table.activation)):
            c = self.disagreements(act)
            q.update({f"rf_ls_wrong_{act}": c["disagreements"], f"rf_ls_lucky_{act}": c["success_below_n"],
                      f"rf_ls_missed_{act}": c["failure_at_or_above_n"],
                      f"rf_ls_bad_d_{act}": ", ".join(map(str, c["bad_d"])) or "none",
                      f"rf_ls_allow_{act}": c["lucky_allowance"]})
        q["rf_ls_worst_residual"] = float(self.table[self.table.k >= self.n].rel_residual.max())
        return q


def random_features_grid(n: int, ds: Sequence[int], widths: Sequence[int], realizations: int, tol: float, *,
                         seed: int, activations: Sequence[str] = ACTIVATIONS) -> RFLeastSquares:
    """Fit the output layer of k random features by least squares over a (k, d) grid that crosses k = n.

    Section 3 of Oymak & Soltanolkotabi (2020): random features interpolate once k >= n, whatever d is
    (Theorem 3.2), against GD on W, which needs only kd >~ n (Figure 2). Each (d, realization) has its own
    data, the same for every activation.

    Parameters
    ----------
    n : int
    ds, widths : sequence of int
        The grid.
    realizations : int
    tol : float
        Success threshold on the relative residual (Figure 2's 2.5e-3).
    seed : int
        Root of the streams ("d", d, "r", r): X, y, then every W in order.
    activations : sequence of str

    Returns
    -------
    RFLeastSquares
    """
    rows = []
    for act in activations:
        for d in ds:
            for r in range(realizations):
                g = generator_for(seed, "d", int(d), "r", r)
                X = sphere_inputs(n, int(d), g)
                y = torch.randn(n, generator=g, dtype=torch.float64)
                for k in widths:
                    f = random_features_fit(X, y, int(k), act, g)
                    rows.append({"activation": act, "d": int(d), "k": int(k), "realization": r,
                                 "rel_residual": f.rel_residual, "full_rank": f.full_rank,
                                 "success": f.rel_residual < tol})
    table = pd.DataFrame(rows)
    table["kd_over_n"] = table.k * table.d / n
    return RFLeastSquares(table, int(n), float(tol))
