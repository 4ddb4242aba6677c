"""One step of one chunk of the two-layer ensemble: the check, the GD or SGD update, the compaction.

``two_layer_trainer.train_ensemble`` loops over steps and chunks; each chunk's step is here. The check
applies the convention of ``overparam.train`` to every network of the chunk at once (Oymak & Soltanolkotabi
2020 stop Figure 2's runs at relative error 2.5e-3; a network whose loss blows up is put back to its weights
of the previous check and frozen), with a few (B,)-sized operations and one host synchronisation per step,
because the step itself is only a handful of small batched products. The update is eq. 2.1's gradient step
(GD) or eq. 2.9's sampled one (SGD), through ``two_layer_kernels``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .two_layer_kernels import _Chunk, _direction, _forward
from .two_layer_result import Outputs

__all__ = []


@dataclass(frozen=True)
class _Rules:
    """Everything a step needs to know besides the chunk's tensors."""

    activation: str
    sign: float  # M = sign * W (see ``_Chunk``)
    fast: bool
    steps: int
    batch_size: int | None
    eval_every: int
    stop: str | None
    tol: float | None
    loss_scale: float  # loss = loss_scale * ||f - y||^2
    blowup: float
    history: bool
    hist_stride: int
    track_path: bool


def _evaluate(ch: _Chunk, t: int, f: torch.Tensor, rules: _Rules, last_eval: int) -> tuple[torch.Tensor, bool]:
    """The check of step t on the full-batch outputs f: stopping rule and divergence, network by network.

    Returns the residual f - y and whether a network diverged here (its update must then be zeroed: the
    residual of its failed weights may not be finite). The common case (nobody stops) costs a few (B,)-sized
    ops and one host check; the bookkeeping runs only at the steps where some network stops."""
    r = f - ch.y
    rnorm = r.norm(dim=1)
    rel = rnorm / ch.ynorm
    act = ch.active
    if rules.history and t % rules.hist_stride == 0:
        ch.hist.append(torch.where(act, rel, torch.full_like(rel, float("nan"))))
    if t == 0:  # loss <= blowup * loss0  <=>  ||r|| <= sqrt(blowup) ||r_0||: one comparison per check
        ch.rnorm_cap = math.sqrt(rules.blowup) * rnorm.clamp_min(torch.finfo(rnorm.dtype).tiny)
    healthy = rnorm <= ch.rnorm_cap  # False for NaN and inf
    if rules.stop == "relative":
        going = healthy & (rel > rules.tol)
    elif rules.stop == "absolute":  # loss_scale * ||r||^2 <= tol
        going = healthy & (rnorm > math.sqrt(rules.tol / rules.loss_scale))
    else:
        going = healthy
    stopped = act & ~going
    if t == rules.steps:
        ch.rel = torch.where(act, rel, ch.rel)
    diverged_here = False
    if bool(stopped.any()):
        bad, good = stopped & ~healthy, stopped & healthy
        ch.hit = torch.where(good, t, ch.hit)
        ch.rel = torch.where(good, rel, torch.where(bad, ch.rel_ok, ch.rel))
        ch.stop = torch.where(good, t, torch.where(bad, last_eval, ch.stop))
        ch.diverged = ch.diverged | bad
        ch.active = act & ~stopped
        ch.eta_eff = torch.where(ch.active.unsqueeze(1), ch.eta, 0.0)
        if bool(bad.any()):
            diverged_here = True
            ch.M = torch.where(bad.view(-1, 1, 1), ch.M_ok, ch.M)  # back to the last check it passed
            # failed at its first check: its frozen weights give a non-finite residual at every step
            ch.zero_frozen = ch.zero_frozen or not bool(torch.isfinite(ch.rel_ok[bad]).all())
    ch.rel_ok = rel
    return r, diverged_here


def _apply(ch: _Chunk, D: torch.Tensor, rules: _Rules, into_buffer: bool) -> None:
    """W <- W - v_l * D (D carries eta and the residual); M = sign * W.

    ``into_buffer`` (GD) writes the new weights into ``M_ok`` and swaps the two, so that ``M_ok`` keeps the
    weights of this step's check at no cost; SGD updates in place (its checks copy ``M_ok``)."""
    v = ch.v.unsqueeze(2)
    if rules.track_path:
        U = D * v
        ch.path = ch.path + U.flatten(1).norm(dim=1)
        if into_buffer:
            torch.add(ch.M, U, alpha=-ch.sign, out=ch.M_ok)
        else:
            ch.M.add_(U, alpha=-ch.sign)
    elif into_buffer:
        torch.addcmul(ch.M, v, D, value=-ch.sign, out=ch.M_ok)
    else:
        ch.M.addcmul_(v, D, value=-ch.sign)
    if into_buffer:
        ch.M, ch.M_ok = ch.M_ok, ch.M


def _gd_step(ch: _Chunk, t: int, rules: _Rules, out: Outputs, last_eval: int) -> None:
    """Check step t of one chunk on all n samples and, unless t is the last, apply the GD update."""
    f, saved = _forward(ch, ch.XT, rules.activation, rules.fast)
    r, diverged_here = _evaluate(ch, t, f, rules, last_eval)
    out.checkpoint(ch, t)
    if t == rules.steps:
        return
    D = _direction(ch, saved, r * ch.eta_eff, ch.XT, rules.activation)  # frozen networks: exactly zero
    if diverged_here or ch.zero_frozen:
        D = torch.where(ch.active.view(-1, 1, 1), D, 0.0)
    _apply(ch, D, rules, into_buffer=True)


def _sgd_step(ch: _Chunk, t: int, rules: _Rules, out: Outputs, idx_all: torch.Tensor | None,
              last_eval: int, do_eval: bool) -> None:
    """Check step t of one chunk if it is an evaluation step, then apply an SGD update on its batches."""
    if do_eval:
        _evaluate(ch, t, _forward(ch, ch.XT, rules.activation, rules.fast)[0], rules, last_eval)
        ch.M_ok.copy_(ch.M)
    out.checkpoint(ch, t)
    if t == rules.steps:
        return
    idx = idx_all[ch.ids.to(idx_all.device)]  # (Bc, b); dummy slots (id -1) borrow a row, their weights are 0
    XbT = torch.gather(ch.XT, 2, idx.unsqueeze(1).expand(-1, ch.XT.shape[1], -1))  # (Bc, D, b)
    fb, saved = _forward(ch, XbT, rules.activation, rules.fast)
    D = _direction(ch, saved, (fb - torch.gather(ch.y, 1, idx)) * ch.eta_eff, XbT, rules.activation)
    if ch.zero_frozen:
        D = torch.where(ch.active.view(-1, 1, 1), D, 0.0)
    _apply(ch, D, rules, into_buffer=False)


def _compact(live: list[_Chunk], t: int, final: bool, out: Outputs) -> list[_Chunk]:
    """Retire stopped networks (all of them at the end) and drop the chunks left empty."""
    nxt = []
    for ch in live:
        if final:
            out.retire(ch, torch.ones_like(ch.active))
            continue
        act = ch.active
        n_act = int(act.sum())
        if n_act == int(ch.real.sum()):  # nobody stopped since the last compaction
            nxt.append(ch)
            continue
        out.retire(ch, ~act)
        if n_act > 0:
            ch.keep(act)
            nxt.append(ch)
    return nxt
