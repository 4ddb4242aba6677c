"""Shared helpers of the Allen-Zhu, Li & Song experiments: the exact layer sampler (the seed-bootstrap exponent
lives in ``measure.fit``, re-exported here for the modules that import it from this one)."""

from __future__ import annotations

import math

import torch

from ...measure.fit import Exponent, exponent_over_seeds

__all__ = ["Exponent", "exponent_over_seeds", "sample_layer"]


def sample_layer(H: torch.Tensor, m: int, var: float, generator: torch.Generator) -> torch.Tensor:
    """Pre-activations W H^T of a fresh Gaussian layer W ~ N(0, var) (m rows), sampled exactly without W.

    For fixed inputs H (..., n, p) the rows of W H^T are independent N(0, var H H^T): they are drawn as
    Z chol(H H^T)^T with Z (..., m, n) standard normal times sqrt(var), so a layer costs O(m n) instead of
    O(m p) draws.

    Parameters
    ----------
    H : torch.Tensor
        (..., n, p) the layer's inputs, one per row (float64).
    m : int
        The layer's width (rows of W).
    var : float
        Entry variance of W.
    generator : torch.Generator

    Returns
    -------
    torch.Tensor
        (..., n, m) pre-activations, same distribution as (W H^T)^T.
    """
    gram = H @ H.transpose(-1, -2)
    n = H.shape[-2]
    jitter = 1e-14 * gram.diagonal(dim1=-2, dim2=-1).amax(-1)[..., None, None] * torch.eye(n, dtype=H.dtype)
    L = torch.linalg.cholesky(gram + jitter)
    Z = torch.randn(*H.shape[:-2], m, n, generator=generator, dtype=H.dtype) * math.sqrt(var)
    return (Z @ L.transpose(-1, -2)).transpose(-1, -2)
