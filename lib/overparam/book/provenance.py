"""Where a run came from: the git commit, whether the tree was clean, the command that reproduces it.

The pipeline writes these into every chapter's run record (``book/chapters/NAME/_run.json``, format in
``overparam.book.pipeline``), which the generated reproducibility page reads.
"""

from __future__ import annotations

import shlex
import subprocess
from typing import Any

from .cache import Paths

__all__ = ["command_for", "provenance"]


def provenance(paths: Paths) -> dict[str, Any]:
    """The git commit and whether the tracked files are unchanged, for the run records.

    Parameters
    ----------
    paths : Paths

    Returns
    -------
    dict
        ``commit`` (hex or None outside git) and ``tree_clean`` (bool or None).
    """
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=paths.root, capture_output=True, text=True, timeout=10,
                                 check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit.strip() if commit else None, "tree_clean": None if status is None else not status.strip()}


def command_for(chapter: str, profile: str, device: str, seed: int, overrides: dict[str, Any] | None) -> str:
    """The command that reproduces one chapter's run.

    Parameters
    ----------
    chapter, profile, device : str
    seed : int
    overrides : dict, optional

    Returns
    -------
    str
    """
    sets = [f"--set {shlex.quote(f'{k}={v!r}')}" for k, v in (overrides or {}).items()]
    return " ".join(["python -m overparam run --chapter", chapter, "--profile", profile, "--device", device,
                     "--seed", str(seed), "--force", *sets])
