"""Benchmark: the analytic infinite-width deep NTK against the empirical NTK of a finite network.

Three ways to get the (n x n) NTK Gram of Guo et al.'s network (linear input layer, L hidden
rescaled-leaky-ReLU layers of width m, fixed read-out, only the hidden W_l trained):

* ``analytic``    overparam.deep_kernels.infinite_width_ntk(X, L, alpha, "hidden"): the arc-cosine
                  recursion, O(n^2 L), no network at all; it is the limit of NTK/m.
* ``closed_form`` overparam.deep_kernels.guo_empirical_ntk: the exact empirical NTK from the
                  rank-one structure of each layer's Jacobian, O(L (n m^2 + n^2 m)).
* ``torch_func``  the generic route: per-sample Jacobians with torch.func (vmap(jacrev)), chunked,
                  contracted layer by layer, O(n^2 L m^2); this is the baseline the others are timed
                  against.

Each (method, width) runs in a fresh subprocess so that its peak resident memory can be read
(ru_maxrss minus the process's resident size just before the call; on CUDA also
torch.cuda.max_memory_allocated). Error: relative Frobenius error ||NTK_emp / m - NTK_inf||_F /
||NTK_inf||_F, and the agreement of the two empirical routes.

Run:  python benchmarks/deep_ntk.py [--n 256] [--depth 3] [--widths 1024 4096] [--alpha 0.0]
      [--device cpu] [--json out.json] [--skip-torch-func-above M]
      [--torch-func-subsample-above 1024 --torch-func-n 64]

By default torch.func is run on all n samples up to m = 1024 and, above, on the first 64 samples with its
time scaled by (n/64)^2 (labelled "extrapolated"): the full n = 256, m = 4096 Gram by torch.func is
~3e12 flop of contraction alone (about an hour on a shared 2-core CPU). Pass
--torch-func-subsample-above 0 to time it in full (on a GPU: --device cuda).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))


def _rss_kb() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:  # not Linux: fall back to the peak
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _setup(n, p, m, depth, seed, device):
    import numpy as np
    import torch

    from overparam.data import synthetic

    X = torch.tensor(synthetic(n, 0, "lift", seed=seed).X, dtype=torch.float64, device=device)
    g = torch.Generator().manual_seed(seed + 1)
    A = (torch.randn(m, X.shape[1], generator=g, dtype=torch.float64) / math.sqrt(m)).to(device)
    Ws = [(torch.randn(m, m, generator=g, dtype=torch.float64) * math.sqrt(2 / m)).to(device)
          for _ in range(depth)]
    B = torch.randn(1, m, generator=g, dtype=torch.float64).to(device)
    return X, A, Ws, B, np


def torch_func_ntk(X, A, Ws, B, alpha, chunk):
    """Generic empirical NTK: per-layer Jacobians by torch.func (vmap over samples of jacrev), chunked,
    contracted block by block (upper triangle, mirrored)."""
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {"method": method, "m": m, "seconds": dt, "peak_rss_extra_mb": max(peak - base, 0) / 1024}
    if cuda:
        out["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    np.save(q, G.cpu().numpy())
    with open(q + ".json", "w") as f:
        json.dump(out, f)


def run(n=256, depth=3, widths=(1024, 4096), alpha=0.0, seed=0, device="cpu", skip_above=None,
        subsample_above=None, n_sub=64, tmp=None):
    import tempfile

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
    rel = lambda a, b: float(np.linalg.norm(a - b) / np.linalg.norm(b))  # noqa: E731
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


def main(argv=None):
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
