"""Infinite-width kernels of deep, bias-free, fully connected rescaled-leaky-ReLU networks.

The rescaled leaky ReLU of Guo, Li & Lerman (2024), Section 2, Algorithm 1, eq. (2), is

    sigma~_alpha(z) = sigma_alpha(z) / sqrt(1 + alpha^2) = a z + b |z|,
    a = (1 + alpha) / (2 sqrt(1 + alpha^2)),   b = (1 - alpha) / (2 sqrt(1 + alpha^2)),

so a^2 + b^2 = 1/2 and b^2 = c/2 with the *nonlinearity weight*

    c(alpha) = (1 - alpha)^2 / (2 (1 + alpha^2)) = r(alpha) / 2  in [0, 1].

For (u, v) standard Gaussians with correlation rho, the arc-cosine kernels of degree 0 and 1 (Cho & Saul
2009), E[sgn u sgn v] = (2/pi) arcsin rho and E|u||v| = (2/pi)(sqrt(1 - rho^2) + rho arcsin rho), give

    2 E[sigma~(u) sigma~(v)]   = kappa(rho)     = (1 - c) rho + c (2/pi)(sqrt(1 - rho^2) + rho arcsin rho),
    2 E[sigma~'(u) sigma~'(v)] = kappa_dot(rho) = (1 - c) + c (2/pi) arcsin rho.

Everything depends on alpha only through c, so alpha and 1/alpha give the same kernels; at alpha = -1
(c = 1) kappa is even in rho, so a point and its antipode have the same kernel row.

Two architectures:

* ``trained="all"``: the neural-tangents convention. ``depth`` hidden layers and a linear read-out,
  every layer ``z = (w_std / sqrt(fan_in)) W h`` with W ~ N(0, 1), no bias, every layer trained
  (NTK parameterisation; the recursion of Jacot, Gabriel & Hongler 2018, Theorem 1): the
  ``kernel_fn(X, X, ("ntk", "nngp"))`` of neural-tangents' ``stax.serial`` of ``depth`` times
  [``Dense(m, W_std=w_std, parameterization="ntk")``, ``ABRelu(alpha / sqrt(1 + alpha^2),
  1 / sqrt(1 + alpha^2))``] and a ``Dense(1)`` read-out (``ABRelu(a, b)`` = a min(x, 0) + b max(x, 0)).
* ``trained="hidden"``: the papers' architecture (Allen-Zhu et al. 2019; Guo et al. 2024, Section 2
  and Algorithm 1): h0 = A x with A ~ N(0, 1/m), h_l = sigma~(W_l h_{l-1}) with W_l ~ N(0, 2/m),
  y = B h_L with B ~ N(0, 1/d); only W_1..W_L trained (standard parameterisation). Its NTK grows
  linearly in m, so the function returns the limit of NTK / m:

      NTK / m -> (1/(2d)) sum_{l=1}^{L} K_{l-1} * prod_{k=l}^{L} kappa_dot(rho_{k-1}),
      K_0 = X X^T,  K_l = sqrt(diag x diag) * kappa(rho_{l-1})   (norms preserved),

  and the NNGP of the output, K_L / d. On the diagonal of unit-norm inputs NTK / m = L / (2d).

How it is evaluated. kappa(1) = 1, so the correlations obey rho_l = kappa(rho_{l-1}) entry by entry
(rho_0 the inputs' cosines) and, with N_ij = |x_i| |x_j|, the recursion is elementwise:

    all:    t_0 = rho_0,  t_l = kappa(rho_{l-1}) + t_{l-1} kappa_dot(rho_{l-1}),
            NTK = w^2/p (w^2/2)^L N t_L,   NNGP = w^2/p (w^2/2)^L N rho_L;
    hidden: t_0 = 0,      t_l = (t_{l-1} + rho_{l-1}) kappa_dot(rho_{l-1}),
            NTK / m = N t_L / (2d),        NNGP = N rho_L / d.

``infinite_width_ntk`` runs all L layers in place on one cache-sized tile of the upper triangle at a
time and mirrors it: no n x n temporary. The diagonal correlation is exactly 1 (rounding it to
1 - 2^-53 would move kappa_dot, infinitely steep at 1, by ~1.5e-8). ``_reference_infinite_width_ntk``
is the eager whole-matrix recursion the tests hold it to.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

__all__ = ["infinite_width_ntk", "kappa", "kappa_dot", "leaky_coefficients", "linearized_loss", "nonlinearity_weight", "stable_eta"]


_TRAINED = ("all", "hidden")
# A CPU tile has fewer than torch's parallel grain size (32768) entries, so each operation runs on the
# thread that calls it and the tiles are shared by torch.get_num_threads() Python threads: one OpenMP
# region per operation stalled whenever another process took a core (on 2 shared cores, median 4.3 s
# against 0.24 s here). Its 4 working tiles (800 KiB) stay in a core's L2.
_CPU_BLOCK = 160
_DEVICE_BLOCK = 4096  # on an accelerator fewer, larger launches pay more than cache locality


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not alpha < 1.0:
        raise ValueError(
            f"alpha must be < 1 (Guo et al.'s leaky ReLU family); got {alpha}. "
            "alpha > 1 is the network of 1/alpha with negated weights."
        )
    return alpha


def nonlinearity_weight(alpha: float) -> float:
    """The weight c(alpha) of |z| in the rescaled leaky ReLU, c = r(alpha) / 2.

    Parameters
    ----------
    alpha : float
        Leaky ReLU slope, alpha < 1 (Guo et al. 2024, Section 2).

    Returns
    -------
    float
        (1 - alpha)^2 / (2 (1 + alpha^2)) in [0, 1]; 2c is r(alpha) of Guo et al.'s Theorem 3.1.
    """
    alpha = _check_alpha(alpha)
    return (1.0 - alpha) ** 2 / (2.0 * (1.0 + alpha * alpha))


def leaky_coefficients(alpha: float) -> tuple[float, float]:
    """The coefficients (a, b) with sigma~_alpha(z) = a z + b |z| (Guo et al. 2024, eq. (2)).

    Parameters
    ----------
    alpha : float
        Leaky ReLU slope, alpha < 1.

    Returns
    -------
    a, b : float
        (1 + alpha) / (2 sqrt(1 + alpha^2)) and (1 - alpha) / (2 sqrt(1 + alpha^2)).
    """
    alpha = _check_alpha(alpha)
    s = math.sqrt(1.0 + alpha * alpha)
    return (1.0 + alpha) / (2.0 * s), (1.0 - alpha) / (2.0 * s)


def kappa(rho: torch.Tensor, alpha: float) -> torch.Tensor:
    """The layer map of correlations, 2 E[sigma~(u) sigma~(v)] for unit Gaussians of correlation rho.

    Parameters
    ----------
    rho, alpha : torch.Tensor, float
        Correlations (clamped to [-1, 1]); leaky ReLU slope alpha < 1.

    Returns
    -------
    torch.Tensor
        kappa(rho) = (1 - c) rho + c (2/pi)(sqrt(1 - rho^2) + rho arcsin rho).
    """
    c = nonlinearity_weight(alpha)
    rho = rho.clamp(-1.0, 1.0)
    arc = (2.0 / math.pi) * (torch.sqrt((1.0 - rho * rho).clamp_min(0.0)) + rho * torch.asin(rho))
    return (1.0 - c) * rho + c * arc


def kappa_dot(rho: torch.Tensor, alpha: float) -> torch.Tensor:
    """The derivative kernel, 2 E[sigma~'(u) sigma~'(v)] for unit Gaussians of correlation rho.

    Parameters
    ----------
    rho, alpha : torch.Tensor, float
        Correlations (clamped to [-1, 1]); leaky ReLU slope alpha < 1.

    Returns
    -------
    torch.Tensor
        (1 - c) + c (2/pi) arcsin rho, same shape as ``rho``.
    """
    c = nonlinearity_weight(alpha)
    rho = rho.clamp(-1.0, 1.0)
    return (1.0 - c) + c * (2.0 / math.pi) * torch.asin(rho)


def _as_f64(X) -> torch.Tensor:
    X = torch.as_tensor(X)
    if X.ndim != 2:
        raise ValueError(f"X must be (n, d_in); got shape {tuple(X.shape)}")
    return X.to(torch.float64)


def _check_args(depth: int, alpha: float, trained: str) -> tuple[int, float]:
    if trained not in _TRAINED:
        raise ValueError(f"trained must be one of {_TRAINED}; got {trained!r}")
    depth = int(depth)
    if depth < 1:
        raise ValueError(f"depth (number of hidden layers) must be >= 1; got {depth}")
    return depth, _check_alpha(alpha)


def _recurse_tile(rho, t, a, s, depth: int, c: float, hidden: bool, pin: bool):
    """All ``depth`` layers on one tile in place (a, s scratch; ``pin``: hold the diagonal at 1)."""
    k = 2.0 * c / math.pi
    k2 = torch.tensor(k * k, dtype=rho.dtype, device=rho.device)
    one_c = torch.tensor(1.0 - c, dtype=rho.dtype, device=rho.device)
    rho.clamp_(-1.0, 1.0)
    if pin:  # a diagonal tile
        rho.diagonal().fill_(1.0)
    t.zero_() if hidden else t.copy_(rho)
    for _ in range(depth):
        torch.asin(rho, out=a)
        torch.addcmul(k2, rho, rho, value=-(k * k), out=s)  # k^2 (1 - rho^2)
        s.clamp_min_(0.0).sqrt_().addcmul_(rho, a, value=k)  # k (sqrt(1 - rho^2) + rho asin rho)
        s.add_(rho, alpha=1.0 - c).clamp_(-1.0, 1.0)  # kappa(rho): the next layer's correlation
        if pin:
            s.diagonal().fill_(1.0)
        torch.add(one_c, a, alpha=k, out=a)  # kappa_dot(rho)
        if hidden:
            t.add_(rho).mul_(a)
        else:
            torch.addcmul(s, t, a, out=t)
        rho, s = s, rho
    return rho, t


def infinite_width_ntk(
    X: torch.Tensor,
    depth: int,
    alpha: float,
    trained: str = "all",
    *,
    w_std: float = math.sqrt(2.0),
    d_out: int = 1,
    block: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Infinite-width (NTK, NNGP) Grams of a deep rescaled-leaky-ReLU network (formulas: module docstring).

    Parameters
    ----------
    X : torch.Tensor or array_like
        (n, p) inputs, any norms (a zero row gives a zero kernel row); computed on X's device.
    depth, alpha : int, float
        Number of hidden (nonlinear) layers L >= 1; leaky ReLU slope alpha < 1 (Guo et al., eq. (2)).
    trained : {"all", "hidden"}
        "all": neural-tangents NTK parameterisation, every layer trained (Jacot et al. 2018, Theorem 1).
        "hidden": the papers' network (Guo et al. 2024, Algorithm 1), A and B fixed, W_1..W_L trained.
    w_std, d_out : float, int
        Weight std for "all" (default sqrt 2, He); output dimension d for "hidden" (B ~ N(0, 1/d)).
    block : int, optional
        Tile side (default 160 on the CPU, 4096 elsewhere); any value gives the same result.

    Returns
    -------
    ntk, nngp : torch.Tensor
        (n, n) float64, exactly symmetric. For "hidden" ntk is lim NTK/m (the NTK of width m is m times
        it) and nngp the covariance of one output coordinate, K_L / d.
    """
    depth, alpha = _check_args(depth, alpha, trained)
    X = _as_f64(X)
    n, p = X.shape
    c = nonlinearity_weight(alpha)
    hidden = trained == "hidden"
    norm = torch.linalg.vector_norm(X, dim=1)
    Xn = X / torch.where(norm > 0, norm, torch.ones_like(norm))[:, None]
    if hidden:
        scale, theta_factor = 1.0 / d_out, 0.5  # NTK/m = N t_L / (2d), NNGP = N rho_L / d
    else:
        w2 = float(w_std) ** 2
        scale, theta_factor = w2 / p * (0.5 * w2) ** depth, 1.0
    on_cpu = X.device.type == "cpu"
    T = max(1, min(int(block or (_CPU_BLOCK if on_cpu else _DEVICE_BLOCK)), n))
    theta = torch.mm(Xn, Xn.T)  # rho_0; each tile reads its block of the upper triangle, then overwrites it
    nngp = torch.empty_like(theta)
    local = threading.local()

    def tile(ij: tuple[int, int]) -> None:
        (i0, i1), (j0, j1) = ((k, min(k + T, n)) for k in ij)
        if not hasattr(local, "buffers"):
            local.buffers = torch.empty(5, T, T, dtype=torch.float64, device=X.device)
        rho, t, a, s, uu = (b[: i1 - i0, : j1 - j0] for b in local.buffers)
        if i0 == j0:  # a matrix product need not be bitwise symmetric; make the tile so
            torch.add(theta[i0:i1, j0:j1], theta[i0:i1, j0:j1].T, out=rho).mul_(0.5)
        else:
            rho.copy_(theta[i0:i1, j0:j1])
        rho, t = _recurse_tile(rho, t, a, s, depth, c, hidden, pin=i0 == j0)
        torch.outer(norm[i0:i1], norm[j0:j1], out=uu).mul_(scale)  # symmetric: u_i u_j = u_j u_i
        out_t, out_s = theta[i0:i1, j0:j1], nngp[i0:i1, j0:j1]
        torch.mul(t, uu, out=out_t).mul_(theta_factor)
        torch.mul(rho, uu, out=out_s)
        if i0 != j0:  # the lower block is read by no tile
            theta[j0:j1, i0:i1].copy_(out_t.T)
            nngp[j0:j1, i0:i1].copy_(out_s.T)

    tiles = [(i0, j0) for i0 in range(0, n, T) for j0 in range(i0, n, T)]
    workers = min(torch.get_num_threads(), len(tiles)) if on_cpu else 1
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(tile, tiles))
    else:
        for ij in tiles:
            tile(ij)
    return theta, nngp


def _correlation(K: torch.Tensor, pin_diagonal: bool) -> tuple[torch.Tensor, torch.Tensor]:
    d = torch.sqrt(torch.diagonal(K).clamp_min(0.0))
    N = d[:, None] * d[None, :]
    safe = torch.where(N > 0, N, torch.ones_like(N))
    rho = torch.where(N > 0, K / safe, torch.zeros_like(K)).clamp(-1.0, 1.0)
    if pin_diagonal:
        rho.diagonal()[d > 0] = 1.0
    return rho, N


def _reference_infinite_width_ntk(X, depth: int, alpha: float, trained: str = "all", *,
                                  w_std: float = math.sqrt(2.0), d_out: int = 1,
                                  pin_diagonal: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The eager whole-matrix recursion that ``infinite_width_ntk`` replaced: the tests' reference and
    the baseline of ``benchmarks/deep_ntk.py``. Its diagonal correlation K_ii / sqrt(K_ii)^2 can round
    to 1 - 2^-53 (kappa_dot moves by ~1.5e-8); ``pin_diagonal=True`` holds it at 1, as the fused code does.
    """
    depth, alpha = _check_args(depth, alpha, trained)
    X = _as_f64(X)
    if trained == "all":
        w2 = float(w_std) ** 2
        sigma = w2 * (X @ X.T) / X.shape[1]
        theta = sigma.clone()
        for _ in range(depth):
            rho, N = _correlation(sigma, pin_diagonal)
            sigma_dot = 0.5 * w2 * kappa_dot(rho, alpha)
            sigma = 0.5 * w2 * N * kappa(rho, alpha)
            theta = sigma + theta * sigma_dot
        return 0.5 * (theta + theta.T), 0.5 * (sigma + sigma.T)
    K = X @ X.T
    rho, N = _correlation(K, pin_diagonal)
    Ks = [K]
    kdots = []
    for _ in range(depth):
        kdots.append(kappa_dot(rho, alpha))
        K = N * kappa(rho, alpha)
        Ks.append(K)
        rho, _ = _correlation(K, pin_diagonal)
    theta = torch.zeros_like(K)
    prod = torch.ones_like(K)
    for ell in range(depth, 0, -1):  # accumulate prod_{k=l}^{L} kappa_dot(rho_{k-1}) from the top
        prod = prod * kdots[ell - 1]
        theta = theta + Ks[ell - 1] * prod
    theta = theta / (2.0 * d_out)
    nngp = Ks[-1] / d_out
    return 0.5 * (theta + theta.T), 0.5 * (nngp + nngp.T)


def _loss_factors(loss: str, n: int) -> tuple[float, float]:
    # (c, s): a GD step contracts the residual by (I - c eta Theta); the loss is s ||e||^2
    factors = {"sum": (2.0, 1.0), "half_sum": (1.0, 0.5), "mean": (2.0 / n, 1.0 / n)}
    if loss not in factors:
        raise ValueError(f"unknown loss {loss!r}; valid: {', '.join(factors)}")
    return factors[loss]


@torch.no_grad()
def linearized_loss(ntk: torch.Tensor, nngp: torch.Tensor, y, eta: float, steps: int | Sequence[int], *,
                    loss: str = "sum") -> np.ndarray:
    """Expected training loss of the linearised (kernel-regime) network under full-batch GD.

    e(t+1) = (I - c eta Theta) e(t) (c = 2 for Guo et al.'s sum loss, Section 2; 1 for half_sum; 2/n
    for mean) and f0 ~ N(0, nngp), so E L(t) = s sum_k (1 - c eta lambda_k)^(2t) ((u_k^T y)^2 +
    u_k^T nngp u_k), s the loss's scale (1, 1/2, 1/n), (lambda_k, u_k) the eigenpairs of Theta.

    Parameters
    ----------
    ntk, nngp : torch.Tensor
        (n, n) NTK Gram Theta at the actual width (for the papers' network m times the
        ``trained="hidden"`` kernel) and covariance of the initial outputs.
    y, eta : array_like, float
        (n,) targets; GD step.
    steps : int or sequence of int
        An int T (returns t = 0..T) or the steps to evaluate.
    loss : {"sum", "half_sum", "mean"}
        The loss reduction (the training convention of ``overparam.train``).

    Returns
    -------
    numpy.ndarray
        E L(t) at every requested step.
    """
    c, scale = _loss_factors(loss, ntk.shape[0])
    lam, U = torch.linalg.eigh(ntk.to(torch.float64))
    y = torch.as_tensor(y, dtype=torch.float64, device=ntk.device).reshape(-1)
    w = (U.T @ y) ** 2 + torch.einsum("ik,ij,jk->k", U, nngp.to(torch.float64), U)
    ts = np.arange(int(steps) + 1) if np.isscalar(steps) else np.asarray(steps)
    fac = (1.0 - c * eta * lam).cpu().numpy()
    w = w.cpu().numpy()
    return scale * np.array([(fac ** (2 * t) * w).sum() for t in ts])


def stable_eta(X: torch.Tensor, depth: int, alphas: Sequence[float], width: int, frac: float = 0.5, *,
               loss: str = "sum", d_out: int = 1) -> float:
    """A GD step for the papers' network from its infinite-width NTK, shared by all ``alphas``.

    eta = frac * 2 / (c * max_alpha lambda_max(width * NTK_hidden)), c = 2 (sum), 1 (half_sum), 2/n
    (mean). frac = 1 is the edge of stability of the linearised dynamics e <- (I - c eta Theta) e for
    the stiffest alpha (factor -1); frac = 1/2 removes the stiffest mode in one step (factor 0).
    Guo et al. (2024), Theorem 3.1's eta <= O(d/(n L^2 m)) has the same 1/m scaling.

    Parameters
    ----------
    X : torch.Tensor
        (n, p) inputs.
    depth, width, d_out : int
        Number of hidden layers L, hidden width m, output dimension d.
    alphas : sequence of float
        The slopes the step must be stable for.
    frac : float
        Fraction of the edge of stability.
    loss : {"sum", "half_sum", "mean"}
        The loss reduction.

    Returns
    -------
    float
        The step eta.
    """
    c = _loss_factors(loss, torch.as_tensor(X).shape[0])[0]
    lam = max(float(torch.linalg.eigvalsh(infinite_width_ntk(X, depth, a, "hidden", d_out=d_out)[0])[-1])
              for a in alphas)
    return 2.0 * frac / (c * width * lam)
