"""Benchmark: the deep NTK of Guo et al.'s network, analytic (infinite width) and empirical (finite width).

Part ``analytic``: ``overparam.kernels.deep.infinite_width_ntk`` (the recursion fused into cache-sized
tiles of the upper triangle, in place) against ``_reference_infinite_width_ntk`` (the eager whole-matrix
recursion it replaced, one n x n temporary per operation) on n unit vectors in R^d (default n = 2,048,
d = 32, depth 5, alpha = -0.5, 2 threads, where a jit-compiled neural-tangents-style peer was ~5x faster
than the reference), back to back in one process after a warm-up, alternating, ``--repeats`` times.
Peak memory: the increase of the peak resident set over one call (Linux VmHWM, the counter behind
``resource.getrusage``'s ru_maxrss, reset before the call; tracemalloc does not see torch), each
implementation in a fresh spawned process; beside it the size of the two n x n outputs, the floor.

Part ``empirical``: three ways to get the (n x n) NTK Gram of the finite network (linear input layer,
L hidden rescaled-leaky-ReLU layers of width m, fixed read-out, only the hidden W_l trained):

* ``analytic``    infinite_width_ntk(X, L, alpha, "hidden"): the arc-cosine recursion, O(n^2 L), no
                  network at all; it is the limit of NTK/m.
* ``closed_form`` overparam.measure.ntk.guo_empirical_ntk: the exact empirical NTK from the rank-one
                  structure of each layer's Jacobian, O(L (n m^2 + n^2 m)).
* ``torch_func``  the generic route: per-sample Jacobians with torch.func (vmap(jacrev)), chunked,
                  contracted layer by layer, O(n^2 L m^2); this is the baseline the others are timed
                  against.

Each (method, width) runs in a fresh process: peak resident set (VmHWM) minus the resident size before
the call (on CUDA also torch.cuda.max_memory_allocated). Error: ||NTK_emp / m - NTK_inf||_F /
||NTK_inf||_F, and the agreement of the two empirical routes. Above m = 1024 torch.func runs on the first
64 samples, its time scaled by (n/64)^2 ("extrapolated"): the full n = 256, m = 4096 Gram is ~3e12 flop
of contraction alone (about an hour on a shared 2-core CPU); --torch-func-subsample-above 0 times it in full.

Run:  python benchmarks/deep_ntk.py                      (both parts, their defaults)
      python benchmarks/deep_ntk.py analytic [--n 2048] [--d 32] [--depth 5] [--alpha -0.5]
             [--threads 2] [--repeats 3]
      python benchmarks/deep_ntk.py empirical [--n 256] [--depth 3] [--widths 1024 4096] [--alpha 0.0]
             [--device cpu] [--json out.json] [--skip-torch-func-above M]
             [--torch-func-subsample-above 1024 --torch-func-n 64]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))


def _rss_kb() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:  # not Linux: fall back to the peak
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets the process's peak resident set (VmHWM), so the peak after
    # a call is that call's own, not one left by imports (elsewhere the delta is an upper bound)
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_rss_kb() -> int:
    # VmHWM is the memory map's own peak, the one getrusage's ru_maxrss reads. ru_maxrss itself also keeps
    # the peak of the image a spawned child replaced at exec (its parent's, inherited through fork), which
    # no reset clears; so read VmHWM where there is one
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---------------------------------------------------------------------- part 1: the analytic kernel
def _unit_inputs(n, d, seed):
    import torch

    from overparam.runtime import generator_for

    X = torch.randn(n, d, generator=generator_for(seed, "inputs"), dtype=torch.float64)
    return X / X.norm(dim=1, keepdim=True)


def _analytic_impls():
    from overparam.kernels.deep import _reference_infinite_width_ntk, infinite_width_ntk

    return {"reference": _reference_infinite_width_ntk, "fused": infinite_width_ntk}


def _analytic_memory_child(impl, trained, n, d, depth, alpha, seed, threads, path):
    import torch

    torch.set_num_threads(threads)
    fn = _analytic_impls()[impl]
    X = _unit_inputs(n, d, seed)
    fn(X[:8], depth, alpha, trained)  # loads kernels and thread pools: not what is measured
    _reset_peak_rss()
    base = _peak_rss_kb()
    out = fn(X, depth, alpha, trained)
    peak = _peak_rss_kb()
    del out
    Path(path).write_text(json.dumps({"peak_extra_mb": max(peak - base, 0) / 1024}))


def run_analytic(n: int = 2048, d: int = 32, depth: int = 5, alpha: float = -0.5, threads: int = 2,
                 repeats: int = 3, seed: int = 0, memory: bool = True) -> dict:
    """Time the fused and the reference infinite-width recursion back to back.

    Parameters
    ----------
    n, d, depth, alpha, seed
        n unit vectors in R^d (the stream "inputs" of ``seed``), L hidden layers, the slope.
    threads, repeats : int
        torch threads; alternating timed calls of each implementation after one warm-up call.
    memory : bool
        Also measure each implementation's peak memory in a spawned process.

    Returns
    -------
    dict
        The setting and one row per ``trained`` ("all", "hidden"): median and minimum seconds, their
        ratios, peak MB and the largest relative difference to the reference (plain and pinned).
    """
    import torch

    torch.set_num_threads(threads)
    impls = _analytic_impls()
    X = _unit_inputs(n, d, seed)
    rows = []
    for trained in ("all", "hidden"):
        outs = {k: fn(X, depth, alpha, trained) for k, fn in impls.items()}  # warm-up, and the results
        times = {k: [] for k in impls}
        for _ in range(repeats):  # alternate, so that load from other processes hits both alike
            for k, fn in impls.items():
                t0 = time.perf_counter()
                fn(X, depth, alpha, trained)
                times[k].append(time.perf_counter() - t0)
        pinned = impls["reference"](X, depth, alpha, trained, pin_diagonal=True)
        rel = lambda a, b: float((a - b).abs().max() / b.abs().max())
        row = {"trained": trained, **{f"{k}_median_s": statistics.median(v) for k, v in times.items()},
               **{f"{k}_min_s": min(v) for k, v in times.items()},
               "err_vs_reference": max(rel(a, b) for a, b in zip(outs["fused"], outs["reference"])),
               "err_vs_pinned_reference": max(rel(a, b) for a, b in zip(outs["fused"], pinned))}
        row["speedup_median"] = row["reference_median_s"] / row["fused_median_s"]
        row["speedup_min"] = row["reference_min_s"] / row["fused_min_s"]
        rows.append(row)
    if memory:  # after the timings; the probes run side by side (each process's peak is its own)
        ctx, tmp = mp.get_context("spawn"), tempfile.mkdtemp(prefix="deep_ntk_mem_")
        args = lambda k, tr: (k, tr, n, d, depth, alpha, seed, threads, os.path.join(tmp, f"{k}-{tr}"))
        probes = {(r["trained"], k): ctx.Process(target=_analytic_memory_child, args=args(k, r["trained"]))
                  for r in rows for k in impls}
        for p in probes.values():
            p.start()
        for (trained, k), p in probes.items():
            p.join()
            if p.exitcode != 0:
                raise RuntimeError(f"memory probe of {k} ({trained}) failed (exit code {p.exitcode})")
            row = next(r for r in rows if r["trained"] == trained)
            row[f"{k}_peak_extra_mb"] = json.loads(Path(tmp, f"{k}-{trained}").read_text())["peak_extra_mb"]
    return {"n": n, "d": d, "depth": depth, "alpha": alpha, "threads": threads, "repeats": repeats,
            "outputs_mb": 2 * n * n * 8 / 2**20, "rows": rows}


def print_analytic(res: dict) -> None:
    """Print ``run_analytic``'s result as a table with a legend."""
    print(f"infinite-width deep NTK + NNGP, n={res['n']}, d={res['d']}, depth={res['depth']}, "
          f"alpha={res['alpha']}, {res['threads']} threads, {res['repeats']} alternating repeats")
    print(f"{'trained':8s} {'reference s':>12s} {'fused s':>9s} {'ratio':>7s} {'ratio(min)':>10s} "
          f"{'ref peak MB':>12s} {'fused peak MB':>14s} {'max rel diff':>13s} {'(pinned ref)':>13s}")
    for r in res["rows"]:
        mem = (f"{r['reference_peak_extra_mb']:12.0f} {r['fused_peak_extra_mb']:14.0f}"
               if "fused_peak_extra_mb" in r else f"{'-':>12s} {'-':>14s}")
        print(f"{r['trained']:8s} {r['reference_median_s']:12.3f} {r['fused_median_s']:9.3f} "
              f"{r['speedup_median']:7.1f} {r['speedup_min']:10.1f} {mem} {r['err_vs_reference']:13.1e} "
              f"{r['err_vs_pinned_reference']:13.1e}")
    print(f"times: medians (and the ratio of minima) over the repeats. peak MB: increase of the peak resident "
          f"set (VmHWM, the counter getrusage reads, reset before the call) over one call in a fresh process; the two "
          f"n x n float64 outputs alone are {res['outputs_mb']:.0f} MB. max rel diff: max |fused - reference| "
          f"/ max |reference| over NTK and NNGP; the reference's diagonal correlation rounds to 1 - 2^-53 at "
          f"some points (kappa_dot moves by ~1e-8 there), the pinned reference holds it at 1.")


# ---------------------------------------------------------------------- part 2: empirical NTKs
def _setup(n, p, m, depth, seed, device):
    import numpy as np
    import torch

    from overparam.data import synthetic

    X = torch.tensor(synthetic(n, 0, "lift", seed=seed).X, dtype=torch.float64, device=device)
    from overparam.runtime import generator_for

    g = generator_for(seed, "weights")
    A = (torch.randn(m, X.shape[1], generator=g, dtype=torch.float64) / math.sqrt(m)).to(device)
    Ws = [(torch.randn(m, m, generator=g, dtype=torch.float64) * math.sqrt(2 / m)).to(device)
          for _ in range(depth)]
    B = torch.randn(1, m, generator=g, dtype=torch.float64).to(device)
    return X, A, Ws, B, np


def torch_func_ntk(X, A, Ws: list, B, alpha: float, chunk: int):
    """Generic empirical NTK, (n, n), not divided by m: per-layer Jacobians by torch.func (vmap over
    samples of jacrev) of ``chunk`` samples at a time, contracted block by block (upper triangle,
    mirrored). X (n, p), A (m, p), Ws L x (m, m), B (1, m), alpha the slope."""
    import torch
    from torch.func import jacrev, vmap

    s = 1 / math.sqrt(1 + alpha * alpha)
    n, L = X.shape[0], len(Ws)

    def f_layer(ell):
        def f(W, x):
            h = x @ A.T
            for k in range(L):
                g = h @ (W if k == ell else Ws[k]).T
                h = torch.where(g >= 0, g, alpha * g) * s
            return (h @ B.T)[0]

        return vmap(jacrev(f), in_dims=(None, 0))

    G = torch.zeros(n, n, dtype=torch.float64, device=X.device)
    starts = list(range(0, n, chunk))
    for ell in range(L):
        jac = f_layer(ell)
        for i in starts:
            Ji = jac(Ws[ell], X[i:i + chunk]).reshape(-1, Ws[ell].numel())
            G[i:i + chunk, i:i + chunk] += Ji @ Ji.T
            for j in starts:
                if j <= i:
                    continue
                Jj = jac(Ws[ell], X[j:j + chunk]).reshape(-1, Ws[ell].numel())
                blk = Ji @ Jj.T
                G[i:i + chunk, j:j + chunk] += blk
                G[j:j + chunk, i:i + chunk] += blk.T
                del Jj
            del Ji
    return G


def _child(method, n, m, depth, alpha, seed, device, chunk, q, n_use=None):
    import torch

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", torch.get_num_threads())))
    from overparam.kernels.deep import infinite_width_ntk
    from overparam.measure.ntk import guo_empirical_ntk

    X, A, Ws, B, np = _setup(n, 5, m, depth, seed, device)
    if n_use is not None:
        X = X[:n_use]
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    _reset_peak_rss()
    base = _rss_kb()
    t0 = time.perf_counter()
    if method == "analytic":
        G = infinite_width_ntk(X, depth, alpha, "hidden")[0]
    elif method == "closed_form":
        G = guo_empirical_ntk(X, A, Ws, B, alpha) / m
    else:
        G = torch_func_ntk(X, A, Ws, B, alpha, chunk) / m
    if cuda:
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    peak = _peak_rss_kb()
    out = {"method": method, "m": m, "seconds": dt, "peak_rss_extra_mb": max(peak - base, 0) / 1024}
    if cuda:
        out["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    np.save(q, G.cpu().numpy())
    with open(q + ".json", "w") as f:
        json.dump(out, f)


def run(n: int = 256, depth: int = 3, widths=(1024, 4096), alpha: float = 0.0, seed: int = 0,
        device: str = "cpu", skip_above: int | None = None, subsample_above: int | None = None,
        n_sub: int = 64, tmp: str | None = None) -> dict:
    """The empirical part: each (method, width) in a fresh process; rows of seconds, memory, errors.

    Parameters are those of the command line (``main_empirical``); ``tmp`` is the folder for the
    children's results. Returns the setting, the rows and the agreement of the two empirical routes.
    """
    import numpy as np

    tmp = tmp or tempfile.mkdtemp(prefix="deep_ntk_bench_")
    ctx = mp.get_context("spawn")
    rows, grams = [], {}
    methods = ["analytic", "closed_form", "torch_func"]
    for m in widths:
        for method in methods:
            if method == "analytic" and "analytic" in grams:
                rows.append({**rows[0], "m": m})  # width-free; timed once
                continue
            if method == "torch_func" and skip_above and m > skip_above:
                continue
            chunk = max(1, min(64, int(2**31 // (8 * m * m))))  # one chunk of Jacobian rows <= 2 GiB
            q = os.path.join(tmp, f"{method}-{m}.npy")
            n_use = n_sub if (method == "torch_func" and subsample_above and m > subsample_above and n_sub < n) else None
            p = ctx.Process(target=_child, args=(method, n, m, depth, alpha, seed, device, chunk, q, n_use))
            p.start()
            p.join()
            if p.exitcode != 0:
                raise RuntimeError(f"{method} at m={m} failed (exit code {p.exitcode})")
            with open(q + ".json") as f:
                row = json.load(f)
            row["chunk"] = chunk if method == "torch_func" else None
            row["n_used"] = n_use or n
            if n_use:  # the Gram costs ~n^2 (contraction and Jacobian recomputation): scale the time up
                row["seconds_measured"] = row["seconds"]
                row["seconds"] = row["seconds"] * (n / n_use) ** 2
                row["extrapolated"] = True
            rows.append(row)
            grams[method if method == "analytic" else (method, m)] = np.load(q)
    ref = grams["analytic"]
    rel = lambda a, b: float(np.linalg.norm(a - b) / np.linalg.norm(b))
    base_time = {m: next((r["seconds"] for r in rows if r["m"] == m and r["method"] == "torch_func"), None)
                 for m in widths}
    for r in rows:
        k = r.get("n_used", n)
        r["rel_err_vs_analytic"] = (0.0 if r["method"] == "analytic"
                                    else rel(grams[(r["method"], r["m"])], ref[:k, :k]))
        bt = base_time[r["m"]]
        r["speedup_vs_torch_func"] = (bt / r["seconds"]) if bt else None
    agree = {}
    for m in widths:
        if ("torch_func", m) in grams:
            k = grams[("torch_func", m)].shape[0]
            agree[m] = rel(grams[("closed_form", m)][:k, :k], grams[("torch_func", m)])
    return {"n": n, "depth": depth, "alpha": alpha, "device": device, "rows": rows,
            "closed_form_vs_torch_func": agree, "python": platform.python_version(),
            "machine": platform.machine(), "threads": os.environ.get("BENCH_THREADS")}


def main(argv: list[str] | None = None) -> None:
    """Run the parts named on the command line ("analytic", "empirical"; both when none is named)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    part = argv.pop(0) if argv and argv[0] in ("analytic", "empirical") else None
    if part in (None, "analytic"):
        ap = argparse.ArgumentParser(description="the fused infinite-width NTK against its eager reference")
        ap.add_argument("--n", type=int, default=2048)
        ap.add_argument("--d", type=int, default=32)
        ap.add_argument("--depth", type=int, default=5)
        ap.add_argument("--alpha", type=float, default=-0.5)
        ap.add_argument("--threads", type=int, default=2)
        ap.add_argument("--repeats", type=int, default=3)
        ap.add_argument("--seed", type=int, default=0)
        ap.add_argument("--no-memory", action="store_true")
        a = ap.parse_args(argv if part else [])
        print_analytic(run_analytic(a.n, a.d, a.depth, a.alpha, a.threads, a.repeats, a.seed, not a.no_memory))
    if part in (None, "empirical"):
        main_empirical(argv if part else [])


def main_empirical(argv: list[str] | None = None) -> dict:
    """The empirical part's command line; prints its table and returns ``run``'s result."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--widths", type=int, nargs="+", default=[1024, 4096])
    ap.add_argument("--alpha", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip-torch-func-above", type=int, default=None)
    ap.add_argument("--torch-func-subsample-above", type=int, default=1024,
                    help="above this width run torch.func on the first --torch-func-n samples only and scale "
                         "its time by (n/n_sub)^2 (reported as extrapolated)")
    ap.add_argument("--torch-func-n", type=int, default=64)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    res = run(a.n, a.depth, a.widths, a.alpha, a.seed, a.device, a.skip_torch_func_above,
              a.torch_func_subsample_above, a.torch_func_n)
    print(f"deep NTK Gram, n={a.n}, depth={a.depth}, alpha={a.alpha}, device={a.device}")
    print(f"{'method':12s} {'m':>6s} {'seconds':>10s} {'x faster than torch.func':>25s} "
          f"{'peak extra MB':>14s} {'rel. Frobenius err vs analytic':>31s}")
    for r in res["rows"]:
        sp = f"{r['speedup_vs_torch_func']:.1f}" if r["speedup_vs_torch_func"] else "-"
        note = f"  (timed at n={r['n_used']}, scaled by (n/{r['n_used']})^2)" if r.get("extrapolated") else ""
        print(f"{r['method']:12s} {r['m']:6d} {r['seconds']:10.3f} {sp:>25s} {r['peak_rss_extra_mb']:14.1f} "
              f"{r['rel_err_vs_analytic']:31.4f}{note}")
    for m, e in res["closed_form_vs_torch_func"].items():
        print(f"closed form vs torch.func at m={m}: relative difference {e:.2e}")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
