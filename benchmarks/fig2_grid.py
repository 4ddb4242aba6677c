"""Per-step cost of Figure 2's full grid: independent inputs against shared inputs, one and two threads.

Oymak & Soltanolkotabi's (2020) Figure 2 trains one network per (k, d), k, d = 1..25, per realization.
The two-layer ensemble trainer can store the k-networks of one realization at one input dimension as an
input group (``sphere_problems(shared_inputs=True)``: one matrix product for all their units). This
benchmark trains one realization of the whole grid (625 networks) for ``--steps`` full-batch steps at
Figure 2's step size (``overparam.experiments.oymak2020.ETA``, through ``train_networks``, the chapter's
call) in four configurations in one process -- independent draws or shared inputs, 1 or ``--threads``
torch threads -- and prints the seconds per step and the speed-up against independent draws on one thread.
The first ``--steps`` steps are the expensive ones (nothing has succeeded yet), so this measures the
all-active cost; the full budget of 15,000 steps costs less per step as cells succeed.

    python benchmarks/fig2_grid.py [--n 200] [--activation softplus] [--steps 500] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import torch

from overparam.experiments.oymak2020 import ETA, train_networks
from overparam.train import sphere_problems


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--activation", choices=sorted(ETA), default="softplus")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--grid", type=int, default=25, help="k, d = 1..GRID (the paper: 25)")
    args = ap.parse_args(argv)
    cells = [(k, d) for k in range(1, args.grid + 1) for d in range(1, args.grid + 1)]
    rows = []
    for shared in (False, True):
        problems = sphere_problems(args.n, cells, 1, seed=0, dtype=torch.float32, shared_inputs=shared)
        for threads in sorted({1, args.threads}):
            t0 = time.perf_counter()
            res = train_networks(problems, args.activation, ETA[args.activation], args.steps, tol=2.5e-3,
                                 dtype=torch.float32, threads=threads, share_inputs=shared)
            dt = time.perf_counter() - t0
            rows.append({"inputs": "shared" if shared else "independent", "threads": threads,
                         "ms_per_step": 1e3 * dt / args.steps, "chunks": res.n_chunks})
    base = rows[0]["ms_per_step"]
    print(f"Figure 2 grid, n = {args.n}, {args.activation}, {len(cells)} networks, {args.steps} steps, float32")
    for r in rows:
        r["speedup"] = base / r["ms_per_step"]
        print(f"  {r['inputs']:>11} inputs, {r['threads']} thread(s): {r['ms_per_step']:7.2f} ms/step  "
              f"({r['chunks']} chunks)  x{r['speedup']:.2f}")
    return rows


if __name__ == "__main__":
    main()
