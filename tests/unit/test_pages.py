"""The generated pages (claims ledger, errata, reproducibility) on small synthetic books in tmp_path."""

from __future__ import annotations

import json
import re

import pytest

from overparam.book import pages
from overparam.book.cache import Paths
from overparam.book.display import check_anchor

SOURCE = """# Paper A: a title

{cite:t}`a2020` prove things.

````{prf:theorem} A et al., Theorem 2.1 (GD)
:label: thm-a-gd

Statement.
````

:::{prf:lemma} A et al., Lemma 3.10
:label: lem-a-310

Another.
:::
"""


def cond(rule: str, value: float, **tol) -> dict:
    return {"rule": rule, "value": value, **tol}


def check(title: str, kind: str, verdict: str, source: str = "the words", **extra) -> dict:
    return {"title": title, "kind": kind, "source": source, "measured": 0.5, "predicted": 0.5,
            "conditions": {"value": cond("within", 0.5, target=0.5, tol=0.1)}, "verdict": verdict,
            "reason": "why", "post_hoc": None, **extra}


def make_book(tmp_path, chapters: dict[str, dict], toc: list[str] | None = None, anchors=()) -> Paths:
    """A book with ``chapters`` (name -> checks); ``toc`` names those in the table of contents."""
    paths = Paths(tmp_path)
    paths.chapters.mkdir(parents=True)
    paths.lib.mkdir(parents=True)
    (paths.lib / "x.py").write_text("x = 1\n")
    toc = list(chapters) if toc is None else toc
    paths.book.mkdir(exist_ok=True)
    (paths.book / "_toc.yml").write_text("root: intro\nchapters:\n" + "".join(f"- file: chapters/{c}\n" for c in toc))
    for name, checks in chapters.items():
        (paths.chapters / f"{name}.md").write_text(SOURCE.replace("a2020", f"{name}2020"))
        out = paths.out / name
        out.mkdir(parents=True)
        meta = {"chapter": name, "profile": "quick", "device": "cpu", "seed": 0, "torch_threads": 1,
                "versions": {"python": "3.11.7", "torch": "2.13.0+cpu", "numpy": "2.4.6"},
                "machine": {"cpu": "Test CPU 9000", "cpu_count": 4, "gpu": None, "cuda": None},
                "wall_time_s": 3.0,
                "slowest_cells": [{"cell": 7, "seconds": 2.5, "code": "r = ex.sweep(`n`)"}]}
        (out / "results.json").write_text(json.dumps({"meta": meta, "config": {}, "checks": checks}))
        (out / "_run.json").write_text(json.dumps({
            "chapter": name, "key": "k", "profile": "quick", "device": "auto", "seed": 0,
            "finished": "2026-11-30 05:00:00", "wall_time_s": 4.5, "commit": "0123456789abcdef", "tree_clean": True,
            "command": f"python -m overparam run --chapter {name} --profile quick --device auto --seed 0 --force"}))
        cells = [{"cell_type": "code", "source": "", "metadata": {}, "outputs": []}]
        for key in checks:
            if key in anchors:
                cells.append({"cell_type": "code", "source": "ch.check(...)", "metadata": {}, "outputs": [
                    {"output_type": "display_data", "metadata": {},
                     "data": {"text/html": f'<span id="{check_anchor(key)}"></span>'}}]})
        (paths.out / f"{name}.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                             "nbformat_minor": 5}))
    return paths


def test_the_ledger_counts_and_lists_every_check(tmp_path):
    paths = make_book(tmp_path, {
        "alpha": {"rate": check("A et al., Theorem 2.1: the rate", "claim", "pass"),
                  "lemma": check("a bound | with a pipe", "bound", "fail", source="Lemma 3.10 of the paper"),
                  "ours": check("our question", "beyond", "inconclusive", source="nothing numbered")},
        "beta": {"b": check("B, Theorem 2.1", "erratum", "pass")},
    }, anchors={"rate"})
    page = pages.claims_page(pages.chapter_records(paths))
    assert "| {cite:t}`alpha2020` | 1 | 1 | 1 | 3 |" in page
    assert "| {cite:t}`beta2020` | 1 | 0 | 0 | 1 |" in page
    assert "| **all** | 2 | 1 | 1 | 4 |" in page
    assert "| claim | 1 | 0 | 0 | 1 |" in page and "| erratum | 1 | 0 | 0 | 1 |" in page
    rows = [line for line in page.splitlines() if line.startswith("| {cite:t}") and "`)" in line]
    assert len(rows) == 4
    rate = next(r for r in rows if "(`rate`)" in r)
    assert "{prf:ref}`Theorem 2.1 <thm-a-gd>`" in rate
    assert '<a href="chapters/alpha.html#check-rate">cell 1</a>' in rate  # the cell that showed the verdict
    assert "±0.1 of 0.5" in rate and "✅ pass" in rate and "| quick |" in rate
    lemma = next(r for r in rows if "(`lemma`)" in r)
    assert "{prf:ref}`Lemma 3.10 <lem-a-310>`" in lemma  # found in the source when the title names none
    assert "a bound \\| with a pipe" in lemma  # a pipe cannot end the cell early
    assert "[page](chapters/alpha.ipynb)" in lemma  # no anchor recorded: a link to the page
    ours = next(r for r in rows if "(`ours`)" in r)
    assert "| — |" in ours  # no theorem named: no link at all rather than a wrong one
    # the table is the only one in the sortable wrapper, and every row has the header's 11 columns
    body = page.split('<div class="sortable-table">')[1].split("</div>")[0]
    assert all(len(re.split(r"(?<!\\)\|", r)) - 2 == 11 for r in body.strip().splitlines())
    assert "<script>" in page


def test_only_chapters_of_the_toc_are_listed(tmp_path):
    paths = make_book(tmp_path, {"alpha": {"x": check("T", "claim", "pass")},
                                 "draft": {"y": check("T", "claim", "fail")}}, toc=["alpha"])
    assert [r["name"] for r in pages.chapter_records(paths)] == ["alpha"]
    assert "draft" not in pages.claims_page(pages.chapter_records(paths))


@pytest.mark.parametrize(("title", "source", "want"), [
    ("A, Theorem 2.1: rate", "", ("Theorem 2.1", "thm-a-gd")),
    ("no number here", "Lemma 3.10, eq. (4)", ("Lemma 3.10", "lem-a-310")),
    ("A, Theorem 2.10", "", None),  # 2.10 is not 2.1
    ("A, Lemma 3.1", "", None),  # 3.1 is not 3.10
    ("A, Theorem 5.1 (not on the page)", "Theorem 2.1", ("Theorem 2.1", "thm-a-gd")),
])
def test_theorem_of_matches_the_numbered_box(title, source, want):
    boxes = [{"title": "A et al., Theorem 2.1 (GD)", "label": "thm-a-gd"},
             {"title": "A et al., Lemma 3.10", "label": "lem-a-310"}]
    assert pages.theorem_of({"title": title, "source": source}, boxes) == want


def test_tolerance_in_symbols():
    c = {"conditions": {"value": cond("band", 1.0, lo=0.5, hi=2.0), "slope": cond("at_most", 1.0, bound=3.0),
                        "rate": cond("at_least", 1.0, bound=0.25), "lead": cond("exceeds", 1.0, bound=0.0,
                                                                             interval=[0.1, 2.0])}}
    assert pages.tolerance_text(c) == "in [0.5, 2]; slope: ≤ 3; rate: ≥ 0.25; lead: 95% CI above 0"


def test_errata_quote_the_paper_the_correction_and_the_evidence(tmp_path):
    paths = make_book(tmp_path, {"alpha": {
        "even": check("at α = −1 the net is even", "erratum", "pass", source="Theorem 2.1 under Assumption 2.1",
                      corrected="Theorem 2.1 holds for α = −1 only without antipodal pairs"),
        "bare": check("another error", "erratum", "fail"),
        "fine": check("A, Theorem 2.1", "claim", "pass")}}, anchors={"even"})
    page = pages.errata_page(pages.chapter_records(paths))
    assert page.count("\n## ") == 2 and "A, Theorem 2.1\n" not in page
    assert "> Theorem 2.1 under Assumption 2.1" in page
    assert "**Corrected:** Theorem 2.1 holds for α = −1 only without antipodal pairs" in page
    assert "{prf:ref}`Theorem 2.1 <thm-a-gd>`" in page
    assert '<a href="chapters/alpha.html#check-even">cell 1</a>' in page
    assert "*the chapter does not state the corrected statement yet.*" in page  # "bare" has none
    assert "❌ fail" in page and "✅ pass" in page


def test_no_errata_says_so(tmp_path):
    paths = make_book(tmp_path, {"alpha": {"x": check("T", "claim", "pass")}})
    assert "No chapter records an erratum yet." in pages.errata_page(pages.chapter_records(paths))


def test_reproducibility_states_where_and_how(tmp_path):
    paths = make_book(tmp_path, {"alpha": {"x": check("T", "claim", "pass"), "y": check("T", "claim", "fail")}})
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["pytest==0.0.1", "unpinned>=1"]\n'
                                             '[project.optional-dependencies]\nzz = ["no-such-package-xyz==1.0"]\n')
    page = pages.reproducibility_page(paths, pages.chapter_records(paths))
    row = next(line for line in page.splitlines() if line.startswith("| [Paper A: a title](chapters/alpha.ipynb)"))
    assert "`0123456789`" in row and "| 4.5 |" in row and "| 2 | 1 pass, 1 fail |" in row
    assert "`python -m overparam run --chapter alpha --profile quick --device auto --seed 0 --force`" in row
    assert "| Test CPU 9000 | 4 | none | none | 3.11.7 | 2.13.0+cpu | 2.4.6 | 1 | alpha |" in page
    assert "| alpha | 7 | 2.5 | `r = ex.sweep('n')` |" in page  # a backtick cannot close the code span
    assert re.search(r"\| pytest \| — \| 0\.0\.1 \| [^|]+ \| ❌ differs \|", page)
    assert "| no-such-package-xyz | zz | 1.0 | not installed | not installed |" in page
    assert "unpinned" not in page
    assert "/tmp" not in page and str(tmp_path) not in page  # no machine path on a page


def test_write_generated_pages_writes_three_and_keeps_unchanged_files(tmp_path):
    paths = make_book(tmp_path, {"alpha": {"x": check("A, Theorem 2.1", "claim", "pass")}})
    written = pages.write_generated_pages(paths)
    assert [p.name for p in written] == ["claims.md", "errata.md", "reproducibility.md"]
    assert all(p.parent == paths.book and p.read_text().startswith("# ") for p in written)
    before = written[0].stat().st_mtime_ns
    pages.write_generated_pages(paths)
    assert written[0].stat().st_mtime_ns == before


def test_an_empty_book_still_has_its_pages(tmp_path):
    paths = make_book(tmp_path, {})
    records = pages.chapter_records(paths)
    assert records == []
    assert "No chapter has recorded a check yet" in pages.claims_page(records)
    assert "## The chapters" in pages.reproducibility_page(paths, records)


def test_the_verdict_line_carries_the_ledger_anchor(monkeypatch):
    import IPython
    import IPython.display

    from overparam.book.display import show_verdict

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    show_verdict("T", {"verdict": "pass", "reason": "r", "kind": "claim", "source": "s"}, key="gd rate/1")
    assert isinstance(shown[0], IPython.display.HTML)
    assert shown[0].data == '<span id="check-gd-rate-1"></span>'
    assert isinstance(shown[1], IPython.display.Markdown)


def test_cell_timer_times_cells_under_a_kernel(monkeypatch):
    import IPython

    from overparam.book.run_facts import CellTimer, machine

    class Events:
        def __init__(self):
            self.hooks = {}

        def register(self, name, f):
            self.hooks.setdefault(name, []).append(f)

        def unregister(self, name, f):
            self.hooks[name].remove(f)

    shell = type("Shell", (), {"kernel": object(), "events": Events()})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    first, timer = CellTimer().start(), CellTimer().start()  # a second timer replaces the first
    assert shell.events.hooks["pre_run_cell"] == [timer._pre] and first._shell is None
    for count, code in ((3, "\n\nx = slow()\ny = 1"), (4, "fast()")):
        timer._pre(None)
        info = type("Info", (), {"raw_cell": code})()
        timer._post(type("Result", (), {"execution_count": count, "info": info})())
    assert [c["code"] for c in timer.cells] == ["x = slow()", "fast()"]
    assert [c["cell"] for c in timer.slowest(1)] in ([3], [4]) and len(timer.slowest(5)) == 2
    timer.stop()
    assert shell.events.hooks["pre_run_cell"] == []
    facts = machine("cpu")
    assert facts["cpu"] and facts["gpu"] is None and facts["cpu_count"] >= 1


def test_outside_a_kernel_no_cell_is_timed(monkeypatch):
    import IPython

    from overparam.book.run_facts import CellTimer

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    timer = CellTimer().start()
    assert timer._shell is None and timer.slowest() == []
    timer.stop()


def test_sphinx_fixes_keep_one_copy_of_each_script():
    from overparam.book import sphinx_fixes

    class JS:
        def __init__(self, filename, **attributes):
            self.filename, self.attributes = filename, attributes

    thebe = 'const THEBE_JS_URL = "x"'
    scripts = [JS("a.js"), JS(None, body=thebe), JS("", body=thebe), JS("a.js"), JS("b.js", defer="defer")]
    context = {"script_files": scripts}
    sphinx_fixes._unique_scripts(None, "intro", "page.html", context, None)
    assert context["script_files"] == [scripts[0], scripts[1], scripts[4]]
