"""Chapters are thin: parameters, a few library calls, a figure, a check (DESIGN.md, "Cells").

Read from the sources, without executing anything: no code cell over 25 lines, no ``def``, ``class``
or loop at the top level of a cell, theorem boxes titled with the paper's own numbers, and the
library imported through a handful of lines.
"""

import ast
import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
MAX_LINES = 25


def code_cells(path):
    nb = jupytext.read(path)
    return [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_cell_over_25_lines(path):
    long = {i: len(src.splitlines()) for i, src in code_cells(path) if len(src.splitlines()) > MAX_LINES}
    assert not long, f"{path.name}: cells over {MAX_LINES} lines (cell index: lines): {long}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_definitions_or_experiment_loops_in_cells(path):
    found = []
    for i, src in code_cells(path):
        for node in ast.parse(src).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.AsyncFunctionDef)):
                found.append((i, type(node).__name__, node.lineno))
    assert not found, f"{path.name}: definitions or loops at a cell's top level (cell, kind, line): {found}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_library_imports_fit_in_four_lines(path):
    lines = [ln for _, src in code_cells(path) for ln in src.splitlines()
             if re.match(r"\s*(from|import)\s+overparam\b", ln)]
    assert len(lines) <= 4, f"{path.name}: {len(lines)} import lines of overparam: {lines}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_theorem_boxes_carry_the_papers_numbers(path):
    titles = re.findall(r"^`{3,}\{prf:(?:theorem|lemma|corollary|definition|proposition)\}\s*(.*)$",
                        path.read_text(), flags=re.MULTILINE)
    assert titles, f"{path.name}: no theorem box"
    unnumbered = [t for t in titles if not re.search(r"(Theorem|Lemma|Corollary|Definition|Proposition|"
                                                     r"Assumption|Fact|Claim|Section|eq\.)\s*[A-Z]?\d", t)]
    assert not unnumbered, f"{path.name}: theorem boxes without the paper's number: {unnumbered}"
