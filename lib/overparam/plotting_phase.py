"""Phase-diagram figure kind (Oymak & Soltanolkotabi 2020, Figure 2): success probability over (k, d)
as a heat map, with the hyperbola kd = n and, optionally, a fitted boundary kd = c n."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["phase_diagram"]


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
