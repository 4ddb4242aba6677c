"""Bound (5) (lazy training: tau against m), Theorem 3 / Corollary 4 (the NTK's change against m) and
Theorem 5's sub-network spectra at initialisation and after training, on the same GD runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...measure.gated import gradient_change, subnetwork_spectra
from ...nets.gated import GatedNet, ntk_gram
from ...theory import noy2021 as th
from ._common import gaussian_unit, run_gd

__all__ = ["lazy_runs"]


def _spec_norm(A: torch.Tensor, iters: int = 30) -> float:
    """||A||_2 by power iteration on A^T A from a fixed start (cheap at large m)."""
    v = torch.ones(A.shape[1], dtype=A.dtype, device=A.device) / A.shape[1] ** 0.5
    for _ in range(iters):
        v = A.T @ (A @ v)
        norm = v.norm()
        if norm == 0:
            return 0.0
        v = v / norm
    return float((A @ v).norm())


def _tau_probe(W0):
    def probe(model) -> float:
        return max(_spec_norm(w.detach() - w0) for w, w0 in zip(model.W, W0))
    return probe


def lazy_runs(widths, *, n: int, depth: int, d_x: int, eps: float, max_steps: int, n_seeds: int, seed: int,
              probe_every: int = 25, nets=("grelu", "relu"), device="cpu") -> pd.DataFrame:
    """GReLU and ReLU (``nets``; same C, W, B) trained by GD with the proof's step 1/(beta^2 L) to loss <= eps * loss_0,
    on the same n unit-norm inputs for every width. Rows per (m, seed, net): tau = max over the probes of
    max_k ||W_k - W_{1,k}||_2 (eq. 4), the relative gradient change max_i ||grad f(x_i; W_T) - grad f(x_i;
    W_1)||_F / ||grad f(x_i; W_1)||_F (Theorem 3's R), the kernel change max_ij |K_T - K_0| /
    sqrt(K_0,ii K_0,jj) (Corollary 4), the fraction of ReLU patterns flipped on the training inputs, the
    normalised sub-network eigenvalue range at init and at the end (Theorem 5's band [1/12, 27/4]) and
    tau / (50)'s limit."""
    rows = []
    for s in range(n_seeds):
        X, y = gaussian_unit(n, d_x, seed + 7919 * s, device)
        for m in widths:
            for kind in nets:
                net = GatedNet.paper_init(d_x, m, depth, generator=torch.Generator().manual_seed(seed + 31 * s + m),
                                          device=device, mode=kind)
                net0 = net.twin(kind) if kind == "relu" else GatedNet(net.C, net.B, list(net.W), net.Psi)
                W0 = [w.detach().clone() for w in net.W]
                K0 = ntk_gram(net, X)
                sp0 = subnetwork_spectra(net, X) if kind == "grelu" else None
                r = run_gd(net, X, y, th.eta_theory(m, depth, d_x), max_steps, eps, probes={"tau": _tau_probe(W0)},
                           probe_every=probe_every)
                KT = ntk_gram(net, X)
                d = K0.diagonal().sqrt()
                with torch.no_grad():
                    flips = float(np.mean([(a != b).float().mean().item()
                                           for a, b in zip(net.features(X)[1][1:], net0.features(X)[1][1:])]))
                row = {"m": m, "seed": s, "net": kind, "steps": r["steps"], "rel_loss": r["rel_loss"],
                       "tau": float(np.max(r["log"].probes["tau"])),
                       "grad_change": gradient_change(net, net0, X),
                       "kernel_change": float(((KT - K0).abs() / torch.outer(d, d)).max()),
                       "flips": flips, "tau_over_eq50": float(np.max(r["log"].probes["tau"])) / th.tau_max_eq50(depth)}
                if sp0 is not None:
                    sp1 = subnetwork_spectra(net, X)
                    row.update(init_min=min(sp0["G"].min(), sp0["F"].min()), init_max=max(sp0["G"].max(), sp0["F"].max()),
                               trained_min=min(sp1["G"].min(), sp1["F"].min()),
                               trained_max=max(sp1["G"].max(), sp1["F"].max()))
                rows.append(row)
    return pd.DataFrame(rows)
