"""Controlled weight perturbations and the activation signs they flip.

The perturbation lemmas of the deep convergence proofs (Zou, Cao, Zhou & Gu 2020, Theorem 5.3(iii) and
Lemma B.3; Allen-Zhu, Li & Song 2019, Lemma 8.2) bound how many ReLU signs can change when a layer's
weights move by at most tau in spectral norm: at most of order tau^{2/3} m, for the *worst* direction.
A random direction flips far fewer (of order tau m), so measuring the bound needs both:

* ``random_perturbation``: a Gaussian matrix rescaled to an exact spectral (or Frobenius) norm;
* ``rank_one_adversarial``: the rank-one W' = u h^T / ||h|| of spectral norm tau that flips the most signs
  of one layer at one input, pushing the smallest |pre_k| across zero first (the construction the
  tightness of tau^{2/3} rests on);
* ``sign_flips``: the fraction (or count) of changed signs, with the convention 1{pre >= 0} of
  ``measure.probes`` (``sign_flip_fraction`` is the same count from weights and inputs).

Everything is in float64 unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .probes import _changed_fraction

__all__ = ["random_perturbation", "rank_one_adversarial", "sign_flips"]

KINDS = ("spectral", "frobenius")


def random_perturbation(shape: Sequence[int], norm: float, generator: torch.Generator, *,
                        kind: str = "spectral", dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A Gaussian matrix rescaled to the given spectral (or Frobenius) norm.

    Parameters
    ----------
    shape : sequence of int
        (rows, cols), or (..., rows, cols) for a batch of matrices, each rescaled on its own.
    norm : float
        The target norm, >= 0.
    generator : torch.Generator
        The source of the Gaussian entries (its device is the result's device).
    kind : {"spectral", "frobenius"}
        Which norm ``norm`` is: the largest singular value or the Frobenius norm.
    dtype : torch.dtype
        The result's dtype (the norm is computed in float64 whatever it is).

    Returns
    -------
    torch.Tensor
        Of ``shape``: tau N / ||N|| with N i.i.d. standard Gaussian, so its direction is uniform.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if len(shape) < 2:
        raise ValueError(f"a matrix shape (..., rows, cols) is needed, not {tuple(shape)}")
    if norm < 0:
        raise ValueError(f"norm must be non-negative, not {norm}")
    N = torch.randn(*shape, generator=generator, dtype=torch.float64, device=generator.device)
    ord_ = 2 if kind == "spectral" else "fro"
    size = torch.linalg.matrix_norm(N, ord=ord_, keepdim=True)
    return (norm * N / size).to(dtype)


def rank_one_adversarial(pre: torch.Tensor, h: torch.Tensor, norm: float) -> torch.Tensor:
    """The rank-one perturbation of spectral norm ``norm`` that flips the most signs at one input.

    For one layer with weights W (m, d), its input h (d,) and pre-activations pre = W h (m,), a
    perturbation W' = u h^T / ||h|| has ||W'||_2 = ||u|| and moves the pre-activations by exactly
    (W + W') h - W h = ||h|| u. Flipping unit k costs |u_k| > |pre_k| / ||h||, so the most signs a
    budget ||u|| = tau can flip are the k smallest |pre_j| with sum_{j<=k} pre_j^2 < tau^2 ||h||^2:
    u_j = -s pre_j / ||h|| on those units (s >= 1 spends the whole budget and carries each strictly
    across zero), 0 elsewhere. This is the construction behind the tightness of tau^{2/3} in Zou et al.
    (2020), Lemma B.3, and Allen-Zhu, Li & Song (2019), Lemma 8.2. No W' of that spectral norm, rank one
    or not, flips more signs at this input (any W' moves pre by a vector of norm <= tau ||h||), up to a
    tie of probability zero (a budget exactly equal to a partial sum). When not even the smallest |pre_k| is reachable, u pushes that unit towards
    zero with the whole budget and flips nothing. Exact zeros in ``pre`` (probability zero under a
    Gaussian initialisation) are counted as free and stay at zero, so they do not flip.

    Parameters
    ----------
    pre : torch.Tensor
        (m,) pre-activations W h at the input.
    h : torch.Tensor
        (d,) the layer's input, non-zero.
    norm : float
        The spectral norm tau of W', >= 0.

    Returns
    -------
    torch.Tensor
        (m, d) float64 W' with ||W'||_2 = ``norm`` (rank one).
    """
    pre = torch.as_tensor(pre).to(torch.float64).reshape(-1)
    h = torch.as_tensor(h).to(device=pre.device, dtype=torch.float64).reshape(-1)
    if norm < 0:
        raise ValueError(f"norm must be non-negative, not {norm}")
    h_norm = torch.linalg.vector_norm(h)
    if h_norm == 0:
        raise ValueError("the input h is zero: no perturbation moves the pre-activations")
    h_hat = h / h_norm
    target = pre / h_norm                     # u_k = -target_k carries unit k exactly to zero
    order = torch.argsort(target.abs())
    cost = torch.cumsum(target[order] ** 2, dim=0)
    k = int((cost < norm**2).sum())           # cost is non-decreasing, so these are its first k
    u = torch.zeros_like(pre)
    if k > 0 and cost[k - 1] > 0:
        chosen = order[:k]
        u[chosen] = -target[chosen] * (norm / torch.sqrt(cost[k - 1]))
    elif norm > 0:
        j = order[k] if k < len(order) else order[0]
        u[j] = -torch.sign(target[j]) * norm if target[j] != 0 else norm
    return torch.outer(u, h_hat)


def sign_flips(pre_before: torch.Tensor, pre_after: torch.Tensor, *, count: bool = False,
               dim: int | Sequence[int] | None = None) -> float | int | torch.Tensor:
    """The fraction (or number) of entries whose sign pattern 1{pre >= 0} changed.

    The convention of ``measure.probes.activation_flips`` and ``sign_flip_fraction``:
    ``sign_flips(X @ W0.T, X @ W.T)`` equals ``sign_flip_fraction(W, W0, X)``.

    Parameters
    ----------
    pre_before, pre_after : torch.Tensor
        Pre-activations of the same shape, before and after a change of weights.
    count : bool
        Return the number of changed entries instead of their fraction.
    dim : int or sequence of int, optional
        Reduce over these dimensions only (e.g. ``dim=-1`` for one fraction per input); by default
        over all entries.

    Returns
    -------
    float or int or torch.Tensor
        A Python number over all entries; a float64 (or int64, with ``count``) tensor with ``dim``.
    """
    pre_before, pre_after = torch.as_tensor(pre_before), torch.as_tensor(pre_after)
    if pre_before.shape != pre_after.shape:
        raise ValueError(f"shapes differ: {tuple(pre_before.shape)} and {tuple(pre_after.shape)}")
    before, after = pre_before >= 0, pre_after >= 0
    if dim is None:
        if count:
            return int((before != after).sum())
        return _changed_fraction([after], [before])
    changed = (before != after).sum(dim=dim)
    if count:
        return changed
    total = (before.numel() // changed.numel()) if changed.numel() else 1
    return changed.to(torch.float64) / total
