"""Theorem 2 (the GReLU -> ReLU transform, corrected), eq. (49) as printed, and the reverse transform."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...nets.gated import GatedNet, eq49_as_printed, grelu_to_relu, relu_to_grelu
from ...theory import noy2021 as th
from ._common import gaussian_unit, run_gd

__all__ = ["Eq49", "eq49_dimensions", "reverse_transform", "transform_sweep"]


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max())


def transform_sweep(ratios, *, width: int, depth: int, d_x: int, train_steps: int, n_test: int, n_seeds: int,
                    seed: int, device="cpu") -> pd.DataFrame:
    """Noy et al., Theorem 2 with the corrected construction (W~_k = Z~_k ReLU(Z~_{k-1})^+), float64.

    For each n/m in ``ratios`` and seed: a GReLU network trained ``train_steps`` GD steps (the proof's step)
    on n unit-norm Gaussian inputs with N(0, 1) labels, transformed on those n inputs. Rows: the relative
    output error on the training inputs, the largest feature error over layers, the smallest rank of the
    ReLU(Z~_{k-1}), the relative difference on ``n_test`` fresh inputs, and the training error of the same
    solve with a ReLU kept after W_L (which cannot match: Z~_L has negative entries).
    """
    rows = []
    for s in range(n_seeds):
        for r in ratios:
            n = max(2, round(r * width))
            X, y = gaussian_unit(n, d_x, seed + 1000 * s + n, device)
            Xt, _ = gaussian_unit(n_test, d_x, seed + 1000 * s + n + 7, device)
            net = GatedNet.paper_init(d_x, width, depth, generator=torch.Generator().manual_seed(seed + s),
                                      device=device)
            run_gd(net, X, y, th.eta_theory(width, depth, d_x), train_steps)
            relu, ranks = grelu_to_relu(net, X)
            with torch.no_grad():
                fg, fr = net(X), relu(X)
                zg, _ = net.features(X)
                zr, _ = relu.features(X)
                # features of the ReLU net at layer k < L are post-ReLU; compare the pre-activations instead
                pre = [h @ w.T for h, w in zip(zr[:-1], relu.W)]
                feat = max(float((u - z).abs().max() / z.abs().max()) for u, z in zip(pre, zg[1:]))
                with_relu = relu.twin("relu", final_relu=True)
                rows.append({"seed": s, "ratio": n / width, "n": n, "m": width, "train_error": _rel(fr, fg),
                             "feature_error": feat, "min_rank": min(ranks), "rank_deficit": n - min(ranks),
                             "test_difference": _rel(relu(Xt), net(Xt)),
                             "final_relu_error": _rel(with_relu(X), fg)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Eq49:
    """Eq. (49) as printed, evaluated: its shape, the shape a weight needs, and the error applying it."""

    shape: tuple[int, int]
    needed: tuple[int, int]
    error: str

    @property
    def rows(self) -> int:
        return self.shape[0]


def eq49_dimensions(*, n: int, width: int, depth: int, d_x: int, seed: int, device="cpu") -> Eq49:
    """Evaluate eq. (49) on n training inputs and try to use it as W~_1 (an m x m matrix acting on m-vectors)."""
    X, _ = gaussian_unit(n, d_x, seed, device)
    net = GatedNet.paper_init(d_x, width, depth, generator=torch.Generator().manual_seed(seed), device=device)
    M = eq49_as_printed(net, X, k=1)
    feats, _ = net.features(X)
    try:
        _ = feats[0] @ M.T
        error = ""
    except RuntimeError as err:
        error = str(err).split("\n")[0]
    return Eq49(tuple(M.shape), (width, width), error)


def reverse_transform(*, width: int, depth: int, d_x: int, n_train: int, n_test: int, train_steps: int, seed: int,
                      device="cpu") -> dict:
    """Section 4.1 / Remark 4: a ReLU network trained ``train_steps`` GD steps, then Psi_k <- W_k. Returns the
    largest relative output difference on fresh Gaussian inputs of any norm (not only unit-norm ones)."""
    X, y = gaussian_unit(n_train, d_x, seed, device)
    relu = GatedNet.paper_init(d_x, width, depth, generator=torch.Generator().manual_seed(seed), device=device,
                               mode="relu")
    run_gd(relu, X, y, th.eta_theory(width, depth, d_x), train_steps)
    grelu = relu_to_grelu(relu)
    g = torch.Generator().manual_seed(seed + 1)
    Xt = torch.randn(n_test, d_x, generator=g, dtype=torch.float64).to(device) * torch.rand(
        n_test, 1, generator=g, dtype=torch.float64).to(device) * 10
    with torch.no_grad():
        out_r, out_g = relu(Xt), grelu(Xt)
    return {"max_rel_difference": _rel(out_g, out_r), "n_inputs": n_test, "max_abs_output": float(out_r.abs().max()),
            "frac_nonzero": float(np.mean(out_r.abs().cpu().numpy() > 0))}
