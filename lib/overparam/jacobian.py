"""The Jacobian of the one-hidden-layer network f(W) = phi(X W^T) v and its expectation at random W.

Oymak & Soltanolkotabi (2020) state everything through two matrices (reading notes §2.7):

* the Jacobian J(W) in R^{n x kd} of the prediction vector with respect to vect(W) (row-major), with rows
  J_i = vect(diag(v) phi'(W x_i) x_i^T). Its Gram matrix has the Hadamard (Khatri-Rao) form

      J J^T = (phi'(X W^T) diag(v)^2 phi'(W X^T)) ⊙ (X X^T),

  so the singular values of J come from an n x n eigenproblem at cost O(n^2 k), never forming J;
* the expected Jacobian Gram ("neural-network covariance", Def. 6.1)

      Sigma(X) = E_{w ~ N(0, I_d)} [ (phi'(X w) phi'(X w)^T) ⊙ (X X^T) ],   lambda(X) = lambda_min(Sigma(X)),

  with E[J(W0) J(W0)^T] = ||v||^2 Sigma(X) (A.1). Entrywise Sigma_ij = rho_ij K(rho_ij) with
  rho_ij = x_i^T x_j and K(rho) = E[phi'(u) phi'(v)], corr(u, v) = rho. For ReLU K(rho) = (pi - arccos rho)/(2 pi)
  in closed form; for softplus there is none, and Sigma is computed by Monte Carlo (with a standard error)
  or by 2-D Gauss-Hermite quadrature.

Everything here is float64 and takes unit-norm rows of X.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from .ensemble.two_layer import activation_pair

__all__ = [
    "jacobian",
    "jacobian_gram",
    "jacobian_singular_values",
    "jacobian_drift",
    "sign_flip_fraction",
    "relu_expected_gram",
    "expected_gram_quadrature",
    "expected_gram_mc",
    "MCGram",
    "expected_gram",
    "lambda_x",
    "khatri_rao_sigma_min_sq",
]


def _t(a) -> torch.Tensor:
    return torch.as_tensor(a).to(torch.float64)


def jacobian(W, X, v, activation: str) -> torch.Tensor:
    """The explicit n x kd Jacobian of f(W) = phi(X W^T) v w.r.t. vect(W) (row-major: w_1, ..., w_k)."""
    W, X, v = _t(W), _t(X), _t(v)
    _, dP = activation_pair(X @ W.T, activation)  # n x k
    A = dP * v  # n x k
    n, k = A.shape
    return (A[:, :, None] * X[:, None, :]).reshape(n, k * X.shape[1])


def jacobian_gram(W, X, v, activation: str) -> torch.Tensor:
    """J(W) J(W)^T = (phi'(X W^T) diag(v^2) phi'(W X^T)) ⊙ (X X^T), n x n, float64."""
    W, X, v = _t(W), _t(X), _t(v)
    _, A = activation_pair(X @ W.T, activation)
    return ((A * v**2) @ A.T) * (X @ X.T)


def jacobian_singular_values(W, X, v, activation: str) -> torch.Tensor:
    """The n largest singular values of J(W) in decreasing order (zeros where rank J < n, i.e. always
    when kd < n), from the eigenvalues of the n x n Gram matrix."""
    ev = torch.linalg.eigvalsh(jacobian_gram(W, X, v, activation))
    return ev.clamp_min(0).sqrt().flip(0)


def jacobian_drift(W, W0, X, v, activation: str) -> float:
    """||J(W) - J(W0)|| (spectral norm), from the Gram identity applied to phi'(XW^T) - phi'(XW0^T)."""
    W, W0, X, v = _t(W), _t(W0), _t(X), _t(v)
    _, A = activation_pair(X @ W.T, activation)
    _, A0 = activation_pair(X @ W0.T, activation)
    D = A - A0
    G = ((D * v**2) @ D.T) * (X @ X.T)
    return float(torch.linalg.eigvalsh(G)[-1].clamp_min(0).sqrt())


def sign_flip_fraction(W, W0, X) -> float:
    """Fraction of (sample, unit) pairs whose pre-activation sign differs between W0 and W (for ReLU these
    are exactly the entries of phi'(X W^T) that changed)."""
    W, W0, X = _t(W), _t(W0), _t(X)
    return float(((X @ W.T >= 0) != (X @ W0.T >= 0)).to(torch.float64).mean())


# ----------------------------------------------------------------------------------- expected Jacobian Gram
def _gram_rho(X) -> torch.Tensor:
    X = _t(X)
    return (X @ X.T).clamp(-1.0, 1.0)


def relu_expected_gram(X) -> torch.Tensor:
    """Sigma(X) for ReLU in closed form: Sigma_ij = rho_ij (pi - arccos rho_ij) / (2 pi)
    (= Du et al.'s H^infinity)."""
    R = _gram_rho(X)
    return R * (math.pi - torch.arccos(R)) / (2 * math.pi)


def pair_kernel_quadrature(R, f: Callable[[torch.Tensor], torch.Tensor], nodes: int = 64,
                           chunk: int = 4096) -> torch.Tensor:
    """K_f(R_ij) = E[f(u) f(v)] with (u, v) standard normal of correlation R_ij, for every entry of the
    symmetric matrix R, by 2-D Gauss-Hermite quadrature (u = z1, v = rho z1 + sqrt(1 - rho^2) z2), computed
    on the upper triangle only.

    ``f`` maps a tensor to a tensor elementwise: phi for Sigma~(X), phi' for the Jacobian's Sigma(X) (which
    is R ⊙ K_{phi'}(R), ``expected_gram_quadrature``; ``random_features`` uses phi).
    Accurate for smooth f (softplus and its derivative); a kink (ReLU) or a step is resolved poorly, use
    the closed forms for those."""
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


def expected_gram_quadrature(X, activation: str, nodes: int = 64, chunk: int = 4096) -> torch.Tensor:
    """Sigma(X) by 2-D Gauss-Hermite quadrature of K(rho) = E[phi'(u) phi'(v)] at every rho_ij
    (``pair_kernel_quadrature``). Accurate for smooth phi' (softplus); use the closed form for
    ReLU, whose step-function derivative quadrature resolves poorly."""
    R = _gram_rho(X)
    return R * pair_kernel_quadrature(R, lambda z: activation_pair(z, activation)[1], nodes=nodes, chunk=chunk)


@dataclass(frozen=True)
class MCGram:
    """A Monte Carlo estimate of Sigma(X) and of lambda(X) = lambda_min(Sigma(X)).

    lam: lambda_min of the Monte Carlo mean; lam_se: its standard error by the delta method (the spread of
    the per-sample Rayleigh quotients u^T A_m u at the bottom eigenvector u). lambda_min is concave, so the
    estimate is biased low by O(1/M); the bias is not in lam_se. entry_se: the largest entrywise standard
    error of Sigma."""

    Sigma: torch.Tensor
    lam: float
    lam_se: float
    entry_se: float
    samples: int


def expected_gram_mc(X, activation: str, samples: int = 100_000, generator: torch.Generator | None = None,
                     chunk: int = 8192) -> MCGram:
    """Sigma(X) = E_w[(phi'(Xw) phi'(Xw)^T) ⊙ XX^T] averaged over ``samples`` draws w ~ N(0, I_d)."""
    X = _t(X)
    n, d = X.shape
    G = X @ X.T
    if generator is None:
        generator = torch.Generator().manual_seed(int(torch.randint(2**62, (1,))))
    state = generator.get_state()

    def batches():
        done = 0
        while done < samples:
            m = min(chunk, samples - done)
            Wm = torch.randn(m, d, generator=generator, dtype=torch.float64)
            yield activation_pair(X @ Wm.T, activation)[1]  # n x m
            done += m

    S1 = torch.zeros(n, n, dtype=torch.float64)
    S2 = torch.zeros(n, n, dtype=torch.float64)
    for A in batches():
        S1 += A @ A.T
        S2 += (A**2) @ (A**2).T
    mean = S1 / samples
    Sigma = mean * G
    var = (S2 / samples - mean**2).clamp_min(0) * G**2
    ev, U = torch.linalg.eigh(Sigma)
    u = U[:, 0]
    # second pass over the same draws: per-sample Rayleigh quotient at the bottom eigenvector,
    # u^T [(a a^T) ⊙ G] u = (u ⊙ a)^T G (u ⊙ a) = ||X^T (u ⊙ a)||^2
    after = generator.get_state()
    generator.set_state(state)
    q = torch.cat([((X.T @ (u[:, None] * A)) ** 2).sum(0) for A in batches()])
    generator.set_state(after)
    lam_se = float(q.std() / math.sqrt(samples))
    return MCGram(Sigma, float(ev[0]), lam_se, float(var.max().sqrt() / math.sqrt(samples)), samples)


def expected_gram(X, activation: str, method: str = "auto", **kw) -> torch.Tensor:
    """Sigma(X). method: "closed" (ReLU), "quadrature" (smooth activations), "mc", or "auto" (closed form
    for ReLU, quadrature otherwise)."""
    if method == "auto":
        method = "closed" if activation == "relu" else "quadrature"
    if method == "closed":
        if activation != "relu":
            raise ValueError(f"no closed form for {activation!r}; use method='quadrature' or 'mc'")
        return relu_expected_gram(X)
    if method == "quadrature":
        return expected_gram_quadrature(X, activation, **kw)
    if method == "mc":
        return expected_gram_mc(X, activation, **kw).Sigma
    raise ValueError(f"unknown method {method!r}; valid: auto, closed, quadrature, mc")


def lambda_x(X, activation: str, method: str = "auto", **kw) -> float:
    """lambda(X) = lambda_min(Sigma(X)), the quantity the paper's theorems are stated with."""
    return float(torch.linalg.eigvalsh(expected_gram(X, activation, method, **kw))[0])


def khatri_rao_sigma_min_sq(X, r: int = 2) -> float:
    """sigma_min^2 of the r-fold row-wise Khatri-Rao power X^{*r} (n x d^r), as lambda_min((X X^T)^{⊙r})
    without forming X^{*r}. Exactly 0 when n exceeds rank X^{*r} <= C(d + r - 1, r) (for r = 2:
    n > d(d+1)/2), where the computed eigenvalue is round-off."""
    X = _t(X)
    n, d = X.shape
    if n > math.comb(d + r - 1, r):
        return 0.0
    return float(torch.linalg.eigvalsh((X @ X.T) ** r)[0].clamp_min(0))
