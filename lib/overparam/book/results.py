"""The chapter's results record: theorem-level checks, figures, tables, saved atomically as JSON.

``results.json`` is what the tests read, never the printed page. Each check carries the measured value,
what the theory predicts, the conditions that decided it with their tolerances, the verdict and a
one-line reason, so a reader of the JSON alone knows what was tested and why it passed or failed, and a
test can re-decide the verdict from the numbers. Files are written atomically (``atomic_write_text``):
an interrupted run never leaves half a file where the last good one was.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .checks import Condition, as_conditions

__all__ = ["KINDS", "VERDICTS", "Results", "atomic_write_text", "load_results", "to_jsonable"]


VERDICTS = ("pass", "fail", "inconclusive")
KINDS = ("claim", "bound", "remark", "beyond", "erratum")


def to_jsonable(value: Any) -> Any:
    """Turn a value into what strict JSON can hold.

    Parameters
    ----------
    value : Any
        numpy or torch scalars and arrays, floats, and dicts, lists and tuples of them (nested).

    Returns
    -------
    Any
        Plain Python: arrays and tuples as lists, numpy scalars as ``float``/``int``/``bool``, dict
        keys as strings, non-finite floats as None (JSON has no NaN); anything else unchanged.
    """
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it, renamed over: readers never see
    half a file, and a failed write leaves the old file and no temporary behind.

    Parameters
    ----------
    path : str or Path
        The file; its folder is created when missing.
    text : str
        The whole content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _verdict(outcomes: list[str]) -> str:
    """A check fails when one condition fails; else it is inconclusive when one is undecided."""
    if "fail" in outcomes:
        return "fail"
    return "inconclusive" if "inconclusive" in outcomes else "pass"


class Results:
    """What one chapter run measured: the content of its ``results.json``.

    Parameters
    ----------
    chapter : str
        The chapter's name (also stored as ``meta["chapter"]``).
    meta : dict, optional
        Run facts that may differ between two runs of one seed (versions, device, wall time).
    config : dict, optional
        Every size the run used.

    Attributes
    ----------
    checks : dict of str -> dict
        One entry per theorem-level check (``check``).
    figures, tables : list of str
        Paths relative to the output folder.
    values : dict
        Numbers glued into the prose.
    """

    def __init__(self, chapter: str, meta: dict | None = None, config: dict | None = None) -> None:
        self.chapter = chapter
        self.meta: dict = {"chapter": chapter, **(meta or {})}
        self.config: dict = dict(config or {})
        self.checks: dict[str, dict] = {}
        self.figures: list[str] = []
        self.tables: list[str] = []
        self.values: dict[str, Any] = {}

    def check(
        self,
        key: str,
        conditions: Condition | Mapping[str, Condition],
        *,
        title: str,
        kind: str = "claim",
        source: str | None = None,
        measured: Any = None,
        predicted: Any = None,
        reason: str | None = None,
        post_hoc: str | None = None,
        **extra: Any,
    ) -> dict:
        """Record one theorem-level check, decided by its conditions.

        Parameters
        ----------
        key : str
            Unique name of the check in this chapter.
        conditions : Condition or mapping of name -> Condition
            The rules the measurement must meet (``overparam.book.checks``); the verdict is "pass" when
            all hold. Each is stored with its tolerance.
        title : str
            What is checked, in words, naming the theorem by the paper's number.
        kind : str
            One of ``KINDS``: a ``claim`` the paper makes, a ``bound`` with constants, a ``remark`` made
            precise, a question ``beyond`` the paper, or an ``erratum``.
        source : str, optional
            The paper's words (section or equation and a quotation).
        measured, predicted : optional
            Shown in the summary; default to the first condition's value and what its rule expects.
        reason : str, optional
            A sentence that comes before the conditions in words.
        post_hoc : str, optional
            Set when the rule or its tolerance was chosen or changed after the result was seen: what
            changed and why. Recorded and shown beside the verdict (the verdict rules, rule 5).
        **extra
            Further numbers to keep with the check (JSON-able). An ``erratum`` gives ``corrected``: the
            statement as execution shows it should read (the book's errata page quotes it).

        Returns
        -------
        dict
            The stored entry: ``title``, ``kind``, ``source``, ``measured``, ``predicted``,
            ``conditions`` (each condition's JSON form), ``verdict`` ("fail" when a condition fails,
            else "inconclusive" when one is undecided, else "pass"), ``reason``, ``post_hoc`` and the
            ``extra`` numbers.

        Raises
        ------
        KeyError
            ``key`` was recorded before.
        ValueError
            An unknown ``kind``.
        TypeError
            ``conditions`` is not a Condition or a non-empty mapping of them.
        """
        if key in self.checks:
            raise KeyError(f"check {key!r} recorded twice")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} of check {key!r}; valid: {', '.join(KINDS)}")
        conds = as_conditions(conditions)
        first = next(iter(conds.values()))
        words = "; ".join(c.describe() if name == "value" else f"{name}: {c.describe()}" for name, c in conds.items())
        entry = {
            "title": title,
            "kind": kind,
            "source": source,
            "measured": to_jsonable(first.value if measured is None else measured),
            "predicted": to_jsonable(first.predicted() if predicted is None else predicted),
            "conditions": {name: to_jsonable(c.as_dict()) for name, c in conds.items()},
            "verdict": _verdict([c.decide() for c in conds.values()]),
            "reason": f"{reason}: {words}" if reason else words,
            "post_hoc": post_hoc,
            **to_jsonable(extra),
        }
        self.checks[key] = entry
        return entry

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of the record.

        Returns
        -------
        dict
            ``meta``, ``config``, ``checks``, ``figures``, ``tables`` and ``values``, JSON-able.
        """
        return {
            "meta": to_jsonable(self.meta),
            "config": to_jsonable(self.config),
            "checks": self.checks,
            "figures": list(self.figures),
            "tables": list(self.tables),
            "values": to_jsonable(self.values),
        }

    def save(self, path: str | Path) -> Path:
        """Write the record as strict JSON (no NaN literals), atomically.

        Parameters
        ----------
        path : str or Path
            The file, normally ``out_dir/results.json``.

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        TypeError
            A value that JSON cannot hold (an object ``to_jsonable`` leaves unchanged); the old file
            is kept.
        """
        path = Path(path)
        atomic_write_text(path, json.dumps(self.as_dict(), indent=2, allow_nan=False) + "\n")
        return path


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a ``results.json``.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    dict
        The record as ``Results.as_dict`` wrote it.
    """
    with open(path) as f:
        return json.load(f)
