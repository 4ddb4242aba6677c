"""The NTK's smallest eigenvalue against r(alpha): the gradient lower bound (10) behind Theorem 3.1.

With the sum loss ||grad L||_F^2 = 4 e^T Theta e, so the bound (10), ||grad L||^2 >= Omega(r(alpha) delta m
/(n d)) L, is a lower bound on lambda_min(Theta). ``ntk_lambda_min`` computes lambda_min of the
infinite-width NTK Gram over a grid of slopes; ``ntk_empirical`` measures how the empirical NTK of finite
networks approaches it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import synthetic
from ...kernels.deep import infinite_width_ntk
from ...measure.fit import SlopeFit, loglog_slope
from ...nets import DeepEnsemble
from ...runtime import derive_seed
from ...runtime.progress import progress as show_progress
from ...theory import guo2024 as th
from ._common import tensor

__all__ = ["EmpiricalNTK", "KernelSpectrum", "ntk_empirical", "ntk_lambda_min"]


@dataclass(frozen=True)
class KernelSpectrum:
    """lambda_min of the infinite-width NTK Gram over slopes, on sphere and lifted inputs.

    Attributes
    ----------
    table : DataFrame
        mode, trained ("hidden": Algorithm 1's W_1..W_L; "all": every layer, NT parameterisation), alpha,
        r, lambda_min, ratio = lambda_min / r.
    stats : DataFrame
        Indexed by (mode, trained): median of the ratio, spread = max/min of the ratio, notch = ratio at
        alpha = -1 over its median, local = ratio at -1 over the smaller of its values at -1.05 and -0.95.
    delta_pm : float
        Separation up to sign of the unit-sphere inputs (their closest near-antipodal pair).
    """

    table: pd.DataFrame
    stats: pd.DataFrame
    delta_pm: float


def ntk_lambda_min(*, n: int, depth: int, grid: int, seed: int) -> KernelSpectrum:
    """lambda_min(Theta_inf) against r(alpha), the factor of the gradient lower bound (10) of Theorem 3.1's proof.

    Parameters
    ----------
    n, depth : int
        Synthetic points (Section 5.1, drawn once and used on the sphere and lifted) and hidden layers L.
    grid : int
        Points of the slope grid on [-10, 0.9] (-2, -1.05, -1, -0.95, -0.5, 0, 0.05 are added).
    seed : int
        Root of the stream "data".

    Returns
    -------
    KernelSpectrum
    """
    alphas = np.unique(np.concatenate([np.linspace(-10, 0.9, grid), [-2.0, -1.05, -1.0, -0.95, -0.5, 0.0, 0.05]]))
    rows, delta_pm = [], None
    for mode in ["sphere", "lift"]:
        D = synthetic(n, 0, mode, seed=derive_seed(seed, "data"))
        delta_pm = D.delta_pm if mode == "sphere" else delta_pm
        for trained in ["hidden", "all"]:
            for a in alphas:
                K = infinite_width_ntk(D.X, depth, float(a), trained)[0]
                rows.append({"mode": mode, "trained": trained, "alpha": float(a), "r": th.r(a),
                             "lambda_min": float(torch.linalg.eigvalsh(K)[0])})
    table = pd.DataFrame(rows)
    table["ratio"] = table.lambda_min / table.r
    stats = {}
    for key, g in table.groupby(["mode", "trained"]):
        med = float(g.ratio.median())
        at = {a: float(g.ratio[np.isclose(g.alpha, a)].iloc[0]) for a in (-1.05, -1.0, -0.95)}
        stats[key] = {"median": med, "spread": float(g.ratio.max() / g.ratio.min()), "notch": at[-1.0] / med,
                      "local": at[-1.0] / min(at[-1.05], at[-0.95])}
    return KernelSpectrum(table, pd.DataFrame(stats).T.rename_axis(["mode", "trained"]), float(delta_pm))


@dataclass(frozen=True)
class EmpiricalNTK:
    """Distance of the empirical NTK / m of finite networks to Theta_inf / m.

    Attributes
    ----------
    table : DataFrame
        alpha, m, seed, rel_err = ||Theta_m/m - Theta_inf/m||_F / ||Theta_inf/m||_F, lambda_min_emp,
        lambda_min_inf.
    by_width : Series
        The mean relative error over slopes and seeds, indexed by m.
    fit : SlopeFit
        Log-log slope of ``by_width`` against m (the law of large numbers predicts -1/2).
    """

    table: pd.DataFrame
    by_width: pd.Series
    fit: SlopeFit


def ntk_empirical(*, n: int, depth: int, widths, alphas=(-1.0, 0.0, 0.5), n_seeds: int = 2, seed: int,
                  device="cpu", progress: bool = True) -> EmpiricalNTK:
    """The empirical NTK of Algorithm 1's network approaches the analytic Theta_inf like m^(-1/2).

    Parameters
    ----------
    n, depth : int
        Lifted synthetic points and hidden layers L.
    widths : sequence of int
        Widths m.
    alphas : sequence of float
        Slopes.
    n_seeds : int
        Initialisations per width (shared by the slopes).
    seed : int
        Root of the streams "data" and ("init", m, s).
    device : str or torch.device
    progress : bool
        Show a progress bar on the pipeline's terminal.

    Returns
    -------
    EmpiricalNTK
    """
    D = synthetic(n, 0, "lift", seed=derive_seed(seed, "data"))
    X = tensor(D.X, torch.float64, device)
    rows = []
    for a in show_progress(list(alphas), desc="empirical NTK", enabled=progress, leave=False):
        K_inf = infinite_width_ntk(X, depth, a, "hidden")[0]
        lam_inf = float(torch.linalg.eigvalsh(K_inf)[0])
        for m in widths:
            for s in range(n_seeds):
                e = DeepEnsemble.guo(X.shape[1], m, depth, [a], seeds=derive_seed(seed, "init", m, s),
                                     dtype=torch.float64, device=device)
                K_emp = e.ntk(X)[0] / m
                rows.append({"alpha": a, "m": m, "seed": s,
                             "rel_err": float(torch.linalg.norm(K_emp - K_inf) / torch.linalg.norm(K_inf)),
                             "lambda_min_emp": float(torch.linalg.eigvalsh(K_emp)[0]), "lambda_min_inf": lam_inf})
    table = pd.DataFrame(rows)
    by_width = table.groupby("m").rel_err.mean()
    return EmpiricalNTK(table, by_width, loglog_slope(by_width.index, by_width.values))
