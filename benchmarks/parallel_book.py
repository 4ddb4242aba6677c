"""The whole book (quick profile, nothing cached) run serially and on a 2-worker Dask LocalCluster, in one run.

Issue 14's measure of the chapters-as-tasks pipeline: two scratch copies of the book (chapter sources, the
table of contents, data fixtures; the library is the installed one) are executed from scratch, one with
``pipeline.run`` serially, one with ``pipeline.run(cluster=ClusterSpec(workers=W))``. Prints each mode's
wall time, the ratio serial / Dask (the issue's target: at least 1.6 on two cores) and whether every
chapter's ``checks`` in ``results.json`` (measured values, tolerances and verdicts) are identical.

    python benchmarks/parallel_book.py [--workers 2] [--chapters NAME ...] [--order dask-first]

Run serial first (the default), the Dask run finds the serial run's records, as a rebuild does, and starts
the longest chapters first; both runs execute every chapter (``force=True``).

The ratio is bounded by the longest chapter (a task cannot be split) and by the machine's load: on a
machine shared with other jobs both runs slow down by different amounts, so run it on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from overparam.book import pipeline
from overparam.book.cluster import ClusterSpec


def scratch_book(root: Path, into: Path) -> pipeline.Paths:
    """A copy of the book's inputs under ``into`` (the library stays the installed one)."""
    (into / "lib" / "overparam").mkdir(parents=True)
    shutil.copytree(root / "chapters", into / "chapters", ignore=shutil.ignore_patterns("_scratch", ".ipynb*"))
    (into / "book").mkdir()
    shutil.copy(root / "book" / "_toc.yml", into / "book" / "_toc.yml")
    if (root / "data").exists():
        shutil.copytree(root / "data", into / "data", symlinks=True)
    return pipeline.Paths(into)


def checks_of(paths: pipeline.Paths, chapters: list[str]) -> dict[str, dict]:
    return {c: json.loads((paths.out / c / "results.json").read_text())["checks"] for c in chapters}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chapters", nargs="*", help="only these chapters (default: all)")
    ap.add_argument("--order", choices=["serial-first", "dask-first"], default="serial-first")
    args = ap.parse_args(argv)
    root = Path(pipeline.find_root())
    tmp = Path(tempfile.mkdtemp(prefix="overparam-bench-"))
    try:
        books = {"serial": scratch_book(root, tmp / "serial"), "dask": scratch_book(root, tmp / "dask")}
        chapters = pipeline.validate(books["serial"], "quick", "cpu", args.chapters)
        spec = ClusterSpec(kind="local", workers=args.workers, threads=1)
        times = {}
        modes = ["serial", "dask"] if args.order == "serial-first" else ["dask", "serial"]
        for mode in modes:
            if mode == "dask" and books["serial"].out.exists():
                # The last run's records, as a rebuild has them: the Dask run starts the longest chapters
                # first (force=True: nothing is taken from the cache).
                shutil.copytree(books["serial"].out, books["dask"].out, dirs_exist_ok=True)
            t0 = time.perf_counter()
            pipeline.run(books[mode], profile="quick", device="cpu", chapters=chapters, force=True, progress=False,
                         cluster=spec if mode == "dask" else None, echo=lambda line, m=mode: print(f"  [{m}] {line}",
                                                                                           flush=True))
            times[mode] = time.perf_counter() - t0
            print(f"{mode}: {times[mode]:.1f} s", flush=True)
        same = checks_of(books["serial"], chapters) == checks_of(books["dask"], chapters)
        ratio = times["serial"] / times["dask"]
        print(f"chapters: {', '.join(chapters)}")
        print(f"serial {times['serial']:.1f} s, Dask {args.workers} workers {times['dask']:.1f} s: "
              f"ratio {ratio:.2f} (target >= 1.6); results.json checks identical: {same}")
        return {**times, "ratio": ratio, "identical_checks": same}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
