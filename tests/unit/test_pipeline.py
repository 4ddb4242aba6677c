"""The pipeline on a throw-away book: cache, atomic outputs, and every error path."""

import json
import textwrap

import nbformat
import pytest
import torch

from overparam.book import pipeline
from overparam.book.cli import main

HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# {title}

```{{code-cell}} ipython3
:tags: [parameters]

profile = "quick"
device = "auto"
seed = 0
out_dir = "_scratch"
```
"""

GOOD = HEADER + """
```{{code-cell}} ipython3
import warnings
from overparam import Chapter
from overparam.book.checks import within
from overparam.runtime import progress
ch = Chapter("{name}", profile=profile, device=device, seed=seed, out_dir=out_dir,
             sizes={{"n": {{"quick": 2, "paper": 9}}}})
for _ in progress(range(3), desc="a bar for the terminal"):
    pass
warnings.warn("a warning for whoever runs the book")
ch.check("twice", within(2 * ch.sizes.n, 4, 0), title="2 * n", reason="arithmetic")
ch.finish()
print("{marker}")
```
"""

BAD = HEADER + """
```{{code-cell}} ipython3
x = 1
```

```{{code-cell}} ipython3
raise RuntimeError("boom in the second cell")
```
"""


def write(root, name, template, marker="v1"):
    (root / "chapters" / f"{name}.md").write_text(template.format(title=name, name=name, marker=marker))


@pytest.fixture
def book(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "lib" / "overparam").mkdir(parents=True)
    (tmp_path / "lib" / "overparam" / "stub.py").write_text("x = 1\n")
    (tmp_path / "book").mkdir()
    return pipeline.Paths(tmp_path)


def run(paths, **kw):
    return pipeline.run(paths, profile="quick", device="cpu", progress=False, echo=lambda *_: None, **kw)


def test_run_cache_and_tidy_notebook(book):
    write(book.root, "alpha", GOOD)
    [rec] = run(book)
    assert rec["checks"] == {"twice": "pass"} and not rec.get("cached")
    nb = nbformat.read(book.out / "alpha.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "remove-cell" in injected[0].metadata["tags"]
    assert "papermill" not in nb.metadata and all("execution" not in c.metadata for c in nb.cells)
    # the progress bar and the warning went to the terminal, not onto the page
    streams = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    assert [o["text"] for o in streams] == ["v1\n"], streams
    results = json.loads((book.out / "alpha" / "results.json").read_text())
    assert results["checks"]["twice"]["verdict"] == "pass"
    assert pipeline.chapter_state(book, "alpha", "quick", "cpu", 0) == "fresh"
    [row] = pipeline.status_rows(book, "quick", "cpu", 0)
    assert row["chapter"] == "alpha" and row["state"] == "fresh" and row["checks"] == "1 pass / 0 fail"

    # Unchanged inputs: nothing re-executed.
    stamp = (book.out / "alpha.ipynb").stat().st_mtime_ns
    [again] = run(book)
    assert again["cached"] and (book.out / "alpha.ipynb").stat().st_mtime_ns == stamp

    # Each input of the hash invalidates the cache: profile, library source, chapter source.
    assert pipeline.chapter_state(book, "alpha", "paper", "cpu", 0) == "stale"
    (book.root / "lib" / "overparam" / "stub.py").write_text("x = 2\n")
    assert pipeline.chapter_state(book, "alpha", "quick", "cpu", 0) == "stale"
    write(book.root, "alpha", GOOD, marker="v2")
    [rerun] = run(book)
    assert not rerun.get("cached") and "v2" in (book.out / "alpha.ipynb").read_text()
    assert not (book.out / ".staging").exists() or not any((book.out / ".staging").iterdir())

    removed = []
    pipeline.clean(book, echo=removed.append)
    assert removed == [f"removed {book.out}"] and not book.out.exists()
    assert pipeline.chapter_state(book, "alpha", "quick", "cpu", 0) == "never run"


def test_failing_cell_keeps_last_good_output(book):
    write(book.root, "beta", GOOD)
    run(book)
    good_nb = (book.out / "beta.ipynb").read_text()
    good_results = (book.out / "beta" / "results.json").read_text()

    write(book.root, "beta", BAD)
    with pytest.raises(pipeline.ChapterFailed) as info:
        run(book)
    err = info.value
    assert err.chapter == "beta" and err.ename == "RuntimeError" and "boom" in err.evalue
    assert err.cell_index is not None and "boom in the second cell" in err.traceback
    # The last good output is untouched; the failed notebook sits beside it.
    assert (book.out / "beta.ipynb").read_text() == good_nb
    assert (book.out / "beta" / "results.json").read_text() == good_results
    assert err.failed_notebook == book.out / "beta.failed.ipynb" and err.failed_notebook.exists()
    assert pipeline.chapter_state(book, "beta", "quick", "cpu", 0) == "failed"


def test_one_failure_does_not_stop_the_others(book):
    write(book.root, "a_bad", BAD)
    write(book.root, "b_good", GOOD)
    with pytest.raises(pipeline.ChapterFailed):
        run(book)
    assert (book.out / "b_good" / "results.json").exists()


@pytest.mark.parametrize("kw,msg", [({"profile": "huge"}, "unknown profile 'huge'; valid profiles: quick, paper"),
                                    ({"device": "tpu"}, "unknown device 'tpu'"),
                                    ({"chapters": ["nope"]}, "unknown chapter(s) nope; valid: alpha")])
def test_bad_input_fails_before_any_compute(book, kw, msg):
    write(book.root, "alpha", GOOD)
    args = {"profile": "quick", "device": "cpu", **kw}
    with pytest.raises(pipeline.PipelineError) as info:
        pipeline.run(book, progress=False, echo=lambda *_: None, **args)
    assert msg in str(info.value)
    assert not book.out.exists()  # nothing was executed or written


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu_is_refused(book):
    write(book.root, "alpha", GOOD)
    with pytest.raises(pipeline.PipelineError, match="sees no CUDA device"):
        pipeline.run(book, device="cuda", progress=False, echo=lambda *_: None)


def test_cli_exit_codes_and_messages(book, monkeypatch, capsys):
    write(book.root, "alpha", GOOD)
    monkeypatch.setenv("OVERPARAM_ROOT", str(book.root))
    assert main(["run", "--profile", "huge"]) == 2
    assert "valid profiles: quick, paper" in capsys.readouterr().err
    assert main(["run", "--chapter", "missing"]) == 2
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "alpha" in out and "never run" in out
    (book.book / "_toc.yml").write_text("root: intro\nchapters:\n  - file: chapters/alpha\n")
    assert main(["build"]) == 2
    assert "not executed yet" in capsys.readouterr().err


def test_toc_order(book):
    for name in ("zeta", "alpha", "mid"):
        write(book.root, name, GOOD)
    (book.book / "_toc.yml").write_text(textwrap.dedent("""\
        root: intro
        chapters:
          - file: chapters/mid
          - file: chapters/zeta
        """))
    assert pipeline.list_chapters(book) == ["mid", "zeta", "alpha"]


def test_progress_and_warnings_reach_the_terminal(book, capfd):
    write(book.root, "gamma", GOOD)
    pipeline.run(book, profile="quick", device="cpu", chapters=["gamma"], progress=True, echo=lambda *a: None)
    err = capfd.readouterr().err
    assert "a bar for the terminal" in err and "a warning for whoever runs the book" in err


def test_pipeline_exports_every_name(book):
    from overparam.book import cache, execute

    assert set(pipeline.__all__) == {
        "RUN_RECORD", "ANSI", "PipelineError", "ChapterFailed", "Paths", "find_root", "toc_chapters",
        "list_chapters", "cache_key", "chapter_state", "run_chapter", "validate", "run", "status_rows",
        "build", "clean"}
    assert all(hasattr(pipeline, name) for name in pipeline.__all__)
    assert pipeline.Paths is cache.Paths and pipeline.ChapterFailed is execute.ChapterFailed
    assert pipeline.run_chapter is execute.run_chapter and pipeline.RUN_RECORD == "_run.json"


def test_find_root(book, monkeypatch):
    monkeypatch.setenv("OVERPARAM_ROOT", str(book.root / "lib"))
    assert pipeline.find_root() == (book.root / "lib").resolve()
    monkeypatch.delenv("OVERPARAM_ROOT")
    assert pipeline.find_root(book.root / "chapters") == book.root
    assert book.chapters == book.root / "chapters" and book.html == book.root / "_build" / "html"


def test_an_unreadable_run_record_means_never_run(book):
    write(book.root, "alpha", GOOD)
    (book.out / "alpha").mkdir(parents=True)
    (book.out / "alpha.ipynb").write_text("{}")
    (book.out / "alpha" / pipeline.RUN_RECORD).write_text("{not json")
    assert pipeline.chapter_state(book, "alpha", "quick", "cpu", 0) == "never run"
    (book.out / "alpha.failed.ipynb").write_text("{}")
    assert pipeline.chapter_state(book, "alpha", "quick", "cpu", 0) == "failed"


def test_verdict_summary_counts_the_third_verdict():
    assert pipeline.verdict_summary(["pass", "fail", "pass"]) == "2 pass / 1 fail"
    assert pipeline.verdict_summary(["pass", "inconclusive"]) == "1 pass / 0 fail / 1 inconclusive"
