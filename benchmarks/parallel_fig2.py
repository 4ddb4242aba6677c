"""Figure 2 of Oymak & Soltanolkotabi (2020) at one n and one activation: serial against a Dask LocalCluster.

The paper's protocol (Section 4): k, d = 1..25, ``--realizations`` 10 per cell, up to 15,000 GD steps, success
at ||f - y|| / ||y|| < 2.5e-3, here at n = 100 with one activation (6,250 networks). The sweep is the
chapter's: one task per realization block (``experiments.oymak2020.figure2.train_blocks`` through
``runtime.parallel.map``). It is run serially in this process (one torch thread, as a one-thread worker
runs a task) and on a LocalCluster of ``--workers`` one-thread workers; the script prints both wall
times and their ratio, checks that the first-success steps and weights are identical, and projects the
time on a node of ``--project-cores`` cores from the per-task times (longest-task-first onto that many
one-thread workers).

    python benchmarks/parallel_fig2.py [--workers 2] [--realizations 10] [--grid 25] [--steps 15000]
        [--activation relu] [--project-cores 16]

At the paper's sizes this takes about an hour on two cores; ``--grid 10 --realizations 4 --steps 3000``
takes a minute or two.
"""

from __future__ import annotations

import argparse
import heapq
import time

import numpy as np
import torch

from overparam.experiments.oymak2020 import ETA
from overparam.experiments.oymak2020.figure2 import _train_block, train_blocks
from overparam.runtime import derive_seed, parallel
from overparam.train import sphere_problems


def projected(task_times: list[float], cores: int) -> float:
    """Makespan of the tasks placed longest first on ``cores`` one-thread workers."""
    loads = [0.0] * cores
    for t in sorted(task_times, reverse=True):
        heapq.heapreplace(loads, loads[0] + t)
    return max(loads)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--activation", default="relu", choices=sorted(ETA))
    ap.add_argument("--realizations", type=int, default=10)
    ap.add_argument("--grid", type=int, default=25, help="k, d = 1..GRID (the paper: 25)")
    ap.add_argument("--steps", type=int, default=15000)
    ap.add_argument("--project-cores", type=int, default=16)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    cells = [(k, d) for k in range(1, args.grid + 1) for d in range(1, args.grid + 1)]
    problems = sphere_problems(args.n, cells, args.realizations, seed=derive_seed(0, "problems", args.n),
                               dtype=torch.float32, shared_inputs=True)
    kw = {"device": "cpu", "dtype": torch.float32}
    eta = ETA[args.activation]
    print(f"{len(problems)} networks, n = {args.n}, {args.activation}, {args.steps} steps, "
          f"{args.realizations} realization blocks", flush=True)

    t0 = time.perf_counter()
    serial = train_blocks(problems, args.activation, eta, args.steps, 2.5e-3, scheduler="serial", **kw)
    t_serial = time.perf_counter() - t0
    print(f"serial (1 thread): {t_serial:.1f} s", flush=True)

    from distributed import Client

    from overparam.book.cluster import local_cluster

    with local_cluster(workers=args.workers, threads=1) as cluster, Client(cluster):
        real = problems.info.realization.to_numpy()
        blocks = [np.flatnonzero(real == r) for r in np.unique(real)]
        jobs = [(problems.subset(idx), args.activation, eta, args.steps, 2.5e-3, kw) for idx in blocks]
        t0 = time.perf_counter()
        parts = parallel.map(_train_block, jobs, scheduler=cluster.scheduler_address, name="bench-fig2")
        t_dask = time.perf_counter() - t0
    hit = np.empty(len(problems), dtype=np.int64)
    for idx, part in zip(blocks, parts):
        hit[idx] = part.hit_step
    identical = bool((hit == serial.hit_step).all()) and all(
        torch.equal(part.W[j], serial.W[i]) for idx, part in zip(blocks, parts) for j, i in enumerate(idx))
    task_times = [p.wall_time for p in parts]
    proj = projected(task_times, args.project_cores)
    print(f"Dask, {args.workers} one-thread workers: {t_dask:.1f} s; ratio serial/Dask {t_serial / t_dask:.2f}; "
          f"identical first-success steps and weights: {identical}")
    print(f"per-task times: {', '.join(f'{t:.1f}' for t in task_times)} s; projected on {args.project_cores} "
          f"cores (one task per core, longest first): {proj:.1f} s (bounded below by the longest task; "
          f"{args.realizations} blocks cannot use more than {args.realizations} cores: split finer for more)")
    return {"serial": t_serial, "dask": t_dask, "ratio": t_serial / t_dask, "identical": identical,
            "projected": proj}


if __name__ == "__main__":
    main()
