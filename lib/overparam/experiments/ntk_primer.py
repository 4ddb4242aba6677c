"""The primer's experiments (Du et al. 2019): the Gram matrix against width, and GD against width.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch

from ..kernels import gram_min_eigenvalue, relu_ntk_infinite
from ..measure import probes
from ..measure.fit import linear_rate
from ..measure.ntk import two_layer_gram
from ..nets import TwoLayerNet
from ..runtime.progress import progress as show_progress
from ..train import train

__all__ = ["gram_convergence", "width_sweep"]



def gram_convergence(
    X: torch.Tensor,
    widths: Sequence[int],
    seeds: Sequence[int],
    limit: torch.Tensor | None = None,
    activation: str = "relu",
    progress: bool = True,
) -> pd.DataFrame:
    """Distance of the width-m Gram H(0) of a random ``TwoLayerNet`` to its infinite-width limit H∞.

    Returns one row per (m, seed): relative Frobenius error ||H - H∞||_F / ||H∞||_F, spectral error
    ||H - H∞||_2, and lambda_min(H). ``limit`` defaults to the ReLU H∞ of Du et al.
    """
    H_inf = relu_ntk_infinite(X) if limit is None else limit
    norm_inf = float(torch.linalg.matrix_norm(H_inf))
    rows = []
    for m in show_progress(widths, desc="Gram vs width", enabled=progress, leave=False):
        for s in seeds:
            net = TwoLayerNet(X.shape[1], int(m), activation, generator=torch.Generator().manual_seed(int(s)),
                              dtype=X.dtype, device=X.device)
            H = two_layer_gram(net, X)
            diff = H - H_inf
            rows.append({
                "m": int(m), "seed": int(s),
                "rel_frobenius_error": float(torch.linalg.matrix_norm(diff)) / norm_inf,
                "spectral_error": float(torch.linalg.matrix_norm(diff, ord=2)),
                "lambda_min": gram_min_eigenvalue(H),
            })
    return pd.DataFrame(rows)


def width_sweep(
    X: torch.Tensor,
    y: torch.Tensor,
    widths: Sequence[int],
    seeds: Sequence[int],
    *,
    eta: float,
    steps: int,
    tol_fraction: float = 1e-4,
    activation: str = "relu",
    rate_window: tuple[float, float] = (0.1, 1e-3),
    on_log: Callable[[int, int, object], None] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Train a ``TwoLayerNet`` by GD at every width and seed until loss <= tol_fraction * loss(0).

    Records per run: steps used, final loss ratio, the fitted linear rate over the part of the curve
    between ``rate_window`` fractions of the initial loss, the largest per-neuron distance
    max_r ||w_r(T) - w_r(0)|| (Du et al.'s R), the relative Frobenius distance, and the fraction of
    activation patterns that flipped. ``on_log(m, seed, TrainLog)`` sees every run's log.
    """
    rows = []
    runs = [(int(m), int(s)) for m in widths for s in seeds]
    for m, s in show_progress(runs, desc="GD vs width", enabled=progress, leave=False):
        net = TwoLayerNet(X.shape[1], m, activation, generator=torch.Generator().manual_seed(s),
                          dtype=X.dtype, device=X.device)
        pr = {
            "neuron_distance": probes.max_neuron_distance(net),
            "relative_distance": probes.distance_from_init(net, relative=True),
            "flips": probes.activation_flips(net, X),
        }
        with torch.no_grad():
            loss0 = 0.5 * float(((net(X) - y) ** 2).sum())
        log = train(net, X, y, eta=eta, steps=steps, probes=pr, probe_every=max(steps, 1),
                    tol=tol_fraction * loss0, progress=False)
        ratio = log.loss / log.loss[0]
        start = int(np.argmax(ratio <= rate_window[0]))
        below = np.nonzero(ratio <= rate_window[1])[0]
        stop = int(below[0]) + 1 if below.size else len(ratio)
        rate = linear_rate(log.loss, start, stop) if stop - start >= 3 else None
        rows.append({
            "m": m, "seed": s, "steps": log.steps_run, "converged": log.converged,
            "loss0": float(log.loss[0]), "final_loss_ratio": float(ratio[-1]),
            "rate": rate.rate if rate else np.nan,
            "neuron_distance": float(log.probes["neuron_distance"][-1]),
            "relative_distance": float(log.probes["relative_distance"][-1]),
            "flips": float(log.probes["flips"][-1]),
        })
        if on_log is not None:
            on_log(m, s, log)
    return pd.DataFrame(rows)
