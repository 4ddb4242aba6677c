"""The Jacobian of the one-hidden-layer network f(W) = phi(X W^T) v (Oymak & Soltanolkotabi 2020).

Oymak & Soltanolkotabi, Section 6.1: the Jacobian J(W) in R^{n x kd} of the prediction vector with
respect to vect(W) is [J(w_1) ... J(w_k)] with J(w_l) = v_l diag(phi'(X w_l)) X, and its Gram matrix has
the Hadamard (Khatri-Rao) form

    J J^T = (phi'(X W^T) diag(v)^2 phi'(W X^T)) ⊙ (X X^T),

so the singular values of J come from an n x n eigenproblem at cost O(n^2 k), never forming J; that is
why every function here but ``jacobian`` goes through the Gram matrix. Its expectation at random W is in
``overparam.kernels.two_layer`` (Sigma(X), Definition 6.1). Everything here is float64; the inputs are
taken as tensors or arrays and converted.
"""

from __future__ import annotations

import torch
from numpy.typing import ArrayLike

from ..nets.activations import activation_pair

__all__ = ["jacobian", "jacobian_drift", "jacobian_gram", "jacobian_singular_values"]


def _t(a: ArrayLike) -> torch.Tensor:
    return torch.as_tensor(a).to(torch.float64)


def _hadamard_gram(A: torch.Tensor, X: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    # (A diag(v)^2 A^T) ⊙ (X X^T) for an n x k matrix A of phi' values (or of their differences)
    return ((A * v**2) @ A.T) * (X @ X.T)


def jacobian(W: ArrayLike, X: ArrayLike, v: ArrayLike, activation: str) -> torch.Tensor:
    """The explicit Jacobian J(W) of f(W) = phi(X W^T) v with respect to vect(W).

    Oymak & Soltanolkotabi (2020), Section 6.1: J(W) = [J(w_1) ... J(w_k)], J(w_l) = v_l
    diag(phi'(X w_l)) X. Forms the whole n x kd matrix; prefer ``jacobian_gram`` for anything spectral.

    Parameters
    ----------
    W : array-like, shape (k, d)
        Input-to-hidden weights, one neuron per row.
    X : array-like, shape (n, d)
        Inputs, one per row.
    v : array-like, shape (k,)
        Output weights.
    activation : {"relu", "softplus"}

    Returns
    -------
    torch.Tensor, shape (n, k d), float64
        Columns in row-major order of W: the d entries of w_1, then of w_2, ...
    """
    W, X, v = _t(W), _t(X), _t(v)
    _, dP = activation_pair(X @ W.T, activation)  # n x k
    A = dP * v  # n x k
    n, k = A.shape
    return (A[:, :, None] * X[:, None, :]).reshape(n, k * X.shape[1])


def jacobian_gram(W: ArrayLike, X: ArrayLike, v: ArrayLike, activation: str) -> torch.Tensor:
    """The Gram matrix J(W) J(W)^T = (phi'(X W^T) diag(v)^2 phi'(W X^T)) ⊙ (X X^T).

    Oymak & Soltanolkotabi (2020), Section 6.1; without forming J.

    Parameters
    ----------
    W : array-like, shape (k, d)
        Input-to-hidden weights.
    X : array-like, shape (n, d)
        Inputs, one per row.
    v : array-like, shape (k,)
        Output weights.
    activation : {"relu", "softplus"}

    Returns
    -------
    torch.Tensor, shape (n, n), float64
    """
    W, X, v = _t(W), _t(X), _t(v)
    _, A = activation_pair(X @ W.T, activation)
    return _hadamard_gram(A, X, v)


def jacobian_singular_values(W: ArrayLike, X: ArrayLike, v: ArrayLike, activation: str) -> torch.Tensor:
    """The n largest singular values of J(W), from the eigenvalues of the n x n Gram matrix.

    sigma_min(J(W)) is the quantity the convergence proofs keep away from zero (Oymak & Soltanolkotabi
    2020, Lemma 6.7 at initialisation).

    Parameters
    ----------
    W : array-like, shape (k, d)
        Input-to-hidden weights.
    X : array-like, shape (n, d)
        Inputs, one per row.
    v : array-like, shape (k,)
        Output weights.
    activation : {"relu", "softplus"}

    Returns
    -------
    torch.Tensor, shape (n,), float64
        In decreasing order; zeros (up to round-off, clamped at 0) where rank J < n, i.e. always when
        kd < n.
    """
    ev = torch.linalg.eigvalsh(jacobian_gram(W, X, v, activation))
    return ev.clamp_min(0).sqrt().flip(0)


def jacobian_drift(W: ArrayLike, W0: ArrayLike, X: ArrayLike, v: ArrayLike, activation: str) -> float:
    """The spectral norm ||J(W) - J(W0)|| of the Jacobian's change since initialisation.

    J is linear in the matrix phi'(X W^T), so J(W) - J(W0) has the Gram matrix of the same Hadamard form
    with phi'(X W^T) - phi'(X W0^T) in its place. For ReLU this is the perturbation bounded by Oymak &
    Soltanolkotabi (2020), Lemma 6.9; for smooth phi by the Lipschitz bound of Lemma 6.8.

    Parameters
    ----------
    W, W0 : array-like, shape (k, d)
        Input-to-hidden weights now and at initialisation.
    X : array-like, shape (n, d)
        Inputs, one per row.
    v : array-like, shape (k,)
        Output weights.
    activation : {"relu", "softplus"}

    Returns
    -------
    float
    """
    W, W0, X, v = _t(W), _t(W0), _t(X), _t(v)
    _, A = activation_pair(X @ W.T, activation)
    _, A0 = activation_pair(X @ W0.T, activation)
    return float(torch.linalg.eigvalsh(_hadamard_gram(A - A0, X, v))[-1].clamp_min(0).sqrt())
