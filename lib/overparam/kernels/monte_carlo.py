"""Monte Carlo estimates of the expected kernels of one-hidden-layer networks, with standard errors.

Sigma(X) (Oymak & Soltanolkotabi, Def. 6.1) and Sigma~(X) (Def. 3.1) are expectations over one random
hidden unit w ~ N(0, I_d) of products of phi'(X w) or phi(X w). Where no closed form exists (softplus) and
quadrature is to be cross-checked, both are averaged over draws of w in blocks; the standard errors come
with them, so a comparison with the closed form or the quadrature can be decided against its noise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import torch
from numpy.typing import ArrayLike

from ..nets.activations import activation_pair

__all__ = ["MCGram", "activation_batches", "expected_gram_mc", "mc_second_moment"]


def _t(a: ArrayLike) -> torch.Tensor:
    return torch.as_tensor(a).to(torch.float64)


@dataclass(frozen=True)
class MCGram:
    """A Monte Carlo estimate of Sigma(X) and of lambda(X) = lambda_min(Sigma(X)) (Definition 6.1).

    Attributes
    ----------
    Sigma : torch.Tensor, shape (n, n), float64, the Monte Carlo mean
    lam : float
        lambda_min of the mean; lambda_min is concave, so it is biased low by O(1/M), not in ``lam_se``.
    lam_se : float
        Its delta-method standard error (spread of the Rayleigh quotients u^T A_m u at the bottom u).
    entry_se : float, the largest entrywise standard error of Sigma
    samples : int, the number of draws M
    """

    Sigma: torch.Tensor
    lam: float
    lam_se: float
    entry_se: float
    samples: int


def activation_batches(X: torch.Tensor, activation: str, *, derivative: bool, samples: int,
                       generator: torch.Generator | None, chunk: int = 8192) -> Iterator[torch.Tensor]:
    """phi(X W_m^T) or phi'(X W_m^T) for ``samples`` draws w ~ N(0, I_d), in chunks of at most ``chunk``.

    The estimators of Sigma(X) and Sigma~(X) average products of these; restoring ``generator``'s state
    replays the same draws.

    Parameters
    ----------
    X : torch.Tensor, shape (n, d), float64
    activation : {"relu", "softplus"}
    derivative : bool
        phi' (the Jacobian's kernel) when True, phi (the random features' kernel) when False.
    samples : int
        Total number of draws.
    generator : torch.Generator or None
        The draws' stream (None: torch's global generator).
    chunk : int
        Draws per block (memory n x chunk).

    Yields
    ------
    torch.Tensor, shape (n, m), float64
        One block of m <= ``chunk`` columns phi(X w) or phi'(X w).
    """
    d = X.shape[1]
    done = 0
    while done < samples:
        m = min(chunk, samples - done)
        Wm = torch.randn(m, d, generator=generator, dtype=torch.float64)
        yield activation_pair(X @ Wm.T, activation)[1 if derivative else 0]
        done += m


def mc_second_moment(blocks: Iterable[torch.Tensor], n: int, samples: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean of a a^T over the columns a of ``blocks`` and its entrywise variance (n x n each).

    Parameters
    ----------
    blocks : iterable of torch.Tensor, shape (n, m), float64
        The columns, in blocks (``activation_batches``).
    n, samples : int
        Rows of each block; total number of columns.

    Returns
    -------
    mean, var : torch.Tensor
        The variance is that of one column's a_i a_j (divide by ``samples`` for the mean's).
    """
    S1 = torch.zeros(n, n, dtype=torch.float64)
    S2 = torch.zeros(n, n, dtype=torch.float64)
    for A in blocks:
        S1 += A @ A.T
        S2 += (A**2) @ (A**2).T
    mean = S1 / samples
    return mean, (S2 / samples - mean**2).clamp_min(0)


def expected_gram_mc(X: ArrayLike, activation: str, samples: int = 100_000,
                     generator: torch.Generator | None = None, chunk: int = 8192) -> MCGram:
    """Sigma(X) = E_w[(phi'(Xw) phi'(Xw)^T) ⊙ XX^T] (Definition 6.1) averaged over draws w ~ N(0, I_d).

    A second pass replays the same draws for lambda_min's standard error; the generator ends where one
    pass leaves it.

    Parameters
    ----------
    X : array-like, shape (n, d), unit-norm rows
    activation : {"relu", "softplus"}
    samples, chunk : int
        Number of draws of w; draws per block.
    generator : torch.Generator, optional
        The draws' stream; None draws a seed from torch's global generator.

    Returns
    -------
    MCGram
        The mean, lambda_min of it with its delta-method standard error, and the largest entrywise
        standard error.
    """
    X = _t(X)
    n = X.shape[0]
    G = X @ X.T
    if generator is None:
        generator = torch.Generator().manual_seed(int(torch.randint(2**62, (1,))))
    state = generator.get_state()

    def _batches() -> Iterator[torch.Tensor]:
        return activation_batches(X, activation, derivative=True, samples=samples, generator=generator,
                                  chunk=chunk)

    mean, var = mc_second_moment(_batches(), n, samples)
    Sigma = mean * G
    var = var * G**2
    ev, U = torch.linalg.eigh(Sigma)
    u = U[:, 0]
    # second pass over the same draws: per-sample Rayleigh quotient at the bottom eigenvector,
    # u^T [(a a^T) ⊙ G] u = (u ⊙ a)^T G (u ⊙ a) = ||X^T (u ⊙ a)||^2
    after = generator.get_state()
    generator.set_state(state)
    q = torch.cat([((X.T @ (u[:, None] * A)) ** 2).sum(0) for A in _batches()])
    generator.set_state(after)
    lam_se = float(q.std() / math.sqrt(samples))
    return MCGram(Sigma, float(ev[0]), lam_se, float(var.max().sqrt() / math.sqrt(samples)), samples)
