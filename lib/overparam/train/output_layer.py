"""Random features: train only the output layer (Oymak & Soltanolkotabi 2020, Section 3, Theorem 3.2).

With W fixed at its random initialisation (i.i.d. N(0, 1) entries), fitting v in f(x) = v^T phi(W x) is the
least-squares problem min_v 1/2 ||Phi v - y||^2 with the feature matrix Phi = phi(X W^T) in R^{n x k}. It
interpolates as soon as Phi has full *row* rank, which needs k >= n. The output-feature covariance
Sigma~(X) that Theorem 3.2 is stated in lives in ``overparam.kernels.random_features``.

The fit works on Phi itself, by its singular value decomposition, never on Phi Phi^T: forming the Gram
matrix squares the condition number, so a Phi with sigma_min / sigma_max ~ 1e-8 (common for a square
softplus Phi at small d) would look singular at ~1e-16. Phi has full row rank, to working precision, when
sigma_n(Phi) / sigma_1(Phi) exceeds ``rank_tolerance(n, k)`` = max(n, k) * eps (float64 eps; n * eps for
k <= n), the rule of LAPACK's rank-revealing solvers and of ``numpy.linalg.matrix_rank``: the backward
error of the SVD is of that size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..nets.activations import activation_pair

__all__ = ["RFFit", "random_features", "random_features_fit", "rank_tolerance"]

EPS = float(torch.finfo(torch.float64).eps)


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


def rank_tolerance(n: int, k: int) -> float:
    """The relative level below which a singular value of an n x k float64 matrix counts as zero.

    Parameters
    ----------
    n, k : int
        The matrix's shape.

    Returns
    -------
    float
        max(n, k) * eps: the SVD's backward error relative to sigma_max (n * eps when k <= n).
    """
    return max(int(n), int(k), 1) * EPS


@dataclass(frozen=True)
class RFFit:
    """One random-features least-squares fit (Theorem 3.2).

    Parameters
    ----------
    n, k : int
        Samples and features.
    lam_min : float
        lambda_min(Phi Phi^T) = sigma_n(Phi)^2 from the SVD of Phi (exactly 0 when k < n: Phi has k singular
        values).
    lam_min_over_k : float
        lambda_min(Phi Phi^T) / k, to compare with lambda~(X) (E[Phi Phi^T] = k Sigma~(X)).
    sigma_ratio : float
        sigma_n(Phi) / sigma_1(Phi) (0 when k < n).
    rank_tol : float
        ``rank_tolerance(n, k)``.
    full_rank : bool
        sigma_ratio > rank_tol.
    rel_residual : float
        ||Phi v^ - y|| / ||y|| for the minimum-norm least-squares solution v^ = Phi^+ y (singular values
        below rank_tol * sigma_1 cut); 0 up to round-off exactly when full_rank.
    v_norm : float
        ||v^||.
    """

    n: int
    k: int
    lam_min: float
    lam_min_over_k: float
    sigma_ratio: float
    rank_tol: float
    full_rank: bool
    rel_residual: float
    v_norm: float


def random_features_fit(X: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, k: int, activation: str,
                        generator: torch.Generator | None = None) -> RFFit:
    """Draw W (k x d, i.i.d. N(0, 1)), form Phi = phi(X W^T) and fit the output layer by minimum-norm least
    squares, solved on Phi by its SVD.

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
        lambda_min(Phi Phi^T) / k, sigma_n / sigma_1, the relative training residual and the rest (see
        ``RFFit``).
    """
    X, y = _t(X), _t(y)
    n = X.shape[0]
    Phi = random_features(X, k, activation, generator)
    U, s, Vh = torch.linalg.svd(Phi, full_matrices=False)
    tol = rank_tolerance(n, k)
    s_max = float(s[0]) if len(s) else 0.0
    s_n = float(s[n - 1]) if len(s) >= n > 0 else 0.0
    keep = s > tol * s_max
    v = Vh[keep].T @ ((U[:, keep].T @ y) / s[keep])
    res = float((Phi @ v - y).norm() / y.norm())
    ratio = s_n / s_max if s_max > 0 else 0.0
    return RFFit(n, k, s_n**2, s_n**2 / k, ratio, tol, bool(ratio > tol), res, float(v.norm()))
