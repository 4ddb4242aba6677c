"""The exact empirical NTK of Guo et al.'s deep leaky-ReLU network, in closed form from its weights.

It lives with the networks (not in ``overparam.measure``) because the stacked ensemble's trainer probes
the NTK's drift during training and ``train`` builds on ``nets`` only; ``measure.ntk`` re-exports it
beside the other empirical kernels.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .deep_stack import stacked_leaky_relu

__all__ = ["guo_empirical_ntk"]


def guo_empirical_ntk(
    X: torch.Tensor,
    A: torch.Tensor,
    weights: Sequence[torch.Tensor],
    B: torch.Tensor,
    alpha: float | Sequence[float],
    *,
    trained: str = "hidden",
    dtype: torch.dtype | None = torch.float64,
) -> torch.Tensor:
    """Exact empirical NTK Gram of Guo et al.'s network, one network or K stacked ones, scalar output.

    The gradient of the output with respect to W_l is rank one (Guo, Li & Lerman 2024, Appendix B.1:
    the gradient is D_{i,l} Back_{i,l+1}^T h_{i,l-1}^T), so with Delta_l the (n, m) back-propagated
    rows, Delta_L = B * sigma~'(G_L) and Delta_{l-1} = (Delta_l W_l) * sigma~'(G_{l-1}),

        Theta = sum_l (H_{l-1} H_{l-1}^T) * (Delta_l Delta_l^T)
                [+ H_L H_L^T (B) + (X X^T) * (Delta_0 Delta_0^T) (A), Delta_0 = Delta_1 W_1, if "all"].

    Cost O(L (n m^2 + n^2 m)) instead of the O(n^2 L m^2) of contracting Jacobians.
    ``DeepEnsemble.ntk`` is this function on its stacked weights; ``measure.ntk`` re-exports it.

    Parameters
    ----------
    X : torch.Tensor
        (n, p) inputs, or (K, n, p) one set per network.
    A : torch.Tensor
        (m, p) input layer, or (K, m, p) stacked.
    weights : sequence of torch.Tensor
        The L hidden layers W_l, each (m, m) or (K, m, m).
    B : torch.Tensor
        (1, m) read-out, or (K, 1, m).
    alpha : float or sequence of float
        The leaky ReLU slope (< 1), or one per network when stacked.
    trained : {"hidden", "all"}
        "hidden": only W_1..W_L (Guo et al.'s theory); "all": A and B too.
    dtype : torch.dtype or None
        Computation and result dtype (default float64); None keeps the weights' dtype.

    Returns
    -------
    torch.Tensor
        (n, n) Gram, or (K, n, n) when ``A`` is stacked; not divided by m, exactly symmetric.
    """
    if trained not in ("hidden", "all"):
        raise ValueError(f"trained must be 'hidden' or 'all'; got {trained!r}")
    stacked = A.ndim == 3
    if not stacked:
        A, weights, B = A[None], [W[None] for W in weights], B[None]
    alphas = torch.as_tensor(alpha, dtype=torch.float64).reshape(-1).tolist()
    alphas = alphas * A.shape[0] if len(alphas) == 1 else alphas
    if len(alphas) != A.shape[0]:
        raise ValueError(f"need one alpha per network: {A.shape[0]} networks, {len(alphas)} slopes")
    if B.shape[-2] != 1:
        raise ValueError("guo_empirical_ntk handles a scalar output (B of shape (1, m) or (K, 1, m))")
    dtype = A.dtype if dtype is None else dtype
    A, B = A.detach().to(dtype), B.detach().to(dtype)
    Ws = [W.detach().to(dtype) for W in weights]
    X = torch.as_tensor(X).to(device=A.device, dtype=dtype)
    sigma, dsigma = stacked_leaky_relu(alphas, dtype, A.device)
    bt = lambda M: M.transpose(-1, -2)

    with torch.no_grad():
        h = torch.matmul(X, bt(A))  # (K, n, m)
        Hs, Gs = [h], []
        for W in Ws:
            g = torch.bmm(h, bt(W))
            Gs.append(g)
            h = sigma(g)
            Hs.append(h)
        theta = torch.bmm(h, bt(h)) if trained == "all" else h.new_zeros(h.shape[0], h.shape[1], h.shape[1])
        delta = B * dsigma(Gs[-1])  # (K, n, m)
        for ell in range(len(Ws), 0, -1):
            H = Hs[ell - 1]
            theta = theta + torch.bmm(H, bt(H)) * torch.bmm(delta, bt(delta))
            if ell > 1:
                delta = torch.bmm(delta, Ws[ell - 1]) * dsigma(Gs[ell - 2])
            elif trained == "all":
                delta = torch.bmm(delta, Ws[0])
                Xk = X if X.ndim == 3 else X.expand(A.shape[0], *X.shape)
                theta = theta + torch.bmm(Xk, bt(Xk)) * torch.bmm(delta, bt(delta))
        theta = 0.5 * (theta + bt(theta))
    return theta if stacked else theta[0]
