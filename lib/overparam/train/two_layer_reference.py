"""The plain baseline of the two-layer ensemble: one ``torch.nn.Module`` trained by autograd.

``train_module`` applies the update, stopping and divergence rules of ``train_ensemble`` (the convention of
``overparam.train``) to a single network of Oymak & Soltanolkotabi (2020, eq. 1.1), step by step, in the
plainest form: autograd on the loss of eq. 2.1. The unit tests check that the batched trainer equals it in
float64 (and follows it in float32), and ``benchmarks/ensemble.py`` times one against the other.
``sgd_indices`` replays the SGD sample indices the batched trainer draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..nets.two_layer import TwoLayerModule
from .convention import batch_indices_per_network, resolve_stop, sgd_factor
from .loop import loss_value

__all__ = ["sgd_indices", "train_module"]


def train_module(X: torch.Tensor, y: torch.Tensor, W0: torch.Tensor, v: torch.Tensor, activation: str, eta: float,
                 steps: int, *, loss: str = "half_sum", sgd_scale: str = "unbiased", stop: str | None = None,
                 tol: float | None = None, blowup: float = 1e8, sample_indices: torch.Tensor | None = None,
                 eval_every: int = 1, history: bool = False) -> dict[str, Any]:
    """Train one ``TwoLayerModule`` by autograd with the rules of ``train_ensemble``.

    Parameters
    ----------
    X, y, W0, v : torch.Tensor
        One network's problem (n, d), (n,), (k, d), (k,).
    activation : {"softplus", "relu"}
    eta : float
        Step size.
    steps : int
        The budget.
    loss, sgd_scale, stop, tol, blowup
        As in ``train_ensemble`` (``tol`` alone means ``stop="relative"``, deprecated).
    sample_indices : torch.Tensor or None
        (steps, b) sample indices for SGD (``sgd_indices(...)[:, network]``); None: full-batch GD.
    eval_every : int
        Steps between checks (stopping, divergence, history).
    history : bool
        Record the relative error at every check.

    Returns
    -------
    dict
        ``W`` (final weights), ``hit_step`` (-1 if never), ``steps_run``, ``final_rel``, ``diverged`` and
        ``history`` (an array, or None).
    """
    stop = resolve_stop(stop, tol, legacy="relative")
    model = TwoLayerModule(W0, v, activation)
    n, ynorm = X.shape[0], float(y.norm())
    scale = {"half_sum": 0.5, "sum": 1.0, "mean": 1.0 / n}[loss]  # loss = scale * ||f - y||^2
    floor = torch.finfo(X.dtype).tiny
    hit, stop_step, diverged, rel, hist = -1, steps, False, float("nan"), []
    W_ok, rel_ok, last_eval, loss0 = model.W.detach().clone(), float("nan"), 0, None
    for t in range(steps + 1):
        if t % eval_every == 0 or t == steps:
            with torch.no_grad():
                rnorm = float((model(X) - y).norm())
            lv, rel = scale * rnorm * rnorm, rnorm / ynorm
            if history:
                hist.append(rel)
            loss0 = lv if loss0 is None else loss0
            if not lv <= blowup * max(loss0, floor):  # divergence: back to the last check passed
                diverged, stop_step, rel = True, last_eval, rel_ok
                with torch.no_grad():
                    model.W.copy_(W_ok)
                break
            if stop is not None and (rel if stop == "relative" else lv) <= tol:
                hit, stop_step = t, t
                break
            W_ok, rel_ok, last_eval = model.W.detach().clone(), rel, t
        if t == steps:
            break
        if sample_indices is None:
            objective = loss_value(model(X), y, loss)
        else:
            idx = sample_indices[t]
            objective = loss_value(model(X[idx]), y[idx], loss)
            factor = sgd_factor(loss, n, idx.numel(), sgd_scale)
            if factor != 1.0:
                objective = objective * factor
        (grad,) = torch.autograd.grad(objective, [model.W])
        with torch.no_grad():
            model.W -= eta * grad
    return {"W": model.W.detach().clone(), "hit_step": hit, "steps_run": stop_step, "final_rel": rel,
            "diverged": diverged, "history": np.array(hist) if history else None}


def sgd_indices(n: int, n_networks: int, steps: int, batch_size: int, seed: int = 0,
                device: str | torch.device = "cpu") -> torch.Tensor:
    """The SGD sample indices ``train_ensemble`` draws with this seed.

    Parameters
    ----------
    n, n_networks, steps, batch_size : int
        Samples, networks, steps and the batch size of the run.
    seed : int
        ``train_ensemble``'s ``seed``.
    device : str or torch.device
        Where the generator draws (the run's device).

    Returns
    -------
    torch.Tensor
        (steps, n_networks, batch_size) long, so that ``train_module(sample_indices=idx[:, b])`` follows
        network b's samples.
    """
    gen = torch.Generator(device=device).manual_seed(int(seed))
    return torch.stack([batch_indices_per_network(n, n_networks, batch_size, gen, device) for _ in range(steps)])
