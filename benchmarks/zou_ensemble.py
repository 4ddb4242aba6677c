"""Zou et al.'s stacked networks (``nets.zou.ZouEnsemble``) vs a loop of single networks, same GD runs.

The chapter's GD width sweep: phi-pairs (n = 20, d = 20, phi = 0.3), L = 2, logistic loss, eta = 8/m, a
fixed number of full-batch steps (no early stop, so both sides do the same work). K seeds are trained
as one stacked ensemble, then one at a time (an ensemble of one, the same trainer and the same kernels),
in one process with the same torch threads. Prints both wall times, their ratio and the largest weight
difference (float64: round-off).

    python benchmarks/zou_ensemble.py [--widths 64 256 1024] [--seeds 5] [--steps 50] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from overparam.data import zou2020 as zd
from overparam.nets.zou import ZouEnsemble
from overparam.train.margin_ensemble import train_margin


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=int, nargs="+", default=[64, 256, 1024])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = zd.phi_pairs(20, 20, 0.3, np.random.default_rng(0))
    X, y = torch.from_numpy(data.X), torch.from_numpy(data.y)
    out = {}
    for m in args.widths:
        seeds = list(range(args.seeds))
        t0 = time.perf_counter()
        ens = ZouEnsemble.init(20, m, 2, seeds)
        train_margin(ens, X, y, eta_bar=8.0, max_steps=args.steps, stop_at_accuracy=False)
        t_batched = time.perf_counter() - t0
        t0 = time.perf_counter()
        singles = []
        for s in seeds:
            one = ZouEnsemble.init(20, m, 2, [s])
            train_margin(one, X, y, eta_bar=8.0, max_steps=args.steps, stop_at_accuracy=False)
            singles.append(one)
        t_loop = time.perf_counter() - t0
        diff = max(float((w[k] - s.W[j][0]).detach().abs().max()) for k, s in enumerate(singles) for j, w in enumerate(ens.W))
        out[m] = {"batched_s": t_batched, "loop_s": t_loop, "ratio": t_loop / t_batched, "max_abs_dW": diff}
        print(f"m = {m:5d}: batched {t_batched:7.2f} s, loop {t_loop:7.2f} s, loop/batched {t_loop / t_batched:5.2f}, "
              f"max |dW| {diff:.1e}", flush=True)
    return out


if __name__ == "__main__":
    main()
