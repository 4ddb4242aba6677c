"""A minibatch trainer for the sequence and image classifiers of Guo et al.'s Tables 5, 7 and 8.

These models (``overparam.nets.sequence``) are trained with Adam-free plain SGD in epochs over shuffled
batches and evaluated on a test set after every epoch.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

__all__ = ["ClassifierLog", "train_classifier"]


class ClassifierLog(dict):
    """epoch -> arrays: 'epoch', 'train_loss', 'test_loss', 'train_acc', 'test_acc'."""


def _evaluate(model, X, y, loss, batch=1024):
    model.eval()
    tot, correct = 0.0, 0.0
    with torch.no_grad():
        for i in range(0, X.shape[0], batch):
            out = model(X[i:i + batch])
            yb = y[i:i + batch]
            if loss == "nll":
                tot += float(torch.nn.functional.nll_loss(out, yb, reduction="sum"))
                correct += float((out.argmax(1) == yb).sum())
            else:
                tot += float(torch.nn.functional.binary_cross_entropy_with_logits(out, yb, reduction="sum"))
                correct += float(((out > 0).to(yb.dtype) == yb).sum())
    model.train()
    return tot / X.shape[0], correct / X.shape[0]


def train_classifier(model: nn.Module, X, y, X_test, y_test, *, lr: float, epochs: int, batch_size: int,
                     loss: str = "nll", generator: torch.Generator | None = None, momentum: float = 0.0,
                     eval_train_max: int | None = None) -> ClassifierLog:
    """Plain minibatch SGD (shuffled epochs, last partial batch kept) with ``loss`` "nll" (model
    returns log-probabilities) or "bce" (model returns logits); train/test loss and accuracy are
    recorded before training and after every epoch (train metrics on at most ``eval_train_max``)."""
    if loss not in ("nll", "bce"):
        raise ValueError("loss must be 'nll' or 'bce'")
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    n = X.shape[0]
    ev = slice(None) if eval_train_max is None else slice(0, eval_train_max)
    log = {k: [] for k in ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")}

    def rec(e):
        trl, tra = _evaluate(model, X[ev], y[ev], loss)
        tel, tea = _evaluate(model, X_test, y_test, loss)
        for k, v in zip(log, (e, trl, tel, tra, tea)):
            log[k].append(v)

    rec(0)
    for e in range(1, epochs + 1):
        perm = torch.randperm(n, generator=generator)
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            out = model(X[idx])
            if loss == "nll":
                lv = torch.nn.functional.nll_loss(out, y[idx])
            else:
                lv = torch.nn.functional.binary_cross_entropy_with_logits(out, y[idx])
            opt.zero_grad(set_to_none=True)
            lv.backward()
            opt.step()
        if not math.isfinite(float(lv.detach())):
            raise FloatingPointError(f"training diverged in epoch {e} (lr={lr})")
        rec(e)
    return ClassifierLog({k: np.asarray(v) for k, v in log.items()})
