"""The output-feature covariance of random features (Oymak & Soltanolkotabi 2020, Def. 3.1).

    Sigma~(X) = E_{w ~ N(0, I_d)} [ phi(X w) phi(X w)^T ],      lambda~(X) = lambda_min(Sigma~(X)),

so E[Phi Phi^T] = k Sigma~(X) for the feature matrix Phi = phi(X W^T); Theorem 3.2 needs
k >= C log^2(n) n / lambda~(X). Entrywise Sigma~_ij = K~(rho_ij), K~(rho) = E[phi(u) phi(v)], corr(u, v) = rho:

* ReLU: the arc-cosine kernel of order 1, K~(rho) = (sqrt(1 - rho^2) + (pi - arccos rho) rho) / (2 pi)
  (Cho & Saul), in closed form;
* softplus: 2-D Gauss-Hermite quadrature (``pair_kernel_quadrature``), or Monte Carlo.

Everything is float64 and takes unit-norm rows of X. The quadrature, the Monte Carlo blocks and the
choice of method are those of Sigma(X) in ``kernels.two_layer``: the two kernels differ only in using
phi instead of phi' and in lacking the factor X X^T.
"""

from __future__ import annotations

import math

import torch
from numpy.typing import ArrayLike

from ..nets.activations import activation_pair
from .monte_carlo import activation_batches, mc_second_moment
from .two_layer import _t, by_method, pair_kernel_quadrature, rho_matrix

__all__ = ["arccos1_kernel", "feature_gram_mc", "feature_gram_quadrature", "lambda_tilde", "output_feature_gram", "relu_feature_gram"]


# ------------------------------------------------------------------------------------ Sigma~(X): closed form
def arccos1_kernel(rho: ArrayLike) -> torch.Tensor:
    """E[relu(u) relu(v)] for standard normals u, v with correlation rho (Cho & Saul's arc-cosine kernel).

    (sqrt(1 - rho^2) + (pi - arccos rho) rho) / (2 pi): 1/2 at rho = 1 and 0 at rho = -1.

    Parameters
    ----------
    rho : array-like
        Correlations; clamped to [-1, 1] against round-off.

    Returns
    -------
    torch.Tensor, float64
        Same shape as ``rho``.
    """
    r = _t(rho).clamp(-1.0, 1.0)
    return (torch.sqrt(1 - r**2) + (math.pi - torch.arccos(r)) * r) / (2 * math.pi)


def relu_feature_gram(X: ArrayLike) -> torch.Tensor:
    """Sigma~(X) of Definition 3.1 for ReLU in closed form (the arc-cosine kernel at rho_ij = x_i^T x_j).

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows

    Returns
    -------
    torch.Tensor, shape (n, n), float64
    """
    return arccos1_kernel(rho_matrix(X))


# ------------------------------------------- Sigma~(X): quadrature (``two_layer.pair_kernel_quadrature``)
def feature_gram_quadrature(X: ArrayLike, activation: str, nodes: int = 64) -> torch.Tensor:
    """Sigma~(X) = E[phi(Xw) phi(Xw)^T] of Definition 3.1 by 2-D Gauss-Hermite quadrature.

    For smooth phi (softplus); ReLU's kink is resolved poorly, use ``relu_feature_gram``.

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows
    activation : {"relu", "softplus"}
    nodes : int
        Gauss-Hermite nodes per dimension.

    Returns
    -------
    torch.Tensor, shape (n, n), float64
    """
    return pair_kernel_quadrature(rho_matrix(X), lambda z: activation_pair(z, activation)[0], nodes=nodes)


def feature_gram_mc(X: ArrayLike, activation: str, samples: int = 100_000,
                    generator: torch.Generator | None = None,
                    chunk: int = 8192) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo Sigma~(X) of Definition 3.1 over ``samples`` draws w ~ N(0, I_d).

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows
    activation : {"relu", "softplus"}
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


def output_feature_gram(X: ArrayLike, activation: str, method: str = "auto", **kw) -> torch.Tensor:
    """Sigma~(X) of Oymak & Soltanolkotabi (2020), Definition 3.1, the output feature covariance.

    E[Phi Phi^T] = k Sigma~(X) for the random feature matrix Phi = phi(X W^T) of k features.

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows
    activation : {"relu", "softplus"}
    method : str
        "closed" (ReLU), "quadrature" (smooth activations), "mc" (the mean), or "auto"
        (``kernels.two_layer.by_method``).
    **kw
        Passed to the quadrature (``nodes``) or Monte Carlo (``samples``, ``generator``).

    Returns
    -------
    torch.Tensor, shape (n, n), float64

    Raises
    ------
    ValueError
        For an unknown method, or "closed" with softplus (``by_method``).
    """
    return by_method(activation, method, closed=lambda: relu_feature_gram(X),
                     quadrature=lambda: feature_gram_quadrature(X, activation, **kw),
                     mc=lambda: feature_gram_mc(X, activation, **kw)[0])


def lambda_tilde(X: ArrayLike, activation: str, method: str = "auto", **kw) -> float:
    """lambda~(X) = lambda_min(Sigma~(X)) (Definition 3.1), the eigenvalue of Theorem 3.2.

    Theorem 3.2 makes the random feature matrix full rank, so that fitting the output layer alone
    interpolates, once k >= C log^2(n) n / lambda~(X).

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows
    activation : {"relu", "softplus"}
    method : str
        As for ``output_feature_gram``.
    **kw
        Passed to ``output_feature_gram``.

    Returns
    -------
    float
    """
    return float(torch.linalg.eigvalsh(output_feature_gram(X, activation, method, **kw))[0])
