"""Remark 3: GReLU networks and bias shifts / dying units, at initialisation."""

from __future__ import annotations

import pandas as pd
import torch

from ...nets.gated import GatedNet
from ._common import gaussian_unit

__all__ = ["bias_shift"]


@torch.no_grad()
def bias_shift(*, width: int, depth: int, n: int, d_x: int, seed: int, device="cpu") -> pd.DataFrame:
    """Per hidden layer k = 1..depth of a GReLU network and its ReLU twin (same C, W, B) at initialisation, on n
    unit-norm inputs: |mean of h_k| / rms of h_k over all units and inputs (a ReLU layer's is 1/sqrt(pi) = 0.56;
    a layer with W_k independent of its gates has mean 0, so about 1/sqrt(m) at most) and the fraction of
    units inactive on every input ("dead")."""
    X, _ = gaussian_unit(n, d_x, seed, device)
    g = GatedNet.paper_init(d_x, width, depth, generator=torch.Generator().manual_seed(seed), device=device)
    rows = []
    for kind, net in (("grelu", g), ("relu", g.twin("relu"))):
        feats, pats = net.features(X)
        for k in range(1, depth + 1):
            h = feats[k]
            rows.append({"net": kind, "k": k, "mean_over_rms": float(h.mean().abs() / h.pow(2).mean().sqrt()),
                         "dead": float((~pats[k].any(dim=0)).float().mean())})
    return pd.DataFrame(rows)
