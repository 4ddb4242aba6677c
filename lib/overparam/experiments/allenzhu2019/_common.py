"""Shared helpers of the Allen-Zhu, Li & Song experiments: seed-bootstrap exponents and the exact layer sampler."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["Exponent", "exponent_over_seeds", "sample_layer"]


@dataclass(frozen=True)
class Exponent:
    """A power-law exponent of a seed-mean curve with its seed-bootstrap interval (95 % by default: the level the verdict line prints)."""

    slope: float
    lo: float
    hi: float
    n_seeds: int

    @property
    def interval(self) -> tuple[float, float]:
        """(lo, hi)."""
        return (self.lo, self.hi)

    def text(self, fmt: str = ".3f") -> str:
        """The exponent and its interval in words."""
        return f"{self.slope:{fmt}} [{self.lo:{fmt}}, {self.hi:{fmt}}] over {self.n_seeds} seeds"


def exponent_over_seeds(x, Y, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> Exponent:
    """Slope of log(mean over seeds of Y) against log x, and its interval from resampling the seeds.

    Parameters
    ----------
    x : array-like, shape (k,)
        Positive abscissae (widths, depths, separations).
    Y : array-like, shape (seeds, k)
        Positive values, one row per seed (NaN rows are dropped).
    level : float
        Two-sided level of the percentile bootstrap interval.
    n_boot : int
        Bootstrap resamples of the seeds.
    seed : int
        Of the resampling.

    Returns
    -------
    Exponent
    """
    lx = np.log(np.asarray(x, float))
    Y = np.asarray(Y, float)
    Y = Y[np.all(np.isfinite(Y), axis=1)]
    fit = lambda M: np.polyfit(lx, np.log(M.mean(0)), 1)[0]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, Y.shape[0], size=(n_boot, Y.shape[0]))
    boots = np.array([fit(Y[i]) for i in idx])
    a = (1 - level) / 2
    return Exponent(float(fit(Y)), float(np.quantile(boots, a)), float(np.quantile(boots, 1 - a)), Y.shape[0])


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
