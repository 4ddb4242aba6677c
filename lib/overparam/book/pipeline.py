"""The book's build pipeline: run the chapters that changed, report, render, clean.

This is what ``python -m overparam`` drives (``overparam.book.cli``). For each chapter NAME (source
``chapters/NAME.md``, a jupytext MyST notebook), ``run``

1. validates profile, device and chapter names, before any compute (``validate``);
2. hashes the source, the library source and the parameters, and skips the chapter when the hash
   matches the last good run's (``overparam.book.cache``);
3. executes it with papermill into a staging folder and swaps the outputs in only when it succeeded;
   a failure keeps the failed notebook beside the last good output, which is never touched
   (``overparam.book.execute``);
4. tries every other chapter before raising the first failure.

``build`` renders the executed notebooks with Jupyter Book, which never executes anything, so what the
tests read is exactly what the book shows. This module re-exports the names of ``cache`` and
``execute`` (``pipeline.Paths``, ``pipeline.ChapterFailed``, ...), so callers need only this one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache import (
    RUN_RECORD,
    Paths,
    PipelineError,
    cache_key,
    chapter_state,
    find_root,
    library_digest,
    list_chapters,
    read_run_record,
    toc_chapters,
)
from .execute import ANSI, ChapterFailed, run_chapter
from .params import validate_device, validate_profile

__all__ = [
    "ANSI",
    "RUN_RECORD",
    "ChapterFailed",
    "Paths",
    "PipelineError",
    "build",
    "cache_key",
    "chapter_state",
    "clean",
    "find_root",
    "list_chapters",
    "run",
    "run_chapter",
    "status_rows",
    "toc_chapters",
    "validate",
]

Echo = Callable[..., Any]


def verdict_summary(verdicts: list[str]) -> str:
    """"17 pass / 5 fail / 3 inconclusive" (the last part only when there are any).

    Parameters
    ----------
    verdicts : list of str
        The chapter's verdicts.

    Returns
    -------
    str
    """
    text = f"{verdicts.count('pass')} pass / {verdicts.count('fail')} fail"
    undecided = verdicts.count("inconclusive")
    return f"{text} / {undecided} inconclusive" if undecided else text


def validate(paths: Paths, profile: str, device: str, chapters: list[str] | None) -> list[str]:
    """Check every input of a run before any compute.

    Parameters
    ----------
    paths : Paths
        The book's folders.
    profile : str
        A size profile (``overparam.book.chapter.PROFILES``).
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; a CUDA device must be visible to torch.
    chapters : list of str or None
        The chapters asked for; None (or empty) for all of them.

    Returns
    -------
    list of str
        The chapters to consider, in book order.

    Raises
    ------
    PipelineError
        An unknown profile, device or chapter (the message lists the valid ones), a CUDA device that
        torch does not see, or no chapter sources at all.
    """
    try:
        validate_profile(profile)
        validate_device(device)
    except ValueError as e:
        raise PipelineError(str(e)) from None
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise PipelineError(f"device {device!r} was asked for but torch {torch.__version__} sees no CUDA "
                                "device; use --device cpu or --device auto")
    known = list_chapters(paths)
    if not known:
        raise PipelineError(f"no chapter sources found in {paths.chapters}")
    if chapters:
        unknown = [c for c in chapters if c not in known]
        if unknown:
            raise PipelineError(f"unknown chapter(s) {', '.join(unknown)}; valid: {', '.join(known)}")
        return [c for c in known if c in chapters]
    return known


def run(paths: Paths, *, profile: str = "quick", device: str = "auto", seed: int = 0,
        chapters: list[str] | None = None, force: bool = False, progress: bool = True,
        echo: Echo = print) -> list[dict[str, Any]]:
    """Run the chapters whose inputs changed since their last good run.

    Parameters
    ----------
    paths : Paths
        The book's folders.
    profile : str
        The size profile injected into every chapter.
    device : str
        The device injected into every chapter (``auto`` uses CUDA when torch sees it).
    seed : int
        The chapter seed injected into every chapter.
    chapters : list of str, optional
        Run only these (in book order); all by default.
    force : bool
        Re-run even the chapters whose cache is fresh.
    progress : bool
        Show progress bars and the library's warnings on this terminal (see ``run_chapter``).
    echo : callable
        Called with one line per chapter (cached, running, done, failed with its traceback).

    Returns
    -------
    list of dict
        The run record of every chapter that succeeded or was cached (the cached ones carry
        ``"cached": True``), in book order.

    Raises
    ------
    PipelineError
        Bad input (``validate``), before anything runs.
    ChapterFailed
        The first chapter that failed, raised after every other chapter was tried.
    """
    todo = validate(paths, profile, device, chapters)
    digest = library_digest(paths)
    paths.out.mkdir(parents=True, exist_ok=True)
    records, failures = [], []
    for i, ch in enumerate(todo, 1):
        key = cache_key(paths, ch, profile, device, seed, digest)
        rec = read_run_record(paths, ch)
        if not force and rec and rec.get("key") == key:
            echo(f"[{i}/{len(todo)}] {ch}: unchanged, cached ({rec['finished']}, {rec['wall_time_s']} s)")
            records.append({**rec, "cached": True})
            continue
        echo(f"[{i}/{len(todo)}] {ch}: running ({profile} profile, device {device}) ...")
        t0 = time.time()
        try:
            rec = run_chapter(paths, ch, profile=profile, device=device, seed=seed, progress=progress, key=key)
        except ChapterFailed as f:
            echo(f"[{i}/{len(todo)}] {ch}: FAILED after {time.time() - t0:.1f} s in cell {f.cell_index}\n"
                 f"{f.traceback}\n{f.ename}: {f.evalue}\n"
                 f"The failed notebook is kept at {f.failed_notebook}; the last good output is untouched.")
            failures.append(f)
            continue
        verdicts = list(rec["checks"].values())
        echo(f"[{i}/{len(todo)}] {ch}: done in {rec['wall_time_s']} s, "
             f"checks {verdict_summary(verdicts)}")
        records.append(rec)
    if failures:
        raise failures[0]
    return records


def status_rows(paths: Paths, profile: str = "quick", device: str = "auto",
                seed: int = 0) -> list[dict[str, Any]]:
    """One row per chapter for ``overparam list``: cache state, last run and its verdicts.

    Parameters
    ----------
    paths : Paths
        The book's folders.
    profile, device : str
        The parameters the cache state is judged against.
    seed : int
        The chapter seed the cache state is judged against.

    Returns
    -------
    list of dict
        In book order, each with ``chapter``, ``state`` (``chapter_state``), ``last run``, ``profile``,
        ``wall s`` and ``checks`` (pass and fail counts); ``"-"`` where the chapter never ran.
    """
    digest = library_digest(paths)
    rows = []
    for ch in list_chapters(paths):
        rec = read_run_record(paths, ch) or {}
        verdicts = list((rec.get("checks") or {}).values())
        rows.append({
            "chapter": ch,
            "state": chapter_state(paths, ch, profile, device, seed, digest),
            "last run": rec.get("finished", "-"),
            "profile": rec.get("profile", "-"),
            "wall s": rec.get("wall_time_s", "-"),
            "checks": verdict_summary(verdicts) if verdicts else "-",
        })
    return rows


def build(paths: Paths, strict: bool = True, echo: Echo = print) -> Path:
    """Render the executed notebooks into HTML with jupyter-book 1 (which never executes anything).

    Parameters
    ----------
    paths : Paths
        The book's folders.
    strict : bool
        Turn Sphinx warnings into errors (``-W -n --keep-going``).
    echo : callable
        Called with the line that says where the book is.

    Returns
    -------
    Path
        The built ``index.html``.

    Raises
    ------
    PipelineError
        A chapter of the table of contents was never executed, or jupyter-book failed.
    """
    missing = [c for c in toc_chapters(paths) if not (paths.out / f"{c}.ipynb").exists()]
    if missing:
        raise PipelineError(f"chapters not executed yet: {', '.join(missing)}; run `python -m overparam run` first")
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(paths.book), "--path-output", str(paths.root)]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    # The exit status is read below, to raise the pipeline's own error rather than CalledProcessError.
    proc = subprocess.run(cmd, cwd=paths.root, check=False)
    if proc.returncode != 0:
        raise PipelineError(f"jupyter-book build failed (exit {proc.returncode}); see the messages above")
    index = paths.html / "index.html"
    echo(f"The book is built: open file://{index}")
    return index


def clean(paths: Paths, echo: Echo = print) -> None:
    """Remove the executed chapters (``book/chapters/``) and the built HTML (``_build/``).

    Parameters
    ----------
    paths : Paths
        The book's folders.
    echo : callable
        Called with one line per folder removed.
    """
    for p in (paths.out, paths.root / "_build"):
        if p.exists():
            shutil.rmtree(p)
            echo(f"removed {p}")
