"""Wall time of Figure 2 at the paper's protocol (Oymak & Soltanolkotabi 2020, Section 4), as the chapter runs it.

k, d = 1..25, n in {100, 200}, softplus (eta = 0.15) and ReLU (eta = 0.1), up to 15,000 full-batch GD steps,
success at relative error < 2.5e-3, ``--realizations`` per cell (the paper: 10), shared inputs across k
(``sphere_problems(shared_inputs=True)``, as in the chapter), float32, ``--threads`` torch threads (the
paper profile uses torch's default: every core). Each panel is one ``overparam.experiments.oymak2020.phase_run``,
the chapter's own call (training, the weights' movement, and the fitted boundary). Prints the time of every
panel and the total, and the fitted boundary c of each panel (a sanity check that the run is the real one).

    python benchmarks/fig2_paper.py [--realizations 10] [--threads 2] [--device cpu] [--grid 25] [--steps 15000]
"""

from __future__ import annotations

import argparse
import time

import torch

from overparam.experiments.oymak2020 import ETA, phase_run
from overparam.train import sphere_problems


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realizations", type=int, default=10)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--n", type=int, nargs="+", default=[100, 200])
    ap.add_argument("--grid", type=int, default=25, help="k, d = 1..GRID (the paper: 25)")
    ap.add_argument("--steps", type=int, default=15000, help="the iteration budget (the paper: 15,000)")
    args = ap.parse_args(argv)
    cells = [(k, d) for k in range(1, args.grid + 1) for d in range(1, args.grid + 1)]
    out, total = {}, 0.0
    for n in args.n:
        problems = sphere_problems(n, cells, args.realizations, seed=0, dtype=torch.float32, shared_inputs=True)
        for act, eta in ETA.items():
            t0 = time.perf_counter()
            run = phase_run(problems, act, eta, args.steps, 2.5e-3, seed=0, device=args.device,
                            threads=args.threads, n_boot=20)
            dt = time.perf_counter() - t0
            total += dt
            out[(n, act)] = dt
            print(f"n = {n}, {act:8}: {dt:8.1f} s  ({len(problems)} networks, success "
                  f"{run.table.success.mean():.3f}, c = {run.fit.c:.2f})", flush=True)
    print(f"total: {total:.1f} s = {total / 60:.1f} min on {args.device}, {args.threads} thread(s), "
          f"{args.realizations} realizations")
    out["total"] = total
    return out


if __name__ == "__main__":
    main()
