"""``Chapter``: the one object a chapter notebook touches.

A chapter is executed by the pipeline with four injected parameters (profile, device, seed, out_dir).
``Chapter`` validates them before any compute, so a typo fails at once with the valid choices; selects
the active row of the chapter's size table, so the page shows the paper's sizes beside the scaled-down
ones; hands out named random streams; and collects checks, glued numbers, figures and tables into
``out_dir`` and its ``results.json``, which is what the tests read.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from .. import __version__
from ..runtime import derive_seed, resolve_device, route_warnings_to_terminal
from . import plotting
from .checks import Condition
from .display import glue_value as _glue
from .display import show_verdict as _show_verdict
from .params import (
    DEVICES,
    PROFILES,
    apply_overrides,
    overrides_from_env,
    validate_device,
    validate_profile,
)
from .results import Results, atomic_write_text
from .run_facts import CellTimer, machine

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DEVICES", "PROFILES", "Chapter", "validate_device", "validate_profile"]


class Chapter:
    """Context of one executed chapter.

    Building it sets the book's figure style and, under the pipeline, sends warnings to the pipeline's
    terminal instead of the page (``overparam.runtime.route_warnings_to_terminal``).

    Parameters
    ----------
    name : str
        The chapter's name (its source is ``chapters/NAME.md``).
    profile : str
        The size profile, one of ``PROFILES`` (injected by the pipeline).
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (injected by the pipeline).
    seed : int
        The chapter seed, non-negative; every random stream is derived from it by name.
    out_dir : str or Path
        Where figures, tables and ``results.json`` go; created when missing.
    sizes : mapping of str -> mapping of str -> value
        Each size's value per profile, e.g. ``{"n": {"quick": 40, "paper": 1000}}``; the active values
        are ``ch.sizes.n``. Every profile must give every size, so the paper's value is always on the
        page next to the scaled-down one.
    threads : int, optional
        torch CPU threads; by default 1 on the CPU under the quick profile, torch's default otherwise.

    Raises
    ------
    ValueError
        An unknown profile or device name, a seed that is not a non-negative integer, a size that
        lacks a profile, or a ``--set`` override of an unknown size or of the wrong kind.
    RuntimeError
        A CUDA device was asked for and torch sees none.

    Attributes
    ----------
    sizes : types.SimpleNamespace
        The active profile's sizes.
    size_table : dict
        Every profile's sizes (what ``sizes_table`` shows).
    device : torch.device
        The resolved device.
    results : Results
        What ``finish`` writes to ``results.json``.
    """

    def __init__(
        self,
        name: str,
        *,
        profile: str,
        device: str,
        seed: int,
        out_dir: str | Path,
        sizes: Mapping[str, Mapping[str, Any]],
        threads: int | None = None,
    ) -> None:
        self.name = name
        self.profile = validate_profile(profile)
        validate_device(device)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        missing = {k: [p for p in PROFILES if p not in row] for k, row in sizes.items()}
        missing = {k: v for k, v in missing.items() if v}
        if missing:
            raise ValueError(f"size table is missing profiles: {missing}")
        self.size_table = {k: dict(v) for k, v in sizes.items()}
        # Size overrides of `python -m overparam run --set NAME=VALUE` (the pipeline passes them in
        # $OVERPARAM_SET); checked against the table, shown by sizes_table, recorded in meta.
        self.overrides = overrides_from_env()
        active = apply_overrides(self.size_table, profile, self.overrides, chapter=name)
        self.sizes = SimpleNamespace(**active)
        self.device = resolve_device(device)
        # Small tensors on a CPU (the quick profile's regime) run fastest and reproducibly on one
        # thread; on a shared machine torch's default thread pool can be hundreds of times slower.
        if threads is None and self.device.type == "cpu" and self.profile == "quick":
            threads = 1
        if threads:
            torch.set_num_threads(int(threads))
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._t0 = time.time()
        self.results = Results(
            name,
            meta={
                "profile": self.profile,
                "device": str(self.device),
                "device_requested": device,
                "seed": self.seed,
                "overrides": dict(self.overrides),
                "torch_threads": torch.get_num_threads(),
                "versions": {
                    "overparam": __version__,
                    "python": platform.python_version(),
                    "torch": torch.__version__,
                    "numpy": np.__version__,
                },
                "machine": machine(self.device),
            },
            config=active,
        )
        plotting.use_style()
        route_warnings_to_terminal()
        self._timer = CellTimer().start()  # each later cell's time, for the reproducibility page

    # -- randomness -------------------------------------------------------------------------------
    def seed_for(self, *names: int | str) -> int:
        """The integer seed of the stream ``names`` (for library functions that take ``seed=``).

        Parameters
        ----------
        *names : str or int
            The stream's name, e.g. ``("figure2", "relu")``; different names give independent streams.

        Returns
        -------
        int
            ``overparam.runtime.derive_seed(seed, *names)``.

        Raises
        ------
        ValueError
            No name was given.
        """
        if not names:
            raise ValueError("name the random stream, e.g. ch.rng('figure2')")
        return derive_seed(self.seed, *names)

    def generator(self, *names: int | str) -> torch.Generator:
        """A CPU ``torch.Generator`` on the named stream.

        Models sample their weights on the CPU and then move, so one seed gives the same weights on
        every device.

        Parameters
        ----------
        *names : str or int
            The stream's name, as for ``seed_for``.

        Returns
        -------
        torch.Generator
            Seeded with ``seed_for(*names)``.

        Raises
        ------
        ValueError
            No name was given.
        """
        return torch.Generator().manual_seed(self.seed_for(*names))

    def rng(self, *names: int | str) -> np.random.Generator:
        """A ``numpy.random.Generator`` on the named stream.

        Parameters
        ----------
        *names : str or int
            The stream's name, as for ``seed_for``.

        Returns
        -------
        numpy.random.Generator
            ``numpy.random.default_rng(seed_for(*names))``.

        Raises
        ------
        ValueError
            No name was given.
        """
        return np.random.default_rng(self.seed_for(*names))

    # -- what the page shows ----------------------------------------------------------------------
    def sizes_table(self) -> pd.DataFrame:
        """Every size under every profile, for the page (the paper's values beside the quick ones).

        Returns
        -------
        pandas.DataFrame
            One row per size, one column per profile, as strings; with ``--set`` overrides, one more
            column with the values this run used instead (empty where the profile's value was used).
        """
        df = pd.DataFrame(self.size_table).T[list(PROFILES)]
        if self.overrides:
            df[f"this run (--set, {self.profile})"] = [repr(self.overrides[k]) if k in self.overrides else ""
                                                      for k in df.index]
        df.index.name = "size"
        return df.astype(str)

    def glue(self, key: str, value: Any) -> None:
        """Make ``value`` quotable in the prose as {glue:text}`key` and keep it in results.json.

        Wall times and other numbers that differ between two runs of one seed belong in ``meta``, not
        here: ``results.json`` outside ``meta`` is the same for the same seed on the CPU.

        Parameters
        ----------
        key : str
            The name the prose quotes; a later value under the same key replaces the earlier one.
        value : Any
            A JSON-able value; a zero-dimensional numpy array or tensor is stored as its scalar.
        """
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            value = value.item()
        self.results.values[key] = value
        _glue(key, value)

    def glue_all(self, values: Mapping[str, Any]) -> None:
        """``glue`` every (key, value) of ``values`` in order, e.g. an experiment record's ``quotes()``.

        Parameters
        ----------
        values : mapping
            Key -> number or string to quote in the prose.
        """
        for key, value in values.items():
            self.glue(key, value)

    def check(self, key: str, conditions: Condition | Mapping[str, Condition], *, title: str,
              kind: str = "claim", source: str | None = None, **extra) -> None:
        """Record a theorem-level check and show its verdict line under the cell.

        Parameters
        ----------
        key : str
            Unique name of the check; its verdict is glued as ``<key>_verdict`` for the prose.
        conditions : Condition or mapping of name -> Condition
            ``within``, ``band``, ``at_most``, ``at_least`` from ``overparam.book.checks``, each with
            its tolerance; the check passes when all hold.
        title : str
            What is checked, naming the theorem by the paper's own number.
        kind : str
            ``claim``, ``bound``, ``remark``, ``beyond`` or ``erratum`` (``overparam.book.results.KINDS``).
        source : str, optional
            The paper's words that the check tests.
        **extra
            ``measured``, ``predicted``, ``reason``, ``corrected`` (an erratum's fix) and more (``Results.check``).

        Raises
        ------
        KeyError
            ``key`` was checked before.
        ValueError
            An unknown ``kind``.
        TypeError
            ``conditions`` is not a Condition or a non-empty mapping of them.

        Notes
        -----
        Under a kernel the verdict line "✅ **PASS** — *title*: reason" (❌ **FAIL**, ❔ **INCONCLUSIVE**)
        is shown under the cell (anchor ``check-KEY``, the ledger's link), ending with each condition's numbers.
        """
        entry = self.results.check(key, conditions, title=title, kind=kind, source=source, **extra)
        _glue(f"{key}_verdict", entry["verdict"].upper())
        _show_verdict(title, entry, key=key)

    def figure(self, fig: Figure, name: str, data: pd.DataFrame | Mapping[str, Any]) -> dict[str, Path]:
        """Save a figure (PNG and SVG) with the numbers it draws (CSV) and list it in results.json.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
            The figure.
        name : str
            File stem under ``out_dir/figures/``.
        data : pandas.DataFrame or mapping of column -> values
            The plotted numbers (required: every figure saves its CSV).

        Returns
        -------
        dict of str -> Path
            The written files by extension (``png``, ``svg``, ``csv``).

        Raises
        ------
        ValueError
            ``data`` is None.
        """
        paths = plotting.save_figure(fig, name, self.out_dir / "figures", data=data)
        if f"figures/{name}.png" not in self.results.figures:
            self.results.figures.append(f"figures/{name}.png")
        return paths

    def table(self, df: pd.DataFrame, name: str, floatfmt: str = ".4g") -> pd.DataFrame:
        """Save a table as CSV and Markdown under ``out_dir/tables/`` and list it in results.json.

        Parameters
        ----------
        df : pandas.DataFrame
            The table (its index is written too).
        name : str
            File stem.
        floatfmt : str
            Number format of the Markdown copy.

        Returns
        -------
        pandas.DataFrame
            ``df`` itself, so the cell can show it.
        """
        tdir = self.out_dir / "tables"
        atomic_write_text(tdir / f"{name}.csv", df.to_csv(index=True))
        atomic_write_text(tdir / f"{name}.md", df.to_markdown(floatfmt=floatfmt) + "\n")
        self.results.tables.append(f"tables/{name}.csv")
        return df

    def verdict_counts(self) -> pd.DataFrame:
        """How many checks of each kind ended in each verdict, for the chapter's header and summary.

        Returns
        -------
        pandas.DataFrame
            Rows: the kinds present; columns: pass, fail, inconclusive; a ``total`` row and column.
        """
        rows = pd.DataFrame([{"kind": c["kind"], "verdict": c["verdict"]} for c in self.results.checks.values()],
                            columns=["kind", "verdict"])
        table = pd.crosstab(rows["kind"], rows["verdict"], margins=True, margins_name="total")
        order = [v for v in ("pass", "fail", "inconclusive") if v in table.columns] + ["total"]
        return table.reindex(columns=order, fill_value=0)

    def verdict_counts_text(self) -> str:
        """The verdict counts per kind in words, e.g. "claim: 8 pass, 3 fail; beyond: 7 pass".

        Returns
        -------
        str
            For the chapter's header, glued (``ch.glue("verdict_counts", ch.verdict_counts_text())``).
        """
        counts = self.verdict_counts().drop(index="total", columns="total")
        return "; ".join(f"{kind}: " + ", ".join(f"{int(n)} {v}" for v, n in row.items() if n)
                         for kind, row in counts.iterrows())

    def summary_table(self) -> pd.DataFrame:
        """Every check recorded so far, for the chapter's closing summary.

        Returns
        -------
        pandas.DataFrame
            Indexed by check key, with ``claim`` (the title), ``kind``, ``source`` (the paper's words),
            ``measured``, ``predicted``, ``verdict`` and ``why`` (the reason).
        """
        rows = [
            {"check": k, "claim": c["title"], "kind": c["kind"], "source": c.get("source") or "",
             "measured": c["measured"], "predicted": c["predicted"], "verdict": c["verdict"],
             "why": c["reason"]}
            for k, c in self.results.checks.items()
        ]
        return pd.DataFrame(rows).set_index("check")

    def finish(self) -> None:
        """Write results.json (atomically), wall time and slowest cells in ``meta``; call once, last cell."""
        self.results.meta["wall_time_s"] = round(time.time() - self._t0, 2)
        self.results.meta["slowest_cells"] = self._timer.slowest(5)
        self._timer.stop()
        self.results.save(self.out_dir / "results.json")
