"""Theorem 2 (SGD with the n/b scaling, E11) and Theorem 6 / Appendix A (cross-entropy to 100 % accuracy, E12)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import torch

from ...data.allenzhu2019 import padded_sphere
from ...measure.fit import steps_to_reach
from ...nets.allen_zhu_stack import AllenZhuEnsemble
from ...train.deep_ensemble import train_ensemble
from .gd import DECADES

__all__ = ["cross_entropy_fit", "sgd_batches"]


def sgd_batches(n: int, depth: int, width: int, batches, seeds, *, c_eta: float, steps: int, d_free: int,
                data_seed: int, dtype: torch.dtype = torch.float32, device="cpu") -> SimpleNamespace:
    """Theorem 2: SGD with a fresh batch of b distinct samples and the gradient scaled by n/b (E11).

    Step eta_b = (b / n) c / lambda_max(G_0): b = n is GD with eta = c / lambda_max(G_0), and eta grows like b as
    Theorem 2's eta = Theta(b delta d / (poly(n, L) m log^2 m)) does. The full loss is evaluated every step.
    Returns one row per (b, seed): the decade steps T(1e-2 .. 1e-8 F_0), the decade ratio, eta_b m, T(1e-8) b
    (constant if the iterations fall like 1/b) and the fraction of steps on which F increased.
    """
    rng = np.random.default_rng(data_seed)
    X, delta = padded_sphere(n, d_free, rng)
    X = torch.as_tensor(X, dtype=dtype, device=device)
    y = torch.as_tensor(rng.choice([-1.0, 1.0], size=n), dtype=dtype, device=device)
    rows, curves = [], {}
    for b in batches:
        ens = AllenZhuEnsemble.allen_zhu(X.shape[1], width, depth, seeds=list(seeds), dtype=dtype, device=device)
        G0 = ens.ntk(X)
        eta = c_eta * b / (n * torch.linalg.eigvalsh(G0)[:, -1])
        with torch.no_grad():
            F0 = 0.5 * ((ens(X)[..., 0] - y) ** 2).sum(1)
        gen = torch.Generator().manual_seed((int(data_seed) * 7919 + int(b)) % 2**62)
        log = train_ensemble(ens, X, y, eta=eta.to(dtype), steps=steps, loss="half_sum", batch_size=int(b),
                             sgd_scale="unbiased", stop="absolute", tol=float(F0.min()) * 1e-9, record_every=1,
                             generator=gen)
        for k, s in enumerate(seeds):
            curve = log.loss[: int(log.steps_run[k]) + 1, k]
            T = [np.nan if (t := steps_to_reach(curve, f)) is None else float(t) for f in DECADES]
            rows.append({"b": int(b), "seed": int(s), "eta_m": float(eta[k]) * width,
                         "T_1e-2": T[0], "T_1e-4": T[1], "T_1e-6": T[2], "T_1e-8": T[3],
                         "decade_ratio": (T[3] - T[2]) / (T[1] - T[0]), "Tb": T[3] * b,
                         "increases": float(np.mean(np.diff(curve) > 0))})
            curves[(int(b), int(s))] = curve / curve[0]
    return SimpleNamespace(table=pd.DataFrame(rows), curves=curves, delta=delta, n=n, width=width)


def cross_entropy_fit(n: int, classes: int, depth: int, width: int, seeds, *, c_eta: float, max_steps: int,
                      d_free: int, data_seed: int, record_every: int = 5, dtype: torch.dtype = torch.float32,
                      device="cpu") -> SimpleNamespace:
    """Theorem 6 / Appendix A with the true cross-entropy: random labels reach 100 % training accuracy (E12).

    F = sum_i -log softmax(B h_{i,L})_{y_i} (``loss="ce_sum"``), d = ``classes`` outputs, B ~ N(0, 1/d); GD with
    eta = c / lambda_max of the Gram of one output coordinate (the Hessian of the cross-entropy in z is at most
    1/2, that of the half squared loss 1). A network stops once F <= ln 2 (then every p_{y_i} > 1/2). Returns
    the first recorded step at 100 % accuracy per seed (NaN if never within ``max_steps``).
    """
    rng = np.random.default_rng(data_seed)
    X, delta = padded_sphere(n, d_free, rng)
    X = torch.as_tensor(X, dtype=dtype, device=device)
    labels = torch.as_tensor(rng.integers(0, classes, size=n), device=device)
    ens = AllenZhuEnsemble.allen_zhu(X.shape[1], width, depth, classes, seeds=list(seeds), dtype=dtype, device=device)
    one = AllenZhuEnsemble(ens.A, ens.W, ens.B[:, :1], [0.0] * ens.K)
    eta = c_eta / torch.linalg.eigvalsh(one.ntk(X))[:, -1]
    log = train_ensemble(ens, X, labels, eta=eta.to(dtype), steps=max_steps, loss="ce_sum", stop="absolute",
                         tol=math.log(2.0), record_every=record_every)
    acc = log.train["acc"]                                          # (records, K)
    first = [float(log.steps[np.nonzero(acc[:, k] >= 1.0)[0][0]]) if np.any(acc[:, k] >= 1.0) else np.nan
             for k in range(ens.K)]
    return SimpleNamespace(steps_to_100=np.asarray(first), acc=acc, record_steps=log.steps, eta_m=eta.cpu().numpy() * width,
                           delta=delta, n=n, classes=classes, max_steps=max_steps, ce=log.train.get("ce"))
