"""The landscape figure of the Allen-Zhu, Li & Song (2019) chapter (its Figures 1-7, rebuilt).

``landscape_panels(runs)`` draws each training run's snapshots in two rows: on top, F around W_t on the (−ĝ, v̂) grid
(log10 F, the current point marked as the paper's "blue vertical stick"); below, the decreases ΔF_g(r)
along −ĝ and ΔF_v(r) along ±v̂ against r in units of one SGD step u = η_t‖g‖, with the radius the check
asks about and the crossover r*. It returns ``(fig, data)``: the figure and the numbers drawn (long form).
Nothing is computed here beyond arranging a record of ``overparam.experiments.allenzhu2019.landscape``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import PALETTE

__all__ = ["landscape_panels"]


def landscape_panels(runs, *, rule: float = 10.0):
    """The six-panel landscapes of the runs (``landscape.Run``), two rows per run, and the read-out lines.

    Parameters
    ----------
    runs : list of overparam.experiments.allenzhu2019.landscape.Run
        The runs: their ``panels`` (epoch -> Panel) and ``frame`` (the read-out per epoch).
    rule : float
        The check's radius, in units of u (drawn as a dotted line).

    Returns
    -------
    (Figure, DataFrame)
        The figure and its data: rows of kind "grid" (run, epoch, a, b, F) and "line" (run, epoch, r, dF_g,
        dF_v).
    """
    k = max(len(r.panels) for r in runs)
    fig, axes = plt.subplots(2 * len(runs), k, figsize=(2.9 * k, 5.6 * len(runs)), layout="constrained",
                             squeeze=False)
    rows = []
    for i, run in enumerate(runs):
        rows += _run_rows(fig, axes[2 * i:2 * i + 2], run, rule)
    fig.suptitle(f"F near the SGD trajectory: picture on (−ĝ, v̂) and the decreases along each, r in units of "
                 f"u = η_t‖g‖ (one SGD step; dotted: r = {rule:g} u)")
    return fig, pd.DataFrame(rows)


def _run_rows(fig, axes, run, rule: float) -> list:
    name = f"{run.arch}, {run.dataset}"
    short = f"{run.arch} {run.dataset}"
    k = len(run.panels)
    rows = []
    for j, e in enumerate(sorted(run.panels)):
        p, rec = run.panels[e], run.frame.set_index("epoch").loc[e]
        ax = axes[0, j]
        A, B = np.meshgrid(p.axis, p.axis, indexing="ij")
        cs = ax.contourf(B, A, np.log10(np.maximum(p.Z, 1e-300)), levels=12, cmap="viridis")
        ax.plot([0], [0], "o", color="tab:blue", ms=5)
        ax.set_title(f"{short}\nepoch {e}, $\\eta_t$ = {rec.lr:g}", fontsize=9)
        ax.set(xlabel=r"along $\hat v$ (units of $u$)",
               ylabel=r"along $-\hat g$ (units of $u$)" if j == 0 else None)
        fig.colorbar(cs, ax=ax, shrink=0.8, label=r"$\log_{10} F$" if j == k - 1 else None)
        ax = axes[1, j]
        pos = lambda x: np.maximum(x, 1e-12)  # a decrease <= 0 is drawn at 1e-12
        ax.loglog(p.radii, pos(p.dF_g), "-o", ms=3, color=PALETTE[0], label=r"$\Delta F_g(r)$ along $-\hat g$")
        ax.loglog(p.radii, pos(p.dF_v), "-s", ms=3, color=PALETTE[1], label=r"$\Delta F_v(r)$ along $\pm\hat v$")
        ax.axvline(rule, color="k", ls=":", lw=1)
        if not rec.r_star_censored:
            ax.axvline(rec.r_star_over_u, color=PALETTE[3], lw=1.5, label=r"crossover $r^*$")
        ax.set(xlabel=r"radius $r/u$", ylabel="decrease of F" if j == 0 else None,
               title=fr"$\hat\lambda_{{\min}}$={rec.lam_min:.2g}, $\rho$={rec.rho:.3g}")
        ax.title.set_fontsize(9)
        if j == 0:
            ax.legend(fontsize=7)
        rows += [{"run": name, "epoch": e, "kind": "grid", "a": a, "b": b, "F": z}
                 for a, b, z in zip(A.ravel(), B.ravel(), p.Z.ravel())]
        rows += [{"run": name, "epoch": e, "kind": "line", "r": r, "dF_g": g, "dF_v": v}
                 for r, g, v in zip(p.radii, p.dF_g, p.dF_v)]
    return rows
