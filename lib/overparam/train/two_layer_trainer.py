"""Many independent one-hidden-layer networks trained at once, in batched tensors.

The networks are Oymak & Soltanolkotabi's (2020, eq. 1.1), f(x; W) = v^T phi(W x), W in R^{k x d} trained,
v fixed, with the sum loss L(W) = 1/2 sum_i (f(x_i; W) - y_i)^2 (eq. 2.1):

* **GD** W <- W - eta grad L(W), constant eta (Figure 2: 0.15 for softplus, 0.1 for ReLU);
* **SGD** (eq. 2.9) W <- W - eta sum_{i in batch} (f(x_i) - y_i) grad f(x_i): the paper's single-sample step
  with ``batch_size=1`` and ``sgd_scale="sum"`` (no n/b rescaling; its expectation is (eta/n) grad L), see
  the convention in ``overparam.train``;
* **ReLU derivative** phi'(z) = 1{z >= 0} (Section 1.3); softplus derivative the sigmoid.

``train_ensemble`` stacks the networks in padded tensors: X is padded with zero columns up to the largest d
of its bucket and W with zero rows/columns, v with zeros. Padding is exact: a zero input coordinate changes
no pre-activation and receives a zero gradient (proportional to x); a padded unit has v_l = 0 and contributes
nothing. Networks are grouped into buckets of similar (k, d) (``two_layer_planner``) and buckets are cut
into chunks of at most ``max_batch_elements`` working-set elements so memory stays bounded; the chunk's
tensors and its forward and backward products live in ``two_layer_kernels``.

Each network stops on its own (the ``relative`` stopping rule of the convention): the first step t at which
||f(W_t) - y|| / ||y|| <= ``tol`` is its ``hit_step`` and its weights are frozen from then on; a network whose
relative error is not finite or exceeds ``diverge_rel`` is flagged diverged and frozen at its last finite
weights. Frozen networks receive an exactly-zero update, so no network can influence another. Finished
networks are dropped from the batch every ``compact_every`` steps, so a diagram's cost falls as its cells
succeed. ``two_layer_reference.train_module`` is the plain baseline the unit tests compare against step by
step in float64 and ``benchmarks/ensemble.py`` times.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd
import torch

from ..nets.activations import ACTIVATIONS
from ..runtime import resolve_device
from ..runtime.progress import progress as show_progress
from .two_layer_kernels import _Chunk, _direction, _forward
from .two_layer_planner import plan_buckets
from .two_layer_problems import Problems

__all__ = ["EnsembleResult", "train_ensemble"]

# -------------------------------------------------------------------------------------------------- results
@dataclass
class EnsembleResult:
    """What ``train_ensemble`` returns; arrays have one entry per network, in the order of the problems.

    hit_step: first step t (0 = at initialisation) with relative error < tol, -1 if never.
    steps_run: number of updates applied (= hit_step on success, the step of the freeze on divergence).
    final_rel: relative error ||f(W) - y|| / ||y|| at the frozen/final weights.
    W: the final weights (CPU tensors, the problem's dtype).
    history: (B, len(history_steps)) relative errors at ``history_steps`` (NaN once a network has stopped),
        when requested.
    checkpoints: {step: [W_b at that step]} when requested (a stopped network contributes its frozen W).
    path_length: Σ_t ||W_{t+1} - W_t||_F when requested.
    """

    info: pd.DataFrame
    hit_step: np.ndarray
    steps_run: np.ndarray
    final_rel: np.ndarray
    diverged: np.ndarray
    W: list[torch.Tensor]
    steps: int
    tol: float | None
    history_steps: np.ndarray | None = None
    history: np.ndarray | None = None
    checkpoints: dict[int, list[torch.Tensor]] = field(default_factory=dict)
    path_length: np.ndarray | None = None
    wall_time: float = 0.0
    n_buckets: int = 0
    n_chunks: int = 0

    @property
    def success(self) -> np.ndarray:
        return self.hit_step >= 0

    def success_at(self, budget: int) -> np.ndarray:
        """Success had the run been stopped after ``budget`` steps (hit_step <= budget)."""
        return (self.hit_step >= 0) & (self.hit_step <= budget)

    def table(self) -> pd.DataFrame:
        df = self.info.copy()
        df["hit_step"] = self.hit_step
        df["success"] = self.success
        df["diverged"] = self.diverged
        df["final_rel"] = self.final_rel
        df["steps_run"] = self.steps_run
        if self.path_length is not None:
            df["path_length"] = self.path_length
        return df


# --------------------------------------------------------------------------------------------------- trainer
def _as_eta(eta, B: int) -> torch.Tensor:
    e = torch.as_tensor(eta, dtype=torch.float64).reshape(-1)
    if e.numel() == 1:
        e = e.expand(B).clone()
    if e.numel() != B:
        raise ValueError(f"eta must be a scalar or have one entry per network ({B}), got {e.numel()}")
    return e


def _resolve_device(device) -> torch.device:
    return resolve_device("auto" if device is None else device)


def train_ensemble(
    problems: Problems,
    activation: str,
    eta,
    steps: int,
    *,
    tol: float | None = None,
    batch_size: int | None = None,
    eval_every: int | None = None,
    diverge_rel: float = 1e3,
    history: bool = False,
    history_every: int = 1,
    checkpoints: Iterable[int] = (),
    track_path: bool = False,
    device="cpu",
    dtype=torch.float32,
    max_batch_elements: int = 2**24,
    bucket_overhead: float = 1e6,
    compact_every: int = 250,
    seed: int = 0,
    threads: int | None = 1,
    progress: bool = True,
    desc: str | None = None,
    fast: bool = True,
    share_inputs: bool = True,
) -> EnsembleResult:
    """Train every network of ``problems`` for up to ``steps`` updates, all at once.

    eta: a scalar or one step size per network (for the sum loss ½||f - y||²).
    tol: stop a network at the first step whose relative error ||f - y|| / ||y|| is < tol (None: never).
    batch_size: None for full-batch GD; b for SGD with b samples drawn uniformly with replacement per
        network and step (eq. 2.9 for b = 1; no rescaling). The per-step sample indices come from one
        generator seeded with ``seed`` and are drawn for all networks at once, so they do not depend on
        the chunking.
    eval_every: how often the full-batch relative error is evaluated (stopping, divergence, history):
        every step for GD; once per epoch (ceil(n / b) steps) by default for SGD.
    diverge_rel: relative error above which (or non-finite) a network is marked diverged and frozen.
    history / history_every: record the relative error every ``history_every`` evaluations.
    checkpoints: steps at which to copy every network's W (a stopped network gives its frozen W).
    track_path: accumulate the path length Σ ||W_{t+1} - W_t||_F.
    max_batch_elements: bound on the working set (elements) of one chunk; buckets are cut to fit.
    dtype: training precision (float32 suffices for a 2.5e-3 threshold; float64 for equivalence tests).
    threads: torch CPU threads while training (restored afterwards); None keeps the current setting. The
        default 1 is deliberate: the batched tensors are small, and on a shared or busy CPU two OpenMP
        threads spinning on each small op were measured ~10x slower than one.
    fast: allow the product form of the softplus forward pass (``_forward``); False keeps the plain sum of
        K logs per sample (the reference the tests compare the fast path with).
    share_inputs: full-batch GD only: networks whose ``problems.X`` is the same tensor object are stored as
        one input group (one matrix product for all their units, ``_Chunk``); False treats every network
        separately (the reference the tests compare the grouped path with). The arithmetic per network is
        the same either way.
    """
    if threads is not None and _resolve_device(device).type == "cpu":
        saved = torch.get_num_threads()
        torch.set_num_threads(int(threads))
        try:
            return train_ensemble(problems, activation, eta, steps, tol=tol, batch_size=batch_size,
                                  eval_every=eval_every, diverge_rel=diverge_rel, history=history,
                                  history_every=history_every, checkpoints=checkpoints, track_path=track_path,
                                  device=device, dtype=dtype, max_batch_elements=max_batch_elements,
                                  bucket_overhead=bucket_overhead, compact_every=compact_every, seed=seed,
                                  threads=None, progress=progress, desc=desc, fast=fast,
                                  share_inputs=share_inputs)
        finally:
            torch.set_num_threads(saved)
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    B = len(problems)
    dev = _resolve_device(device)
    n = problems.n
    sgd = batch_size is not None
    if eval_every is None:
        eval_every = max(1, math.ceil(n / batch_size)) if sgd else 1
    if not sgd and eval_every != 1:
        raise ValueError("full-batch GD evaluates the error at every step (eval_every=1)")
    etas = _as_eta(eta, B)
    ck_steps = sorted({int(s) for s in checkpoints if 0 <= int(s) <= steps})
    t0 = time.perf_counter()

    # plan: buckets of similar shape, cut into chunks bounded in memory
    ks, ds = problems.k, problems.d
    chunks: list[_Chunk] = []
    sign = -1.0 if activation == "softplus" else 1.0
    n_buckets = 0
    for bucket in plan_buckets(ks, ds, n, overhead=bucket_overhead):
        n_buckets += 1
        K, D = ks[bucket].max(), ds[bucket].max()
        if share_inputs and not sgd:  # networks whose X is the same tensor object share one copy of it
            by_inputs: dict[int, list[int]] = {}
            for i in bucket.tolist():
                by_inputs.setdefault(id(problems.X[i]), []).append(i)
            groups = list(by_inputs.values())
        else:
            groups = [[i] for i in bucket.tolist()]
        C = max(len(g) for g in groups)
        per_group = n * D + C * (4 * n * K + 3 * K * D)
        size = max(1, int(max_batch_elements // per_group))
        for s in range(0, len(groups), size):
            chunks.append(_Chunk(groups[s : s + size], problems, etas, dev, dtype, sign))
    n_chunks = len(chunks)

    # outputs (host side)
    out_hit = np.full(B, -1, dtype=np.int64)
    out_stop = np.full(B, steps, dtype=np.int64)
    out_rel = np.full(B, np.nan)
    out_div = np.zeros(B, dtype=bool)
    out_path = np.zeros(B)
    out_W: list[torch.Tensor | None] = [None] * B
    hist_steps = np.arange(0, steps + 1, eval_every * history_every) if history else None
    out_hist = np.full((B, hist_steps.size), np.nan) if history else None
    out_ck: dict[int, list[torch.Tensor | None]] = {s: [None] * B for s in ck_steps}
    gen = None
    if sgd:
        gen = torch.Generator(device=dev).manual_seed(int(seed))

    def retire(ch: _Chunk, mask: torch.Tensor):
        """Write the members in ``mask`` to the outputs."""
        mask = mask & ch.real
        sel = torch.nonzero(mask).ravel()
        if sel.numel() == 0:
            return
        ids = ch.ids[mask.cpu()].numpy()
        hit, stop = ch.hit[sel].cpu().numpy(), ch.stop[sel].cpu().numpy()
        out_hit[ids] = hit
        out_stop[ids] = np.where(stop >= 0, stop, steps)
        out_rel[ids] = ch.rel[sel].double().cpu().numpy()
        out_div[ids] = ch.diverged[sel].cpu().numpy()
        out_path[ids] = ch.path[sel].double().cpu().numpy()
        for i, W in zip(ids, ch.weights(problems, sel)):
            out_W[i] = W
            for s in ck_steps:  # checkpoints after the freeze: the frozen weights
                if out_ck[s][i] is None:
                    out_ck[s][i] = out_W[i]
        if history and ch.hist:
            H = torch.stack([h[sel] for h in ch.hist], dim=1).double().cpu().numpy()
            out_hist[ids, : H.shape[1]] = H

    hist_stride = eval_every * history_every

    def evaluate(ch: _Chunk, t: int, f: torch.Tensor) -> torch.Tensor:
        """Stopping and divergence at step t from the full-batch outputs f. Returns the residual f - y.

        The common case (no member stops) costs a few (B,)-sized ops and one host check; the bookkeeping
        (hit step, freeze: eta_eff = 0) runs only at the steps where some member stops."""
        r = f - ch.y
        rel = r.norm(dim=1) / ch.ynorm
        act = ch.active
        if history and t % hist_stride == 0:
            ch.hist.append(torch.where(act, rel, torch.full_like(rel, float("nan"))))
        ok = rel <= diverge_rel  # False for NaN and inf too
        if tol is not None:
            ok = ok & (rel >= tol)
        stopped = act & ~ok
        if t == steps:
            ch.rel = torch.where(act, rel, ch.rel)
        if bool(stopped.any()):
            ch.rel = torch.where(stopped, rel, ch.rel)
            bad = stopped & ~(rel <= diverge_rel)
            if tol is not None:
                ch.hit = torch.where(stopped & (rel < tol), t, ch.hit)
            ch.diverged = ch.diverged | bad
            ch.stop = torch.where(stopped, t, ch.stop)
            ch.active = act & ~stopped
            ch.eta_eff = torch.where(ch.active.unsqueeze(1), ch.eta, 0.0)
            ch.any_bad = ch.any_bad or bool(bad.any())
        return r

    def apply(ch: _Chunk, D: torch.Tensor):
        """W <- W - v_l * D (D already carries eta and the residual); M = sign * W."""
        if track_path:
            U = D * ch.v.unsqueeze(2)
            ch.path = ch.path + U.flatten(1).norm(dim=1)
            ch.M.add_(U, alpha=-sign)
        else:
            ch.M.addcmul_(ch.v.unsqueeze(2), D, value=-sign)

    bar = None
    if progress:
        bar = show_progress(total=steps, desc=desc or f"ensemble {activation} ({B} nets)", leave=False)

    live = list(chunks)
    for t in range(steps + 1):
        do_eval = (t % eval_every == 0) or t == steps
        if sgd:
            idx_all = torch.randint(n, (B, batch_size), generator=gen, device=dev) if t < steps else None
        for ch in live:
            if t in out_ck:  # checkpoint before the update of step t
                for i, W in zip(ch.ids[ch.real.cpu()].tolist(), ch.weights(problems)):
                    out_ck[t][i] = W
            if not sgd:
                f, saved = _forward(ch, ch.XT, activation, fast)
                r = evaluate(ch, t, f)
                if t == steps:
                    continue
                re = r * ch.eta_eff  # frozen (successful) members: exactly zero step
                if ch.any_bad:  # a diverged member's residual may be inf/NaN: zero it explicitly
                    re = torch.where(ch.active.unsqueeze(1), re, 0.0)
                apply(ch, _direction(ch, saved, re, ch.XT, activation))
            else:
                if do_eval:
                    evaluate(ch, t, _forward(ch, ch.XT, activation, fast)[0])
                if t == steps:
                    continue
                idx = idx_all[ch.ids.to(dev)]  # (Bc, b)
                XbT = torch.gather(ch.XT, 2, idx.unsqueeze(1).expand(-1, ch.XT.shape[1], -1))  # (Bc, D, b)
                yb = torch.gather(ch.y, 1, idx)
                fb, saved = _forward(ch, XbT, activation, fast)
                rb = fb - yb
                rb = torch.where(ch.active.unsqueeze(1) & torch.isfinite(rb), rb * ch.eta, 0.0)
                apply(ch, _direction(ch, saved, rb, XbT, activation))
        if bar is not None:
            bar.update(1) if t < steps else None
        # compaction: retire stopped networks, drop empty chunks
        if (t % compact_every == 0 and t > 0) or t == steps:
            nxt = []
            for ch in live:
                if t == steps:
                    retire(ch, torch.ones_like(ch.active))
                    continue
                act = ch.active
                n_act = int(act.sum())
                if n_act == int(ch.real.sum()):  # nobody stopped since the last compaction
                    nxt.append(ch)
                    continue
                retire(ch, ~act)
                if n_act > 0:
                    ch.keep(act)
                    nxt.append(ch)
            live = nxt
            if bar is not None:
                bar.set_postfix(active=sum(int(c.active.sum()) for c in live), refresh=False)
            if not live:
                break
    if bar is not None:
        bar.close()

    ckd = {s: [w if w is not None else out_W[i] for i, w in enumerate(v)] for s, v in out_ck.items()}
    return EnsembleResult(
        info=problems.info.copy(), hit_step=out_hit, steps_run=out_stop, final_rel=out_rel, diverged=out_div,
        W=out_W, steps=steps, tol=tol, history_steps=hist_steps, history=out_hist, checkpoints=ckd,
        path_length=out_path if track_path else None, wall_time=time.perf_counter() - t0,
        n_buckets=n_buckets, n_chunks=n_chunks,
    )


