"""Full-batch gradient descent and minibatch SGD with probes, divergence detection and progress bars.

One loop serves every chapter: the papers differ in the model and the loss normalisation, not in the
update rule W <- W - eta * grad. Probes (``overparam.measure.probes``) are called on a schedule and their values
are returned with the loss curve in a ``TrainLog``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from ..runtime.progress import progress as show_progress

__all__ = ["LOSSES", "loss_value", "TrainLog", "DivergenceError", "train"]


LOSSES = ("half_sum", "sum", "mean")


def loss_value(pred: torch.Tensor, y: torch.Tensor, loss: str = "half_sum") -> torch.Tensor:
    """Squared loss with the papers' normalisations: 1/2 sum (Du; Allen-Zhu), sum (Guo), mean."""
    sq = ((pred - y) ** 2).sum()
    if loss == "half_sum":
        return 0.5 * sq
    if loss == "sum":
        return sq
    if loss == "mean":
        return sq / pred.shape[0]
    raise ValueError(f"unknown loss {loss!r}; valid: {', '.join(LOSSES)}")


@dataclass
class TrainLog:
    loss: np.ndarray  # loss before step t, t = 0..steps_run (full-batch loss, also under SGD)
    probe_steps: np.ndarray
    probes: dict[str, np.ndarray] = field(default_factory=dict)
    steps_run: int = 0
    converged: bool = False
    eta: float = float("nan")

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])


class DivergenceError(RuntimeError):
    """Training blew up (NaN/inf or loss growing past ``blowup`` times its initial value).

    ``.log`` holds everything recorded up to the last finite step, so nothing already measured is lost.
    """

    def __init__(self, message: str, log: TrainLog):
        super().__init__(message)
        self.log = log


def _finish(losses, steps, probe_vals, steps_run, converged, eta):
    return TrainLog(
        loss=np.asarray(losses, dtype=float),
        probe_steps=np.asarray(steps, dtype=int),
        probes={k: np.asarray(v, dtype=float) for k, v in probe_vals.items()},
        steps_run=steps_run,
        converged=converged,
        eta=eta,
    )


def train(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    eta: float,
    steps: int,
    batch_size: int | None = None,
    batch_scale: str = "unbiased",
    loss: str = "half_sum",
    probes: dict[str, Callable[[torch.nn.Module], float]] | None = None,
    probe_every: int = 1,
    tol: float | None = None,
    blowup: float = 1e8,
    generator: torch.Generator | None = None,
    progress: bool = True,
    desc: str | None = None,
) -> TrainLog:
    """Train ``model`` in place by GD (``batch_size=None``) or SGD and return its ``TrainLog``.

    SGD draws a fresh batch of exactly ``batch_size`` samples without replacement at every step
    (Allen-Zhu et al.; Guo et al.), and scales its gradient by n/b so that it is an unbiased estimate
    of the full-batch gradient of the same loss; with b = n it is GD exactly. ``batch_scale="sum"``
    uses the plain batch loss instead (Guo et al.'s Algorithm 3: the gradient of sum_{i in B} loss_i).
    """
    if not (isinstance(eta, (int, float)) and math.isfinite(eta) and eta > 0):
        raise ValueError(f"step size eta must be a positive finite number, got {eta!r}")
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; valid: {', '.join(LOSSES)}")
    n = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"X has {n} samples but y has {y.shape[0]}")
    if batch_scale not in ("unbiased", "sum"):
        raise ValueError(f"batch_scale must be 'unbiased' or 'sum', got {batch_scale!r}")
    if batch_size is not None and not (1 <= batch_size <= n):
        raise ValueError(f"batch_size must be in 1..{n} (or None for full-batch GD), got {batch_size}")
    probes = probes or {}
    params = [p for p in model.parameters() if p.requires_grad]

    losses: list[float] = []
    probe_steps: list[int] = []
    probe_vals: dict[str, list[float]] = {k: [] for k in probes}

    def record_probes(t):
        probe_steps.append(t)
        for k, fn in probes.items():
            probe_vals[k].append(float(fn(model)))

    bar = show_progress(total=steps, desc=desc or "train", enabled=progress, leave=False)
    converged = False
    t = 0
    try:
        for t in range(steps + 1):
            with torch.set_grad_enabled(batch_size is None):
                full = loss_value(model(X), y, loss)
            lv = float(full.detach())
            if not math.isfinite(lv) or (losses and lv > blowup * max(losses[0], 1e-300)):
                log = _finish(losses, probe_steps, probe_vals, max(t - 1, 0), False, eta)
                raise DivergenceError(
                    f"training diverged at step {t} (loss {lv:.3g}, initial {losses[0] if losses else lv:.3g}) "
                    f"with step size eta={eta:g}: lower eta. The log up to step {t - 1} is kept in .log",
                    log,
                )
            losses.append(lv)
            if t % probe_every == 0 or t == steps:
                record_probes(t)
            if tol is not None and lv <= tol:
                converged = True
                if probe_steps[-1] != t:
                    record_probes(t)
                break
            if t == steps:
                break
            if batch_size is None:
                objective = full
            else:
                idx = torch.randperm(n, generator=generator)[:batch_size].to(X.device)
                objective = loss_value(model(X[idx]), y[idx], loss)
                if batch_scale == "unbiased" and loss != "mean":  # a batch mean is already unbiased
                    objective = objective * (n / batch_size)
            grads = torch.autograd.grad(objective, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p.sub_(eta * g)
            bar.update(1)
            if t % 50 == 0:
                bar.set_postfix(loss=f"{lv:.3e}", refresh=False)
    finally:
        bar.close()
    return _finish(losses, probe_steps, probe_vals, t, converged, eta)
