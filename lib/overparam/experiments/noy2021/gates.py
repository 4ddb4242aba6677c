"""Lemma 4 across depth (the gate overlap of the gating stream) and Theorem 6's G-side correlation at
initialisation, against the arc-cosine recursion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...measure.gated import g_correlations, gate_overlap
from ...nets.gated import GatedNet
from ...theory import noy2021 as th

__all__ = ["g_correlation_widths", "gate_overlap_depth", "mean_by"]


def _orthonormal(n: int, d: int, seed: int, device) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    Q, _ = torch.linalg.qr(torch.randn(d, n, generator=g, dtype=torch.float64))
    return Q.T.contiguous().to(device)


def _gate_stream(d_x: int, m: int, depth: int, seed: int, device) -> GatedNet:
    """Only the gating stream of Noy et al.'s initialisation (C ~ N(0, 2/d_x), Psi_k ~ N(0, 2/m)): the gates
    do not depend on W or B, so the trained layers are not drawn (W is set to Psi, unused)."""
    g = torch.Generator().manual_seed(seed)
    C = torch.randn(m, d_x, generator=g, dtype=torch.float64) * (2.0 / d_x) ** 0.5
    Psi = [torch.randn(m, m, generator=g, dtype=torch.float64) * (2.0 / m) ** 0.5 for _ in range(depth)]
    B = torch.zeros(1, m, dtype=torch.float64)
    return GatedNet(C.to(device), B.to(device), [p.to(device) for p in Psi], [p.to(device) for p in Psi])


def gate_overlap_depth(widths, *, depth: int, n: int, d_x: int, n_seeds: int, seed: int, device="cpu") -> pd.DataFrame:
    """Mean pairwise overlap |I^i_k cap I^j_k| / m of the gates D_0..D_depth for orthonormal inputs (delta = 0),
    beside the arc-cosine recursion's prediction and Lemma 4's m/3. Rows per (m, seed, k)."""
    pred = th.overlap_recursion(depth)
    rows = []
    for m in widths:
        for s in range(n_seeds):
            X = _orthonormal(n, d_x, seed + s, device)
            net = _gate_stream(d_x, m, depth, seed + 101 * s + m, device)
            for k, mask in enumerate(net.gates(X)):
                rows.append({"m": m, "seed": s, "k": k, "overlap": gate_overlap(mask),
                             "predicted": float(pred.overlap[k]), "gate_input_cos": float(pred.gate_input_cos[k])})
    return pd.DataFrame(rows)


def g_correlation_widths(widths, *, depth: int, n: int, d_x: int, n_seeds: int, seed: int, device="cpu") -> pd.DataFrame:
    """|<G^j_k x_j, G^i_k x_i>| / (m/d_x) at initialisation for orthonormal inputs, k = 0..depth, per width and
    seed, beside the prediction (1/pi at k = 0: the D_0 that line 971 of the proof drops) and the
    recursion's factor 2 q_k per layer. Theorem 6 bounds it by C'(m^(-1/4) + delta (5/6)^k + L^(3/2) tau)
    beta_x, which at delta = tau = 0 decays like m^(-1/4)."""
    pred = th.g_correlation_prediction(depth)
    rows = []
    for m in widths:
        for s in range(n_seeds):
            X = _orthonormal(n, d_x, seed + s, device)
            net = GatedNet.paper_init(d_x, m, depth, generator=torch.Generator().manual_seed(seed + 211 * s + m),
                                      device=device)
            for k, c in enumerate(g_correlations(net, X)):
                rows.append({"m": m, "seed": s, "k": k, "correlation": float(c), "predicted": float(pred[k])})
    return pd.DataFrame(rows)


def mean_by(df: pd.DataFrame, keys, col: str) -> pd.DataFrame:
    """Mean and standard error of ``col`` over seeds."""
    g = df.groupby(keys)[col]
    return pd.DataFrame({"mean": g.mean(), "se": g.std(ddof=1) / np.sqrt(g.count())}).reset_index()
