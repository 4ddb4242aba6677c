"""The ``overparam`` command (also ``python -m overparam``): run, build, list, clean.

A thin layer over ``overparam.book.pipeline``: it parses the arguments, finds the book's root and turns
the pipeline's two errors into exit codes and one-line messages, so ``make book`` and CI see a clear
failure without a Python traceback for a typo.
"""

from __future__ import annotations

import argparse
import sys

from . import pipeline
from .params import DEVICES, PROFILES

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

    b = sub.add_parser("build", help="render the executed chapters into HTML with jupyter-book")
    b.add_argument("--no-strict", action="store_true", help="do not turn Sphinx warnings into errors")

    ls = sub.add_parser("list", help="chapters with their cache state, last run and check verdicts")
    ls.add_argument("--profile", default="quick")
    ls.add_argument("--device", default="auto")
    ls.add_argument("--seed", type=int, default=0)

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
        The exit status: 0 on success, 2 for bad input (``PipelineError``: unknown profile, device or
        chapter, no root, a failed build), 1 when a chapter failed (``ChapterFailed``). The message
        goes to stderr.
    """
    args = _parser().parse_args(argv)
    try:
        paths = pipeline.Paths(pipeline.find_root())
        if args.command == "run":
            pipeline.run(paths, profile=args.profile, device=args.device, seed=args.seed,
                         chapters=args.chapter, force=args.force, progress=not args.no_progress)
        elif args.command == "build":
            pipeline.build(paths, strict=not args.no_strict)
        elif args.command == "list":
            pipeline.validate(paths, args.profile, args.device, None)
            rows = pipeline.status_rows(paths, args.profile, args.device, args.seed)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
