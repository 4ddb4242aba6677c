"""Executing one chapter: papermill in a staging folder, then an atomic swap over the last good output.

``run_chapter`` runs a chapter source ``chapters/NAME.md`` (a jupytext MyST notebook) with papermill,
injecting ``profile``, ``device``, ``seed`` and ``out_dir``, into a staging folder under
``book/chapters/.staging/``. On success it tidies the notebook (hides the injected cell, drops
papermill's timing metadata, so an unchanged chapter gives an unchanged notebook), writes the run record
and moves notebook and outputs over the last good ones. On failure it keeps the failed notebook as
``book/chapters/NAME.failed.ipynb`` and raises ``ChapterFailed`` with the cell and the traceback: the
last good output is never touched, so the book always shows a complete run. Interrupted (Ctrl-C, or
SIGTERM, which the pipeline turns into the same exception), it removes the staging folder, leaves the
last good output as it was and leaves a marker (``cache.interrupted_marker``) that ``list`` reports.

The same steps serve a chapter run as a Dask task (``overparam.book.dask_run``): ``execute_staged`` runs
on the worker, the staged files travel back to the client as bytes, and the client swaps them in with
``install_staged``, exactly as a serial run does.

While the kernel runs, the library's progress bars and warnings are written to a file (see
``overparam.runtime.progress``) that a thread copies to this terminal: the kernel's own stderr would put
them on the page.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from ..runtime.progress import ENV as PROGRESS_ENV
from .cache import RUN_RECORD, STAGING_OWNER, Paths, cache_key, interrupted_marker
from .params import SET_ENV
from .results import atomic_write_text

__all__ = ["ANSI", "ChapterFailed", "execute_staged", "install_staged", "keep_failed", "mark_interrupted",
           "run_chapter", "sigterm_as_interrupt", "staging_dir"]

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
"""ANSI escape sequences (colours in IPython tracebacks), stripped from the traceback a failure reports."""


class ChapterFailed(RuntimeError):
    """A chapter raised while it was executed; its last good output is untouched.

    Parameters
    ----------
    chapter : str
        The chapter's name.
    cell_index : int or None
        The index of the failing cell in the executed notebook; None when it failed before any cell.
    ename, evalue : str
        The exception's class name and message.
    traceback : str
        The traceback as the kernel printed it, without colour codes.
    failed_notebook : Path or None
        Where the partly executed notebook was kept (``book/chapters/NAME.failed.ipynb``).
    """

    def __init__(self, chapter: str, cell_index: int | None, ename: str, evalue: str, traceback: str,
                 failed_notebook: Path | None) -> None:
        self.chapter, self.cell_index, self.ename, self.evalue = chapter, cell_index, ename, evalue
        self.traceback, self.failed_notebook = traceback, failed_notebook
        where = f"cell {cell_index}" if cell_index is not None else "setup"
        super().__init__(f"chapter {chapter!r} failed in {where}: {ename}: {evalue}")


def _tidy(nb: Any) -> None:
    """Hide papermill's injected cell from the book and drop run-time metadata (timings, durations),
    so an unchanged chapter gives an unchanged notebook."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
        if cell.cell_type == "code":
            cell.execution_count = None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = None


class _Tail:
    """Copy what the kernel appends to ``path`` onto ``out`` (this terminal) until ``stop``."""

    def __init__(self, path: Path, out: TextIO) -> None:
        self.path, self.out = path, out
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with open(self.path, errors="replace") as f:
            while True:
                chunk = f.read()
                if chunk:
                    self.out.write(chunk)
                    self.out.flush()
                elif self._stop.is_set():
                    return
                else:
                    time.sleep(0.2)

    def stop(self) -> None:
        """Copy what is left, then end the thread (waiting at most five seconds).

        Returns
        -------
        None
        """
        self._stop.set()
        self._thread.join(timeout=5)


def _swap_in(staged_dir: Path, staged_nb: Path, final_dir: Path, final_nb: Path) -> None:
    """Move a finished run over the last good one; the old output is removed only after the new one is
    in place, so an interruption leaves either the old or the new output, never a mix of half of each."""
    old = final_dir.with_name(f".old-{final_dir.name}-{os.getpid()}")
    if final_dir.exists():
        final_dir.rename(old)
    staged_dir.rename(final_dir)
    os.replace(staged_nb, final_nb)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt("SIGTERM")`` as Ctrl-C does, so a killed run
    removes its staging folder and leaves the last good outputs (main thread only; elsewhere a no-op).

    Yields
    ------
    None
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    old = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def _environ(updates: dict[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) environment variables for the kernel, and restore them after."""
    saved = {k: os.environ.get(k) for k in updates}
    try:
        for k, v in updates.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def staging_dir(paths: Paths, chapter: str, tag: str = "") -> Path:
    """A fresh staging folder ``book/chapters/.staging/NAME-[TAG]PID`` (removed first if it exists),
    with the host and process that own it in ``STAGING_OWNER`` (``cache.remove_orphan_staging``).

    Parameters
    ----------
    paths : Paths
    chapter : str
    tag : str
        ``w`` on a Dask worker, so a worker and its client on one machine never share a folder.

    Returns
    -------
    Path
    """
    staging = paths.out / ".staging" / f"{chapter}-{tag}{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    (staging / chapter).mkdir(parents=True)
    (staging / STAGING_OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n")
    return staging


def execute_staged(paths: Paths, chapter: str, staging: Path, *, profile: str, device: str, seed: int,
                   progress: bool = True, key: str | None = None, overrides: dict[str, Any] | None = None,
                   env: dict[str, str | None] | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute a chapter into ``staging`` (``NAME.ipynb`` and ``NAME/``), tidy it and write its record.

    Parameters
    ----------
    paths : Paths
    chapter : str
    staging : Path
        From ``staging_dir``.
    profile, device, seed, progress, key, overrides
        As ``run_chapter``.
    env : dict, optional
        More environment variables for the kernel (the scheduler's address, thread counts); None removes one.
    extra : dict, optional
        More fields for the run record (the pipeline's provenance: commit, clean tree, command).

    Returns
    -------
    dict
        The run record (also written to ``staging/NAME/_run.json``).

    Raises
    ------
    ChapterFailed
        A cell raised; the partly executed notebook is at ``staging/NAME.failed.ipynb``.
    """
    import jupytext
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    staged_dir, staged_nb = staging / chapter, staging / f"{chapter}.ipynb"
    overrides = dict(overrides or {})
    key = key or cache_key(paths, chapter, profile, device, seed, overrides=overrides)
    nb = jupytext.read(paths.chapters / f"{chapter}.md")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    progress_log = staging / "progress.log"
    progress_log.touch()
    # Figures reach the book as the notebook's image outputs: the kernel must use the inline backend
    # even when the caller's environment says otherwise (MPLBACKEND=Agg in a headless CI, say). The
    # library's progress bars and warnings go to a file that a thread copies to this terminal
    # (``overparam.runtime.progress``), never to the kernel's stderr, which would put them on the page.
    kernel_env: dict[str, str | None] = {
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        PROGRESS_ENV: str(progress_log) if progress else "off",
        SET_ENV: json.dumps(overrides) if overrides else None,
        **(env or {}),
    }
    tail = _Tail(progress_log, sys.stderr) if progress else None
    t0 = time.time()
    try:
        with _environ(kernel_env):
            papermill.execute_notebook(
                nb, str(staged_nb),
                parameters={"profile": profile, "device": device, "seed": seed, "out_dir": str(staged_dir)},
                kernel_name="python3", cwd=str(paths.chapters), progress_bar=progress,
                request_save_on_cell_execute=False,
            )
    except PapermillExecutionError as err:
        failed = staging / f"{chapter}.failed.ipynb"
        if staged_nb.exists():
            os.replace(staged_nb, failed)
        tb = ANSI.sub("", "\n".join(err.traceback))
        raise ChapterFailed(chapter, err.cell_index, err.ename, err.evalue, tb,
                            failed if failed.exists() else None) from None
    finally:
        if tail is not None:
            tail.stop()
    wall = time.time() - t0
    executed = nbformat.read(staged_nb, as_version=4)
    _tidy(executed)
    nbformat.write(executed, staged_nb)
    results = staged_dir / "results.json"
    checks = json.loads(results.read_text()).get("checks", {}) if results.exists() else {}
    record = {
        "chapter": chapter, "key": key, "profile": profile, "device": device, "seed": seed,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "wall_time_s": round(wall, 1),
        "checks": {k: c.get("verdict") for k, c in checks.items()},
    }
    if overrides:
        record["overrides"] = overrides
    record.update(extra or {})
    atomic_write_text(staged_dir / RUN_RECORD, json.dumps(record, indent=2) + "\n")
    return record


def install_staged(paths: Paths, chapter: str, staging: Path) -> None:
    """Swap a staged run in over the last good output; clear the failure and interruption marks.

    Parameters
    ----------
    paths : Paths
    chapter : str
    staging : Path
    """
    _swap_in(staging / chapter, staging / f"{chapter}.ipynb", paths.out / chapter, paths.out / f"{chapter}.ipynb")
    (paths.out / f"{chapter}.failed.ipynb").unlink(missing_ok=True)
    interrupted_marker(paths, chapter).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def keep_failed(paths: Paths, chapter: str, failure: ChapterFailed, staging: Path) -> ChapterFailed:
    """Move a failed run's notebook beside the last good output and drop the staging folder.

    Parameters
    ----------
    paths : Paths
    chapter : str
    failure : ChapterFailed
    staging : Path

    Returns
    -------
    ChapterFailed
        ``failure`` with ``failed_notebook`` at ``book/chapters/NAME.failed.ipynb`` (None when none).
    """
    final = paths.out / f"{chapter}.failed.ipynb"
    src = staging / f"{chapter}.failed.ipynb"
    if src.exists():
        os.replace(src, final)
    shutil.rmtree(staging, ignore_errors=True)
    interrupted_marker(paths, chapter).unlink(missing_ok=True)
    failure.failed_notebook = final if final.exists() else None
    return failure


def mark_interrupted(paths: Paths, chapter: str, why: str) -> None:
    """Leave the mark ``list`` reports: the last try of ``chapter`` was interrupted.

    Parameters
    ----------
    paths : Paths
    chapter : str
    why : str
        E.g. ``"SIGTERM"`` or ``"KeyboardInterrupt"``.
    """
    marker = interrupted_marker(paths, chapter)
    marker.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(marker, json.dumps({"chapter": chapter, "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                                          "why": why}) + "\n")


def run_chapter(paths: Paths, chapter: str, *, profile: str, device: str, seed: int,
                progress: bool = True, key: str | None = None, overrides: dict[str, Any] | None = None,
                env: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute one chapter (no cache check) and swap its outputs in.

    Parameters
    ----------
    paths : Paths
        The book's folders.
    chapter : str
        The chapter's name (source ``chapters/NAME.md``).
    profile, device : str
        Injected into the chapter's ``parameters`` cell (validated by the caller, ``pipeline.validate``).
    seed : int
        The chapter seed, injected likewise.
    progress : bool
        Show papermill's per-cell bar and copy the library's progress bars and warnings to this
        terminal (stderr); False silences both.
    key : str, optional
        The chapter's ``cache_key``, when the caller has it already (it is computed otherwise).
    overrides : dict, optional
        Size overrides (``--set``), validated by the caller; passed to the kernel in ``$OVERPARAM_SET``.
    env : dict, optional
        More environment variables for the kernel.
    extra : dict, optional
        More fields for the run record.

    Returns
    -------
    dict
        The run record written beside the outputs: ``chapter``, ``key``, ``profile``, ``device``,
        ``seed``, ``finished``, ``wall_time_s``, ``checks`` (verdict per check key) and, when given,
        ``overrides``.

    Raises
    ------
    ChapterFailed
        A cell raised; the failed notebook is kept and the last good output is untouched.
    KeyboardInterrupt
        Interrupted (Ctrl-C or SIGTERM): the staging folder is removed, the last good output is
        untouched and the interruption is marked for ``list`` (so is any other exception that ends the
        kernel).
    """
    staging = staging_dir(paths, chapter)
    try:
        record = execute_staged(paths, chapter, staging, profile=profile, device=device, seed=seed,
                                progress=progress, key=key, overrides=overrides, env=env, extra=extra)
    except ChapterFailed as f:
        raise keep_failed(paths, chapter, f, staging) from None
    except BaseException as e:
        # Interrupted (Ctrl-C, SIGTERM) or the kernel died: keep the last good output, drop the staging folder.
        shutil.rmtree(staging, ignore_errors=True)
        mark_interrupted(paths, chapter, str(e) or type(e).__name__)
        raise
    install_staged(paths, chapter, staging)
    return record
