"""Full-batch gradient descent and minibatch SGD for one model, with probes, divergence and stopping rules.

One loop serves every chapter: the papers differ in the model and the loss normalisation, not in the update
rule W <- W - eta * grad (Du et al. 2019, eq. 3; Allen-Zhu, Li & Song 2019, Theorems 1 and 2; Guo, Li &
Lerman 2024, Algorithms 2 and 3). Probes (``overparam.measure.probes``) are called on a schedule and their
values are returned with the loss curve in a ``TrainLog``. The convention it follows (loss reductions, SGD
scaling, divergence, stopping) is ``overparam.train``'s; the ensemble trainers equal this loop step by step
in float64 (``tests/unit``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ..runtime.progress import progress as show_progress
from .convention import (
    LOSSES,
    DivergenceError,
    batch_indices,
    check_choice,
    resolve_sgd_scale,
    resolve_stop,
    sgd_factor,
)

__all__ = ["LOSSES", "DivergenceError", "TrainLog", "loss_value", "train"]


def loss_value(pred: torch.Tensor, y: torch.Tensor, loss: str = "half_sum") -> torch.Tensor:
    """The squared loss with the papers' normalisations.

    Parameters
    ----------
    pred, y : torch.Tensor
        Predictions and targets, (n,) or (n, d).
    loss : {"half_sum", "sum", "mean"}
        1/2 sum (Du et al., eq. 2; Allen-Zhu et al., Section 2; Oymak & Soltanolkotabi, eq. 2.1), sum (Guo et
        al., Section 2) or the sum divided by n = ``pred.shape[0]``.

    Returns
    -------
    torch.Tensor
        A scalar.
    """
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
    """What ``train`` recorded.

    Parameters
    ----------
    loss : numpy.ndarray
        (steps_run + 1,) full-batch loss before step t, t = 0..steps_run (also under SGD).
    probe_steps : numpy.ndarray
        The steps at which the probes were called.
    probes : dict of str to numpy.ndarray
        Each probe's values at ``probe_steps``.
    steps_run : int
        Number of updates applied.
    converged : bool
        Whether the stopping rule was met (at step ``steps_run``).
    eta : float
        The step size.
    """

    loss: np.ndarray
    probe_steps: np.ndarray
    probes: dict[str, np.ndarray] = field(default_factory=dict)
    steps_run: int = 0
    converged: bool = False
    eta: float = float("nan")

    @property
    def final_loss(self) -> float:
        """The last recorded loss."""
        return float(self.loss[-1])


def _finish(losses, steps, probe_vals, steps_run, converged, eta) -> TrainLog:
    return TrainLog(
        loss=np.asarray(losses, dtype=float),
        probe_steps=np.asarray(steps, dtype=int),
        probes={k: np.asarray(v, dtype=float) for k, v in probe_vals.items()},
        steps_run=steps_run,
        converged=converged,
        eta=eta,
    )


def _validate(eta, steps, n, y, batch_size) -> None:
    if not (isinstance(eta, (int, float)) and math.isfinite(eta) and eta > 0):
        raise ValueError(f"step size eta must be a positive finite number, got {eta!r}")
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if y.shape[0] != n:
        raise ValueError(f"X has {n} samples but y has {y.shape[0]}")
    if batch_size is not None and not (1 <= batch_size <= n):
        raise ValueError(f"batch_size must be in 1..{n} (or None for full-batch GD), got {batch_size}")


def train(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    eta: float,
    steps: int,
    loss: str = "half_sum",
    batch_size: int | None = None,
    sgd_scale: str = "unbiased",
    stop: str | None = None,
    tol: float | None = None,
    probes: dict[str, Callable[[torch.nn.Module], float]] | None = None,
    probe_every: int = 1,
    blowup: float = 1e8,
    generator: torch.Generator | None = None,
    progress: bool = True,
    desc: str | None = None,
    batch_scale: str | None = None,
) -> TrainLog:
    """Train ``model`` in place by GD (``batch_size=None``) or SGD and return its ``TrainLog``.

    Parameters
    ----------
    model : torch.nn.Module
        Its parameters with ``requires_grad`` are trained.
    X, y : torch.Tensor
        Inputs (n, ...) and targets (n,) or (n, d).
    eta : float
        Step size, for the loss named by ``loss``.
    steps : int
        Maximum number of updates.
    loss : {"half_sum", "sum", "mean"}
        The loss reduction (``loss_value``).
    batch_size : int or None
        None: full-batch GD. b: SGD with a fresh batch of b distinct samples at every step,
        ``torch.randperm(n, generator)[:b]``.
    sgd_scale : {"unbiased", "sum"}
        ``"unbiased"``: the batch gradient times n/b (a mean loss needs no factor), so that b = n is GD exactly
        (Allen-Zhu et al., Theorem 2); ``"sum"``: the plain gradient of the batch's loss (Guo et al.,
        Algorithm 3; Oymak & Soltanolkotabi, eq. 2.9).
    stop : {"absolute", "relative"} or None
        Stop at the first step whose loss is at most ``tol`` (``"absolute"``) or whose ||f - y|| / ||y|| is
        (``"relative"``); None runs every step. ``tol`` alone means ``"absolute"`` (deprecated).
    tol : float or None
        The stopping threshold.
    probes : dict of str to callable, optional
        ``probe(model) -> float``, called every ``probe_every`` steps, at the last step and at the stop.
    probe_every : int
        The probes' period.
    blowup : float
        A loss that is not finite or exceeds ``blowup`` times the initial loss raises ``DivergenceError``.
    generator : torch.Generator or None
        Draws the SGD batches (None: torch's global generator).
    progress : bool
        Show a progress bar in the pipeline's terminal.
    desc : str or None
        The bar's label.
    batch_scale : {"unbiased", "sum"} or None
        Deprecated name of ``sgd_scale``.

    Returns
    -------
    TrainLog

    Raises
    ------
    DivergenceError
        The loss diverged; ``.log`` holds everything recorded up to the last finite step.
    """
    n = X.shape[0]
    _validate(eta, steps, n, y, batch_size)
    check_choice("loss", loss, LOSSES)
    sgd_scale = resolve_sgd_scale(sgd_scale, batch_scale, {"unbiased": "unbiased", "sum": "sum"})
    stop = resolve_stop(stop, tol, legacy="absolute")
    factor = sgd_factor(loss, n, batch_size, sgd_scale) if batch_size is not None else 1.0
    y_norm = float(y.norm())
    probes = probes or {}
    params = [p for p in model.parameters() if p.requires_grad]

    losses: list[float] = []
    probe_steps: list[int] = []
    probe_vals: dict[str, list[float]] = {k: [] for k in probes}

    def record_probes(t: int) -> None:
        probe_steps.append(t)
        for k, fn in probes.items():
            probe_vals[k].append(float(fn(model)))

    bar = show_progress(total=steps, desc=desc or "train", enabled=progress, leave=False)
    converged = False
    t = 0
    try:
        for t in range(steps + 1):
            with torch.set_grad_enabled(batch_size is None):
                pred = model(X)
                full = loss_value(pred, y, loss)
            lv = float(full.detach())
            if not math.isfinite(lv) or (losses and not lv <= blowup * max(losses[0], 1e-300)):
                log = _finish(losses, probe_steps, probe_vals, max(t - 1, 0), False, eta)
                raise DivergenceError(
                    f"training diverged at step {t} (loss {lv:.3g}, initial {losses[0] if losses else lv:.3g}) "
                    f"with step size eta={eta:g}: lower eta. The log up to step {t - 1} is kept in .log",
                    log,
                )
            losses.append(lv)
            if t % probe_every == 0 or t == steps:
                record_probes(t)
            if stop is not None:
                value = lv if stop == "absolute" else float((pred.detach() - y).norm()) / y_norm
                if value <= tol:
                    converged = True
                    if probe_steps[-1] != t:
                        record_probes(t)
                    break
            if t == steps:
                break
            if batch_size is None:
                objective = full
            else:
                idx = batch_indices(n, batch_size, generator, X.device)
                objective = loss_value(model(X[idx]), y[idx], loss)
                if factor != 1.0:
                    objective = objective * factor
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
