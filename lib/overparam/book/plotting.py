"""One figure style for the whole book, ``save_figure``, and the shared figure kinds.

Each figure kind is one function that draws on a given Axes and returns the numbers it drew, so the
chapter can hand them to ``save_figure`` (every figure's data lands in a CSV beside its PNG and SVG).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import matplotlib
import numpy as np
import pandas as pd

from .results import atomic_write_text

__all__ = ["PALETTE", "STYLE", "use_style", "figure_data_frame", "save_figure", "power_law", "convergence", "matrix", "mean_std_curves", "phase_diagram"]


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
    matplotlib.rcParams.update(STYLE)


def figure_data_frame(data) -> pd.DataFrame:
    """A DataFrame from a DataFrame or a mapping of columns (unequal lengths are padded with NaN)."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        return pd.DataFrame({k: pd.Series(np.asarray(v).ravel()) for k, v in data.items()})
    raise TypeError("figure data must be a DataFrame or a mapping of column name -> values")


def save_figure(fig, name: str, out_dir: str | Path, data=None) -> dict[str, Path]:
    """Save ``fig`` as out_dir/name.png and .svg and the plotted numbers as out_dir/name.csv."""
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


def power_law(ax, x, y, fit=None, *, label=None, color=None, marker="o", ref_slope=None):
    """Points y(x) on log-log axes, the fitted power law (a ``overparam.measure.fit.SlopeFit``) and, optionally,
    a reference slope through the first point. Returns the drawn numbers."""
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
    _label_log_axis(ax.xaxis, np.unique(x))
    return drawn


def _label_log_axis(axis, values):
    """Tick a log axis at the measured values only (widths are powers of two: 2^k reads best)."""
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    if len(values) > 12:
        values = values[:: int(np.ceil(len(values) / 12))]
    pow2 = np.all(np.log2(values) == np.round(np.log2(values)))
    labels = [f"$2^{{{int(np.log2(v))}}}$" if pow2 else f"{v:g}" for v in values]
    axis.set_major_locator(FixedLocator(values))
    axis.set_ticklabels(labels)
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def convergence(ax, curves: Mapping[str, np.ndarray], *, bound: Mapping[str, np.ndarray] | None = None,
                ylabel="training loss"):
    """Loss curves on a log scale (one per label), with optional dashed theoretical bounds."""
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


def matrix(ax, M, *, title=None, cmap="viridis", colorbar=True):
    """A matrix as an image with a colour bar (Gram matrices, phase diagrams)."""
    M = np.asarray(M, float)
    im = ax.imshow(M, cmap=cmap, interpolation="nearest")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    ax.grid(False)
    return {"row": np.repeat(np.arange(M.shape[0]), M.shape[1]),
            "col": np.tile(np.arange(M.shape[1]), M.shape[0]), "value": M.ravel()}


def mean_std_curves(ax, df, col: str, log: bool = True, group: str = "alpha", step: str = "step"):
    """One curve per ``group`` value: the mean of ``col`` over seeds against ``step``, with a ±1 std band.
    ``df`` is a long table (one row per group, seed and step)."""
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
def phase_diagram(ax, grid: pd.DataFrame, n: int, *, title: str | None = None, fit=None,
                  value_label: str = "empirical success probability", colorbar: bool = True,
                  cmap: str = "RdBu_r", vmin: float = 0.0, vmax: float = 1.0, extra_c=None):
    """Draw ``grid`` (rows k, columns d, values in [vmin, vmax]; NaN = cell not run) with k on the x axis
    and d on the y axis, as in the paper's red (success) / blue (failure) map.

    Overlays: the white curve kd = n (the paper's), the fitted boundary kd = c n when ``fit`` (a
    ``BoundaryFit``) is given, and dotted curves kd = c n for each c in ``extra_c``. Returns the drawn
    numbers in long form (k, d, value)."""
    ks = np.asarray(grid.index, float)
    ds = np.asarray(grid.columns, float)
    Z = grid.to_numpy(float)
    # cell edges half-way between grid values, so a coarse grid is drawn at its true coordinates
    def edges(v):
        if v.size == 1:
            return np.array([v[0] - 0.5, v[0] + 0.5])
        mid = (v[1:] + v[:-1]) / 2
        return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])

    ek, ed = edges(ks), edges(ds)
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
