"""Many independent one-hidden-layer networks trained at once, in batched tensors.

The networks are Oymak & Soltanolkotabi's (2020, eq. 1.1), f(x; W) = v^T phi(W x), W in R^{k x d} trained,
v fixed, with the loss L(W) = 1/2 sum_i (f(x_i; W) - y_i)^2 (eq. 2.1, ``loss="half_sum"``; ``"sum"`` and
``"mean"`` as in ``overparam.train``):

* **GD** W <- W - eta grad L(W), constant eta (Figure 2: 0.15 for softplus, 0.1 for ReLU);
* **SGD** W <- W - eta * c * sum_{i in batch} (f(x_i) - y_i) grad f(x_i), a batch of b distinct samples per
  network and step; c = n/b (``sgd_scale="unbiased"``) or 1 (``"sum"``: eq. 2.9 with ``batch_size=1``, the
  paper's single-sample step, whose expectation is (eta/n) grad L);
* **ReLU derivative** phi'(z) = 1{z >= 0} (Section 1.3); softplus derivative the sigmoid.

Why batched: Figure 2 is a grid of 25 x 25 (k, d) cells with 10 networks each, every one trained for up to
15,000 steps; one small network at a time leaves the CPU idle between tiny products. ``train_ensemble``
stacks the networks in padded tensors: X is padded with zero columns up to the largest d of its bucket and
W with zero rows/columns, v with zeros. Padding is exact: a zero input coordinate changes no pre-activation
and receives a zero gradient (proportional to x); a padded unit has v_l = 0 and contributes nothing.
Networks are grouped into buckets of similar (k, d) (``two_layer_planner``) and buckets are cut into chunks
of at most ``max_batch_elements`` working-set elements so memory stays bounded; the chunk's tensors and its
forward and backward products live in ``two_layer_kernels``.

Each network follows the convention of ``overparam.train`` on its own: it stops at the first check where
the stopping rule holds (``hit_step``; the phase diagram uses ``stop="relative"``, ||f - y|| / ||y|| <=
``tol``) and is frozen there; one whose loss is not finite or exceeds ``blowup`` times its initial loss is
put back to its weights of the previous check (the step before, under GD), frozen and flagged ``diverged``.
Frozen networks receive an exactly-zero update, so no network can influence another. Finished networks are
dropped from the batch every ``compact_every`` steps, so a diagram's cost falls as its cells succeed.
``two_layer_reference.train_module`` is the plain baseline the unit tests compare against step by step in
float64 and ``benchmarks/ensemble.py`` times.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import torch

from ..nets.activations import ACTIVATIONS
from ..runtime import resolve_device
from ..runtime.progress import progress as show_progress
from .convention import (
    LOSSES,
    batch_indices_per_network,
    check_choice,
    resolve_stop,
    sgd_factor,
)
from .two_layer_kernels import _Chunk
from .two_layer_planner import plan_buckets
from .two_layer_problems import Problems
from .two_layer_result import EnsembleResult, Outputs
from .two_layer_steps import _compact, _gd_step, _Rules, _sgd_step

__all__ = ["EnsembleResult", "train_ensemble"]

# loss = LOSS_SCALE * ||f - y||^2 (the mean divides by n in addition)
_LOSS_SCALE = {"half_sum": 0.5, "sum": 1.0, "mean": 1.0}


def _step_coefficient(loss: str, n: int, batch_size: int | None, sgd_scale: str) -> float:
    """c in W <- W - eta * c * sum_i r_i grad f_i over the samples used: the loss's derivative with respect to
    1/2 sum r_i^2 on those samples, times the SGD factor of the convention."""
    m = n if batch_size is None else batch_size
    c = {"half_sum": 1.0, "sum": 2.0, "mean": 2.0 / m}[loss]
    return c if batch_size is None else c * sgd_factor(loss, n, batch_size, sgd_scale)


def _as_eta(eta, B: int) -> torch.Tensor:
    e = torch.as_tensor(eta, dtype=torch.float64).reshape(-1)
    if e.numel() == 1:
        e = e.expand(B).clone()
    if e.numel() != B:
        raise ValueError(f"eta must be a scalar or have one entry per network ({B}), got {e.numel()}")
    return e


@contextmanager
def _torch_threads(threads: int | None, device: torch.device) -> Iterator[None]:
    """Run with ``threads`` torch CPU threads and restore the setting afterwards (None: leave it)."""
    if threads is None or device.type != "cpu":
        yield
        return
    saved = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def _make_chunks(problems: Problems, etas: torch.Tensor, rules: _Rules, dev: torch.device, dtype: torch.dtype,
                 max_batch_elements: int, bucket_overhead: float, share_inputs: bool) -> tuple[list[_Chunk], int]:
    """Buckets of similar shape (``plan_buckets``), their input groups, cut into chunks bounded in memory."""
    ks, ds, n = problems.k, problems.d, problems.n
    chunks: list[_Chunk] = []
    buckets = plan_buckets(ks, ds, n, overhead=bucket_overhead)
    for bucket in buckets:
        K, D = ks[bucket].max(), ds[bucket].max()
        if share_inputs and rules.batch_size is None:  # networks whose X is one tensor object share one copy
            by_inputs: dict[int, list[int]] = {}
            for i in bucket.tolist():
                by_inputs.setdefault(id(problems.X[i]), []).append(i)
            groups = list(by_inputs.values())
        else:
            groups = [[i] for i in bucket.tolist()]
        C = max(len(g) for g in groups)
        per_group = n * D + C * (4 * n * K + 4 * K * D)
        size = max(1, int(max_batch_elements // per_group))
        for s in range(0, len(groups), size):
            chunks.append(_Chunk(groups[s : s + size], problems, etas, dev, dtype, rules.sign))
    return chunks, len(buckets)


def train_ensemble(
    problems: Problems,
    activation: str,
    eta: float | torch.Tensor | Iterable[float],
    steps: int,
    *,
    loss: str = "half_sum",
    batch_size: int | None = None,
    sgd_scale: str = "unbiased",
    stop: str | None = None,
    tol: float | None = None,
    eval_every: int | None = None,
    blowup: float = 1e8,
    history: bool = False,
    history_every: int = 1,
    checkpoints: Iterable[int] = (),
    track_path: bool = False,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
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

    Parameters
    ----------
    problems : Problems
        One (X, y, W0, v) per network (``sphere_problems``, ``feature_problems``).
    activation : {"softplus", "relu"}
    eta : float or sequence
        A step size for all networks or one per network, for the loss named by ``loss``.
    steps : int
        The budget of updates.
    loss : {"half_sum", "sum", "mean"}
        The loss reduction (eq. 2.1 is ``"half_sum"``).
    batch_size : int or None
        None: full-batch GD. b: SGD with b distinct samples per network and step
        (``convention.batch_indices_per_network``), drawn for all networks at once from one generator
        seeded with ``seed``, so they do not depend on the chunking.
    sgd_scale : {"unbiased", "sum"}
        The convention's SGD scaling; eq. 2.9 is ``"sum"``.
    stop : {"relative", "absolute"} or None
        Stop a network at the first check where ||f - y|| / ||y|| (``"relative"``) or its loss
        (``"absolute"``) is at most ``tol``; None: never. ``tol`` alone means ``"relative"`` (deprecated).
    tol : float or None
        The stopping threshold (Figure 2: relative error 2.5e-3).
    eval_every : int or None
        How often the full-batch check runs (stopping, divergence, history): every step for GD; once per
        epoch (ceil(n / b) steps) by default for SGD.
    blowup : float
        Divergence threshold: the loss relative to the network's initial loss.
    history, history_every : bool, int
        Record the relative error every ``history_every`` checks.
    checkpoints : iterable of int
        Steps at which to copy every network's W (a stopped network gives its frozen W).
    track_path : bool
        Accumulate the path length Σ ||W_{t+1} - W_t||_F.
    device : str or torch.device
        Where to train (``"auto"``: CUDA when available).
    dtype : torch.dtype
        Training precision (float32 suffices for a 2.5e-3 threshold; float64 for equivalence tests).
    max_batch_elements : int
        Bound on the working set (elements) of one chunk; buckets are cut to fit.
    bucket_overhead : float
        The per-bucket cost in ``plan_buckets`` (large: one padded bucket).
    compact_every : int
        Steps between compactions (stopped networks leave the batch).
    seed : int
        Seeds the SGD batches.
    threads : int or None
        Torch CPU threads while training (restored afterwards); None keeps the current setting. The default
        1 is deliberate: the batched tensors are small, and on a shared or busy CPU two OpenMP threads
        spinning on each small op were measured ~10x slower than one.
    progress : bool
        Show a progress bar in the pipeline's terminal.
    desc : str or None
        The bar's label.
    fast : bool
        Allow the product form of the softplus forward pass (``two_layer_kernels._forward``); False keeps
        the plain sum of K logs per sample (the reference the tests compare the fast path with).
    share_inputs : bool
        Full-batch GD only: networks whose ``problems.X`` is the same tensor object are stored as one input
        group (one matrix product for all their units); False treats every network separately (the
        reference the tests compare the grouped path with). The arithmetic per network is the same.

    Returns
    -------
    EnsembleResult
    """
    check_choice("activation", activation, tuple(ACTIVATIONS))
    check_choice("loss", loss, LOSSES)
    check_choice("sgd_scale", sgd_scale, ("unbiased", "sum"))
    stop = resolve_stop(stop, tol, legacy="relative")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    n, B = problems.n, len(problems)
    if batch_size is not None and not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in 1..{n} (or None for full-batch GD), got {batch_size}")
    sgd = batch_size is not None
    if eval_every is None:
        eval_every = max(1, math.ceil(n / batch_size)) if sgd else 1
    if not sgd and eval_every != 1:
        raise ValueError("full-batch GD evaluates the error at every step (eval_every=1)")
    dev = resolve_device("auto" if device is None else device)
    rules = _Rules(activation, -1.0 if activation == "softplus" else 1.0, fast, steps, batch_size, eval_every,
                   stop, tol, _LOSS_SCALE[loss] / (n if loss == "mean" else 1), blowup, history,
                   eval_every * history_every, track_path)
    etas = _as_eta(eta, B) * _step_coefficient(loss, n, batch_size, sgd_scale)
    t0 = time.perf_counter()
    with _torch_threads(threads, dev):
        chunks, n_buckets = _make_chunks(problems, etas, rules, dev, dtype, max_batch_elements, bucket_overhead,
                                         share_inputs)
        hist_steps = np.arange(0, steps + 1, rules.hist_stride) if history else None
        out = Outputs(problems, steps, hist_steps, sorted({int(s) for s in checkpoints if 0 <= int(s) <= steps}))
        gen = torch.Generator(device=dev).manual_seed(int(seed)) if sgd else None
        bar = show_progress(total=steps, desc=desc or f"ensemble {activation} ({B} nets)",
                            leave=False) if progress else None
        try:
            _run(chunks, rules, out, gen, dev, n, B, compact_every, bar)
        finally:
            if bar is not None:
                bar.close()
    return out.result(tol=tol, stop=stop, track_path=track_path, wall_time=time.perf_counter() - t0,
                      n_buckets=n_buckets, n_chunks=len(chunks))


def _run(chunks: list[_Chunk], rules: _Rules, out: Outputs, gen: torch.Generator | None, dev: torch.device,
         n: int, B: int, compact_every: int, bar) -> None:
    """The step loop: every live chunk takes step t, then the stopped networks retire on schedule."""
    live, last_eval, steps = list(chunks), 0, rules.steps
    for t in range(steps + 1):
        do_eval = rules.batch_size is None or t % rules.eval_every == 0 or t == steps
        if rules.batch_size is None:
            for ch in live:
                _gd_step(ch, t, rules, out, last_eval)
        else:
            idx_all = batch_indices_per_network(n, B, rules.batch_size, gen, dev) if t < steps else None
            for ch in live:
                _sgd_step(ch, t, rules, out, idx_all, last_eval, do_eval)
        if do_eval:
            last_eval = t
        if bar is not None and t < steps:
            bar.update(1)
        if (t % compact_every == 0 and t > 0) or t == steps:
            live = _compact(live, t, t == steps, out)
            if bar is not None:
                bar.set_postfix(active=sum(int(c.active.sum()) for c in live), refresh=False)
            if not live:
                break
