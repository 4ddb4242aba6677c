"""Wall time of Figure 2 at the paper's protocol (Oymak & Soltanolkotabi 2020, Section 4), as the chapter runs it.

k, d = 1..25, n in {100, 200}, softplus (eta = 0.15) and ReLU (eta = 0.1), up to 15,000 full-batch GD steps,
success at relative error < 2.5e-3, ``--realizations`` per cell (the paper: 10), shared inputs across k
(``sphere_problems(shared_inputs=True)``, as in the chapter), float32, ``--threads`` torch threads (the
paper profile uses torch's default: every core). Prints the time of every panel and the total, and the
fitted boundary c of each panel (a sanity check that the run is the real one).

    python benchmarks/fig2_paper.py [--realizations 10] [--threads 2] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import torch

from overparam.measure.phase import fit_phase_boundary
from overparam.train import sphere_problems, train_two_layer_ensemble as train_ensemble

ETA = {"softplus": 0.15, "relu": 0.1}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realizations", type=int, default=10)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--n", type=int, nargs="+", default=[100, 200])
    args = ap.parse_args(argv)
    cells = [(k, d) for k in range(1, 26) for d in range(1, 26)]
    out, total = {}, 0.0
    for n in args.n:
        problems = sphere_problems(n, cells, args.realizations, seed=0, dtype=torch.float32, shared_inputs=True)
        for act in ("softplus", "relu"):
            t0 = time.perf_counter()
            res = train_ensemble(problems, act, ETA[act], 15000, tol=2.5e-3, dtype=torch.float32,
                                 device=args.device, threads=args.threads, progress=False)
            dt = time.perf_counter() - t0
            total += dt
            fit = fit_phase_boundary(problems.k, problems.d, n, res.success, n_boot=20,
                                     realization=problems.info.realization)
            out[(n, act)] = dt
            print(f"n = {n}, {act:8}: {dt:8.1f} s  ({len(problems)} networks, success {res.success.mean():.3f}, "
                  f"c = {fit.c:.2f})", flush=True)
    print(f"total: {total:.1f} s = {total / 60:.1f} min on {args.device}, {args.threads} thread(s), "
          f"{args.realizations} realizations")
    out["total"] = total
    return out


if __name__ == "__main__":
    main()
