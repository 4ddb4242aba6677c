"""The book's build pipeline: run the chapters that changed, report, render, clean.

This is what ``python -m overparam`` drives (``overparam.book.cli``). For each chapter NAME (source
``chapters/NAME.md``, a jupytext MyST notebook), ``run``

1. validates profile, device and chapter names, and the size overrides (``--set``) against each
   chapter's size table, before any compute (``validate``);
2. hashes the source, the library source, the parameters and the overrides, and skips the chapter when
   the hash matches the last good run's (``overparam.book.cache``);
3. executes it with papermill into a staging folder and swaps the outputs in only when it succeeded;
   a failure keeps the failed notebook beside the last good output, which is never touched
   (``overparam.book.execute``); Ctrl-C and SIGTERM alike remove the staging folder, leave the last
   good output untouched and mark the chapter ``interrupted`` for ``list``;
4. tries every other chapter before raising the first failure.

Serially by default; with a ``cluster.ClusterSpec`` the chapters run as Dask tasks, concurrently, and
the client swaps each one's outputs in the same way (``overparam.book.dask_run``); the cache is the
same in both modes.

The run record (``book/chapters/NAME/_run.json``, the pipeline's per-chapter record that the generated
reproducibility page reads) is one JSON object: ``chapter``, ``key`` (the cache key), ``profile``,
``device`` (as asked), ``seed``, ``finished`` (local time, ``YYYY-MM-DD HH:MM:SS``), ``wall_time_s``,
``checks`` (check key -> verdict), ``overrides`` (only when ``--set`` was given), ``commit`` (git HEAD,
or null outside git), ``tree_clean`` (no uncommitted change to tracked files when the run started, or
null), ``command`` (the command that reproduces this chapter), ``mode`` (``serial`` or ``dask``) and,
under Dask, ``worker`` (its address), ``threads`` (its thread share) and, on a dask-cuda worker,
``cuda_visible_devices`` (its GPU). ``results.json``'s ``meta``
adds the resolved device, threads and versions.

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
    remove_orphan_staging,
    toc_chapters,
)
from .execute import ANSI, ChapterFailed, run_chapter, sigterm_as_interrupt
from .params import check_overrides, size_table_of, validate_device, validate_profile
from .provenance import command_for, provenance

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


def validate(paths: Paths, profile: str, device: str, chapters: list[str] | None,
             overrides: dict[str, Any] | None = None, local_device: bool = True) -> list[str]:
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
    overrides : dict, optional
        Size overrides (``params.parse_set``), checked against every chosen chapter's size table as
        its source states it (``params.size_table_of``); a chapter whose table cannot be read without
        running it checks them itself when its ``Chapter`` is built.
    local_device : bool
        Whether the chapters run on this machine, so a CUDA device must be visible here (False for a
        SLURM cluster or an existing scheduler, whose workers have the GPUs).

    Returns
    -------
    list of str
        The chapters to consider, in book order.

    Raises
    ------
    PipelineError
        An unknown profile, device, chapter or size name, or a size value of the wrong kind (the
        message lists the valid ones), a CUDA device that torch does not see, or no chapter sources.
    """
    try:
        validate_profile(profile)
        validate_device(device)
    except ValueError as e:
        raise PipelineError(str(e)) from None
    todo = _chosen(paths, chapters)
    for ch in todo if overrides else []:
        table = size_table_of(paths.chapters / f"{ch}.md", paths.lib)
        if table is None:
            continue
        try:
            check_overrides(table, overrides, ch)
        except ValueError as e:
            raise PipelineError(str(e)) from None
    if device.startswith("cuda") and local_device:
        import torch

        if not torch.cuda.is_available():
            raise PipelineError(f"device {device!r} was asked for but torch {torch.__version__} sees no CUDA "
                                "device; use --device cpu or --device auto")
    return todo


def _chosen(paths: Paths, chapters: list[str] | None) -> list[str]:
    """The chapters asked for, in book order, checked against the sources."""
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
        echo: Echo = print, overrides: dict[str, Any] | None = None, cluster: Any = None) -> list[dict[str, Any]]:
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
        Show progress bars and the library's warnings on this terminal (see ``run_chapter``; under
        Dask only the per-chapter lines).
    echo : callable
        Called with one line per chapter (cached, running, done, failed with its traceback).
    overrides : dict, optional
        Size overrides (``--set``), validated before anything runs.
    cluster : cluster.ClusterSpec, optional
        Run the chapters as Dask tasks on this cluster; None runs them one after another here.

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
    KeyboardInterrupt
        Ctrl-C or SIGTERM: the chapter(s) running are marked interrupted, their last good outputs kept.
    """
    overrides = dict(overrides or {})
    remote = cluster is not None and (cluster.scheduler is not None or cluster.kind == "slurm")
    todo = validate(paths, profile, device, chapters, overrides, local_device=not remote)
    digest = library_digest(paths)
    paths.out.mkdir(parents=True, exist_ok=True)
    remove_orphan_staging(paths)
    prov = {**provenance(paths), "mode": "serial" if cluster is None else "dask"}
    records: dict[str, dict[str, Any]] = {}
    failures: list[ChapterFailed] = []
    jobs = []
    for i, ch in enumerate(todo, 1):
        key = cache_key(paths, ch, profile, device, seed, digest, overrides)
        rec = read_run_record(paths, ch)
        if not force and rec and rec.get("key") == key:
            echo(f"[{i}/{len(todo)}] {ch}: unchanged, cached ({rec['finished']}, {rec['wall_time_s']} s)")
            records[ch] = {**rec, "cached": True}
            continue
        jobs.append({"chapter": ch, "profile": profile, "device": device, "seed": seed, "key": key,
                     "overrides": overrides, "last_wall_s": (rec or {}).get("wall_time_s"),
                     "extra": {**prov, "command": command_for(ch, profile, device, seed, overrides)}})
    pos = {ch: i for i, ch in enumerate(todo, 1)}

    def done(ch: str, rec: dict[str, Any] | None, failure: ChapterFailed | None, seconds: float) -> None:
        tag = f"[{pos[ch]}/{len(todo)}] {ch}"
        if failure is not None:
            where = f"cell {failure.cell_index}" if failure.cell_index is not None else "setup"
            echo(f"{tag}: FAILED after {seconds:.1f} s in {where}\n{failure.traceback}\n"
                 f"{failure.ename}: {failure.evalue}\n"
                 f"The failed notebook is kept at {failure.failed_notebook}; the last good output is untouched.")
            failures.append(failure)
            return
        echo(f"{tag}: done in {rec['wall_time_s']} s, checks {verdict_summary(list(rec['checks'].values()))}")
        records[ch] = rec

    with sigterm_as_interrupt():
        if cluster is None or not jobs:
            for job in jobs:
                echo(f"[{pos[job['chapter']]}/{len(todo)}] {job['chapter']}: running ({profile} profile, "
                     f"device {device}) ...")
                t0 = time.time()
                try:
                    rec = run_chapter(paths, progress=progress, **{k: v for k, v in job.items() if k != "last_wall_s"})
                except ChapterFailed as f:
                    done(job["chapter"], None, f, time.time() - t0)
                    continue
                done(job["chapter"], rec, None, time.time() - t0)
        else:
            from . import cluster as clusters
            from . import dask_run

            with clusters.connect(cluster) as client:
                address = client.scheduler.address
                if clusters.exposure_warning(address):
                    echo(clusters.exposure_warning(address))
                echo(f"running {len(jobs)} chapter(s) as Dask tasks on {address} ({profile} profile, device {device})")
                env = clusters.kernel_env(address, cluster.config)
                dask_run.run_chapters(paths, client, jobs, env, done)
    if failures:
        raise failures[0]
    return [records[ch] for ch in todo if ch in records]


def status_rows(paths: Paths, profile: str = "quick", device: str = "auto", seed: int = 0,
                overrides: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per chapter for ``overparam list``: cache state, last run and its verdicts.

    Parameters
    ----------
    paths : Paths
        The book's folders.
    profile, device : str
        The parameters the cache state is judged against.
    seed : int
        The chapter seed the cache state is judged against.
    overrides : dict, optional
        The size overrides the cache state is judged against.

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
            "state": chapter_state(paths, ch, profile, device, seed, digest, overrides),
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
        Called with the line that says where the book is (and one per generated page).

    Returns
    -------
    Path
        The built ``index.html``.

    Raises
    ------
    PipelineError
        A chapter of the table of contents was never executed, or jupyter-book failed.
    """
    import importlib.util

    missing = [c for c in toc_chapters(paths) if not (paths.out / f"{c}.ipynb").exists()]
    if missing:
        raise PipelineError(f"chapters not executed yet: {', '.join(missing)}; run `python -m overparam run` first")
    if importlib.util.find_spec("overparam.book.pages") is not None:  # the generated pages (claims, errata, ...)
        from . import pages

        for page in pages.write_generated_pages(paths):
            echo(f"generated {page.relative_to(paths.root) if page.is_relative_to(paths.root) else page}")
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
