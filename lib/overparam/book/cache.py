"""Where the book's files live, and whether a chapter's last output is still current.

The pipeline re-executes a chapter only when something it depends on changed. This module holds what
that decision needs, apart from any execution: the layout of the repository (``Paths``, ``find_root``),
the chapters in book order (``list_chapters``), the content hash of a chapter's inputs (``cache_key``:
its source, every library module, the parameters and the torch version) and the run record that the last
good run left beside its outputs (``RUN_RECORD``, ``read_run_record``, ``chapter_state``).

A run record is written only after a run succeeded, next to the outputs it describes, and the two are
swapped in together; so a record whose key matches proves the outputs beside it came from those inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "RUN_RECORD",
    "STAGING_OWNER",
    "Paths",
    "PipelineError",
    "cache_key",
    "chapter_state",
    "find_root",
    "interrupted_marker",
    "library_digest",
    "list_chapters",
    "read_run_record",
    "remove_orphan_staging",
    "toc_chapters",
]

RUN_RECORD = "_run.json"
"""File name of the run record inside a chapter's output folder (``book/chapters/NAME/_run.json``)."""
STAGING_OWNER = ".owner"
"""File in each staging folder with the host name and process id that own it."""


class PipelineError(RuntimeError):
    """Bad input to the pipeline (unknown profile, device or chapter, no book root, a failed build).

    Raised before any compute, so a typo never costs a run.
    """


@dataclass(frozen=True)
class Paths:
    """The folders of one checkout of the book, all derived from its root.

    Parameters
    ----------
    root : Path
        The repository root: the folder that holds ``chapters/`` and ``lib/overparam/``.
    """

    root: Path

    @property
    def chapters(self) -> Path:
        """The chapter sources (jupytext MyST notebooks, ``chapters/NAME.md``).

        Returns
        -------
        Path
        """
        return self.root / "chapters"

    @property
    def lib(self) -> Path:
        """The library's source, hashed into every chapter's cache key.

        Returns
        -------
        Path
        """
        return self.root / "lib" / "overparam"

    @property
    def book(self) -> Path:
        """The Jupyter Book folder (``_toc.yml``, the book's own pages).

        Returns
        -------
        Path
        """
        return self.root / "book"

    @property
    def out(self) -> Path:
        """Where executed chapters land: ``NAME.ipynb`` and the output folder ``NAME/`` (generated).

        Returns
        -------
        Path
        """
        return self.root / "book" / "chapters"

    @property
    def html(self) -> Path:
        """The rendered HTML book.

        Returns
        -------
        Path
        """
        return self.root / "_build" / "html"


def find_root(start: Path | None = None) -> Path:
    """Find the repository root.

    Parameters
    ----------
    start : Path, optional
        Where to start looking; the current directory and then this file's location are tried after it.

    Returns
    -------
    Path
        ``$OVERPARAM_ROOT`` when it is set, else the nearest parent of ``start``, the current directory
        or this file that holds both ``chapters/`` and ``lib/overparam/``.

    Raises
    ------
    PipelineError
        No such folder was found.
    """
    env = os.environ.get("OVERPARAM_ROOT")
    if env:
        return Path(env).resolve()
    for base in ([start] if start else []) + [Path.cwd(), Path(__file__).resolve()]:
        for p in [base, *base.parents]:
            if (p / "chapters").is_dir() and (p / "lib" / "overparam").is_dir():
                return p
    raise PipelineError("cannot find the book's root (a folder with chapters/ and lib/overparam/)")


def toc_chapters(paths: Paths) -> list[str]:
    """The chapters that ``book/_toc.yml`` lists, in its order.

    Parameters
    ----------
    paths : Paths
        The book's folders.

    Returns
    -------
    list of str
        Chapter names (``file: chapters/NAME`` entries); empty when there is no ``_toc.yml``.
    """
    toc = paths.book / "_toc.yml"
    if not toc.exists():
        return []
    return re.findall(r"file:\s*chapters/([\w-]+)", toc.read_text())


def list_chapters(paths: Paths) -> list[str]:
    """Every chapter that has a source, in book order.

    Parameters
    ----------
    paths : Paths
        The book's folders.

    Returns
    -------
    list of str
        The ``_toc.yml`` order first, then any other source in ``chapters/`` alphabetically.
    """
    found = sorted(p.stem for p in paths.chapters.glob("*.md"))
    order = [c for c in toc_chapters(paths) if c in found]
    return order + [c for c in found if c not in order]


def library_digest(paths: Paths) -> str:
    """SHA-256 of every library module (relative path and bytes), in a fixed order.

    Computed once per pipeline run and shared by the chapters' cache keys: any change to the library
    makes every chapter stale, since a chapter may depend on any of it.

    Parameters
    ----------
    paths : Paths
        The book's folders.

    Returns
    -------
    str
        The hex digest.
    """
    h = hashlib.sha256()
    for f in sorted(paths.lib.rglob("*.py")):
        h.update(str(f.relative_to(paths.lib)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def cache_key(paths: Paths, chapter: str, profile: str, device: str, seed: int,
              lib_digest: str | None = None, overrides: dict[str, Any] | None = None) -> str:
    """The content hash of everything a chapter's output depends on.

    Parameters
    ----------
    paths : Paths
        The book's folders.
    chapter : str
        The chapter's name (its source is ``chapters/NAME.md``).
    profile, device : str
        The run's size profile and device; ``"auto"`` is hashed as what it resolves to on this machine.
    seed : int
        The chapter seed.
    lib_digest : str, optional
        ``library_digest(paths)``, when the caller has it already (it is computed otherwise).
    overrides : dict, optional
        Size overrides (``--set``); none leaves the key as it was before overrides existed.

    Returns
    -------
    str
        The hex digest of the source, the library, the parameters, the overrides and the torch version.
    """
    import torch

    h = hashlib.sha256()
    h.update((paths.chapters / f"{chapter}.md").read_bytes())
    h.update((lib_digest or library_digest(paths)).encode())
    # 'auto' is hashed as what it resolves to, so `run --device auto` and `--device cpu` share a cache
    # on a CPU-only machine.
    resolved = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    params: dict[str, Any] = {"profile": profile, "device": resolved, "seed": seed, "torch": torch.__version__}
    if overrides:
        params["overrides"] = overrides
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()


def read_run_record(paths: Paths, chapter: str) -> dict[str, Any] | None:
    """The record of a chapter's last good run.

    Parameters
    ----------
    paths : Paths
        The book's folders.
    chapter : str
        The chapter's name.

    Returns
    -------
    dict or None
        The parsed ``RUN_RECORD`` (``key``, ``profile``, ``device``, ``seed``, ``finished``,
        ``wall_time_s``, ``checks``: verdict per check); None when it or the executed notebook is
        missing, or when it is not valid JSON.
    """
    f = paths.out / chapter / RUN_RECORD
    if not f.exists() or not (paths.out / f"{chapter}.ipynb").exists():
        return None
    try:
        return json.loads(f.read_text())
    except json.JSONDecodeError:
        return None


def interrupted_marker(paths: Paths, chapter: str) -> Path:
    """Where an interrupted run of ``chapter`` leaves its mark (removed by the next good run).

    Parameters
    ----------
    paths : Paths
    chapter : str

    Returns
    -------
    Path
        ``book/chapters/.interrupted/NAME.json``.
    """
    return paths.out / ".interrupted" / f"{chapter}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphan_staging(paths: Paths) -> list[Path]:
    """Remove staging folders whose process is gone (a run killed with SIGKILL, a lost worker).

    Only folders owned by a process of this host are judged (``STAGING_OWNER``): a worker of another
    machine sharing the file system is left alone.

    Parameters
    ----------
    paths : Paths

    Returns
    -------
    list of Path
        The folders removed.
    """
    import shutil
    import socket

    removed = []
    for d in sorted(p for p in (paths.out / ".staging").glob("*") if p.is_dir()):
        try:
            host, pid = (d / STAGING_OWNER).read_text().split()
        except (OSError, ValueError):
            continue
        if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def chapter_state(paths: Paths, chapter: str, profile: str, device: str, seed: int,
                  lib_digest: str | None = None, overrides: dict[str, Any] | None = None) -> str:
    """Whether a chapter's output is current for these parameters.

    Parameters
    ----------
    paths : Paths
        The book's folders.
    chapter : str
        The chapter's name.
    profile, device : str
        The size profile and device asked for.
    seed : int
        The chapter seed asked for.
    lib_digest : str, optional
        ``library_digest(paths)``, when the caller has it already.
    overrides : dict, optional
        The size overrides asked for.

    Returns
    -------
    str
        ``"fresh"`` (the last good run had these inputs), ``"stale"`` (an input changed), ``"never run"``,
        ``"failed"`` (the last try failed and no current output exists) or ``"interrupted"`` (the last
        try was interrupted, Ctrl-C or SIGTERM, and no current output exists; the last good one, if any,
        is untouched).
    """
    rec = read_run_record(paths, chapter)
    failed = (paths.out / f"{chapter}.failed.ipynb").exists()
    stopped = interrupted_marker(paths, chapter).exists()
    if rec is not None and rec.get("key") == cache_key(paths, chapter, profile, device, seed, lib_digest, overrides):
        return "fresh"
    if stopped:
        return "interrupted"
    if rec is None:
        return "failed" if failed else "never run"
    return "failed" if failed else "stale"
