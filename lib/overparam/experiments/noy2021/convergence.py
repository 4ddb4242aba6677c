"""Theorem 1 and Lemmas 2-3: linear convergence, "log-time", the printed step against the proof's, and
Theorem 5's sub-network spectra along the runs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ...data.noy2021 import separation
from ...measure.gated import subnetwork_spectra
from ...nets.gated import GatedNet
from ...theory import noy2021 as th
from ._common import gaussian_unit, lambda_range, run_gd

__all__ = ["LogTime", "log_time"]

RULES = ("proof", "printed", "ntk")


@dataclass(frozen=True)
class LogTime:
    """The runs of ``log_time``: one row per (n, seed, net, step rule); loss curves of the first seed; the
    spectra and tau of the largest n's GReLU runs under the proof's step."""

    runs: pd.DataFrame
    curves: dict = field(default_factory=dict)
    spectra: pd.DataFrame | None = None


def _tau(net: GatedNet, W0) -> float:
    return max(float(torch.linalg.matrix_norm(w.detach() - w0, ord=2)) for w, w0 in zip(net.W, W0))


def log_time(ns, *, depth: int, d_x: int, eps: float, max_steps: int, n_seeds: int, seed: int,
             device="cpu") -> LogTime:
    """Noy et al., Theorem 1 ("T = O(log(n^3 L / (d_x eps)))") at m = n^2 L (d_y = 1).

    For every n, seed and network (GReLU, ReLU with the same C, W, B): full-batch GD on 1/2 sum ||f - y||^2
    from the paper's initialisation, to loss <= eps * loss_0, under three steps: the proof's 1/(beta^2 L)
    (primary), Theorem 1's printed d_x/(n^4 L^3 d_y), and 1/lambda_max(K_0) (ours). Rows hold eta *
    lambda_max(K_0) and eta * lambda_min(K_0), the steps taken (None if not reached or diverged), loss_0
    against its bound 4mn/d_x (eq. 43), the mean per-step loss ratio against eq. (19)'s 1 - 1/13122, and
    delta = max |x_i^T x_j|.
    """
    rows, curves, spectra = [], {}, []
    for n in ns:
        m = th.width_thm1(n, depth)
        for s in range(n_seeds):
            X, y = gaussian_unit(n, d_x, seed + 7919 * s + n, device)
            delta = separation(X.cpu().numpy())
            for net_kind in ("grelu", "relu"):
                base = GatedNet.paper_init(d_x, m, depth, generator=torch.Generator().manual_seed(seed + s),
                                           device=device, mode=net_kind)
                lmin, lmax = lambda_range(base, X)
                for rule in RULES:
                    eta = {"proof": th.eta_theory(m, depth, d_x), "printed": th.eta_printed(n, depth, d_x),
                           "ntk": 1.0 / lmax}[rule]
                    net = base.twin(net_kind) if net_kind == "relu" else GatedNet(
                        base.C, base.B, list(base.W), base.Psi)
                    W0 = [w.detach().clone() for w in net.W]
                    if rule == "proof" and net_kind == "grelu" and n == max(ns):
                        sp0 = subnetwork_spectra(net, X)
                    r = run_gd(net, X, y, eta, max_steps, eps)
                    loss = r["log"].loss
                    ratios = loss[1:] / loss[:-1]
                    rows.append({"n": n, "m": m, "seed": s, "net": net_kind, "rule": rule, "eta": eta,
                                 "eta_lmax": eta * lmax, "eta_lmin": eta * lmin, "kappa": lmax / lmin,
                                 "steps": r["steps"], "diverged": r["diverged"], "rel_loss": r["rel_loss"],
                                 "ell0": r["ell0"], "ell0_bound": th.ell0_bound(m, n, d_x), "delta": delta,
                                 "mean_ratio": float(np.exp(np.mean(np.log(ratios)))) if ratios.size else np.nan,
                                 "max_ratio": float(ratios.max()) if ratios.size else np.nan,
                                 "guarantee": th.rate_guarantee(th.eta_theory(m, depth, d_x), m, depth, d_x)})
                    if s == 0:
                        curves[(n, net_kind, rule)] = loss / r["ell0"]
                    if rule == "proof" and net_kind == "grelu" and n == max(ns):
                        sp1 = subnetwork_spectra(net, X)
                        spectra.append({"seed": s, "tau": _tau(net, W0),
                                        "tau_eq50": th.tau_max_eq50(depth),
                                        "init_min": min(sp0["G"].min(), sp0["F"].min()),
                                        "init_max": max(sp0["G"].max(), sp0["F"].max()),
                                        "trained_min": min(sp1["G"].min(), sp1["F"].min()),
                                        "trained_max": max(sp1["G"].max(), sp1["F"].max())})
    return LogTime(pd.DataFrame(rows), curves, pd.DataFrame(spectra))
