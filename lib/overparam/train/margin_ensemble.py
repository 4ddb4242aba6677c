"""GD and SGD on K stacked Zou et al. networks with a margin loss, stopped per network at its targets.

Zou, Cao, Zhou & Gu (2020), Section 3: L_S(W) = (1/n) sum_i l(y_i y_hat_i), W_l <- W_l - eta grad_{W_l}
(GD), or the mean gradient over a minibatch of B distinct samples drawn afresh every step (SGD, Lemma
D.2's sampling without replacement). The step is eta = eta_bar / m (the paper's 1/m scaling with an O(1)
eta_bar, far above its n^-3 L^-9 phi factor). This is a separate trainer because ``train.train`` and
``train.deep_ensemble`` hold regression and multi-class losses on other networks; it follows the
convention of ``overparam.train`` where it applies: the mean loss, SGD's mean over the batch (the
unbiased scaling), a non-finite loss freezes that network and flags it, never a silent zero.

Each network stops (its weights frozen) once it has met every target: 100 % training accuracy
(y_i y_hat_i > 0 for all i, Corollary 4.3's goal) and L_S <= eps for each eps asked. At the first step of
100 % accuracy the distance from initialisation (max_l ||W_l - W_l(0)||_2, the paper's tau-norm, and the
Frobenius norm over all layers) and the fraction of flipped signs are recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..nets.zou import ZouEnsemble
from .losses_margin import get, loss_value

__all__ = ["MarginLog", "distances", "train_margin"]


@dataclass
class MarginLog:
    """What ``train_margin`` recorded (K networks; -1 where a target was not reached).

    Attributes
    ----------
    acc_step : numpy.ndarray
        (K,) first step with 100 % training accuracy (0: at initialisation).
    eps_steps : numpy.ndarray
        (K, len(eps)) first step with L_S <= eps.
    dist_spectral, dist_frobenius, flips : numpy.ndarray
        (K,) at ``acc_step``: max_l ||W_l - W_l(0)||_2, sqrt(sum_l ||W_l - W_l(0)||_F^2), and the
        fraction of (input, unit) signs changed, pooled over layers (NaN when never reached).
    loss : numpy.ndarray
        (steps_run + 1, K) full-batch L_S before each step.
    diverged : numpy.ndarray
        (K,) bool.
    eta : float
        The step eta_bar / m.
    dist_at : numpy.ndarray or None
        (K,) max_l ||W_l - W_l(0)||_2 at step ``record_at`` (None when not asked or not reached).
    """

    acc_step: np.ndarray
    eps_steps: np.ndarray
    dist_spectral: np.ndarray
    dist_frobenius: np.ndarray
    flips: np.ndarray
    loss: np.ndarray
    diverged: np.ndarray
    eta: float
    dist_at: np.ndarray | None = None


def distances(ens: ZouEnsemble, W0: Sequence[torch.Tensor], which: np.ndarray | None = None
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """(max_l ||W_l - W_l0||_2, sqrt(sum_l ||W_l - W_l0||_F^2)) per network, in float64.

    Parameters
    ----------
    ens : ZouEnsemble
    W0 : sequence of torch.Tensor
        The reference weights (``ens.state()`` at initialisation).
    which : numpy.ndarray, optional
        (K,) bool: compute only these networks (the others are NaN); the SVDs dominate the cost.

    Returns
    -------
    tuple of torch.Tensor
        Two (K,) tensors.
    """
    K = ens.K
    which = np.ones(K, dtype=bool) if which is None else np.asarray(which, dtype=bool)
    dev = ens.W[0].device
    idx = torch.from_numpy(np.nonzero(which)[0]).to(dev)
    spec_all = torch.full((K,), float("nan"), dtype=torch.float64)
    frob_all = spec_all.clone()
    if len(idx) == 0:
        return spec_all, frob_all
    with torch.no_grad():
        D = [(w[idx] - w0[idx]).double() for w, w0 in zip(ens.W, W0)]
        spec = torch.stack([torch.linalg.matrix_norm(d, ord=2) for d in D]).amax(0)
        frob = torch.sqrt(sum((d**2).sum(dim=(1, 2)) for d in D))
    spec_all[idx.cpu()], frob_all[idx.cpu()] = spec.cpu(), frob.cpu()
    return spec_all, frob_all


def train_margin(ens: ZouEnsemble, X: torch.Tensor, y: torch.Tensor, *, eta_bar: float, max_steps: int,
                 loss: str = "logistic", batch_size: int | None = None, generator: torch.Generator | None = None,
                 eps: Sequence[float] = (), stop_at_accuracy: bool = True,
                 record_at: int | None = None) -> MarginLog:
    """Train every network until it meets its targets or ``max_steps`` updates have run.

    Parameters
    ----------
    ens : ZouEnsemble
        Trained in place.
    X : torch.Tensor
        (n, d) inputs (Assumption 3.4), moved to the ensemble's device and dtype.
    y : torch.Tensor
        (n,) labels +-1.
    eta_bar : float
        eta = eta_bar / m.
    max_steps : int
    loss : str
        A margin loss (``losses_margin.LOSSES``).
    batch_size : int, optional
        None: GD; else SGD with this many distinct samples per network and step.
    generator : torch.Generator, optional
        The minibatch draws (SGD).
    eps : sequence of float
        Loss targets; a network stops once all are met (and accuracy, when ``stop_at_accuracy``).
    stop_at_accuracy : bool
        Count 100 % accuracy as a target. With no target at all every network runs ``max_steps``.
    record_at : int, optional
        Also record the distances at this step (``MarginLog.dist_at``: spectral, before that step's
        update); no network stops before it.

    Returns
    -------
    MarginLog
    """
    get(loss)
    n, K, m = X.shape[0], ens.K, ens.width
    if batch_size is not None and not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in 1..{n}")
    X, y = (t.to(device=ens.W[0].device, dtype=ens.W[0].dtype) for t in (X, y))
    eta = eta_bar / m
    W0 = ens.state()
    pre0 = ens.preactivations(X)
    eps = list(eps)
    acc_step = np.full(K, -1)
    eps_steps = np.full((K, len(eps)), -1)
    dist2, distF, flips = (np.full(K, np.nan) for _ in range(3))
    active = torch.ones(K, dtype=torch.bool)               # on the host: one small copy per step
    diverged = np.zeros(K, dtype=bool)
    curve = []
    dist_at = None
    for step in range(max_steps + 1):
        with torch.set_grad_enabled(batch_size is None):   # GD: this forward is also the step's
            out = ens(X)
        with torch.no_grad():
            margins = y * out.detach()
            L = loss_value(margins, loss).mean(1).cpu()
            correct = (margins > 0).all(1).cpu()
        curve.append(L.numpy().copy())
        bad = ~torch.isfinite(L) & active
        if bad.any():
            diverged[bad.numpy()] = True
            active &= ~bad
        new_acc = correct & active & torch.from_numpy(acc_step < 0)
        if new_acc.any():
            idx = new_acc.numpy()
            acc_step[idx] = step
            spec, frob = distances(ens, W0, idx)
            pre = ens.preactivations(X)
            # the sign convention 1{pre >= 0} of measure.perturbations.sign_flips (train may not import measure)
            fl = sum(((p0 >= 0) != (p >= 0)).sum(dim=(1, 2)) for p0, p in zip(pre0, pre)).cpu()
            total = sum(p0[0].numel() for p0 in pre0)
            dist2[idx], distF[idx] = spec.numpy()[idx], frob.numpy()[idx]
            flips[idx] = (fl.double() / total).numpy()[idx]
        for j, e in enumerate(eps):
            hit = ((L <= e) & active).numpy() & (eps_steps[:, j] < 0)
            eps_steps[hit, j] = step
        if record_at is not None and step == record_at:
            dist_at = distances(ens, W0)[0].numpy().copy()
        has_target = stop_at_accuracy or bool(eps)
        done = np.all(eps_steps >= 0, axis=1) & ((acc_step >= 0) | (not stop_at_accuracy)) & has_target
        if record_at is not None and step < record_at:
            done[:] = False
        active &= ~torch.from_numpy(done)
        if step == max_steps or not active.any():
            break
        if batch_size is None:
            objective = loss_value(y * out, loss).mean(1)
        else:
            idx_b = torch.rand(K, n, generator=generator).argsort(1)[:, :batch_size].to(X.device)
            objective = loss_value(y[idx_b] * ens(X[idx_b]), loss).mean(1)
        grads = torch.autograd.grad(objective[active.to(objective.device)].sum(), ens.W)
        with torch.no_grad():
            if bool(active.all()):
                for w, g in zip(ens.W, grads):
                    w.add_(g, alpha=-eta)
            else:  # a frozen network's gradient is 0, or NaN through NaN weights: leave it untouched
                keep = torch.nonzero(active).reshape(-1).to(ens.W[0].device)
                for w, g in zip(ens.W, grads):
                    w.index_add_(0, keep, g.index_select(0, keep), alpha=-eta)
    return MarginLog(acc_step, eps_steps, dist2, distF, flips, np.array(curve), diverged, eta, dist_at)
