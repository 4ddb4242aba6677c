"""Execute every chapter once per test session under the quick profile, through the real pipeline.

The pipeline's content-hash cache makes this free when `make book` has already run with the same
sources; on a clean clone (CI) it executes everything. One chapter failing does not hide the others:
each chapter's tests see its own failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from overparam.book import pipeline

ROOT = Path(__file__).resolve().parents[2]
PATHS = pipeline.Paths(ROOT)


def _selected() -> list[str]:
    """All chapters, or those named in $OVERPARAM_TEST_CHAPTERS (comma-separated) while developing one."""
    names = pipeline.list_chapters(PATHS)
    wanted = [c for c in os.environ.get("OVERPARAM_TEST_CHAPTERS", "").split(",") if c]
    unknown = set(wanted) - set(names)
    if unknown:
        raise pytest.UsageError(f"OVERPARAM_TEST_CHAPTERS names unknown chapters {sorted(unknown)}; valid: {names}")
    return wanted or names


@pytest.fixture(scope="session")
def executed():
    outcome = {}
    for name in _selected():
        try:
            pipeline.run(PATHS, profile="quick", device="auto", chapters=[name], progress=False)
            outcome[name] = None
        except pipeline.ChapterFailed as err:
            outcome[name] = err
    return outcome


class ExecutedChapter:
    def __init__(self, name: str):
        self.name = name
        self.dir = PATHS.out / name
        self.notebook = nbformat.read(PATHS.out / f"{name}.ipynb", as_version=4)
        self.results = json.loads((self.dir / "results.json").read_text())

    @property
    def checks(self) -> dict:
        return self.results["checks"]


@pytest.fixture(scope="session")
def chapter(executed):
    def get(name: str) -> ExecutedChapter:
        err = executed.get(name, KeyError(f"chapter {name} was not selected or has no source chapters/{name}.md"))
        if err is not None:
            pytest.fail(f"chapter {name} did not execute: {err}\n{getattr(err, 'traceback', '')}")
        return ExecutedChapter(name)

    return get
