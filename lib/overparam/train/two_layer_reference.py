"""The plain baseline of the two-layer ensemble: one ``torch.nn.Module`` trained by autograd.

``train_module`` applies the same update, stopping and divergence rules as ``train_ensemble`` to a single
network, step by step; the unit tests check that the two agree in float64 and ``benchmarks/ensemble.py``
times one against the other. ``sgd_indices`` draws the SGD sample indices both of them use.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..nets.two_layer import TwoLayerModule

__all__ = ["train_module", "sgd_indices"]


def train_module(X, y, W0, v, activation: str, eta: float, steps: int, *, tol: float | None = None,
                 diverge_rel: float = 1e3, sample_indices: torch.Tensor | None = None,
                 eval_every: int = 1, history: bool = False):
    """The baseline: train one ``TwoLayerModule`` by autograd on the sum loss ½||f - y||², one step at a time,
    with the same stopping rules as ``train_ensemble`` (evaluated every ``eval_every`` steps).

    sample_indices: (steps, b) sample indices for SGD (None: full-batch GD).
    Returns a dict with W, hit_step, steps_run, final_rel, diverged and (optionally) history.
    """
    model = TwoLayerModule(W0, v, activation)
    ynorm = float(y.norm())
    hit, stop, diverged, rel, hist = -1, steps, False, float("nan"), []
    for t in range(steps + 1):
        if t % eval_every == 0 or t == steps:
            with torch.no_grad():
                rel = float((model(X) - y).norm()) / ynorm
            if history:
                hist.append(rel)
            if tol is not None and rel < tol:
                hit, stop = t, t
                break
            if not math.isfinite(rel) or rel > diverge_rel:
                diverged, stop = True, t
                break
        if t == steps:
            break
        if sample_indices is None:
            loss = 0.5 * ((model(X) - y) ** 2).sum()
        else:
            idx = sample_indices[t]
            loss = 0.5 * ((model(X[idx]) - y[idx]) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            model.W -= eta * model.W.grad
        model.W.grad = None
    return {"W": model.W.detach().clone(), "hit_step": hit, "steps_run": stop, "final_rel": rel,
            "diverged": diverged, "history": np.array(hist) if history else None}


def sgd_indices(n: int, n_networks: int, steps: int, batch_size: int, seed: int = 0, device="cpu"):
    """The SGD sample indices ``train_ensemble`` draws, as a (steps, n_networks, batch_size) tensor, so a
    single-network replay (``train_module(sample_indices=...[:, b])``) follows the same samples."""
    gen = torch.Generator(device=device).manual_seed(int(seed))
    return torch.stack([torch.randint(n, (n_networks, batch_size), generator=gen, device=device)
                        for _ in range(steps)])


