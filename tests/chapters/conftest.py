"""Execute every chapter once per test session under the quick profile, through the real pipeline.

The pipeline's content-hash cache makes this free when `make book` has already run with the same
sources; on a clean clone (CI) it executes everything. One chapter failing does not hide the others:
each chapter's tests see its own failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from overparam import pipeline

ROOT = Path(__file__).resolve().parents[2]
PATHS = pipeline.Paths(ROOT)


@pytest.fixture(scope="session")
def executed():
    outcome = {}
    for name in pipeline.list_chapters(PATHS):
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
        err = executed.get(name, KeyError(f"no chapter source chapters/{name}.md"))
        if err is not None:
            pytest.fail(f"chapter {name} did not execute: {err}\n{getattr(err, 'traceback', '')}")
        return ExecutedChapter(name)

    return get
