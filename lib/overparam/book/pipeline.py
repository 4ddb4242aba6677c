"""The book's build pipeline: execute chapter sources with papermill, cache, report, build.

Flow for one chapter NAME (source ``chapters/NAME.md``, a jupytext MyST notebook):

1. validate profile, device and chapter names (before any compute);
2. hash the source, the library source and the parameters; if the hash matches the last good run's,
   skip;
3. execute it with papermill into a staging folder under ``book/chapters/.staging/``, injecting
   ``profile``, ``device``, ``seed`` and ``out_dir`` (the staging output folder);
4. on success, tidy the notebook (hide the injected cell, drop papermill's timing metadata) and move
   notebook and outputs over the last good ones; on failure print the chapter, the cell and the
   traceback and keep the failed notebook as ``book/chapters/NAME.failed.ipynb``: the last good
   output is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..runtime.progress import ENV as PROGRESS_ENV
from .chapter import validate_device, validate_profile
from .results import atomic_write_text

__all__ = ["RUN_RECORD", "ANSI", "PipelineError", "ChapterFailed", "Paths", "find_root", "toc_chapters", "list_chapters", "cache_key", "chapter_state", "run_chapter", "validate", "run", "status_rows", "build", "clean"]


RUN_RECORD = "_run.json"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class PipelineError(RuntimeError):
    """Bad input to the pipeline (unknown profile, device or chapter); raised before any compute."""


class ChapterFailed(RuntimeError):
    def __init__(self, chapter: str, cell_index: int | None, ename: str, evalue: str, traceback: str,
                 failed_notebook: Path | None):
        self.chapter, self.cell_index, self.ename, self.evalue = chapter, cell_index, ename, evalue
        self.traceback, self.failed_notebook = traceback, failed_notebook
        where = f"cell {cell_index}" if cell_index is not None else "setup"
        super().__init__(f"chapter {chapter!r} failed in {where}: {ename}: {evalue}")


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def lib(self) -> Path:
        return self.root / "lib" / "overparam"

    @property
    def book(self) -> Path:
        return self.root / "book"

    @property
    def out(self) -> Path:
        return self.root / "book" / "chapters"

    @property
    def html(self) -> Path:
        return self.root / "_build" / "html"


def find_root(start: Path | None = None) -> Path:
    """The repository root: $OVERPARAM_ROOT, else the nearest parent of ``start`` (default: the cwd, then
    this file) holding both ``chapters/`` and ``lib/overparam/``."""
    env = os.environ.get("OVERPARAM_ROOT")
    if env:
        return Path(env).resolve()
    for base in ([start] if start else []) + [Path.cwd(), Path(__file__).resolve()]:
        for p in [base, *base.parents]:
            if (p / "chapters").is_dir() and (p / "lib" / "overparam").is_dir():
                return p
    raise PipelineError("cannot find the book's root (a folder with chapters/ and lib/overparam/)")


def toc_chapters(paths: Paths) -> list[str]:
    toc = paths.book / "_toc.yml"
    if not toc.exists():
        return []
    return re.findall(r"file:\s*chapters/([\w-]+)", toc.read_text())


def list_chapters(paths: Paths) -> list[str]:
    """Chapter names in book order (the _toc.yml order, then any other source alphabetically)."""
    found = sorted(p.stem for p in paths.chapters.glob("*.md"))
    order = [c for c in toc_chapters(paths) if c in found]
    return order + [c for c in found if c not in order]


def _library_digest(paths: Paths) -> str:
    h = hashlib.sha256()
    for f in sorted(paths.lib.rglob("*.py")):
        h.update(str(f.relative_to(paths.lib)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def cache_key(paths: Paths, chapter: str, profile: str, device: str, seed: int, lib_digest: str | None = None) -> str:
    import torch

    h = hashlib.sha256()
    h.update((paths.chapters / f"{chapter}.md").read_bytes())
    h.update((lib_digest or _library_digest(paths)).encode())
    # 'auto' is hashed as what it resolves to, so `run --device auto` and `--device cpu` share a cache
    # on a CPU-only machine.
    resolved = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    h.update(json.dumps({"profile": profile, "device": resolved, "seed": seed, "torch": torch.__version__},
                        sort_keys=True).encode())
    return h.hexdigest()


def _run_record(paths: Paths, chapter: str) -> dict | None:
    f = paths.out / chapter / RUN_RECORD
    if not f.exists() or not (paths.out / f"{chapter}.ipynb").exists():
        return None
    try:
        return json.loads(f.read_text())
    except json.JSONDecodeError:
        return None


def chapter_state(paths: Paths, chapter: str, profile: str, device: str, seed: int, lib_digest=None) -> str:
    """'fresh' (cached output matches), 'stale' (inputs changed), 'never run', or 'failed' (last try)."""
    rec = _run_record(paths, chapter)
    failed = (paths.out / f"{chapter}.failed.ipynb").exists()
    if rec is None:
        return "failed" if failed else "never run"
    if rec.get("key") == cache_key(paths, chapter, profile, device, seed, lib_digest):
        return "fresh"
    return "failed" if failed else "stale"


def _tidy(nb) -> None:
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

    def __init__(self, path: Path, out):
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
                progress: bool = True, key: str | None = None) -> dict:
    """Execute one chapter (no cache check) and swap its outputs in. Returns the run record."""
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


def validate(paths: Paths, profile: str, device: str, chapters: list[str] | None) -> list[str]:
    """All input checks, before any compute. Returns the chapters to consider, in book order."""
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
        echo=print) -> list[dict]:
    """Run the chapters whose inputs changed (all with ``force``). Raises ChapterFailed after trying
    every chapter if any failed (the first failure)."""
    todo = validate(paths, profile, device, chapters)
    digest = _library_digest(paths)
    paths.out.mkdir(parents=True, exist_ok=True)
    records, failures = [], []
    for i, ch in enumerate(todo, 1):
        key = cache_key(paths, ch, profile, device, seed, digest)
        rec = _run_record(paths, ch)
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
             f"checks {verdicts.count('pass')} pass / {verdicts.count('fail')} fail")
        records.append(rec)
    if failures:
        raise failures[0]
    return records


def status_rows(paths: Paths, profile: str = "quick", device: str = "auto", seed: int = 0) -> list[dict]:
    digest = _library_digest(paths)
    rows = []
    for ch in list_chapters(paths):
        rec = _run_record(paths, ch) or {}
        verdicts = list((rec.get("checks") or {}).values())
        rows.append({
            "chapter": ch,
            "state": chapter_state(paths, ch, profile, device, seed, digest),
            "last run": rec.get("finished", "-"),
            "profile": rec.get("profile", "-"),
            "wall s": rec.get("wall_time_s", "-"),
            "checks": f"{verdicts.count('pass')} pass / {verdicts.count('fail')} fail" if verdicts else "-",
        })
    return rows


def build(paths: Paths, strict: bool = True, echo=print) -> Path:
    """Render the executed notebooks into HTML (jupyter-book 1, never executes anything)."""
    missing = [c for c in toc_chapters(paths) if not (paths.out / f"{c}.ipynb").exists()]
    if missing:
        raise PipelineError(f"chapters not executed yet: {', '.join(missing)}; run `python -m overparam run` first")
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(paths.book), "--path-output", str(paths.root)]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, cwd=paths.root)
    if proc.returncode != 0:
        raise PipelineError(f"jupyter-book build failed (exit {proc.returncode}); see the messages above")
    index = paths.html / "index.html"
    echo(f"The book is built: open file://{index}")
    return index


def clean(paths: Paths, echo=print) -> None:
    for p in (paths.out, paths.root / "_build"):
        if p.exists():
            shutil.rmtree(p)
            echo(f"removed {p}")
