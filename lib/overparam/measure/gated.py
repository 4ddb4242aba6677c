"""What Noy et al. (2021) talk about, measured on a ``GatedNet``: gate overlaps, sub-network spectra,
per-example matrices and Lemma 1's one-step decomposition, gradient temporal differences and the Hamming
distance of successive ReLU patterns.

Notation (Noy et al., eqs. 1, 3, 10): W^i = B D_L W_L ... D_1 W_1 D_0 C (d_y x d_x) is example i's map;
G^i_k = D_k W_k ... D_1 W_1 D_0 C (m x d_x, G^i_0 = D_0 C) and F^i_k = B D_L W_L ... D_k W_k D_{k-1}
(d_y x m, F^i_{L+1} = B D_L) are its sub-networks, W^i = F^i_{k+1} G^i_k.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from ..nets.gated import GatedNet

__all__ = [
    "arccos_cosine", "g_correlations", "gate_overlap", "gradient_change", "hamming_probe", "lemma1_residual",
    "per_example_matrices", "relu_patterns", "subnetwork_spectra", "temporal_difference_probe",
]


def arccos_cosine(rho: float) -> float:
    """Cosine of [Wu]^+ and [Wv]^+ for Gaussian W and cos(u, v) = rho (the arc-cosine kernel of degree 1)."""
    rho = min(max(rho, -1.0), 1.0)
    return (math.sqrt(1 - rho ** 2) + (math.pi - math.acos(rho)) * rho) / math.pi


@torch.no_grad()
def gate_overlap(mask: torch.Tensor) -> float:
    """Mean over pairs i != j of |I^i cap I^j| / m for one layer's (n, m) boolean pattern (Lemma 4)."""
    M = mask.to(torch.float64)
    n, m = M.shape
    O = M @ M.T / m
    return float((O.sum() - O.diagonal().sum()) / (n * (n - 1)))


@torch.no_grad()
def _pattern_products(net: GatedNet, X: torch.Tensor):
    _, pats = net.features(X)
    return [p.to(X.dtype) for p in pats]


@torch.no_grad()
def subnetwork_spectra(net: GatedNet, X: torch.Tensor) -> dict[str, np.ndarray]:
    """Eigenvalues of G^{iT}_k G^i_k / (m/d_x) for k = 0..L-1 and of F^i_k F^{iT}_k / (m/d_y) for
    k = 2..L+1 (the blocks Lemma 2 uses), over every example: Theorem 5 puts them in [1/12, 27/4]."""
    D = _pattern_products(net, X)
    m, d_x = net.C.shape
    d_y = net.B.shape[0]
    G = D[0].unsqueeze(2) * net.C.unsqueeze(0)                      # (n, m, d_x)
    g_eigs = [torch.linalg.eigvalsh(G.transpose(1, 2) @ G)]
    for k in range(1, net.depth):
        G = D[k].unsqueeze(2) * (net.W[k - 1] @ G)
        g_eigs.append(torch.linalg.eigvalsh(G.transpose(1, 2) @ G))
    F = net.B.unsqueeze(0) * D[-1].unsqueeze(1)                     # F_{L+1} = B D_L: (n, d_y, m)
    f_eigs = [torch.linalg.eigvalsh(F @ F.transpose(1, 2))]
    for k in range(net.depth, 1, -1):                               # F_k = F_{k+1} W_k D_{k-1}
        F = (F @ net.W[k - 1]) * D[k - 1].unsqueeze(1)
        f_eigs.append(torch.linalg.eigvalsh(F @ F.transpose(1, 2)))
    return {"G": torch.stack(g_eigs).cpu().numpy() / (m / d_x), "F": torch.stack(f_eigs).cpu().numpy() / (m / d_y)}


@torch.no_grad()
def g_correlations(net: GatedNet, X: torch.Tensor) -> np.ndarray:
    """Mean over pairs i != j of |<G^j_k x_j, G^i_k x_i>| / (m/d_x), k = 0..L (Theorem 6's G side)."""
    feats, _ = net.features(X)
    n = X.shape[0]
    m, d_x = net.C.shape
    out = []
    for h in feats:
        P = (h @ h.T).abs()
        out.append(float((P.sum() - P.diagonal().sum()) / (n * (n - 1))) / (m / d_x))
    return np.asarray(out)


@torch.no_grad()
def per_example_matrices(net: GatedNet, X: torch.Tensor, patterns=None) -> torch.Tensor:
    """W^i = B D^i_L W_L ... D^i_1 W_1 D^i_0 C for every input: (n, d_y, d_x). ``patterns`` fixes D^i_k."""
    D = patterns if patterns is not None else _pattern_products(net, X)
    M = D[0].unsqueeze(2) * net.C.unsqueeze(0)
    for k in range(1, net.depth + 1):
        M = D[k].unsqueeze(2) * (net.W[k - 1] @ M)
    return net.B @ M


@torch.no_grad()
def lemma1_residual(net: GatedNet, X: torch.Tensor, Y: torch.Tensor, eta: float) -> dict[str, float]:
    """One GD step on 1/2 sum ||f - y||^2 and Lemma 1's expansion of W^i_{t+1} - W^i_t.

    The expansion of prod_k (W_k - eta grad_k) over the subsets S of the layers given the gradient: |S| = 1
    gives -eta(self + Gamma) (eq. 11), |S| >= 2 gives eta^2 Delta (eq. 12); all with the patterns at step t.
    Returns the relative residual ||W_{t+1} - W_t - expansion|| / ||W_{t+1} - W_t|| (patterns of step t+1 for
    W_{t+1}: rounding for GReLU, where gates are fixed; not for ReLU once a gate flips), the share of the
    |S| >= 2 terms and the fraction of patterns that flipped.
    """
    D0 = _pattern_products(net, X)
    Wi0 = per_example_matrices(net, X, D0)
    with torch.enable_grad():
        loss = 0.5 * ((net(X) - Y) ** 2).sum()
        grads = torch.autograd.grad(loss, list(net.W))
    Ws = [w.detach().clone() for w in net.W]
    first = torch.zeros_like(Wi0)
    higher = torch.zeros_like(Wi0)
    for S in itertools.chain.from_iterable(itertools.combinations(range(net.depth), s) for s in range(1, net.depth + 1)):
        M = D0[0].unsqueeze(2) * net.C.unsqueeze(0)
        for k in range(net.depth):
            M = D0[k + 1].unsqueeze(2) * ((grads[k] if k in S else Ws[k]) @ M)
        term = (-eta) ** len(S) * (net.B @ M)
        (first if len(S) == 1 else higher).add_(term)
    new = net.twin(net.mode, net.final_relu)
    for p, w, g in zip(new.W, Ws, grads):
        p.copy_(w - eta * g)
    D1 = _pattern_products(new, X)
    diff = per_example_matrices(new, X, D1) - Wi0
    flips = float(np.mean([(a != b).float().mean().item() for a, b in zip(D0, D1)]))
    return {"residual": float((diff - first - higher).norm() / diff.norm()),
            "higher_share": float(higher.norm() / diff.norm()), "flips": flips}


@torch.no_grad()
def gradient_change(net: GatedNet, net0: GatedNet, X: torch.Tensor) -> float:
    """max_i ||grad f(x_i; W) - grad f(x_i; W_1)||_F / ||grad f(x_i; W_1)||_F over the trained layers (the
    relative change of Theorem 3's left side), from the rank-one factors (one output summed over p)."""
    from ..nets.gated import per_example_grads

    d1, h1 = per_example_grads(net, X)
    d0, h0 = per_example_grads(net0, X)
    num = torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
    den = torch.zeros_like(num)
    for a, b, ha, hb in zip(d1, d0, h1, h0):
        # ||a h^T - b g^T||_F^2 = |a|^2|h|^2 + |b|^2|g|^2 - 2 (a.b)(h.g), summed over outputs p
        aa, bb, ab = (a * a).sum(2).sum(0), (b * b).sum(2).sum(0), (a * b).sum(2).sum(0)
        hh, gg, hg = (ha * ha).sum(1), (hb * hb).sum(1), (ha * hb).sum(1)
        num += aa * hh + bb * gg - 2 * ab * hg
        den += bb * gg
    return float((num.clamp_min(0).sqrt() / den.sqrt()).max())


@torch.no_grad()
def relu_patterns(net: GatedNet, X: torch.Tensor) -> torch.Tensor:
    """The hidden patterns 1[u_k > 0], k = 1..L, of the network on X: (n, L, m) (D_0 never changes)."""
    _, pats = net.features(X)
    return torch.stack(pats[1:], dim=1)


def hamming_probe(X_val: torch.Tensor):
    """A ``train`` probe: the fraction of hidden patterns on ``X_val`` that changed since its last call
    (Figure 2c's Hamming distance of successive patterns; NaN at the first call)."""
    state = {}

    def probe(model) -> float:
        P = relu_patterns(model, X_val)
        prev = state.get("P")
        state["P"] = P
        return float("nan") if prev is None else float((P != prev).float().mean())

    return probe


def temporal_difference_probe(X: torch.Tensor, Y: torch.Tensor):
    """A ``train`` probe: ||g_t - g_prev||_2 of the full-batch gradient of 1/2 sum ||f - y||^2 between
    successive calls (Figure 2b's temporal difference of gradients; NaN at the first call)."""
    state = {}

    def probe(model) -> float:
        params = [p for p in model.parameters() if p.requires_grad]
        with torch.enable_grad():
            loss = 0.5 * ((model(X) - Y) ** 2).sum()
            g = torch.cat([t.reshape(-1) for t in torch.autograd.grad(loss, params)]).detach()
        prev = state.get("g")
        state["g"] = g
        return float("nan") if prev is None else float((g - prev).norm())

    return probe
