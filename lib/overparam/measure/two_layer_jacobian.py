"""The Jacobian of the one-hidden-layer network f(W) = phi(X W^T) v (Oymak & Soltanolkotabi 2020).

The Jacobian J(W) in R^{n x kd} of the prediction vector with respect to vect(W) (row-major) has rows
J_i = vect(diag(v) phi'(W x_i) x_i^T), and its Gram matrix has the Hadamard (Khatri-Rao) form

    J J^T = (phi'(X W^T) diag(v)^2 phi'(W X^T)) ⊙ (X X^T),

so the singular values of J come from an n x n eigenproblem at cost O(n^2 k), never forming J. Its
expectation at random W is in ``overparam.kernels.two_layer``. Everything here is float64.
"""

from __future__ import annotations

import torch

from ..nets.activations import activation_pair

__all__ = ["jacobian", "jacobian_gram", "jacobian_singular_values", "jacobian_drift"]



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
