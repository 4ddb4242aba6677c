"""A minibatch trainer for the sequence and image classifiers of Guo, Li & Lerman's Tables 5, 7 and 8.

These models (``overparam.nets.sequence``) are trained as the paper's PyTorch experiments train them (Section
5 and Appendix C): plain SGD (optionally with momentum) in epochs over shuffled batches, the last partial
batch kept, evaluated on a test set after every epoch. The losses are batch means (negative log-likelihood
or binary cross-entropy), so the batch gradient is already an unbiased estimate of the full-batch gradient:
under the convention of ``overparam.train`` both SGD scalings give this same step. Divergence follows the
convention: a non-finite loss, or a recorded training loss past ``blowup`` times its initial value, raises
``DivergenceError`` with the log recorded so far; ``stop="absolute"`` ends training after the first epoch
whose training loss is at most ``tol``.

The CIFAR recipe of Allen-Zhu, Li & Song's Figures 1-7 uses the same loop through keywords whose defaults
leave the runs above unchanged: ``loss="ce"`` (a model returning logits), ``weight_decay``, a step schedule
(``milestones``, ``gamma``: ``overparam.train.schedules.step_lr``), ``augment`` (a batch transform, e.g.
``overparam.data.cifar.crop_flip``) and ``on_epoch`` (called after every recorded epoch, epoch 0 included:
the snapshots of a landscape are taken there, without a second loop).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .convention import DivergenceError, check_choice, resolve_stop
from .schedules import step_lr

__all__ = ["ClassifierLog", "train_classifier"]


class ClassifierLog(dict):
    """Per-epoch records of ``train_classifier``: keys 'epoch', 'train_loss', 'test_loss', 'train_acc',
    'test_acc', each an array with one entry per epoch (epoch 0 is before training)."""


def _evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: str, batch: int = 1024) -> tuple[float, float]:
    model.eval()
    tot, correct = 0.0, 0.0
    with torch.no_grad():
        for i in range(0, X.shape[0], batch):
            out = model(X[i:i + batch])
            yb = y[i:i + batch]
            if loss in ("nll", "ce"):
                lf = torch.nn.functional.nll_loss if loss == "nll" else torch.nn.functional.cross_entropy
                tot += float(lf(out, yb, reduction="sum"))
                correct += float((out.argmax(1) == yb).sum())
            else:
                tot += float(torch.nn.functional.binary_cross_entropy_with_logits(out, yb, reduction="sum"))
                correct += float(((out > 0).to(yb.dtype) == yb).sum())
    model.train()
    return tot / X.shape[0], correct / X.shape[0]


def train_classifier(model: nn.Module, X: torch.Tensor, y: torch.Tensor, X_test: torch.Tensor, y_test: torch.Tensor,
                     *, lr: float, epochs: int, batch_size: int, loss: str = "nll",
                     generator: torch.Generator | None = None, momentum: float = 0.0,
                     eval_train_max: int | None = None, stop: str | None = None, tol: float | None = None,
                     blowup: float = 1e8, weight_decay: float = 0.0, milestones=(), gamma: float = 0.1,
                     augment=None, on_epoch=None) -> ClassifierLog:
    """Train ``model`` in place by minibatch SGD in shuffled epochs.

    Parameters
    ----------
    model : torch.nn.Module
        Returns log-probabilities (``loss="nll"``) or logits (``loss="bce"``).
    X, y, X_test, y_test : torch.Tensor
        Training and test sets.
    lr : float
        The step size.
    epochs : int
        Number of epochs.
    batch_size : int
        Samples per batch (the last partial batch is kept).
    loss : {"nll", "bce", "ce"}
        The batch-mean loss: negative log-likelihood of log-probabilities, binary cross-entropy of logits,
        or cross-entropy of logits (softmax inside).
    generator : torch.Generator or None
        Shuffles the epochs (None: torch's global generator).
    momentum : float
        SGD momentum (0: plain SGD).
    eval_train_max : int or None
        Training metrics on at most this many samples (None: all).
    stop : {"absolute"} or None
        Stop after the first epoch whose recorded training loss is at most ``tol``.
    tol : float or None
        The stopping threshold.
    blowup : float
        A recorded training loss past ``blowup`` times the initial one is a divergence.
    weight_decay : float
        SGD's L2 weight decay (0: none).
    milestones, gamma
        Step schedule: the rate of 1-indexed epoch e is ``step_lr(lr, e, milestones, gamma)`` (empty: constant).
    augment : callable, optional
        Applied to every training batch, ``augment(X_batch) -> X_batch`` (evaluation never augments).
    on_epoch : callable, optional
        ``on_epoch(epoch, model, lr)`` after each recorded epoch (0 = before training), with the rate that
        epoch used (``lr`` at epoch 0); the model is in train mode again when it is called.

    Returns
    -------
    ClassifierLog
        Loss and accuracy on both sets before training and after every epoch.

    Raises
    ------
    DivergenceError
        A loss became non-finite or blew up; ``.log`` holds the epochs recorded before it.
    """
    check_choice("loss", loss, ("nll", "bce", "ce"))
    stop = resolve_stop(stop, tol, legacy="absolute")
    if stop == "relative":
        raise ValueError("the classifiers have no regression targets: use stop='absolute'")
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    n = X.shape[0]
    ev = slice(None) if eval_train_max is None else slice(0, eval_train_max)
    log = {k: [] for k in ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")}

    def as_log() -> ClassifierLog:
        return ClassifierLog({k: np.asarray(v) for k, v in log.items()})

    def rec(e: int) -> None:
        trl, tra = _evaluate(model, X[ev], y[ev], loss)
        tel, tea = _evaluate(model, X_test, y_test, loss)
        if not math.isfinite(trl) or (log["train_loss"] and not trl <= blowup * max(log["train_loss"][0], 1e-300)):
            raise DivergenceError(f"training diverged in epoch {e} (training loss {trl:.3g}) with lr={lr:g}: lower "
                                  f"lr. The log up to epoch {e - 1} is kept in .log", as_log())
        for k, v in zip(log, (e, trl, tel, tra, tea)):
            log[k].append(v)

    rec(0)
    if on_epoch is not None:
        on_epoch(0, model, lr)
    for e in range(1, epochs + 1):
        lr_e = step_lr(lr, e, milestones, gamma)
        if milestones:
            for group in opt.param_groups:
                group["lr"] = lr_e
        perm = torch.randperm(n, generator=generator)
        finite = torch.ones((), dtype=torch.bool, device=X.device)  # checked once per epoch: no sync per batch
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            out = model(X[idx] if augment is None else augment(X[idx]))
            if loss == "nll":
                lv = torch.nn.functional.nll_loss(out, y[idx])
            elif loss == "ce":
                lv = torch.nn.functional.cross_entropy(out, y[idx])
            else:
                lv = torch.nn.functional.binary_cross_entropy_with_logits(out, y[idx])
            finite &= torch.isfinite(lv.detach())
            opt.zero_grad(set_to_none=True)
            lv.backward()
            opt.step()
        if not bool(finite):
            raise DivergenceError(f"training diverged in epoch {e} (a batch loss was not finite) with lr={lr:g}: "
                                  f"lower lr. The log up to epoch {e - 1} is kept in .log", as_log())
        rec(e)
        if on_epoch is not None:
            on_epoch(e, model, lr_e)
        if stop is not None and log["train_loss"][-1] <= tol:
            break
    return as_log()
