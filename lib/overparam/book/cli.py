"""The ``overparam`` command (also ``python -m overparam``): run, build, list, clean.

A thin layer over ``overparam.book.pipeline``: it parses the arguments, finds the book's root and turns
the pipeline's errors into exit codes and one-line messages, so ``make book`` and CI see a clear
failure without a Python traceback for a typo. Every input (chapter, profile, device, size override,
cluster config) is checked before any kernel, cluster or GPU is started.

Examples::

    python -m overparam run                                   # every chapter, serially, quick profile
    python -m overparam run --chapter ntk_primer --set n=200 --set gd_log2_widths=[7,9]
    python -m overparam run --workers 2                       # a LocalCluster on 127.0.0.1
    python -m overparam run --profile paper --cluster cuda    # one worker per GPU (extra 'cuda')
    python -m overparam run --profile paper --cluster slurm --cluster-config overparam-cluster.toml
    python -m overparam run --scheduler tls://head:8786       # an existing cluster ([tls] in the config)
"""

from __future__ import annotations

import argparse
import sys

from . import pipeline
from .params import DEVICES, PROFILES, parse_set

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="overparam", description="Execute and build the companion book.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="execute chapters with papermill (cached by content hash)")
    r.add_argument("--profile", default="quick", help=f"size profile: {' | '.join(PROFILES)} (default quick)")
    r.add_argument("--device", default="auto", help=f"{' | '.join(DEVICES)} | cuda:N (default auto)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--chapter", action="append", metavar="NAME", help="run only this chapter (repeatable)")
    r.add_argument("--force", action="store_true", help="re-run even when the cache is fresh")
    r.add_argument("--no-progress", action="store_true", help="no per-cell progress bars")
    r.add_argument("--set", action="append", metavar="NAME=VALUE", dest="sets",
                   help="override a size of the chapter's table, e.g. --set n=200 --set widths=[64,128]")
    d = r.add_argument_group("Dask (chapters as tasks; sweeps sharded over the same cluster)")
    d.add_argument("--workers", type=int, metavar="N", help="a LocalCluster of N worker processes on 127.0.0.1")
    d.add_argument("--threads-per-worker", type=int, default=1, metavar="T")
    d.add_argument("--scheduler", metavar="ADDR", help="an existing scheduler, tcp://HOST:PORT or tls://HOST:PORT")
    d.add_argument("--cluster", metavar="KIND", help="local | cuda (one worker per GPU) | slurm")
    d.add_argument("--cluster-config", metavar="PATH", help="TOML with [slurm] and [tls] (overparam.book.cluster)")
    d.add_argument("--dashboard", action="store_true", help="serve Dask's dashboard (on 127.0.0.1 when local)")

    b = sub.add_parser("build", help="render the executed chapters into HTML with jupyter-book")
    b.add_argument("--no-strict", action="store_true", help="do not turn Sphinx warnings into errors")

    ls = sub.add_parser("list", help="chapters with their cache state, last run and check verdicts")
    ls.add_argument("--profile", default="quick")
    ls.add_argument("--device", default="auto")
    ls.add_argument("--seed", type=int, default=0)
    ls.add_argument("--set", action="append", metavar="NAME=VALUE", dest="sets")

    sub.add_parser("clean", help="remove executed chapters and the built HTML")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one ``overparam`` command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        The exit status: 0 on success, 2 for bad input (``PipelineError``: unknown profile, device,
        chapter or size, a bad cluster option, no root, a failed build), 1 when a chapter failed
        (``ChapterFailed``), 130 when interrupted (Ctrl-C) and 143 on SIGTERM. The message goes to
        stderr.
    """
    args = _parser().parse_args(argv)
    try:
        paths = pipeline.Paths(pipeline.find_root())
        overrides = _overrides(args)
        if args.command == "run":
            spec = _cluster_spec(args, paths)
            pipeline.run(paths, profile=args.profile, device=args.device, seed=args.seed,
                         chapters=args.chapter, force=args.force, progress=not args.no_progress,
                         overrides=overrides, cluster=spec)
        elif args.command == "build":
            pipeline.build(paths, strict=not args.no_strict)
        elif args.command == "list":
            pipeline.validate(paths, args.profile, args.device, None)
            rows = pipeline.status_rows(paths, args.profile, args.device, args.seed, overrides)
            cols = list(rows[0])
            widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
            print("  ".join(c.ljust(widths[c]) for c in cols))
            for r in rows:
                print("  ".join(str(r[c]).ljust(widths[c]) for c in cols))
        elif args.command == "clean":
            pipeline.clean(paths)
    except pipeline.PipelineError as e:
        print(f"overparam: error: {e}", file=sys.stderr)
        return 2
    except pipeline.ChapterFailed as e:
        print(f"overparam: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        why = str(e) or "Ctrl-C"
        print(f"overparam: interrupted ({why}); the last good outputs are untouched, and `list` marks the "
              "chapters that were running", file=sys.stderr)
        return 143 if why == "SIGTERM" else 130
    return 0


def _overrides(args: argparse.Namespace) -> dict:
    """The ``--set`` overrides, parsed (a bad item is bad input)."""
    try:
        return parse_set(getattr(args, "sets", None))
    except ValueError as e:
        raise pipeline.PipelineError(str(e)) from None


def _cluster_spec(args: argparse.Namespace, paths: pipeline.Paths):  # -> cluster.ClusterSpec | None
    """The Dask cluster the options ask for, checked (None: serial); Dask is imported only when asked."""
    asked = [o for o, v in (("--workers", args.workers), ("--scheduler", args.scheduler),
                            ("--cluster", args.cluster)) if v is not None]
    if not asked:
        if args.cluster_config or args.dashboard:
            raise pipeline.PipelineError("--cluster-config and --dashboard need --workers, --scheduler or --cluster")
        return None
    if args.scheduler and len(asked) > 1:
        others = [o for o in asked if o != "--scheduler"]
        raise pipeline.PipelineError(f"--scheduler uses an existing cluster; drop {', '.join(others)}")
    from . import cluster

    kind = args.cluster or "local"
    if kind not in cluster.CLUSTERS:
        raise pipeline.PipelineError(f"unknown cluster {kind!r}; valid: {', '.join(cluster.CLUSTERS)}")
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://")):
        raise pipeline.PipelineError(f"--scheduler {args.scheduler!r}: expected tcp://HOST:PORT or tls://HOST:PORT")
    if kind == "cuda" and args.device not in ("auto", "cuda"):
        raise pipeline.PipelineError(f"--cluster cuda gives each worker one GPU: use --device cuda or auto, "
                                     f"not {args.device!r}")
    workers = args.workers if args.workers is not None else (0 if kind == "cuda" else 1)
    if workers < 0 or (kind == "local" and workers < 1) or args.threads_per_worker < 1:
        raise pipeline.PipelineError("--workers and --threads-per-worker must be positive")
    config = cluster.load_config(args.cluster_config, paths.root)
    return cluster.ClusterSpec(kind=kind, workers=workers, threads=args.threads_per_worker,
                               scheduler=args.scheduler, dashboard=args.dashboard, config=config)


if __name__ == "__main__":
    sys.exit(main())
