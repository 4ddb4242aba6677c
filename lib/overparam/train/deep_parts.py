"""The parts of the deep ensemble (``deep_ensemble.train_ensemble``): losses, metrics, probes, members.

The losses are Guo, Li & Lerman's (2024): the squared loss L(W) = sum_i ||f(x_i) - y_i||^2 of Section 2
(``"sum"``; ``"half_sum"`` and ``"mean"`` are the other papers' reductions, see ``overparam.train``), the
cross-entropy of their classification experiments (``"ce"`` mean, ``"ce_sum"`` sum) and the exponential
loss 1/2 sum_i exp(lambda ||y_i - f(x_i)||^2) of Appendix B (eq. 137, ``"exp"``). The probes measure what
their lazy-training argument is about: the distance of the hidden weights from initialisation, the
fraction of activation patterns that flip and the drift of the empirical NTK (Section 4). ``Members``
applies the convention's divergence and stopping rules network by network (``overparam.train``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..nets.deep_stack import DeepEnsemble
from .convention import is_healthy

__all__ = ["LOSSES", "PROBES", "Members", "ProbeRecorder", "masked", "metrics", "per_model_loss", "relative_error"]

LOSSES = ("half_sum", "sum", "mean", "ce", "ce_sum", "exp")
CLASSIFICATION = ("ce", "ce_sum")
PROBES = ("distance", "spectral", "flips", "ntk")


def per_model_loss(out: torch.Tensor, y: torch.Tensor, loss: str, exp_lambda: float = 1.0,
                   batched: bool = False) -> torch.Tensor:
    """The loss of each network.

    Parameters
    ----------
    out : torch.Tensor
        (K, n, d) outputs.
    y : torch.Tensor
        Targets shared by all networks, (n,) or (n, d), or int labels (n,); with ``batched=True`` one set
        per network, with a leading K (per-network batches).
    loss : str
        One of ``LOSSES``; ``"mean"`` divides the sum by n·d.
    exp_lambda : float
        The lambda of the exponential loss.
    batched : bool
        Whether ``y`` has a leading K.

    Returns
    -------
    torch.Tensor
        (K,).
    """
    if loss in CLASSIFICATION:
        logp = torch.log_softmax(out, dim=-1)
        yy = y if batched else y.expand(out.shape[0], -1)
        nll = -torch.gather(logp, 2, yy.unsqueeze(-1)).squeeze(-1)  # (K, n)
        return nll.mean(1) if loss == "ce" else nll.sum(1)
    base = y.ndim - (1 if batched else 0)  # 1: scalar targets, 2: vector targets
    yy = y.unsqueeze(-1) if base == 1 else y
    sq = ((out - yy) ** 2).sum(-1)  # (K, n)
    if loss == "sum":
        return sq.sum(1)
    if loss == "half_sum":
        return 0.5 * sq.sum(1)
    if loss == "mean":
        return sq.mean(1) / out.shape[-1]
    if loss == "exp":
        return 0.5 * torch.exp(exp_lambda * sq).sum(1)
    raise ValueError(f"unknown loss {loss!r}; valid: {', '.join(LOSSES)}")


def relative_error(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """||f - y|| / ||y|| of each network (the ``"relative"`` stopping rule), (K,).

    Parameters
    ----------
    out : torch.Tensor
        (K, n, d) outputs.
    y : torch.Tensor
        (n,) or (n, d) targets.

    Returns
    -------
    torch.Tensor
    """
    yy = y.reshape(-1, 1) if y.ndim == 1 else y
    return ((out - yy) ** 2).sum((1, 2)).sqrt() / yy.norm()


def metrics(out: torch.Tensor, y: torch.Tensor, classification: bool) -> dict[str, torch.Tensor]:
    """Per-network metrics: ``ce`` and ``acc`` for labels, ``mse`` (the mean over n·d) for targets.

    Parameters
    ----------
    out : torch.Tensor
        (K, n, d) outputs.
    y : torch.Tensor
        Int labels (n,) or targets (n,) / (n, d).
    classification : bool
        Which of the two.

    Returns
    -------
    dict of str to torch.Tensor
        Each (K,).
    """
    if classification:
        logp = torch.log_softmax(out, dim=-1)
        nll = -torch.gather(logp, 2, y.expand(out.shape[0], -1).unsqueeze(-1)).squeeze(-1)
        acc = (out.argmax(-1) == y).to(out.dtype).mean(1)
        return {"ce": nll.mean(1), "acc": acc}
    yy = y.reshape(-1, 1) if y.ndim == 1 else y
    return {"mse": ((out - yy) ** 2).mean((1, 2))}


class ProbeRecorder:
    """The probes of one run, measured against the ensemble's initial state.

    Parameters
    ----------
    ens : DeepEnsemble
        The ensemble, at its initial weights.
    probes : sequence of str
        Any of ``PROBES``: ``"distance"`` (Frobenius ||W - W0|| over all trained layers), ``"spectral"``
        (max_l ||W_l - W_l0||_2), ``"flips"`` (fraction of hidden pre-activation signs changed on
        ``probe_X``), ``"ntk"`` (relative Frobenius change of the empirical NTK on ``probe_X``, recorded as
        ``ntk_drift``, and its smallest eigenvalue, ``ntk_lmin``).
    probe_X : torch.Tensor
        The inputs of the flips and NTK probes.
    """

    def __init__(self, ens: DeepEnsemble, probes, probe_X: torch.Tensor):
        bad = set(probes) - set(PROBES)
        if bad:
            raise ValueError(f"unknown probes {sorted(bad)}; valid: {', '.join(PROBES)}")
        self.ens, self.probes, self.X = ens, tuple(probes), probe_X
        self.state0 = ens.state()
        self.W0 = [w.detach().clone() for w in ens.parameters()]
        self.signs0 = ens.activation_patterns(probe_X) if "flips" in probes else None
        self.ntk0 = ens.ntk(probe_X) if "ntk" in probes else None

    @torch.no_grad()
    def measure(self) -> dict[str, torch.Tensor]:
        """Every probe's current value, each (K,).

        Returns
        -------
        dict of str to torch.Tensor
        """
        ens, out = self.ens, {}
        if "distance" in self.probes:
            d2 = sum(((w - w0) ** 2).sum((1, 2)) for w, w0 in zip(ens.parameters(), self.W0))
            out["distance"] = torch.sqrt(d2)
        if "spectral" in self.probes:
            sp = torch.stack([torch.linalg.matrix_norm(ens.W[ell] - self.state0[1 + ell], ord=2)
                              for ell in range(ens.depth)])
            out["spectral"] = sp.max(0).values
        if "flips" in self.probes:
            out["flips"] = ens.activation_flips(self.X, self.signs0)
        if "ntk" in self.probes:
            th = ens.ntk(self.X)
            out["ntk_drift"] = torch.linalg.matrix_norm(th - self.ntk0) / torch.linalg.matrix_norm(self.ntk0)
            out["ntk_lmin"] = torch.linalg.eigvalsh(th)[:, 0]
        return out


def masked(values: torch.Tensor, keep: np.ndarray) -> np.ndarray:
    """``values`` as a float64 NumPy array with NaN where ``keep`` is False.

    Parameters
    ----------
    values : torch.Tensor
        (K,).
    keep : numpy.ndarray
        (K,) bool.

    Returns
    -------
    numpy.ndarray
    """
    a = values.detach().cpu().double().numpy().copy()
    a[~keep] = np.nan
    return a


class Members:
    """Which networks of an ensemble still train, and the rules that stop them (divergence, stopping).

    A check runs whenever the full-batch loss is evaluated: every step of GD, every record step of SGD. A
    network that fails it (non-finite loss, or past ``blowup`` times its initial loss) is put back to its
    weights at the previous check (``snapshot``) and frozen; one that meets the stopping rule is frozen
    where it is. Frozen networks get step size 0 and a zero gradient, so they never move again and never
    touch the others.

    Parameters
    ----------
    params : list of torch.Tensor
        The trained parameters, each with a leading K.
    eta : torch.Tensor
        (K,) step sizes.
    blowup : float
        Divergence threshold on the loss relative to the initial loss.
    stop : {"absolute", "relative"} or None
        The stopping rule.
    tol : float or None
        Its threshold.
    """

    def __init__(self, params: list[torch.Tensor], eta: torch.Tensor, blowup: float, stop: str | None,
                 tol: float | None):
        K = eta.shape[0]
        self.eta_eff = eta.clone()
        self.blowup, self.stop, self.tol = blowup, stop, tol
        self.active = torch.ones(K, dtype=torch.bool, device=eta.device)
        self.any_active = True  # kept on the host: no device sync per step
        self.diverged = np.zeros(K, dtype=bool)
        self.converged = np.zeros(K, dtype=bool)
        self.diverged_at = np.full(K, -1)
        self.converged_at = np.full(K, -1)
        self.steps_run = np.full(K, -1)
        self.snapshot = [p.detach().clone() for p in params]
        self.loss0: torch.Tensor | None = None
        self.last_check = 0
        self.zero_frozen = False  # a network failed its first check: its gradient is never finite

    def check(self, t: int, lv: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
        """Apply both rules at step t (the first call fixes the initial losses).

        Parameters
        ----------
        t : int
            The step.
        lv : torch.Tensor
            (K,) full-batch losses.
        out, y : torch.Tensor
            Outputs (K, n, d) and targets, for the relative rule.

        Returns
        -------
        torch.Tensor or None
            (K,) bool, the networks that diverged here; None if none did.
        """
        if self.loss0 is None:
            self.loss0 = lv.clone()
        bad = self.active & ~is_healthy(lv, self.loss0, self.blowup)
        done = torch.zeros_like(bad)
        if self.stop is not None:
            value = lv if self.stop == "absolute" else relative_error(out, y)
            done = self.active & ~bad & (value <= self.tol)
        prev, self.last_check = self.last_check, t
        if not bool((bad | done).any()):
            return None
        b, d = bad.cpu().numpy(), done.cpu().numpy()
        self.diverged |= b
        self.diverged_at[b] = t
        self.steps_run[b] = prev
        self.converged |= d
        self.converged_at[d] = t
        self.steps_run[d] = t
        self.active &= ~(bad | done)
        self.zero_frozen = self.zero_frozen or (prev == t and bool(b.any()))
        self.any_active = bool(self.active.any())
        self.eta_eff = torch.where(self.active, self.eta_eff, torch.zeros_like(self.eta_eff))
        return bad if b.any() else None

    @torch.no_grad()
    def settle(self, params: list[torch.Tensor], grads: Sequence[torch.Tensor] | None,
               bad: torch.Tensor | None) -> None:
        """Put the networks in ``bad`` back to the snapshot (zeroing their gradient), then snapshot all.

        Parameters
        ----------
        params : list of torch.Tensor
            The trained parameters (after the backward pass that used them).
        grads : sequence of torch.Tensor or None
            Their gradients, if a step follows.
        bad : torch.Tensor or None
            (K,) bool from ``check``.
        """
        if bad is not None:
            for p, s in zip(params, self.snapshot):
                p[bad] = s[bad]
        self.clear_frozen(grads or [], bad)
        for p, s in zip(params, self.snapshot):
            s.copy_(p)

    @torch.no_grad()
    def clear_frozen(self, grads: Sequence[torch.Tensor], bad: torch.Tensor | None = None) -> None:
        """Zero the gradient of the networks that failed here (their failed weights may give NaN) and, once
        a network has failed its first check (its snapshot is not finite either), of every frozen one.

        Parameters
        ----------
        grads : sequence of torch.Tensor
            Gradients with a leading K, zeroed in place.
        bad : torch.Tensor or None
            (K,) bool: the networks that failed at this check.
        """
        if bad is not None:
            for g in grads:
                g[bad] = 0.0
        if self.zero_frozen:
            for g in grads:
                g[~self.active] = 0.0
