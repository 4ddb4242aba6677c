"""The output-feature covariance of random features (Oymak & Soltanolkotabi 2020, Def. 3.1).

    Sigma~(X) = E_{w ~ N(0, I_d)} [ phi(X w) phi(X w)^T ],      lambda~(X) = lambda_min(Sigma~(X)),

so E[Phi Phi^T] = k Sigma~(X) for the feature matrix Phi = phi(X W^T); Theorem 3.2 needs
k >= C log^2(n) n / lambda~(X). Entrywise Sigma~_ij = K~(rho_ij), K~(rho) = E[phi(u) phi(v)], corr(u, v) = rho:

* ReLU: the arc-cosine kernel of order 1, K~(rho) = (sqrt(1 - rho^2) + (pi - arccos rho) rho) / (2 pi)
  (Cho & Saul), in closed form;
* softplus: 2-D Gauss-Hermite quadrature (``pair_kernel_quadrature``), or Monte Carlo.

Everything is float64 and takes unit-norm rows of X.
"""

from __future__ import annotations

import math

import torch

from ..nets.activations import activation_pair
from .two_layer import (
    _t,
    activation_batches,
    by_method,
    mc_second_moment,
    pair_kernel_quadrature,
    rho_matrix,
)

__all__ = ["NUMERICAL_ZERO", "numerical_zero_floor", "arccos1_kernel", "relu_feature_gram", "feature_gram_quadrature", "feature_gram_mc", "output_feature_gram", "lambda_tilde"]


NUMERICAL_ZERO = 1e-10


def numerical_zero_floor(M) -> float:
    """The level below which an eigenvalue of the PSD matrix M counts as zero: NUMERICAL_ZERO * ||M||."""
    M = _t(M)
    return NUMERICAL_ZERO * float(torch.linalg.matrix_norm(M, 2)) if M.numel() else 0.0


# ------------------------------------------------------------------------------------ Sigma~(X): closed form
def arccos1_kernel(rho) -> torch.Tensor:
    """E[relu(u) relu(v)] for standard normal u, v with correlation rho:
    (sqrt(1 - rho^2) + (pi - arccos rho) rho) / (2 pi). Equals 1/2 at rho = 1 and 0 at rho = -1."""
    r = _t(rho).clamp(-1.0, 1.0)
    return (torch.sqrt(1 - r**2) + (math.pi - torch.arccos(r)) * r) / (2 * math.pi)


def relu_feature_gram(X) -> torch.Tensor:
    """Sigma~(X) for ReLU in closed form (arc-cosine kernel of order 1 at rho_ij = x_i^T x_j)."""
    return arccos1_kernel(rho_matrix(X))


# ---------------------------------------------- Sigma~(X): quadrature (``jacobian.pair_kernel_quadrature``)
def feature_gram_quadrature(X, activation: str, nodes: int = 64) -> torch.Tensor:
    """Sigma~(X) = E[phi(Xw) phi(Xw)^T] by 2-D Gauss-Hermite quadrature (for smooth phi: softplus)."""
    return pair_kernel_quadrature(rho_matrix(X), lambda z: activation_pair(z, activation)[0], nodes=nodes)


def feature_gram_mc(X, activation: str, samples: int = 100_000, generator: torch.Generator | None = None,
                    chunk: int = 8192) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo Sigma~(X) over ``samples`` draws w ~ N(0, I_d).

    Parameters
    ----------
    X : array-like, shape (n, d)
        Unit-norm rows.
    activation : str
        "relu" or "softplus".
    samples : int
        Number of draws.
    generator : torch.Generator, optional
        The draws' stream (None: torch's global generator).
    chunk : int
        Draws per block.

    Returns
    -------
    mean, se : torch.Tensor, shape (n, n)
        The estimate and its entrywise standard error.
    """
    X = _t(X)
    blocks = activation_batches(X, activation, derivative=False, samples=samples, generator=generator, chunk=chunk)
    mean, var = mc_second_moment(blocks, X.shape[0], samples)
    return mean, (var / samples).sqrt()


def output_feature_gram(X, activation: str, method: str = "auto", **kw) -> torch.Tensor:
    """Sigma~(X) of Def. 3.1.

    Parameters
    ----------
    X : array-like, shape (n, d)
        Unit-norm rows.
    activation : str
        "relu" or "softplus".
    method : str
        "closed" (ReLU), "quadrature" (smooth activations), "mc" (the mean), or "auto"
        (``kernels.two_layer.by_method``).
    **kw
        Passed to the quadrature (``nodes``) or Monte Carlo (``samples``, ``generator``).

    Returns
    -------
    torch.Tensor, shape (n, n), float64
    """
    return by_method(activation, method, closed=lambda: relu_feature_gram(X),
                     quadrature=lambda: feature_gram_quadrature(X, activation, **kw),
                     mc=lambda: feature_gram_mc(X, activation, **kw)[0])


def lambda_tilde(X, activation: str, method: str = "auto", **kw) -> float:
    """lambda~(X) = lambda_min(Sigma~(X)), the quantity of Theorem 3.2."""
    return float(torch.linalg.eigvalsh(output_feature_gram(X, activation, method, **kw))[0])
