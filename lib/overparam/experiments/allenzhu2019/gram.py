"""Step 2 of Allen-Zhu, Li & Song's proof: gradient dominance (Theorem 3, Lemma 9.3) through the NTK Gram."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import torch

from ...data.allenzhu2019 import padded_pairs, padded_sphere
from ...kernels.deep import infinite_width_ntk, kappa
from ...nets.allen_zhu_stack import AllenZhuEnsemble
from ._common import exponent_over_seeds, sample_layer

__all__ = ["allen_zhu_kernel", "gram_vs_kernel", "last_layer_gram_vs_delta"]


def allen_zhu_kernel(X, depth: int, d_out: int = 1) -> torch.Tensor:
    """The infinite-width NTK / m of Allen-Zhu et al.'s network (only W_1..W_L trained), float64 [ours].

    ``kernels.deep.infinite_width_ntk(trained="hidden")`` is Guo et al.'s network, whose input layer is linear
    (h_0 = A x, A ~ N(0, 1/m): <h_0(x), h_0(x')> -> <x, x'>). Allen-Zhu et al.'s h_0 = relu(A x) with
    A ~ N(0, 2/m) has <h_0(x), h_0(x')> -> kappa(<x, x'>) (the ReLU arc-cosine map, alpha = 0) and unit norms.
    The hidden layers are the same, so this kernel is Guo et al.'s on inputs Z with Z Z^T = kappa(X X^T)
    (a symmetric square root; unit rows). Tested against the empirical Gram at large m.
    """
    X = torch.as_tensor(X, dtype=torch.float64)
    Xn = X / X.norm(dim=1, keepdim=True)
    K0 = kappa(Xn @ Xn.T, 0.0)
    w, V = torch.linalg.eigh(K0)
    Z = V * torch.sqrt(w.clamp_min(0.0)) @ V.T
    return infinite_width_ntk(Z, depth, 0.0, trained="hidden", d_out=d_out)[0]


def gram_vs_kernel(n: int, depth: int, widths, seeds, *, d_free: int, data_seed: int) -> SimpleNamespace:
    """The empirical Gram G = J J^T over W_1..W_L, divided by m, against the infinite-width kernel (E4).

    One padded data set (n points), ``seeds`` networks per width. Returns the relative Frobenius error
    ||G/m - K||_F / ||K||_F (seeds x widths) with its width exponent, lambda_min(G)/m and lambda_min(K).
    """
    X, delta = padded_sphere(n, d_free, np.random.default_rng(data_seed))
    X = torch.as_tensor(X)
    K = allen_zhu_kernel(X, depth)
    err = np.zeros((len(seeds), len(widths)))
    lmin = np.zeros_like(err)
    for j, m in enumerate(widths):
        G = AllenZhuEnsemble.allen_zhu(X.shape[1], int(m), depth, seeds=list(seeds)).ntk(X) / m
        err[:, j] = (torch.linalg.matrix_norm(G - K) / torch.linalg.matrix_norm(K)).numpy()
        lmin[:, j] = torch.linalg.eigvalsh(G)[:, 0].numpy()
    return SimpleNamespace(widths=np.asarray(widths), err=err, lmin=lmin, lmin_kernel=float(torch.linalg.eigvalsh(K)[0]),
                           lmax_kernel=float(torch.linalg.eigvalsh(K)[-1]), fit=exponent_over_seeds(widths, err),
                           delta=delta, n=n)


def last_layer_gram_vs_delta(deltas, depth: int, width: int, n_seeds: int, *, d_free: int,
                             seed: int) -> SimpleNamespace:
    """Theorem 3 / Lemma 9.3 (E4): lambda_min of the W_L block of the Gram, divided by m, against delta.

    One pair of padded inputs at distance delta per entry of ``deltas`` (``data.allenzhu2019.padded_pairs``),
    all pairs through the same network of each seed (common random numbers across delta). The layers are
    sampled exactly from the Gaussian law of W H^T given the inputs (``_common.sample_layer``), and
    G_L = (H_{L-1} H_{L-1}^T) * (Delta Delta^T) with Delta_i = B * D_{i,L} (Fact 2.6 at l = L; d = 1).
    Returns lambda_min(G_L)/m (seeds x deltas), its delta exponent (bootstrap over seeds) and the same
    quantity from the infinite-width kernel of the W_L block.
    """
    pairs = torch.as_tensor(padded_pairs(deltas, d_free, np.random.default_rng(seed)))   # (k, 2, p)
    k, p = pairs.shape[0], pairs.shape[2]
    g = torch.Generator().manual_seed(seed)
    H = pairs.reshape(1, 2 * k, p).expand(n_seeds, 2 * k, p).contiguous()
    for _ in range(depth):                       # h_0 (A) .. h_{L-1} (W_{L-1})
        H = torch.clamp_min(sample_layer(H, width, 2.0 / width, g), 0.0)
    D = (sample_layer(H, width, 2.0 / width, g) >= 0).to(H.dtype)        # D_L
    B = torch.randn(n_seeds, 1, width, generator=g, dtype=H.dtype)     # B ~ N(0, 1/d), d = 1
    lam = np.zeros((n_seeds, k))
    for j in range(k):
        h, delta_rows = H[:, 2 * j:2 * j + 2], B * D[:, 2 * j:2 * j + 2]
        GL = (h @ h.transpose(1, 2)) * (delta_rows @ delta_rows.transpose(1, 2))
        lam[:, j] = torch.linalg.eigvalsh(GL)[:, 0].numpy() / width
    kern = []
    for j in range(k):
        rho = 1.0 - deltas[j] ** 2 / 2
        for _ in range(depth):
            rho = min(1.0, (math.sqrt(max(0.0, 1 - rho * rho)) + (math.pi - math.acos(rho)) * rho) / math.pi)
        kd = (math.pi - math.acos(rho)) / math.pi          # 2 P(both active) at layer L
        kern.append(0.5 * (1.0 - rho * kd))                # eigenvalues of (1/2)[[1, rho kd], [rho kd, 1]]
    return SimpleNamespace(deltas=np.asarray(deltas), lam=lam, fit=exponent_over_seeds(deltas, lam),
                           kernel=np.asarray(kern), kernel_fit=np.polyfit(np.log(deltas), np.log(kern), 1)[0],
                           width=width, depth=depth)
