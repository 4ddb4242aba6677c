"""The figure kinds that chapters share, in the book's one style.

Each figure kind is one function that draws on a given Axes and returns the numbers it drew, ready for
``save_figure``, so every figure's data lands in a CSV beside its PNG and SVG. The style, the palette and
``save_figure`` live in ``overparam.book.style`` and are re-exported here, so a chapter needs only
``from overparam import plotting``. A chapter's own composite figures live in ``overparam.book.figures``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .style import PALETTE, STYLE, figure_data_frame, label_log_axis, save_figure, use_style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "PALETTE",
    "STYLE",
    "convergence",
    "figure_data_frame",
    "label_log_axis",
    "matrix",
    "mean_std_curves",
    "phase_diagram",
    "power_law",
    "save_figure",
    "use_style",
]

_label_log_axis = label_log_axis  # the name ``book.figures`` used before it was public


def power_law(ax: Axes, x: Any, y: Any, fit: Any = None, *, label: str | None = None,
              color: str | None = None, marker: str = "o",
              ref_slope: float | None = None) -> dict[str, np.ndarray]:
    """Points y(x) on log-log axes, the fitted power law and, optionally, a reference slope.

    The x axis is ticked at the measured values only (as powers of two when they all are).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    x, y : array-like
        The measured points (positive).
    fit : overparam.measure.fit.SlopeFit, optional
        A fit of log y on log x (``slope``, ``intercept`` and its interval ``lo``, ``hi``), drawn as a
        line and named with its slope and interval in the legend.
    label : str, optional
        Legend entry of the points.
    color : str, optional
        Colour of the points and the fit; the style's next colour by default.
    marker : str
        Matplotlib format of the points.
    ref_slope : float, optional
        Draw the power law of this slope through the first point (dotted), e.g. the theory's slope.

    Returns
    -------
    dict of str -> numpy.ndarray
        ``x``, ``y``, and ``fit_y`` and ``reference_y`` (at ``x``) when drawn.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    line = ax.loglog(x, y, marker, color=color, label=label)[0]
    drawn = {"x": x, "y": y}
    if fit is not None:
        xs = np.geomspace(x.min(), x.max(), 50)
        ys = np.exp(fit.intercept) * xs**fit.slope
        ax.loglog(xs, ys, "-", color=line.get_color(), alpha=0.7,
                  label=f"fit: slope {fit.slope:.2f} [{fit.lo:.2f}, {fit.hi:.2f}]")
        drawn["fit_y"] = np.exp(fit.intercept) * x**fit.slope
    if ref_slope is not None:
        ref = y[0] * (x / x[0]) ** ref_slope
        ax.loglog(x, ref, ":", color="0.4", label=f"slope {ref_slope:g}")
        drawn["reference_y"] = ref
    label_log_axis(ax.xaxis, np.unique(x))
    return drawn


def convergence(ax: Axes, curves: Mapping[str, np.ndarray], *, bound: Mapping[str, np.ndarray] | None = None,
                ylabel: str = "training loss") -> dict[str, np.ndarray]:
    """Loss curves against the step on a log scale, with optional dashed theoretical bounds.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    curves : mapping of label -> array
        One loss per step for each curve.
    bound : mapping of label -> array, optional
        A bound per step, drawn dashed in its curve's colour for the labels it has.
    ylabel : str
        The y axis label.

    Returns
    -------
    dict of str -> numpy.ndarray
        Each curve under its label and each bound under ``"<label> (bound)"``.
    """
    drawn = {}
    for i, (label, losses) in enumerate(curves.items()):
        c = PALETTE[i % len(PALETTE)]
        ax.semilogy(np.arange(len(losses)), losses, color=c, label=label)
        drawn[label] = np.asarray(losses)
        if bound and label in bound:
            ax.semilogy(np.arange(len(bound[label])), bound[label], "--", color=c, alpha=0.8,
                        label=f"{label}: bound")
            drawn[f"{label} (bound)"] = np.asarray(bound[label])
    ax.set_xlabel("step $t$")
    ax.set_ylabel(ylabel)
    return drawn


def matrix(ax: Axes, M: Any, *, title: str | None = None, cmap: str = "viridis",
           colorbar: bool = True) -> dict[str, np.ndarray]:
    """A matrix as an image with a colour bar (Gram matrices, phase diagrams).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    M : array-like
        The matrix (2-D).
    title : str, optional
        Axes title.
    cmap : str
        Colour map.
    colorbar : bool
        Draw a colour bar beside the image.

    Returns
    -------
    dict of str -> numpy.ndarray
        The matrix in long form: ``row``, ``col``, ``value``.
    """
    M = np.asarray(M, float)
    im = ax.imshow(M, cmap=cmap, interpolation="nearest")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    ax.grid(False)
    return {"row": np.repeat(np.arange(M.shape[0]), M.shape[1]),
            "col": np.tile(np.arange(M.shape[1]), M.shape[0]), "value": M.ravel()}


def mean_std_curves(ax: Axes, df: pd.DataFrame, col: str, log: bool = True, group: str = "alpha",
                    step: str = "step") -> dict[str, np.ndarray]:
    """One curve per ``group`` value: the mean of ``col`` over seeds against ``step``, with a ±1 std band.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    df : pandas.DataFrame
        A long table, one row per group value, seed and step.
    col : str
        The column to average.
    log : bool
        Log scale on the y axis.
    group : str
        The column whose values make the curves (labelled ``α = ...`` when it is ``"alpha"``).
    step : str
        The column on the x axis.

    Returns
    -------
    dict of str -> numpy.ndarray
        ``"<group>=<value> mean"`` and ``"<group>=<value> std"`` per curve, by step.
    """
    drawn = {}
    for i, (a, g) in enumerate(df.groupby(group)):
        st = g.groupby(step)[col].agg(["mean", "std"])
        (ax.semilogy if log else ax.plot)(st.index, st["mean"], color=PALETTE[i % len(PALETTE)],
                                          label=fr"$\alpha={a:g}$" if group == "alpha" else f"{group}={a:g}")
        ax.fill_between(st.index, st["mean"] - st["std"].fillna(0), st["mean"] + st["std"].fillna(0),
                        color=PALETTE[i % len(PALETTE)], alpha=0.2)
        drawn[f"{group}={a:g} mean"], drawn[f"{group}={a:g} std"] = st["mean"].values, st["std"].values
    return drawn


# ------------------------------------------------------------------------ phase diagram (Oymak Fig. 2)
def _cell_edges(v: np.ndarray) -> np.ndarray:
    """Cell edges half-way between grid values, so a coarse grid is drawn at its true coordinates."""
    if v.size == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def phase_diagram(ax: Axes, grid: pd.DataFrame, n: int, *, title: str | None = None, fit: Any = None,
                  value_label: str = "empirical success probability", colorbar: bool = True,
                  cmap: str = "RdBu_r", vmin: float = 0.0, vmax: float = 1.0,
                  extra_c: Any = None) -> pd.DataFrame:
    """A phase diagram over width k and input dimension d, as in Figure 2 of Oymak & Soltanolkotabi.

    ``grid`` is drawn with k on the x axis and d on the y axis, in the paper's red (success) / blue
    (failure) map, with the white curve kd = n that the paper draws.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    grid : pandas.DataFrame
        Rows k, columns d, values in [vmin, vmax]; NaN marks a cell that was not run.
    n : int
        The number of samples (the curve kd = n).
    title : str, optional
        Axes title.
    fit : overparam.measure.phase.BoundaryFit, optional
        A fitted boundary kd = c n (its ``c``), drawn dashed when finite.
    value_label : str
        Colour bar label.
    colorbar : bool
        Draw the colour bar.
    cmap : str
        Colour map.
    vmin, vmax : float
        Colour range.
    extra_c : iterable of float, optional
        Further curves kd = c n, drawn dotted.

    Returns
    -------
    pandas.DataFrame
        The drawn numbers in long form: ``k``, ``d``, ``value``.
    """
    ks = np.asarray(grid.index, float)
    ds = np.asarray(grid.columns, float)
    Z = grid.to_numpy(float)
    ek, ed = _cell_edges(ks), _cell_edges(ds)
    im = ax.pcolormesh(ek, ed, np.ma.masked_invalid(Z.T), cmap=cmap, vmin=vmin, vmax=vmax, shading="flat")
    kk = np.linspace(max(ek[0], n / ed[-1]), ek[-1], 200)
    ax.plot(kk, n / kk, color="white", lw=2.2, label="$kd = n$")
    if fit is not None and np.isfinite(fit.c):
        kf = np.linspace(max(ek[0], fit.c * n / ed[-1]), ek[-1], 200)
        ax.plot(kf, fit.c * n / kf, color="k", lw=1.6, ls="--", label=f"fit: $kd = {fit.c:.2f}\\,n$")
    for c in extra_c or ():
        kc = np.linspace(max(ek[0], c * n / ed[-1]), ek[-1], 200)
        ax.plot(kc, c * n / kc, color="0.3", lw=1.0, ls=":", label=f"$kd = {c:g}\\,n$")
    ax.set_xlim(ek[0], ek[-1])
    ax.set_ylim(ed[0], ed[-1])
    ax.set_xlabel("$k$ (hidden units)")
    ax.set_ylabel("$d$ (input dimension)")
    ax.grid(False)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8, frameon=True)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=value_label, fraction=0.046, pad=0.03)
    kk_, dd_ = np.meshgrid(ks, ds, indexing="ij")
    return pd.DataFrame({"k": kk_.ravel(), "d": dd_.ravel(), "value": Z.ravel()})
