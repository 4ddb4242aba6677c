"""Infinite-width kernels of one-hidden-layer networks, in float64.

The two-layer theorems are stated with the smallest eigenvalue of an expected Gram matrix at the data:

* H^infinity (Du et al. 2019, Section 3; lambda0 of their Theorem 3.1) = Sigma(X) for ReLU (Oymak &
  Soltanolkotabi 2020, Definition 6.1): H_ij = rho_ij (pi - arccos rho_ij) / (2 pi), rho_ij = x_i^T x_j
  (``relu_ntk_infinite``, alias ``relu_expected_gram``);
* the expected Jacobian Gram Sigma(X) = E_w[(phi'(X w) phi'(X w)^T) ⊙ (X X^T)] for any activation,
  entrywise rho_ij K(rho_ij) with K(rho) = E[phi'(u) phi'(v)], corr(u, v) = rho: closed form for ReLU,
  2-D Gauss-Hermite quadrature (``pair_kernel_quadrature``) or Monte Carlo with a standard error otherwise;
  lambda(X) = lambda_min(Sigma(X));
* ``khatri_rao_sigma_min_sq``: sigma_min^2 of the Khatri-Rao power X * X of Theorem 2.1's kappa(X);
* ``gram_min_eigenvalue``: the smallest eigenvalue of a Gram matrix, always in float64.

Sigma(X) and Sigma~(X) (``random_features``) are one construction with phi' or phi: they share the
quadrature, the Monte Carlo blocks (``activation_batches``, ``mc_second_moment``) and ``by_method``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from numpy.typing import ArrayLike

from ..nets.activations import activation_pair
from .monte_carlo import expected_gram_mc

__all__ = ["by_method", "expected_gram", "expected_gram_quadrature", "gram_min_eigenvalue", "khatri_rao_sigma_min_sq", "lambda_x", "pair_kernel_quadrature", "relu_expected_gram", "relu_ntk_infinite", "rho_matrix"]


def _t(a: ArrayLike) -> torch.Tensor:
    return torch.as_tensor(a).to(torch.float64)


# ----------------------------------------------------------------------------------- expected Jacobian Gram
def rho_matrix(X: ArrayLike) -> torch.Tensor:
    """The correlations rho_ij = x_i^T x_j, clamped to [-1, 1] against round-off.

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows

    Returns
    -------
    torch.Tensor, shape (n, n), float64
    """
    X = _t(X)
    return (X @ X.T).clamp(-1.0, 1.0)


def pair_kernel_quadrature(R: ArrayLike, f: Callable[[torch.Tensor], torch.Tensor], nodes: int = 64,
                           chunk: int = 4096) -> torch.Tensor:
    """K_f(R_ij) = E[f(u) f(v)] for standard normals (u, v) of correlation R_ij, at every entry of R.

    By 2-D Gauss-Hermite quadrature (u = z1, v = rho z1 + sqrt(1 - rho^2) z2) on the upper triangle of
    the symmetric R. f = phi gives Sigma~(X) (Oymak & Soltanolkotabi 2020, Definition 3.1), f = phi'
    gives Sigma(X) = R ⊙ K_{phi'}(R) (Definition 6.1). Accurate for smooth f (softplus and its
    derivative); a kink or a step (ReLU) is resolved poorly: use the closed forms.

    Parameters
    ----------
    R : array-like, shape (n, n)
        Symmetric correlations (``rho_matrix``); entries are clamped to [-1, 1].
    f : callable, elementwise on a float64 tensor
    nodes : int
        Gauss-Hermite nodes per dimension (nodes^2 points in all).
    chunk : int
        Matrix entries per block (bounds memory at chunk x nodes^2).

    Returns
    -------
    torch.Tensor, shape (n, n), float64
    """
    R = _t(R)
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = torch.as_tensor(w / w.sum())
    z = torch.as_tensor(z)
    Z1, Z2 = torch.meshgrid(z, z, indexing="ij")
    W2 = (w[:, None] * w[None, :]).reshape(-1)
    Z1, Z2 = Z1.reshape(-1), Z2.reshape(-1)
    f1 = f(Z1) * W2
    iu = torch.triu_indices(R.shape[0], R.shape[0])
    rho = R[iu[0], iu[1]].clamp(-1.0, 1.0)
    K = torch.empty_like(rho)
    for s in range(0, rho.numel(), chunk):
        r = rho[s : s + chunk, None]
        V = r * Z1[None, :] + torch.sqrt(1 - r**2) * Z2[None, :]
        K[s : s + chunk] = (f(V) * f1[None, :]).sum(1)
    out = torch.zeros_like(R)
    out[iu[0], iu[1]] = K
    return out + out.T - torch.diag(torch.diagonal(out))


def expected_gram_quadrature(X: ArrayLike, activation: str, nodes: int = 64, chunk: int = 4096) -> torch.Tensor:
    """Sigma(X) (Oymak & Soltanolkotabi 2020, Definition 6.1) by 2-D Gauss-Hermite quadrature.

    Sigma_ij = rho_ij K(rho_ij), K(rho) = E[phi'(u) phi'(v)] (``pair_kernel_quadrature``): for softplus;
    ReLU's step-function derivative is resolved poorly, use the closed form.

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows
    activation : {"relu", "softplus"}
    nodes, chunk : int
        As for ``pair_kernel_quadrature``.

    Returns
    -------
    torch.Tensor, shape (n, n), float64
    """
    R = rho_matrix(X)
    return R * pair_kernel_quadrature(R, lambda z: activation_pair(z, activation)[1], nodes=nodes, chunk=chunk)


def by_method(activation: str, method: str, *, closed: Callable[[], torch.Tensor],
              quadrature: Callable[[], torch.Tensor], mc: Callable[[], torch.Tensor]) -> torch.Tensor:
    """Compute an expected kernel the way ``method`` names: closed form, quadrature or Monte Carlo.

    Parameters
    ----------
    activation : {"relu", "softplus"}
    method : str
        "closed" (ReLU only), "quadrature" (smooth activations), "mc", or "auto" (the closed form for
        ReLU, quadrature otherwise).
    closed, quadrature, mc : callable
        Zero-argument functions computing the kernel each way; only the chosen one is called.

    Returns
    -------
    torch.Tensor
        What the chosen function returns.

    Raises
    ------
    ValueError
        For "closed" with an activation other than ReLU, or an unknown method.
    """
    if method == "auto":
        method = "closed" if activation == "relu" else "quadrature"
    if method == "closed":
        if activation != "relu":
            raise ValueError(f"no closed form for {activation!r}; use method='quadrature' or 'mc'")
        return closed()
    if method == "quadrature":
        return quadrature()
    if method == "mc":
        return mc()
    raise ValueError(f"unknown method {method!r}; valid: auto, closed, quadrature, mc")


def expected_gram(X: ArrayLike, activation: str, method: str = "auto", **kw) -> torch.Tensor:
    """Sigma(X) of Oymak & Soltanolkotabi (2020), Definition 6.1, the expected Jacobian Gram matrix.

    Sigma(X) = E_w[(phi'(X w) phi'(X w)^T) ⊙ (X X^T)], w ~ N(0, I_d); (1/k) E[J(W0) J(W0)^T] when
    |v_l| = 1.

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows
    activation : {"relu", "softplus"}
    method : str
        "closed" (ReLU), "quadrature" (smooth activations), "mc", or "auto" (``by_method``).
    **kw
        Passed to the quadrature (``nodes``, ``chunk``) or Monte Carlo (``samples``, ``generator``).

    Returns
    -------
    torch.Tensor, shape (n, n), float64

    Raises
    ------
    ValueError
        For an unknown method, or "closed" with softplus (``by_method``).
    """
    return by_method(activation, method, closed=lambda: relu_expected_gram(X),
                     quadrature=lambda: expected_gram_quadrature(X, activation, **kw),
                     mc=lambda: expected_gram_mc(X, activation, **kw).Sigma)


def lambda_x(X: ArrayLike, activation: str, method: str = "auto", **kw) -> float:
    """lambda(X) = lambda_min(Sigma(X)) (Oymak & Soltanolkotabi 2020, Definition 6.1).

    The eigenvalue the meta-theorems are stated with (Theorems 6.2 and 6.3): their width and rate depend
    on the data only through it and ||X||.

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows
    activation : {"relu", "softplus"}
    method, **kw
        As for ``expected_gram``.

    Returns
    -------
    float
    """
    return float(torch.linalg.eigvalsh(expected_gram(X, activation, method, **kw))[0])


def khatri_rao_sigma_min_sq(X: ArrayLike, r: int = 2) -> float:
    """sigma_min^2 of the r-fold row-wise Khatri-Rao power X^{*r} (n x d^r), without forming X^{*r}.

    For r = 2 this is sigma_min^2(X * X) of Oymak & Soltanolkotabi (2020), Theorem 2.1, eq. (2.2) (the
    denominator of kappa(X)); higher r are the higher-order Khatri-Rao products of their remark after
    Theorem 2.1. Computed as lambda_min((X X^T)^{⊙r}), since X^{*r} (X^{*r})^T = (X X^T)^{⊙r}.

    Parameters
    ----------
    X : array-like, shape (n, d)
    r : int, the power

    Returns
    -------
    float
        Exactly 0 when n exceeds rank X^{*r} <= C(d + r - 1, r) (for r = 2: n > d(d+1)/2), where the
        computed eigenvalue would be round-off; otherwise clamped at 0.
    """
    X = _t(X)
    n, d = X.shape
    if n > math.comb(d + r - 1, r):
        return 0.0
    return float(torch.linalg.eigvalsh((X @ X.T) ** r)[0].clamp_min(0))


def relu_ntk_infinite(X: ArrayLike) -> torch.Tensor:
    """Du et al. (2019)'s H^infinity, which is also Oymak & Soltanolkotabi's Sigma(X) for ReLU (Def. 6.1).

    H_ij = E_w[x_i^T x_j 1{w^T x_i >= 0, w^T x_j >= 0}] = x_i^T x_j (pi - arccos cos theta_ij) / (2 pi),
    w ~ N(0, I): the limit of ``measure.ntk.two_layer_gram`` as m -> infinity.

    Parameters
    ----------
    X : array-like, shape (n, d), any norms (the papers' inputs are unit vectors)

    Returns
    -------
    torch.Tensor, shape (n, n), float64
    """
    X64 = _t(X)
    inner = X64 @ X64.T
    norms = X64.norm(dim=1)
    cos = (inner / torch.outer(norms, norms)).clamp(-1.0, 1.0)
    return inner * (math.pi - torch.arccos(cos)) / (2 * math.pi)


# Oymak & Soltanolkotabi's name for the same matrix (their Sigma(X) for ReLU, Def. 6.1)
relu_expected_gram = relu_ntk_infinite


def gram_min_eigenvalue(G: torch.Tensor) -> float:
    """Smallest eigenvalue of a symmetric Gram matrix, computed in float64.

    Promoted and symmetrised first: lambda_min (Du et al.'s lambda0) is small against ||G||, and float32
    round-off would swamp it.

    Parameters
    ----------
    G : torch.Tensor, shape (n, n), symmetric up to round-off, any float dtype

    Returns
    -------
    float
    """
    G64 = G.detach().to(torch.float64)
    G64 = 0.5 * (G64 + G64.T)
    return float(torch.linalg.eigvalsh(G64)[0])
