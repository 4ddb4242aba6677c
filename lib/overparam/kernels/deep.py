"""Infinite-width kernels of deep, bias-free, fully connected rescaled-leaky-ReLU networks.

The rescaled leaky ReLU of Guo, Li & Lerman (2024) is

    sigma~_alpha(z) = sigma_alpha(z) / sqrt(1 + alpha^2) = a z + b |z|,
    a = (1 + alpha) / (2 sqrt(1 + alpha^2)),   b = (1 - alpha) / (2 sqrt(1 + alpha^2)),

so a^2 + b^2 = 1/2 and b^2 = c/2 with the *nonlinearity weight*

    c(alpha) = (1 - alpha)^2 / (2 (1 + alpha^2)) = r(alpha) / 2  in [0, 1].

For (u, v) standard Gaussians with correlation rho, the two arc-cosine identities
E[sgn u sgn v] = (2/pi) arcsin rho and E|u||v| = (2/pi)(sqrt(1 - rho^2) + rho arcsin rho) give

    2 E[sigma~(u) sigma~(v)]   = kappa(rho)     = (1 - c) rho + c (2/pi)(sqrt(1 - rho^2) + rho arcsin rho),
    2 E[sigma~'(u) sigma~'(v)] = kappa_dot(rho) = (1 - c) + c (2/pi) arcsin rho.

Everything depends on alpha only through c, so alpha and 1/alpha give the same kernels; at alpha = -1
(c = 1) kappa is even in rho, so a point and its antipode have the same kernel row.

Two architectures:

* ``trained="all"``: the neural-tangents convention. ``depth`` hidden layers and a linear read-out,
  every layer ``z = (w_std / sqrt(fan_in)) W h`` with W ~ N(0, 1), no bias, every layer trained
  (NTK parameterisation). With neural-tangents this network is::

      stax.serial(*([stax.Dense(m, W_std=w_std, parameterization="ntk"),
                     stax.ABRelu(alpha / sqrt(1 + alpha**2), 1 / sqrt(1 + alpha**2))] * depth),
                  stax.Dense(1, W_std=w_std, parameterization="ntk"))

  (``ABRelu(a, b)`` is a*min(x, 0) + b*max(x, 0)), and its ``kernel_fn(X, X, ("ntk", "nngp"))``
  is what ``infinite_width_ntk(X, depth, alpha, trained="all", w_std=w_std)`` returns.
* ``trained="hidden"``: the papers' architecture (Allen-Zhu et al. 2019; Guo et al. Algorithm 1):
  h0 = A x with A ~ N(0, 1/m), h_l = sigma~(W_l h_{l-1}) with W_l ~ N(0, 2/m), y = B h_L with
  B ~ N(0, 1/d); only W_1..W_L trained (standard parameterisation). Its NTK grows linearly in m, so
  the function returns the limit of NTK / m:

      NTK / m -> (1/(2d)) sum_{l=1}^{L} K_{l-1} * prod_{k=l}^{L} kappa_dot(rho_{k-1}),
      K_0 = X X^T,  K_l = sqrt(diag x diag) * kappa(rho_{l-1})   (norms preserved),

  and the NNGP of the output, K_L / d. On the diagonal of unit-norm inputs NTK / m = L / (2d).
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["nonlinearity_weight", "leaky_coefficients", "kappa", "kappa_dot", "infinite_width_ntk", "linearized_loss", "stable_eta"]


_TRAINED = ("all", "hidden")


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not alpha < 1.0:
        raise ValueError(
            f"alpha must be < 1 (Guo et al.'s leaky ReLU family); got {alpha}. "
            "alpha > 1 is the network of 1/alpha with negated weights."
        )
    return alpha


def nonlinearity_weight(alpha: float) -> float:
    """c(alpha) = (1 - alpha)^2 / (2 (1 + alpha^2)) = r(alpha)/2, the weight of |z| in sigma~_alpha."""
    alpha = _check_alpha(alpha)
    return (1.0 - alpha) ** 2 / (2.0 * (1.0 + alpha * alpha))


def leaky_coefficients(alpha: float) -> tuple[float, float]:
    """(a, b) with sigma~_alpha(z) = a z + b |z|."""
    alpha = _check_alpha(alpha)
    s = math.sqrt(1.0 + alpha * alpha)
    return (1.0 + alpha) / (2.0 * s), (1.0 - alpha) / (2.0 * s)


def kappa(rho: torch.Tensor, alpha: float) -> torch.Tensor:
    """2 E[sigma~(u) sigma~(v)] for unit-variance Gaussians with correlation rho."""
    c = nonlinearity_weight(alpha)
    rho = rho.clamp(-1.0, 1.0)
    arc = (2.0 / math.pi) * (torch.sqrt((1.0 - rho * rho).clamp_min(0.0)) + rho * torch.asin(rho))
    return (1.0 - c) * rho + c * arc


def kappa_dot(rho: torch.Tensor, alpha: float) -> torch.Tensor:
    """2 E[sigma~'(u) sigma~'(v)] for unit-variance Gaussians with correlation rho."""
    c = nonlinearity_weight(alpha)
    rho = rho.clamp(-1.0, 1.0)
    return (1.0 - c) + c * (2.0 / math.pi) * torch.asin(rho)


def _as_f64(X) -> torch.Tensor:
    X = torch.as_tensor(X)
    if X.ndim != 2:
        raise ValueError(f"X must be (n, d_in); got shape {tuple(X.shape)}")
    return X.to(torch.float64)


def _correlation(K: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    d = torch.sqrt(torch.diagonal(K).clamp_min(0.0))
    N = d[:, None] * d[None, :]
    safe = torch.where(N > 0, N, torch.ones_like(N))
    rho = torch.where(N > 0, K / safe, torch.zeros_like(K)).clamp(-1.0, 1.0)
    return rho, N


def infinite_width_ntk(
    X,
    depth: int,
    alpha: float,
    trained: str = "all",
    *,
    w_std: float = math.sqrt(2.0),
    d_out: int = 1,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Infinite-width (NTK, NNGP) Gram matrices, float64, of a deep rescaled-leaky-ReLU network.

    ``depth`` is the number of hidden (nonlinear) layers L >= 1. ``trained="all"``: neural-tangents
    NTK parameterisation, every layer trained, weight std ``w_std`` (default sqrt 2, He); the output
    is the kernel of the scalar read-out. ``trained="hidden"``: the papers' architecture (A, B fixed,
    W_1..W_L trained, standard parameterisation); the NTK returned is lim NTK/m and the NNGP is the
    covariance of the output, both for output dimension ``d_out`` (per output coordinate).
    See the module docstring for the formulas.
    """
    if trained not in _TRAINED:
        raise ValueError(f"trained must be one of {_TRAINED}; got {trained!r}")
    depth = int(depth)
    if depth < 1:
        raise ValueError(f"depth (number of hidden layers) must be >= 1; got {depth}")
    alpha = _check_alpha(alpha)
    X = _as_f64(X)

    if trained == "all":
        w2 = float(w_std) ** 2
        sigma = w2 * (X @ X.T) / X.shape[1]
        theta = sigma.clone()
        for _ in range(depth):
            rho, N = _correlation(sigma)
            sigma_dot = 0.5 * w2 * kappa_dot(rho, alpha)
            sigma = 0.5 * w2 * N * kappa(rho, alpha)
            theta = sigma + theta * sigma_dot
        return 0.5 * (theta + theta.T), 0.5 * (sigma + sigma.T)

    K = X @ X.T
    rho, N = _correlation(K)
    Ks = [K]
    kdots = []
    for _ in range(depth):
        kdots.append(kappa_dot(rho, alpha))
        K = N * kappa(rho, alpha)
        Ks.append(K)
        rho, _ = _correlation(K)
    theta = torch.zeros_like(K)
    prod = torch.ones_like(K)
    for ell in range(depth, 0, -1):  # accumulate prod_{k=l}^{L} kappa_dot(rho_{k-1}) from the top
        prod = prod * kdots[ell - 1]
        theta = theta + Ks[ell - 1] * prod
    theta = theta / (2.0 * d_out)
    nngp = Ks[-1] / d_out
    return 0.5 * (theta + theta.T), 0.5 * (nngp + nngp.T)


@torch.no_grad()
def linearized_loss(ntk: torch.Tensor, nngp: torch.Tensor, y, eta: float, steps, *,
                    loss: str = "sum") -> "np.ndarray":
    """Expected training loss of the linearised (kernel-regime) network under full-batch GD.

    With the NTK Gram ``ntk`` (at the actual width: for the papers' network m times the
    ``trained="hidden"`` kernel) the residual evolves as e(t+1) = (I - c eta Theta) e(t), c = 2 for
    the sum loss, 1 for half_sum, 2/n for mean; the initial output f0 ~ N(0, nngp). Then
    E L(t) = s * sum_k (1 - c eta lambda_k)^(2t) ((u_k^T y)^2 + u_k^T nngp u_k) with s the loss's
    scale (1, 1/2, 1/n). ``steps`` is an int (returns t = 0..steps) or a sequence of steps.
    """
    import numpy as np

    n = ntk.shape[0]
    c, scale = {"sum": (2.0, 1.0), "half_sum": (1.0, 0.5), "mean": (2.0 / n, 1.0 / n)}[loss]
    lam, U = torch.linalg.eigh(ntk.to(torch.float64))
    y = torch.as_tensor(y, dtype=torch.float64, device=ntk.device).reshape(-1)
    w = (U.T @ y) ** 2 + torch.einsum("ik,ij,jk->k", U, nngp.to(torch.float64), U)
    ts = np.arange(int(steps) + 1) if np.isscalar(steps) else np.asarray(steps)
    fac = (1.0 - c * eta * lam).cpu().numpy()
    w = w.cpu().numpy()
    return scale * np.array([(fac ** (2 * t) * w).sum() for t in ts])


def stable_eta(X, depth: int, alphas, width: int, frac: float = 0.5, *, loss: str = "sum",
               d_out: int = 1) -> float:
    """A GD step for the papers' network chosen from the infinite-width NTK, shared by all ``alphas``:
    eta = frac * 2 / (c * max_alpha lambda_max(width * NTK_hidden)), c = 2 (sum), 1 (half_sum), 2/n (mean).

    frac = 1 is the edge of stability of the linearised dynamics e <- (I - c eta Theta) e for the
    stiffest alpha (factor -1); frac = 1/2 removes the stiffest mode in one step (factor 0).
    Theorem 3.1's eta <= O(d/(n L^2 m)) has the same 1/m scaling."""
    n = torch.as_tensor(X).shape[0]
    c = {"sum": 2.0, "half_sum": 1.0, "mean": 2.0 / n}[loss]
    lam = max(float(torch.linalg.eigvalsh(infinite_width_ntk(X, depth, a, "hidden", d_out=d_out)[0])[-1])
              for a in alphas)
    return 2.0 * frac / (c * width * lam)
