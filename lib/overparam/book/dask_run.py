"""Chapters as Dask tasks: one papermill run per task, the outputs swapped in by the client.

``run_chapters`` submits one task per chapter (``chapter_task``) to the cluster of
``overparam.book.cluster.connect``. On its worker a task

1. asks for the worker resource ``chapter=1`` (one chapter per worker at a time) and then secedes from
   the worker's thread pool, so the sweep tasks its kernel sends (``overparam.runtime.parallel.map``)
   can run on that worker's thread: one worker cannot deadlock on a chapter that waits on its own sweep;
2. executes the chapter with ``execute.execute_staged`` into a staging folder of its own, with the
   kernel's thread counts set to the worker's thread share (Dask sets OMP/MKL/OpenBLAS threads to 1 in
   workers, and the kernel would inherit that), ``$OVERPARAM_SCHEDULER`` set to the cluster, and, on a
   ``dask_cuda`` worker, the chapter's ``device`` as asked (each such worker sees only its own GPU);
3. returns the staged files as bytes (CPU data only, never a CUDA tensor) with the run record, or the
   failure with its failed notebook.

The client writes what comes back into its own staging folder and swaps it in with
``execute.install_staged``, exactly as the serial pipeline does; a failure keeps the failed notebook
beside the last good output. The worker reads the chapter sources and the library from the same
repository root as the client: a local cluster shares the disk; on SLURM the checkout must be on the
shared file system. A worker that dies mid-task is replaced and its task retried once (Dask's
``retries``); when it dies again the chapter fails with that message, and nothing is swapped in.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache import Paths
from .execute import (
    ChapterFailed,
    execute_staged,
    install_staged,
    keep_failed,
    mark_interrupted,
    staging_dir,
)

__all__ = ["chapter_task", "pack", "run_chapters", "unpack"]

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
"""Thread counts a kernel inherits; set from the worker's share."""


def pack(staging: Path) -> dict[str, bytes]:
    """The staged outputs (``NAME.ipynb``, ``NAME/...``) as relative path -> bytes; the progress log and
    the owner file stay behind.

    Parameters
    ----------
    staging : Path

    Returns
    -------
    dict
    """
    return {str(f.relative_to(staging)): f.read_bytes() for f in sorted(staging.rglob("*"))
            if f.is_file() and (f.parent != staging or f.suffix == ".ipynb")}


def unpack(files: dict[str, bytes], staging: Path) -> None:
    """Write ``pack``'s files under ``staging``, refusing any path that leaves it.

    Parameters
    ----------
    files : dict
    staging : Path

    Raises
    ------
    ValueError
        An absolute path or one that climbs out of ``staging``.
    """
    root = staging.resolve()
    for rel, data in files.items():
        target = (staging / rel).resolve()
        if Path(rel).is_absolute() or root not in target.parents:
            raise ValueError(f"refusing to write {rel!r} outside the staging folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def chapter_task(root: str, chapter: str, params: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run one chapter on a Dask worker; what the client needs to swap it in.

    Parameters
    ----------
    root : str
        The repository root (as the client sees it).
    chapter : str
    params : dict
        ``profile``, ``device``, ``seed``, ``key``, ``overrides``, ``extra`` (as ``execute.execute_staged``).
    env : dict
        Environment for the kernel (the scheduler's address, TLS files).

    Returns
    -------
    dict
        ``{"ok": True, "record": ..., "files": {path: bytes}, "worker": address, "threads": n}`` (and
        ``cuda_visible_devices`` on a GPU worker, also in the record) or
        ``{"ok": False, "cell_index", "ename", "evalue", "traceback", "failed": bytes or None, ...}``.
    """
    from distributed import get_worker, secede

    worker = get_worker()
    threads = max(1, int(worker.state.nthreads))
    secede()  # free this worker's thread for the sweep tasks the chapter sends; the resource stays held
    paths = Paths(Path(root))
    staging = staging_dir(paths, chapter, tag="w")
    # The kernel gets the worker's thread share, and not the nanny's MALLOC_TRIM_THRESHOLD_ (cluster.NO_MALLOC_TRIM).
    kernel_env = {**env, **{k: str(threads) for k in THREAD_ENV}, "MALLOC_TRIM_THRESHOLD_": None}
    out: dict[str, Any] = {"worker": worker.address, "threads": threads}
    if os.environ.get("CUDA_VISIBLE_DEVICES"):  # a dask-cuda worker: its GPU is the kernel's "cuda"
        out["cuda_visible_devices"] = os.environ["CUDA_VISIBLE_DEVICES"]
    params = {**params, "extra": {**(params.get("extra") or {}), **out}}
    try:
        record = execute_staged(paths, chapter, staging, progress=False, env=kernel_env, **params)
        return {**out, "ok": True, "record": record, "files": pack(staging)}
    except ChapterFailed as f:
        nb = staging / f"{chapter}.failed.ipynb"
        return {**out, "ok": False, "cell_index": f.cell_index, "ename": f.ename, "evalue": f.evalue,
                "traceback": f.traceback, "failed": nb.read_bytes() if nb.exists() else None}
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _settle(paths: Paths, chapter: str, result: dict[str, Any]) -> dict[str, Any]:
    """Swap a successful task's outputs in (or keep a failed notebook) on the client's disk."""
    staging = staging_dir(paths, chapter)
    if not result["ok"]:
        if result.get("failed") is not None:
            (staging / f"{chapter}.failed.ipynb").write_bytes(result["failed"])
        raise keep_failed(paths, chapter, ChapterFailed(chapter, result["cell_index"], result["ename"],
                                                         result["evalue"], result["traceback"], None), staging)
    try:
        unpack(result["files"], staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    install_staged(paths, chapter, staging)
    return result["record"]


def run_chapters(paths: Paths, client: Any, jobs: list[dict[str, Any]], env: dict[str, str],
                 on_done: Callable[[str, dict[str, Any] | None, ChapterFailed | None, float], None],
                 retries: int = 1) -> None:
    """Submit every chapter of ``jobs`` as a task and settle each as it finishes.

    Parameters
    ----------
    paths : Paths
    client : distributed.Client
    jobs : list of dict
        Each with ``chapter`` and the ``execute_staged`` parameters ``profile``, ``device``, ``seed``,
        ``key``, ``overrides``, ``extra``; ``last_wall_s`` (the last run's wall time, if any) orders them,
        longest first.
    env : dict
        Environment for the kernels (``cluster.kernel_env``).
    on_done : callable
        ``on_done(chapter, record, failure, seconds)`` per chapter, in the order they finish.
    retries : int
        Times a task is re-run when its worker dies.

    Raises
    ------
    KeyboardInterrupt
        Interrupted (Ctrl-C, SIGTERM): the tasks are cancelled, every chapter still running is marked
        interrupted, and no output is swapped in half-way.
    """
    from distributed import as_completed

    t0 = time.time()
    futures = {}
    # The longest chapter first (its last wall time): the run ends when the last chapter does. Submitted
    # in that order too, since a task is placed on a free worker as soon as it is submitted.
    for job in sorted(jobs, key=lambda j: -(j.get("last_wall_s") or 0)):
        ch = job["chapter"]
        params = {k: job[k] for k in ("profile", "device", "seed", "key", "overrides", "extra")}
        fut = client.submit(chapter_task, str(paths.root), ch, params, env, key=f"chapter-{ch}-{os.getpid()}",
                            resources={"chapter": 1}, pure=False, retries=retries,
                            priority=int(job.get("last_wall_s") or 0))
        futures[fut] = ch
    pending = set(futures.values())
    try:
        for fut in as_completed(list(futures)):
            ch = futures[fut]
            try:
                result = fut.result()
            except Exception as e:  # noqa: BLE001 - a task error (worker lost twice) fails only its chapter
                failure = ChapterFailed(ch, None, type(e).__name__, str(e), "", None)
                pending.discard(ch)
                on_done(ch, None, failure, time.time() - t0)
                continue
            try:
                record = _settle(paths, ch, result)
            except ChapterFailed as f:
                pending.discard(ch)
                on_done(ch, None, f, time.time() - t0)
                continue
            pending.discard(ch)
            on_done(ch, record, None, time.time() - t0)
    except BaseException as e:
        client.cancel(list(futures))
        for ch in pending:
            mark_interrupted(paths, ch, str(e) or type(e).__name__)
        raise
