"""Progress bars for long loops, shown in the terminal that runs the pipeline and never on a page.

A chapter executed by the pipeline runs in a Jupyter kernel whose stderr becomes cell output, so a
progress bar written there would land on the book's page. The pipeline therefore sets
``OVERPARAM_PROGRESS`` to a file it tails to its own terminal (or to ``off``); ``progress`` writes its
bars there. Run by hand (a script, an interactive session) with the variable unset, the bars go to
stderr as usual.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable
from typing import Any, TextIO, TypeVar

from tqdm import tqdm
from tqdm.std import TqdmWarning

__all__ = ["ENV", "progress", "route_warnings_to_terminal", "terminal"]

ENV = "OVERPARAM_PROGRESS"
"""The environment variable the pipeline sets: a file path, or ``off``."""
T = TypeVar("T")
_stream: TextIO | None = None


def terminal() -> TextIO | None:
    """The stream progress bars and routed warnings go to.

    Returns
    -------
    file or None
        The file named by ``OVERPARAM_PROGRESS`` (opened for appending, line-buffered, and kept open
        for the process's lifetime), ``sys.stderr`` when the variable is unset or empty, or None when
        it is ``off``.
    """
    global _stream
    where = os.environ.get(ENV, "")
    if where == "off":
        return None
    if not where:
        return sys.stderr
    if _stream is None or _stream.name != where:
        _stream = open(where, "a", buffering=1)  # noqa: SIM115 (kept open for the kernel's lifetime)
    return _stream


def progress(iterable: Iterable[T] | None = None, *, total: int | None = None, desc: str = "",
             enabled: bool = True, **kw: Any) -> tqdm:
    """A ``tqdm`` bar on the pipeline's terminal (see the module docstring).

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over; None for a bar updated by hand (``bar.update(k)``).
    total : int, optional
        Number of items, when ``iterable`` has no length.
    desc : str
        Label shown before the bar.
    enabled : bool
        False gives a silent bar with the same interface.
    **kw
        Passed to ``tqdm`` (``leave``, ``mininterval``, ...).

    Returns
    -------
    tqdm
        Writing to ``terminal()``, 100 columns wide, redrawn at most once a second unless
        ``mininterval`` is given; disabled when ``enabled`` is False or progress is ``off``.
    """
    target = terminal()
    with warnings.catch_warnings():
        # tqdm warns when it cannot draw a widget in a notebook; the plain text bar is what we want
        warnings.simplefilter("ignore", TqdmWarning)
        return tqdm(iterable, total=total, desc=desc, file=target if target is not None else sys.stderr,
                    disable=not enabled or target is None, dynamic_ncols=False, ncols=100,
                    mininterval=kw.pop("mininterval", 1.0), **kw)


def route_warnings_to_terminal() -> None:
    """Under the pipeline (``OVERPARAM_PROGRESS`` set), print warnings on its terminal, not on the page.

    A warning is for whoever runs the book, not for its reader: the page must show no stderr. Outside
    the pipeline nothing changes. Under the pipeline this replaces ``warnings.showwarning`` for the rest
    of the process (the chapter's kernel); with progress ``off`` warnings are dropped.
    """
    if not os.environ.get(ENV):
        return
    warnings.showwarning = _show_on_terminal


def _show_on_terminal(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      file: TextIO | None = None, line: str | None = None) -> None:
    """A ``warnings.showwarning`` that writes to ``terminal()`` (``file`` is ignored: never the page)."""
    out = terminal()
    if out is not None:
        out.write(warnings.formatwarning(message, category, filename, lineno, line))
