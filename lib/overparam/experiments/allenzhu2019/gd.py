"""Theorem 1 (GD), the distance from initialisation (12.1), Theorem 5 along GD and the flips of Lemma 8.2 (E5-E7, E10).

One batched run per width: ``seeds`` networks of Definition 2.3 on one padded data set, full-batch GD on the
half-sum loss F = sum_i ||B h_{i,L} - y_i||^2 / 2 with eta = c / lambda_max(G_0) per network (the paper's
eta ~ d delta / (poly(n, L) m) with the constant chosen by the kernel, claims map section 0).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import torch
from torch.func import jvp

from ...data.allenzhu2019 import padded_sphere
from ...measure.fit import linear_rate, steps_to_reach
from ...nets.allen_zhu_stack import AllenZhuEnsemble, ResidualEnsemble
from ...train.deep_ensemble import train_ensemble
from ._common import exponent_over_seeds

__all__ = ["DECADES", "gd_widths", "stacked_forward"]

#: The loss levels (fractions of F_0) of the decade rule: (T(1e-8) - T(1e-6)) / (T(1e-4) - T(1e-2)).
DECADES = (1e-2, 1e-4, 1e-6, 1e-8)


def stacked_forward(X: torch.Tensor, A: torch.Tensor, Ws, B: torch.Tensor, tau: float | None = None) -> torch.Tensor:
    """Allen-Zhu et al.'s network as a function of its hidden weights (K stacked), for ``torch.func``; with
    ``tau`` the residual network of Appendix C (``nets.allen_zhu_stack.ResidualEnsemble``)."""
    h = torch.clamp_min(torch.matmul(X, A.transpose(1, 2)), 0.0)
    for ell, W in enumerate(Ws):
        branch = torch.bmm(h, W.transpose(1, 2))
        h = torch.clamp_min(branch if tau is None or ell == len(Ws) - 1 else h + tau * branch, 0.0)
    return torch.bmm(h, B.transpose(1, 2))[..., 0]


def _decade_steps(curve: np.ndarray) -> list[float]:
    return [np.nan if (t := steps_to_reach(curve, f)) is None else float(t) for f in DECADES]


def gd_widths(n: int, depth: int, widths, seeds, *, c_eta: float, steps: int, d_free: int,
              data_seed: int, dtype: torch.dtype = torch.float32, device="cpu",
              residual: float | None = None) -> SimpleNamespace:
    """Theorem 1 and its mechanisms at several widths: one GD run per (width, seed).

    Returns a table (one row per run) with: the decade steps T(1e-2..1e-8) and the decade ratio; the tail
    rate of ln F (steps between 1e-4 F_0 and 1e-8 F_0) and its prediction 2 ln(1 - eta lambda_min(G_T)) from
    the final Gram (and from G_0); the Frobenius distance ||W_T - W_0|| and the minimum-norm prediction
    sqrt(r_0^T G_0^{-1} r_0); the flip fraction at the end; the relative Gram change ||G_T - G_0|| / ||G_0||
    (Theorem 5c) and the output linearisation error max_i |y_T - y_0 - <grad y(W_0), W_T - W_0>| (Theorem 5b).
    Training runs in ``dtype`` (float32: the loss still falls to 1e-9 F_0); Grams, distances and eigenvalues
    are computed in float64 from those weights. ``residual=c`` trains Appendix C's residual network instead, with
    branch scale tau = c / (L ln m) (Appendix C: tau = 1/Omega(L log m)).
    """
    rng = np.random.default_rng(data_seed)
    X, delta = padded_sphere(n, d_free, rng)
    X = torch.as_tensor(X, dtype=dtype, device=device)
    y = torch.as_tensor(rng.choice([-1.0, 1.0], size=n), dtype=dtype, device=device)
    rows, curves = [], {}
    for m in widths:
        m = int(m)
        ens = AllenZhuEnsemble.allen_zhu(X.shape[1], m, depth, seeds=list(seeds), dtype=dtype, device=device)
        tau = None if residual is None else residual / (depth * np.log(m))
        if tau is not None:
            ens = ResidualEnsemble.from_plain(ens, tau)
        state0 = ens.state()
        signs0 = ens.activation_patterns(X)
        G0 = ens.ntk(X)
        ev0 = torch.linalg.eigvalsh(G0)
        eta = c_eta / ev0[:, -1]
        with torch.no_grad():
            y0 = ens(X)[..., 0]
        r0 = y0 - y
        r0 = r0.to(torch.float64)
        minnorm = torch.sqrt((r0[:, None, :] @ torch.linalg.solve(G0, r0[..., None]))[:, 0, 0])
        F0 = 0.5 * (r0 ** 2).sum(1)
        log = train_ensemble(ens, X, y, eta=eta.to(dtype), steps=steps, loss="half_sum", stop="absolute",
                             tol=float(F0.min()) * 1e-9, record_every=steps)
        dW = [w.detach() - w0 for w, w0 in zip(ens.W, state0[1:-1])]
        distance = torch.sqrt(sum((d.to(torch.float64) ** 2).sum((1, 2)) for d in dW))
        flips = ens.activation_flips(X, signs0)
        with torch.no_grad():
            yT = ens(X)[..., 0]
        _, lin = jvp(lambda *Ws, s0=state0, tau=tau: stacked_forward(X, s0[0], Ws, s0[-1], tau), tuple(state0[1:-1]), tuple(dW))
        lin_err = (yT - y0 - lin).abs().amax(1)
        GT = ens.ntk(X)
        evT = torch.linalg.eigvalsh(GT)
        gram_change = torch.linalg.matrix_norm(GT - G0) / torch.linalg.matrix_norm(G0)
        for k, s in enumerate(seeds):
            curve = log.loss[: int(log.steps_run[k]) + 1, k]
            T = _decade_steps(curve)
            hit4, hit8 = T[1], T[3]
            tail = (linear_rate(curve, int(hit4), int(hit8) + 1).rate if np.isfinite(hit4) and np.isfinite(hit8)
                    and hit8 - hit4 >= 3 else np.nan)
            e = float(eta[k])
            rows.append({
                "width": m, "seed": int(s), "eta_m": e * m, "T_1e-2": T[0], "T_1e-4": T[1], "T_1e-6": T[2],
                "T_1e-8": T[3], "decade_ratio": (T[3] - T[2]) / (T[1] - T[0]),
                "tail_slope": float(np.log(tail)) if np.isfinite(tail) else np.nan,
                "pred_slope_T": 2 * float(np.log1p(-e * float(evT[k, 0]))),
                "pred_slope_0": 2 * float(np.log1p(-e * float(ev0[k, 0]))),
                "distance": float(distance[k]), "minnorm": float(minnorm[k]),
                "flips": float(flips[k]), "gram_change": float(gram_change[k]),
                "lin_err": float(lin_err[k]), "lmin0_m": float(ev0[k, 0]) / m, "lmax0_m": float(ev0[k, -1]) / m,
                "converged": bool(log.converged[k]),
            })
            curves[(m, int(s))] = curve / curve[0]

    df = pd.DataFrame(rows)
    df["rate_ratio"] = df.tail_slope / df.pred_slope_T
    df["rate_ratio_0"] = df.tail_slope / df.pred_slope_0
    df["minnorm_ratio"] = df.distance / df.minnorm
    piv = lambda col: df.pivot(index="seed", columns="width", values=col).to_numpy()
    fits = ({col: exponent_over_seeds(widths, piv(col)) for col in ("distance", "flips", "gram_change", "lin_err")}
            if len(widths) >= 3 else {})
    return SimpleNamespace(table=df, curves=curves, fits=fits, delta=delta, n=n, depth=depth, widths=list(widths))
