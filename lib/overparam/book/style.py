"""The book's one figure style and how a figure is saved: with the numbers it draws.

A reader moves between chapters, so every figure uses one colour-blind-safe style (``STYLE``, set by
``Chapter``) and ticks its width axis at the measured values (``label_log_axis``); and every figure's
numbers land in a CSV beside its PNG and SVG (``save_figure``), so a plotted point can be checked
without reading pixels. The figure kinds are in ``overparam.book.plotting``, which re-exports these.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd

from .results import atomic_write_text

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

__all__ = ["PALETTE", "STYLE", "figure_data_frame", "label_log_axis", "save_figure", "use_style"]


# Colour-blind safe (Okabe-Ito), in the order series are drawn.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "svg.hashsalt": "overparam",  # stable SVG ids: reruns do not churn the files
    "svg.fonttype": "none",
}


def use_style() -> None:
    """Set the book's figure style (``STYLE``) in matplotlib's global ``rcParams``."""
    matplotlib.rcParams.update(STYLE)


def figure_data_frame(data: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    """The plotted numbers of a figure as one table.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column -> array-like
        A table, or columns (each flattened; unequal lengths are padded with NaN).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    TypeError
        ``data`` is neither.
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        return pd.DataFrame({k: pd.Series(np.asarray(v).ravel()) for k, v in data.items()})
    raise TypeError("figure data must be a DataFrame or a mapping of column name -> values")


def save_figure(fig: Figure, name: str, out_dir: str | Path,
                data: pd.DataFrame | Mapping[str, Any] | None = None) -> dict[str, Path]:
    """Save ``fig`` as out_dir/name.png and .svg and the plotted numbers as out_dir/name.csv.

    Each file is written beside its final name and renamed over it, so a reader never sees half a
    figure; the SVG carries no date, so an unchanged figure gives an unchanged file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    name : str
        File stem.
    out_dir : str or Path
        The folder, created when missing.
    data : pandas.DataFrame or mapping of column -> values
        The plotted numbers (``figure_data_frame``); required.

    Returns
    -------
    dict of str -> Path
        The written files by extension (``png``, ``svg``, ``csv``).

    Raises
    ------
    ValueError
        ``data`` is None: every figure saves its CSV.
    """
    if data is None:
        raise ValueError(f"figure {name!r}: pass the plotted numbers as data= (every figure saves its CSV)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {ext: out_dir / f"{name}.{ext}" for ext in ("png", "svg", "csv")}
    for ext in ("png", "svg"):
        tmp = out_dir / f".{name}.tmp.{ext}"
        fig.savefig(tmp, format=ext, metadata={"Date": None} if ext == "svg" else None)
        tmp.replace(paths[ext])
    atomic_write_text(paths["csv"], figure_data_frame(data).to_csv(index=False))
    return paths


def label_log_axis(axis: Axis, values: np.ndarray) -> None:
    """Tick a log axis at the measured values only (widths are powers of two: 2^k reads best).

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        The axis, e.g. ``ax.xaxis``.
    values : numpy.ndarray
        The measured values, increasing and positive; at most 12 are labelled (every k-th one when
        there are more), as ``2^k`` when all are powers of two.
    """
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    if len(values) > 12:
        values = values[:: int(np.ceil(len(values) / 12))]
    pow2 = np.all(np.log2(values) == np.round(np.log2(values)))
    labels = [f"$2^{{{int(np.log2(v))}}}$" if pow2 else f"{v:g}" for v in values]
    axis.set_major_locator(FixedLocator(values))
    axis.set_ticklabels(labels)
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())
