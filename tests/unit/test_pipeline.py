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


# --------------------------------------------------------------------------- size overrides (--set)
SIZED = HEADER + """
```{{code-cell}} ipython3
from overparam import Chapter
from overparam.book.checks import within
SIZES = {{"n": {{"quick": 2, "paper": 9}}, "widths": {{"quick": [1, 2], "paper": [3, 4]}}}}
ch = Chapter("{name}", profile=profile, device=device, seed=seed, out_dir=out_dir, sizes=SIZES)
ch.check("twice", within(2 * ch.sizes.n, 2 * ch.sizes.n, 0), title="2 n", kind="remark", reason="arithmetic")
ch.glue("total_width", sum(ch.sizes.widths))
ch.finish()
ch.sizes_table()
```
"""


def test_set_overrides_reach_the_page_results_and_cache_key(book):
    write(book.root, "sized", SIZED)
    [rec] = run(book, overrides={"n": 5, "widths": [10, 20, 30]})
    results = json.loads((book.out / "sized" / "results.json").read_text())
    assert results["config"] == {"n": 5, "widths": [10, 20, 30]} and results["values"]["total_width"] == 60
    assert results["meta"]["overrides"] == {"n": 5, "widths": [10, 20, 30]}
    assert rec["overrides"] == {"n": 5, "widths": [10, 20, 30]} and "--set n=5 --set 'widths=[10, 20, 30]'" in rec["command"]
    page = (book.out / "sized.ipynb").read_text()
    assert "this run (--set, quick)" in page and "[10, 20, 30]" in page
    # The overrides are part of the cache key: the same run is fresh, the run without them is not.
    assert pipeline.chapter_state(book, "sized", "quick", "cpu", 0, overrides={"n": 5, "widths": [10, 20, 30]}) == "fresh"
    assert pipeline.chapter_state(book, "sized", "quick", "cpu", 0) == "stale"
    [plain] = run(book)
    assert not plain.get("cached") and "overrides" not in plain
    assert json.loads((book.out / "sized" / "results.json").read_text())["config"]["n"] == 2


@pytest.mark.parametrize("sets,msg", [
    (["m=3"], "unknown size(s) m for sized; valid: n, widths"),
    (["n=2.5"], "bad value for size n of sized: 2.5"),
    (["widths=7"], "bad value for size widths of sized: 7"),
    (["n"], "expected NAME=VALUE"),
])
def test_bad_set_fails_before_any_compute(book, monkeypatch, capsys, sets, msg):
    write(book.root, "sized", SIZED)
    monkeypatch.setenv("OVERPARAM_ROOT", str(book.root))
    argv = ["run", "--chapter", "sized"] + [a for s in sets for a in ("--set", s)]
    assert main(argv) == 2
    assert msg in capsys.readouterr().err
    assert not book.out.exists()


def test_the_size_table_is_read_from_the_source_without_running_it():
    from pathlib import Path

    from overparam.book.params import size_table_of

    root = Path(pipeline.find_root())
    for ch in pipeline.list_chapters(pipeline.Paths(root)):
        table = size_table_of(root / "chapters" / f"{ch}.md", root / "lib" / "overparam")
        assert table, ch  # every chapter of the book states its sizes where --set can check them
        assert all(set(row) >= {"quick", "paper"} for row in table.values()), ch


def test_bad_input_fails_without_starting_anything(book):
    """An unknown chapter, profile, device, size or cluster is refused before torch, papermill, Dask or a
    kernel is imported or started (that is what makes it fail at once)."""
    import subprocess
    import sys

    write(book.root, "sized", SIZED)
    probe = ("import sys; from overparam.book.cli import main; "
             "codes = [main(a) for a in ({args})]; "
             "print(codes, [m for m in ('torch', 'papermill', 'distributed', 'jupyter_client') if m in sys.modules])")
    args = repr([["run", "--chapter", "nope"], ["run", "--profile", "huge"], ["run", "--device", "tpu"],
                 ["run", "--chapter", "sized", "--set", "m=1"], ["run", "--workers", "2", "--cluster", "mars"],
                 ["run", "--scheduler", "http://x:1"], ["list", "--profile", "huge"]])
    out = subprocess.run([sys.executable, "-c", probe.format(args=args)], capture_output=True, text=True,
                         env={**__import__("os").environ, "OVERPARAM_ROOT": str(book.root)}, check=True, timeout=120)
    assert out.stdout.strip() == "[2, 2, 2, 2, 2, 2, 2] []", out.stdout + out.stderr
    assert "valid: sized" in out.stderr and "valid profiles: quick, paper" in out.stderr
    assert "valid devices" in out.stderr and "valid: n, widths" in out.stderr and "valid: local, cuda, slurm" in out.stderr


# --------------------------------------------------------------------------- SIGTERM
SLOW = HEADER + """
```{{code-cell}} ipython3
import pathlib, time
from overparam import Chapter
from overparam.book.checks import within
ch = Chapter("{name}", profile=profile, device=device, seed=seed, out_dir=out_dir, sizes={{}})
ch.check("ok", within(1, 1, 0), title="one", kind="remark", reason="arithmetic")
pathlib.Path("{marker}").write_text("started")
time.sleep({{sleep}})
ch.finish()
```
"""


def test_sigterm_keeps_the_last_good_output_and_list_says_so(book, tmp_path_factory):
    import os
    import signal
    import subprocess
    import sys
    import time

    started = tmp_path_factory.mktemp("signal") / "started"
    (book.root / "chapters" / "slow.md").write_text(SLOW.format(title="slow", name="slow", marker=started)
                                                    .replace("{sleep}", "0"))
    run(book)
    good = {p: p.read_bytes() for p in [book.out / "slow.ipynb", *sorted((book.out / "slow").iterdir())]}
    started.unlink()
    (book.root / "chapters" / "slow.md").write_text(SLOW.format(title="slow", name="slow", marker=started)
                                                    .replace("{sleep}", "300"))
    env = {**os.environ, "OVERPARAM_ROOT": str(book.root)}
    proc = subprocess.Popen([sys.executable, "-m", "overparam", "run", "--device", "cpu", "--no-progress"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 240
        while not started.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert started.exists(), "the chapter never started"
        staging = list((book.out / ".staging").iterdir())
        assert [d.name for d in staging] == [f"slow-{proc.pid}"]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143 and "interrupted (SIGTERM)" in err, err
    assert not any((book.out / ".staging").iterdir())  # the staging folder is gone
    assert {p: p.read_bytes() for p in good} == good  # notebook, figures and results untouched
    assert sorted((book.out / "slow").iterdir()) == sorted(p for p in good if p.parent.name == "slow")
    assert pipeline.chapter_state(book, "slow", "quick", "cpu", 0) == "interrupted"
    [row] = pipeline.status_rows(book, "quick", "cpu", 0)
    assert row["state"] == "interrupted" and row["checks"] == "1 pass / 0 fail"


def test_orphan_staging_of_a_dead_process_is_removed(book):
    import os
    import socket
    import subprocess
    import sys

    from overparam.book.cache import STAGING_OWNER, remove_orphan_staging

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    host = socket.gethostname()
    folders = {"orphan": f"{host} {dead}", "mine": f"{host} {os.getpid()}", "elsewhere": f"other-node {dead}"}
    for name, owner in folders.items():
        (book.out / ".staging" / name / "alpha").mkdir(parents=True)
        (book.out / ".staging" / name / STAGING_OWNER).write_text(owner)
    assert remove_orphan_staging(book) == [book.out / ".staging" / "orphan"]
    assert sorted(p.name for p in (book.out / ".staging").iterdir()) == ["elsewhere", "mine"]


# --------------------------------------------------------------------------- chapters as Dask tasks
SWEEP = HEADER + """
```{{code-cell}} ipython3
import math, os
from overparam import Chapter
from overparam.book.checks import within
from overparam.runtime import parallel
ch = Chapter("{name}", profile=profile, device=device, seed=seed, out_dir=out_dir, sizes={{}})
roots = parallel.map(math.sqrt, [1.0, 4.0, 9.0, 16.0], name="{name}-sqrt")
ch.check("roots", within(sum(roots), 10.0, 0), title="sum of roots", kind="remark", reason="arithmetic")
ch.glue("sharded", bool(os.environ.get(parallel.SCHEDULER_ENV)))
ch.glue("threads", os.environ.get("OMP_NUM_THREADS"))
ch.finish()
```
"""

KILLER = HEADER + """
```{{code-cell}} ipython3
import os, pathlib, signal
from overparam import Chapter
from overparam.book.checks import within
ch = Chapter("{name}", profile=profile, device=device, seed=seed, out_dir=out_dir, sizes={{}})
first = pathlib.Path("{marker}")
if not first.exists():
    first.write_text(str(os.getppid()))
    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent is the Dask worker
ch.check("ok", within(1, 1, 0), title="one", kind="remark", reason="arithmetic")
ch.finish()
```
"""


@pytest.fixture(scope="module")
def two_workers():
    """A loopback LocalCluster of two workers with one thread each, shared by this module's Dask tests."""
    pytest.importorskip("distributed")
    from distributed import Client

    from overparam.book.cluster import ClusterSpec, local_cluster

    cluster = local_cluster(workers=2, threads=1)
    client = Client(cluster)
    assert all(a.startswith("tcp://127.0.0.1:") for a in [cluster.scheduler_address, *cluster.scheduler_info["workers"]])
    yield ClusterSpec(scheduler=cluster.scheduler_address)
    client.close()
    cluster.close()


def _without_meta(path):
    results = json.loads(path.read_text())
    results.pop("meta")
    return results


def test_dask_run_gives_the_serial_outputs(book, tmp_path_factory, two_workers):
    other = pipeline.Paths(tmp_path_factory.mktemp("serial"))
    for paths in (book, other):
        (paths.root / "chapters").mkdir(exist_ok=True)
        (paths.root / "lib" / "overparam").mkdir(parents=True, exist_ok=True)
        (paths.root / "lib" / "overparam" / "stub.py").write_text("x = 1\n")
        write(paths.root, "alpha", GOOD)
        write(paths.root, "sized", SIZED)
    lines = []
    dask_records = pipeline.run(book, profile="quick", device="cpu", progress=False, echo=lines.append,
                                cluster=two_workers)
    serial_records = run(other)
    assert [r["chapter"] for r in dask_records] == ["alpha", "sized"] == [r["chapter"] for r in serial_records]
    for d, s in zip(dask_records, serial_records):
        assert d["checks"] == s["checks"] and d["key"] != "" and d["mode"] == "dask" and s["mode"] == "serial"
        assert d["worker"].startswith("tcp://127.0.0.1:") and d["threads"] == 1
        assert _without_meta(book.out / d["chapter"] / "results.json") == \
            _without_meta(other.out / s["chapter"] / "results.json")
        assert sorted(p.name for p in (book.out / d["chapter"]).iterdir()) == \
            sorted(p.name for p in (other.out / s["chapter"]).iterdir())
    assert any("as Dask tasks on tcp://127.0.0.1:" in line for line in lines)
    # The same cache in both modes: a serial run after the Dask run finds every chapter fresh.
    assert all(r.get("cached") for r in run(book))
    assert not any((book.out / ".staging").iterdir())


def test_a_chapter_failing_on_a_worker_keeps_the_last_good_output(book, two_workers):
    write(book.root, "beta", GOOD)
    run(book)
    good_nb, good_results = (book.out / "beta.ipynb").read_text(), (book.out / "beta" / "results.json").read_text()
    write(book.root, "beta", BAD)
    write(book.root, "gamma", GOOD)
    with pytest.raises(pipeline.ChapterFailed) as info:
        pipeline.run(book, profile="quick", device="cpu", progress=False, echo=lambda *_: None, cluster=two_workers)
    err = info.value
    assert err.chapter == "beta" and err.ename == "RuntimeError" and err.cell_index is not None
    assert "boom in the second cell" in err.traceback
    assert (book.out / "beta.ipynb").read_text() == good_nb
    assert (book.out / "beta" / "results.json").read_text() == good_results
    assert err.failed_notebook == book.out / "beta.failed.ipynb" and err.failed_notebook.exists()
    assert (book.out / "gamma" / "results.json").exists()  # the other chapter still ran


def test_chapters_waiting_on_their_own_sweeps_cannot_deadlock(book, two_workers):
    # Two chapters hold both workers' chapter slots while each waits on a sweep sent to the same
    # cluster: the sweeps run only because a chapter task secedes from its worker's thread pool.
    write(book.root, "s1", SWEEP)
    write(book.root, "s2", SWEEP)
    records = pipeline.run(book, profile="quick", device="cpu", progress=False, echo=lambda *_: None,
                           cluster=two_workers)
    assert [r["checks"] for r in records] == [{"roots": "pass"}, {"roots": "pass"}]
    for ch in ("s1", "s2"):
        values = json.loads((book.out / ch / "results.json").read_text())["values"]
        assert values == {"sharded": True, "threads": "1"}  # the sweep went to the cluster; threads set


def test_a_killed_worker_is_replaced_and_the_chapter_retried(book, tmp_path_factory, two_workers):
    marker = tmp_path_factory.mktemp("kill") / "first-try"
    (book.root / "chapters" / "victim.md").write_text(KILLER.format(title="victim", name="victim", marker=marker))
    [rec] = pipeline.run(book, profile="quick", device="cpu", progress=False, echo=lambda *_: None,
                         cluster=two_workers)
    assert marker.exists() and rec["checks"] == {"ok": "pass"}
    assert (book.out / "victim" / "results.json").exists() and (book.out / "victim.ipynb").exists()
    from overparam.book.cache import remove_orphan_staging

    killed = int(marker.read_text())
    leftovers = [p.name for p in remove_orphan_staging(book)]
    assert leftovers in ([], [f"victim-w{killed}"])  # the dead worker's staging goes at the next run


def test_chapter_checks_overrides_itself(tmp_path, monkeypatch):
    """A chapter whose size table the pipeline cannot read from its source still refuses a bad --set
    when its Chapter is built, before any compute, and shows a good one in its size table."""
    from overparam import Chapter
    from overparam.book.params import SET_ENV

    sizes = {"n": {"quick": 2, "paper": 9}, "widths": {"quick": [1, 2], "paper": [3]}}
    monkeypatch.setenv(SET_ENV, json.dumps({"m": 1}))
    with pytest.raises(ValueError, match="unknown size\\(s\\) m for t; valid: n, widths"):
        Chapter("t", profile="quick", device="cpu", seed=0, out_dir=tmp_path, sizes=sizes)
    monkeypatch.setenv(SET_ENV, json.dumps({"widths": [4, 8]}))
    ch = Chapter("t", profile="quick", device="cpu", seed=0, out_dir=tmp_path, sizes=sizes)
    assert ch.sizes.widths == [4, 8] and ch.sizes.n == 2 and ch.results.meta["overrides"] == {"widths": [4, 8]}
    table = ch.sizes_table()
    assert table.loc["widths", "this run (--set, quick)"] == "[4, 8]" and table.loc["n", "this run (--set, quick)"] == ""
    monkeypatch.delenv(SET_ENV)
    assert list(Chapter("t", profile="quick", device="cpu", seed=0, out_dir=tmp_path, sizes=sizes).sizes_table()) == \
        ["quick", "paper"]
