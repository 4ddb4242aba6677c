"""Random features: train only the output layer (Oymak & Soltanolkotabi 2020, Section 3, Theorem 3.2).

With W fixed at its random initialisation (i.i.d. N(0, 1) entries), fitting v in f(x) = v^T phi(W x) is the
least-squares problem min_v 1/2 ||Phi v - y||^2 with the feature matrix Phi = phi(X W^T) in R^{n x k}. It
interpolates as soon as Phi has full *row* rank, which needs k >= n. The output-feature covariance
Sigma~(X) that Theorem 3.2 is stated in lives in ``overparam.kernels.random_features``.

An eigenvalue of a positive semi-definite matrix M is treated as numerical zero when it is below
``NUMERICAL_ZERO * ||M||`` (1e-10): float64 round-off in forming and diagonalising M is ~1e-14 ||M|| for
n = 100, so 1e-10 leaves four orders of margin on either side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..kernels.random_features import NUMERICAL_ZERO
from ..nets.activations import activation_pair

__all__ = ["RFFit", "random_features", "random_features_fit"]


def _t(a: torch.Tensor | np.ndarray) -> torch.Tensor:
    return torch.as_tensor(a).to(torch.float64)


# ------------------------------------------------------------------------------------ the random-features fit
def random_features(X: torch.Tensor | np.ndarray, k: int, activation: str,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Phi = phi(X W^T) in R^{n x k} with W in R^{k x d} i.i.d. N(0, 1) (the paper's initialisation).

    Parameters
    ----------
    X : tensor or array
        (n, d) inputs, used in float64.
    k : int
        Number of features.
    activation : str
        A name of ``overparam.nets.activations``.
    generator : torch.Generator or None
        Draws W (None: torch's global generator).

    Returns
    -------
    torch.Tensor
        (n, k) float64.
    """
    X = _t(X)
    W = torch.randn(k, X.shape[1], generator=generator, dtype=torch.float64)
    return activation_pair(X @ W.T, activation)[0]


@dataclass(frozen=True)
class RFFit:
    """One random-features least-squares fit (Theorem 3.2).

    Parameters
    ----------
    n, k : int
        Samples and features.
    lam_min : float
        lambda_min(Phi Phi^T) as computed (round-off, possibly slightly negative, when rank < n).
    lam_min_over_k : float
        lambda_min(Phi Phi^T) / k, to compare with lambda~(X) (E[Phi Phi^T] = k Sigma~(X)).
    floor : float
        The numerical-zero level NUMERICAL_ZERO * ||Phi Phi^T||.
    full_rank : bool
        lam_min > floor.
    rel_residual : float
        ||Phi v^ - y|| / ||y|| for the minimum-norm solution v^ = Phi^T (Phi Phi^T)^+ y, the pseudo-inverse
        cutting eigenvalues at ``floor``; 0 up to round-off exactly when full_rank.
    v_norm : float
        ||v^||.
    """

    n: int
    k: int
    lam_min: float
    lam_min_over_k: float
    floor: float
    full_rank: bool
    rel_residual: float
    v_norm: float


def random_features_fit(X: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, k: int, activation: str,
                        generator: torch.Generator | None = None) -> RFFit:
    """Draw W (k x d, i.i.d. N(0, 1)), form Phi = phi(X W^T) and fit the output layer by minimum-norm least
    squares.

    Parameters
    ----------
    X, y : tensor or array
        (n, d) inputs and (n,) labels, used in float64.
    k : int
        Number of features.
    activation : str
        A name of ``overparam.nets.activations``.
    generator : torch.Generator or None
        Draws W (None: torch's global generator).

    Returns
    -------
    RFFit
        lambda_min(Phi Phi^T) / k, the relative training residual and the rest (see ``RFFit``).
    """
    X, y = _t(X), _t(y)
    n = X.shape[0]
    Phi = random_features(X, k, activation, generator)
    G = Phi @ Phi.T
    ev, U = torch.linalg.eigh(G)
    floor = NUMERICAL_ZERO * float(ev[-1].abs()) if n else 0.0
    keep = ev > floor
    coef = (U[:, keep].T @ y) / ev[keep]
    v = Phi.T @ (U[:, keep] @ coef)
    res = float((Phi @ v - y).norm() / y.norm())
    return RFFit(n, k, float(ev[0]), float(ev[0]) / k, floor, bool(ev[0] > floor), res, float(v.norm()))


