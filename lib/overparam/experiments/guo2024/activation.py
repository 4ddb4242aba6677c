"""The activation family and the factor r(alpha) (Section 3 of Guo, Li & Lerman 2024).

The factor's identity with the derivative jump, the width conditions of Theorems 3.1 and 3.2 along the
slopes, and the separation of the paper's synthetic inputs in each input mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import MODES, synthetic
from ...nets.activations import leaky_relu_scaled
from ...theory import guo2024 as th

__all__ = ["ActivationFamily", "activation_family", "slope_grid", "synthetic_separation", "width_conditions"]

#: Slopes drawn in the activation panel and marked on the r(alpha) curve.
DRAWN = (-2.0, -1.0, -0.5, 0.0, 0.05, 0.5)
MARKED = (-10.0, -2.0, -1.0, -0.5, -0.1, 0.0, 0.05)


def slope_grid(points: int = 2000) -> np.ndarray:
    """A fine grid of slopes on [-10, 0.95] with the named slopes -2, -1, -0.5 and 0 included exactly."""
    return np.unique(np.concatenate([np.linspace(-10, 0.95, points), [-1.0, -2.0, -0.5, 0.0]]))


@dataclass(frozen=True)
class ActivationFamily:
    """The rescaled leaky ReLUs and the factor r(alpha) on a grid of slopes.

    Attributes
    ----------
    alphas, r : ndarray
        The grid and r(alpha) on it.
    gap_alphas : ndarray
        The slopes where the derivative jump was measured by autograd.
    gap_error : float
        max |(sigma~'(0+) - sigma~'(0-))^2 - r(alpha)| over ``gap_alphas``.
    curves : DataFrame
        z and sigma~_alpha(z) for the slopes ``DRAWN`` (columns ``alpha=<a>``).
    marked : DataFrame
        alpha and r(alpha) at the slopes ``MARKED``.
    """

    alphas: np.ndarray
    r: np.ndarray
    gap_alphas: np.ndarray
    gap_error: float
    curves: pd.DataFrame
    marked: pd.DataFrame


def activation_family(alphas: np.ndarray | None = None, *, gap_every: int = 10, eps: float = 1e-6) -> ActivationFamily:
    """r(alpha) as the squared derivative jump of sigma~_alpha at 0 (Section 3, the definition before Theorem 3.1).

    Parameters
    ----------
    alphas : ndarray, optional
        Slopes; default ``slope_grid()``.
    gap_every : int
        The jump is measured by autograd at every ``gap_every``-th slope.
    eps : float
        The derivative is taken at +eps and -eps.

    Returns
    -------
    ActivationFamily
    """
    alphas = slope_grid() if alphas is None else np.asarray(alphas, dtype=float)
    gap_alphas = alphas[::gap_every]
    gap2 = []
    for a in gap_alphas:
        z = torch.tensor([eps, -eps], dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(leaky_relu_scaled(z, float(a)).sum(), z)
        gap2.append(float(g[0] - g[1]) ** 2)
    gap_error = float(np.max(np.abs(np.array(gap2) - th.r(gap_alphas))))
    z = np.linspace(-2, 2, 401)
    curves = pd.DataFrame({"z": z, **{f"alpha={a:g}": leaky_relu_scaled(torch.tensor(z), a).numpy() for a in DRAWN}})
    marked = pd.DataFrame({"alpha": MARKED, "r": [th.r(a) for a in MARKED]})
    return ActivationFamily(alphas, th.r(alphas), gap_alphas, gap_error, curves, marked)


def width_conditions(alphas, *, n: int, depth: int, delta: float, batch: int) -> pd.DataFrame:
    """The smallest widths that meet the conditions of Theorems 3.1 and 3.2, hidden constants 1.

    Parameters
    ----------
    alphas : array
        Slopes.
    n, depth, delta, batch : int, int, float, int
        Sample size, hidden layers L, separation and SGD batch (the paper's synthetic set: 1000, 5, 0.21, 64).

    Returns
    -------
    DataFrame
        alpha, width_gd (Theorem 3.1), width_sgd (Theorem 3.2).
    """
    alphas = np.asarray(alphas, dtype=float)
    return pd.DataFrame({
        "alpha": alphas,
        "width_gd": [th.width_required_gd(a, n, depth, delta) for a in alphas],
        "width_sgd": [th.width_required_sgd(a, n, depth, delta, batch) for a in alphas],
    })


def synthetic_separation(n: int, *, seed: int) -> pd.DataFrame:
    """The separation of n inputs of Section 5.1's synthetic set in each input mode (Assumption 2.1).

    Parameters
    ----------
    n : int
        Training points.
    seed : int
        Seed of the draw (``overparam.data.synthetic``).

    Returns
    -------
    DataFrame
        Indexed by mode (raw, sphere, lift): delta and delta_pm.
    """
    rows = {m: synthetic(n, 0, m, seed=seed) for m in MODES}
    return pd.DataFrame({"delta": {m: d.delta for m, d in rows.items()},
                         "delta_pm": {m: d.delta_pm for m, d in rows.items()}})
