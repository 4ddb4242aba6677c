"""The sweep map: serial by default, one Dask task per chunk on a cluster, the same numbers either way."""

import math
import sys

import numpy as np
import pytest
import torch

from overparam.runtime import derive_seed, parallel

pytest.importorskip("distributed")


def noisy_fit(item):
    """A seeded piece of work: gradient descent for least squares on data drawn from the item's own seed."""
    seed, n = item
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g, dtype=torch.float64)
    y = X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) + 0.1 * torch.randn(n, generator=g, dtype=torch.float64)
    w = torch.zeros(3, dtype=torch.float64)
    for _ in range(50):
        w = w - 0.5 / n * X.T @ (X @ w - y)
    return {"coef": w, "n": n}


def env_of(name):
    import os

    return os.environ.get(name)


def sweep_inside_a_task(xs):
    """A task that waits on a sweep of its own (what a chapter run as a task does)."""
    return sum(parallel.map(math.sqrt, xs))


@pytest.fixture(scope="module")
def one_worker():
    """One worker with one thread: the case where a task waiting on its own sweep could deadlock."""
    from distributed import Client

    from overparam.book.cluster import local_cluster

    cluster = local_cluster(workers=1, threads=1)
    client = Client(cluster)
    yield cluster
    client.close()
    cluster.close()


def test_serial_is_the_plain_loop(monkeypatch):
    monkeypatch.delenv(parallel.SCHEDULER_ENV, raising=False)
    assert parallel.scheduler_address() is None and parallel.scheduler_address("serial") is None
    assert parallel.map(math.sqrt, [1.0, 4.0, 9.0]) == [1.0, 2.0, 3.0]
    assert "distributed" not in sys.modules or parallel.scheduler_address() is None
    monkeypatch.setenv(parallel.SCHEDULER_ENV, "tcp://127.0.0.1:1")
    assert parallel.scheduler_address() == "tcp://127.0.0.1:1"
    assert parallel.scheduler_address("serial") is None


def test_chunk_seeds_are_named_streams():
    keys = [("relu", 100, r) for r in range(3)] + ["extra", 7]
    seeds = parallel.chunk_seeds(11, "figure2", keys)
    assert seeds[0] == derive_seed(11, "figure2", "relu", 100, 0) and seeds[-1] == derive_seed(11, "figure2", 7)
    assert len(set(seeds)) == len(seeds)
    assert parallel.chunk_seeds(11, "figure2", keys[::-1]) == seeds[::-1]  # a chunk's seed is its own


def test_to_cpu_walks_containers():
    from dataclasses import dataclass

    @dataclass
    class Rec:
        w: torch.Tensor
        tag: str

    obj = {"a": [torch.ones(2), (torch.zeros(1), 3)], "r": Rec(torch.ones(1), "x"), "s": "keep"}
    out = parallel.to_cpu(obj)
    assert torch.equal(out["a"][0], torch.ones(2)) and isinstance(out["a"][1], tuple)
    assert out["r"].tag == "x" and out["s"] == "keep"


def test_tls_env_needs_all_three_files(monkeypatch):
    for name in parallel.TLS_ENV.values():
        monkeypatch.delenv(name, raising=False)
    assert parallel.security_from_env() is None
    monkeypatch.setenv(parallel.TLS_ENV["ca"], "/tmp/ca.pem")
    with pytest.raises(ValueError, match="TLS needs all of"):
        parallel.security_from_env()


def test_local_cluster_is_loopback_without_dashboard(one_worker):
    import urllib.error
    import urllib.request

    info = one_worker.scheduler_info
    addresses = [one_worker.scheduler_address, *info["workers"]]
    addresses += [w["nanny"] for w in info["workers"].values()]
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
    assert all(w["resources"] == {"chapter": 1} for w in info["workers"].values())
    http = one_worker.scheduler.http_server
    hosts = {sock.getsockname()[0] for sock in http._sockets.values()}
    assert hosts == {"127.0.0.1"}, hosts
    port = next(iter(http._sockets.values())).getsockname()[1]
    with pytest.raises(urllib.error.HTTPError) as info404:  # no dashboard pages
        urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=10)
    assert info404.value.code == 404


def test_distributed_map_equals_serial(one_worker):
    items = list(zip(parallel.chunk_seeds(3, "fit", range(5)), [20, 30, 40, 50, 60]))
    serial = parallel.map(noisy_fit, items, scheduler="serial")
    sharded = parallel.map(noisy_fit, items, scheduler=one_worker.scheduler_address)
    assert [s["n"] for s in sharded] == [20, 30, 40, 50, 60]
    assert all(torch.equal(a["coef"], b["coef"]) for a, b in zip(serial, sharded))


def test_a_task_waiting_on_its_own_sweep_cannot_deadlock_one_worker(one_worker):
    # One worker thread: the outer task holds it while it waits on its sweep; parallel.map inside a task
    # secedes (worker_client), so the sweep's tasks get the thread.
    got = parallel.map(sweep_inside_a_task, [[1.0, 4.0], [9.0, 16.0, 25.0]], scheduler=one_worker.scheduler_address)
    assert got == [3.0, 12.0]


def test_a_task_error_is_raised_here(one_worker):
    with pytest.raises(ValueError, match="math domain error"):
        parallel.map(math.sqrt, [4.0, -1.0], scheduler=one_worker.scheduler_address, retries=0)


def test_figure2_blocks_serial_distributed_and_unsharded_agree(one_worker):
    from overparam.experiments.oymak2020._train import train_networks
    from overparam.experiments.oymak2020.figure2 import train_blocks
    from overparam.train import sphere_problems

    cells = [(k, d) for k in (2, 6, 12) for d in (2, 6)]
    problems = sphere_problems(30, cells, 3, seed=derive_seed(0, "problems", 30), dtype=torch.float32,
                               shared_inputs=True)
    kw = {"device": "cpu", "dtype": torch.float32}
    whole = train_networks(problems, "relu", 0.1, 400, tol=2.5e-3, **kw)
    serial = train_blocks(problems, "relu", 0.1, 400, 2.5e-3, scheduler="serial", **kw)
    sharded = train_blocks(problems, "relu", 0.1, 400, 2.5e-3, scheduler=one_worker.scheduler_address, **kw)
    for res in (serial, sharded):
        assert res.table().equals(whole.table())
        assert all(torch.equal(a, b) for a, b in zip(res.W, whole.W))
        np.testing.assert_array_equal(res.final_rel, whole.final_rel)


def test_figure2_in_one_map_equals_one_panel_at_a_time(one_worker, monkeypatch):
    import importlib

    f2 = importlib.import_module("overparam.experiments.oymak2020.figure2")  # the module, not its function
    kw = {"seed": 5, "device": "cpu", "n_boot": 20}
    monkeypatch.setenv(parallel.SCHEDULER_ENV, one_worker.scheduler_address)  # as the pipeline sets it
    runs = f2.figure2([20, 24], [2, 5], 2, 300, 2.5e-3, **kw)
    monkeypatch.delenv(parallel.SCHEDULER_ENV)
    for (n, act), run in runs.items():
        problems = f2.sphere_problems(n, [(k, d) for k in (2, 5) for d in (2, 5)], 2,
                                      seed=derive_seed(5, "problems", n), dtype=torch.float32, shared_inputs=True)
        trained = f2.train_networks(problems, act, f2.ETA[act], 300, tol=2.5e-3, device="cpu", dtype=torch.float32)
        alone = f2.phase_run(problems, act, f2.ETA[act], 300, 2.5e-3, seed=derive_seed(5, "bootstrap", n, act),
                             n_boot=20, trained=trained)
        assert run.table.equals(alone.table)
        np.testing.assert_equal(vars(run.fit), vars(alone.fit))  # NaN-aware: a tiny grid leaves some unfitted


def test_workers_keep_glibc_malloc_defaults(one_worker):
    # Dask's nanny would set MALLOC_TRIM_THRESHOLD_, which freezes glibc's mmap threshold: the trainers'
    # short-lived tensors then cost a page fault each (Figure 2's blocks ran 2.5-4x slower).
    got = parallel.map(env_of, ["MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS"], scheduler=one_worker.scheduler_address)
    assert got == [None, "1"]
