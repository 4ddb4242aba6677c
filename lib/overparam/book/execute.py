"""Executing one chapter: papermill in a staging folder, then an atomic swap over the last good output.

``run_chapter`` runs a chapter source ``chapters/NAME.md`` (a jupytext MyST notebook) with papermill,
injecting ``profile``, ``device``, ``seed`` and ``out_dir``, into a staging folder under
``book/chapters/.staging/``. On success it tidies the notebook (hides the injected cell, drops
papermill's timing metadata, so an unchanged chapter gives an unchanged notebook), writes the run record
and moves notebook and outputs over the last good ones. On failure it keeps the failed notebook as
``book/chapters/NAME.failed.ipynb`` and raises ``ChapterFailed`` with the cell and the traceback: the
last good output is never touched, so the book always shows a complete run.

While the kernel runs, the library's progress bars and warnings are written to a file (see
``overparam.runtime.progress``) that a thread copies to this terminal: the kernel's own stderr would put
them on the page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from ..runtime.progress import ENV as PROGRESS_ENV
from .cache import RUN_RECORD, Paths, cache_key
from .results import atomic_write_text

__all__ = ["ANSI", "ChapterFailed", "run_chapter"]

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


def run_chapter(paths: Paths, chapter: str, *, profile: str, device: str, seed: int,
                progress: bool = True, key: str | None = None) -> dict[str, Any]:
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

    Returns
    -------
    dict
        The run record written beside the outputs: ``chapter``, ``key``, ``profile``, ``device``,
        ``seed``, ``finished``, ``wall_time_s`` and ``checks`` (verdict per check key).

    Raises
    ------
    ChapterFailed
        A cell raised; the failed notebook is kept and the last good output is untouched.
    KeyboardInterrupt
        Interrupted: the staging folder is removed and the last good output is untouched (so is any
        other exception that ends the kernel).
    """
    import jupytext
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    src = paths.chapters / f"{chapter}.md"
    staging = paths.out / ".staging" / f"{chapter}-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staged_dir = staging / chapter
    staged_dir.mkdir(parents=True)
    staged_nb = staging / f"{chapter}.ipynb"
    failed_nb = paths.out / f"{chapter}.failed.ipynb"
    key = key or cache_key(paths, chapter, profile, device, seed)

    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    t0 = time.time()
    # Figures reach the book as the notebook's image outputs: the kernel must use the inline backend
    # even when the caller's environment says otherwise (MPLBACKEND=Agg in a headless CI, say).
    saved_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # The library's progress bars and warnings go to a file that a thread copies to this terminal
    # (``overparam.runtime.progress``), never to the kernel's stderr, which would put them on the page.
    saved_progress = os.environ.get(PROGRESS_ENV)
    progress_log = staging / "progress.log"
    progress_log.touch()
    os.environ[PROGRESS_ENV] = str(progress_log) if progress else "off"
    tail = _Tail(progress_log, sys.stderr) if progress else None
    try:
        papermill.execute_notebook(
            nb,
            str(staged_nb),
            parameters={"profile": profile, "device": device, "seed": seed, "out_dir": str(staged_dir)},
            kernel_name="python3",
            cwd=str(paths.chapters),
            progress_bar=progress,
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as err:
        if staged_nb.exists():
            os.replace(staged_nb, failed_nb)
        shutil.rmtree(staging, ignore_errors=True)
        tb = ANSI.sub("", "\n".join(err.traceback))
        raise ChapterFailed(chapter, err.cell_index, err.ename, err.evalue, tb,
                            failed_nb if failed_nb.exists() else None) from None
    except BaseException:
        # Interrupted (Ctrl-C) or the kernel died: keep the last good output, drop the staging folder.
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if tail is not None:
            tail.stop()
        for name, saved in (("MPLBACKEND", saved_backend), (PROGRESS_ENV, saved_progress)):
            if saved is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = saved
    wall = time.time() - t0

    executed = nbformat.read(staged_nb, as_version=4)
    _tidy(executed)
    nbformat.write(executed, staged_nb)
    results = staged_dir / "results.json"
    checks = json.loads(results.read_text()).get("checks", {}) if results.exists() else {}
    record = {
        "chapter": chapter,
        "key": key,
        "profile": profile,
        "device": device,
        "seed": seed,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "wall_time_s": round(wall, 1),
        "checks": {k: c.get("verdict") for k, c in checks.items()},
    }
    atomic_write_text(staged_dir / RUN_RECORD, json.dumps(record, indent=2) + "\n")
    _swap_in(staged_dir, staged_nb, paths.out / chapter, paths.out / f"{chapter}.ipynb")
    failed_nb.unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    return record
