"""The primer's composite figures (Du et al. 2019): each draws what ``overparam.experiments.ntk_primer``
measured and returns ``(figure, drawn numbers)`` for ``Chapter.figure``.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ...measure.fit import SlopeFit
from .. import plotting

__all__ = ["gd_convergence", "gram_convergence", "lazy_training", "replication"]

GRAM_ERROR = r"$\|\mathbf{H}(0)-\mathbf{H}^\infty\|_F / \|\mathbf{H}^\infty\|_F$"


def _frame(parts: Mapping[str, object]) -> pd.DataFrame:
    return plotting.figure_data_frame(dict(parts))


def gram_convergence(by_width: pd.DataFrame, fit: SlopeFit, lambda0: float) -> tuple[Figure, pd.DataFrame]:
    """Lemma 3.1: the Gram error against m with its fitted power law, and lambda_min(H(0)) against m.

    Parameters
    ----------
    by_width : pandas.DataFrame
        Indexed by m, with ``rel_frobenius_error`` and ``lambda_min`` (means over networks).
    fit : SlopeFit
        The log-log fit of the error.
    lambda0 : float
        lambda_min(H∞), drawn with 3/4 of it (the lemma's floor).

    Returns
    -------
    (Figure, pandas.DataFrame)
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    drawn = plotting.power_law(axes[0], by_width.index, by_width["rel_frobenius_error"], fit,
                               label="mean over seeds", ref_slope=-0.5)
    axes[0].set(xlabel="width $m$", ylabel=GRAM_ERROR, title="Gram matrix at initialisation approaches its limit")
    axes[0].legend()
    axes[1].semilogx(by_width.index, by_width["lambda_min"], "o-", label=r"$\lambda_{\min}(\mathbf{H}(0))$")
    axes[1].axhline(lambda0, color="k", ls="--", label=r"$\lambda_0=\lambda_{\min}(\mathbf{H}^\infty)$")
    axes[1].axhline(0.75 * lambda0, color="0.5", ls=":", label=r"$\frac{3}{4}\lambda_0$ (Lemma 3.1)")
    axes[1].set(xlabel="width $m$", ylabel="smallest eigenvalue", title=r"$\lambda_{\min}$ at initialisation")
    plotting._label_log_axis(axes[1].xaxis, np.asarray(by_width.index, float))  # 2^k ticks, as on the left
    axes[1].legend()
    return fig, _frame({"m": drawn["x"], "rel_frobenius_error": drawn["y"], "fit": drawn["fit_y"],
                        "slope_minus_half": drawn["reference_y"], "lambda_min": by_width["lambda_min"],
                        "lambda0": np.full(len(by_width), lambda0)})


def gd_convergence(curves: pd.DataFrame, widest: int) -> tuple[Figure, pd.DataFrame]:
    """Theorem 4.1: GD's loss curves, one per width, and the envelope (1 - eta lambda0/2)^k at ``widest``.

    Parameters
    ----------
    curves : pandas.DataFrame
        Long table with columns m, step, loss, envelope.
    widest : int
        The width whose envelope is drawn.

    Returns
    -------
    (Figure, pandas.DataFrame)
    """
    fig, ax = plt.subplots(figsize=(7, 4.2))
    losses = {f"m = {m}": g["loss"].to_numpy() for m, g in curves.groupby("m")}
    envelope = curves.loc[curves["m"] == widest, "envelope"].to_numpy()
    drawn = plotting.convergence(ax, losses, bound={f"m = {widest}": envelope},
                                 ylabel=r"training loss $\frac{1}{2}\|u(k)-y\|^2$")
    ax.set_title(r"GD on random labels: linear convergence, envelope $(1-\eta\lambda_0/2)^k$")
    ax.legend()
    return fig, _frame(drawn)


def lazy_training(by_width: pd.DataFrame, distance_fit: SlopeFit, flips_fit: SlopeFit) -> tuple[Figure, pd.DataFrame]:
    """Lemma 4.1: the largest neuron distance against m beside R', and the flipped fraction against m.

    Parameters
    ----------
    by_width : pandas.DataFrame
        Indexed by m, with ``neuron_distance``, ``R_prime`` and ``flips`` (means over networks).
    distance_fit, flips_fit : SlopeFit
        The log-log fits of distance and flips.

    Returns
    -------
    (Figure, pandas.DataFrame)
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].loglog(by_width.index, by_width["R_prime"], "k--", label="$R'$ (Lemma 4.1)")
    # drawn before the power law, which then ticks the axis at the measured widths
    dist = plotting.power_law(axes[0], by_width.index, by_width["neuron_distance"], distance_fit,
                              label="measured", ref_slope=-0.5)
    axes[0].set(xlabel="width $m$", ylabel=r"$\max_r\|w_r(T)-w_r(0)\|$", title="distance from initialisation")
    axes[0].legend()
    flips = plotting.power_law(axes[1], by_width.index, by_width["flips"], flips_fit, label="measured",
                               ref_slope=-0.5)
    axes[1].set(xlabel="width $m$", ylabel="fraction of flipped activations", title="activation patterns")
    axes[1].legend()
    return fig, _frame({"m": dist["x"], "neuron_distance": dist["y"], "distance_fit": dist["fit_y"],
                        "R_prime": by_width["R_prime"], "flips": flips["y"], "flips_fit": flips["fit_y"]})


def replication(gram_by_width: pd.DataFrame, gram_fit: SlopeFit, runs: pd.DataFrame, by_width: pd.DataFrame,
                distance_fit: SlopeFit, flips_fit: SlopeFit, rho: float, *, title: str) -> tuple[Figure, pd.DataFrame]:
    """Three panels for the steps on one more data set: Gram error, GD's fitted rates against 1 - eta lambda0/2,
    and distance and flips against m.

    Parameters
    ----------
    gram_by_width : pandas.DataFrame
        Indexed by m, with ``rel_frobenius_error``.
    gram_fit : SlopeFit
        Its log-log fit.
    runs : pandas.DataFrame
        One row per (m, repeat) with the fitted ``rate``.
    by_width : pandas.DataFrame
        Indexed by m, with ``neuron_distance`` and ``flips``.
    distance_fit, flips_fit : SlopeFit
        Their log-log fits.
    rho : float
        Theorem 4.1's factor 1 - eta lambda0 / 2.
    title : str
        The figure's title (names the data).

    Returns
    -------
    (Figure, pandas.DataFrame)
        Columns of unequal length are padded with NaN.
    """
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    gram = plotting.power_law(axes[0], gram_by_width.index, gram_by_width["rel_frobenius_error"], gram_fit,
                              ref_slope=-0.5)
    axes[0].set(xlabel="width $m$", ylabel=GRAM_ERROR, title="Gram at initialisation")
    axes[1].semilogx(runs["m"], runs["rate"], "o", color=plotting.PALETTE[0])
    axes[1].axhline(rho, color="k", ls="--", label=r"$1-\eta\lambda_0/2$")
    plotting._label_log_axis(axes[1].xaxis, np.unique(runs["m"]))  # ticks at the widths, as power_law's
    axes[1].set(xlabel="width $m$", ylabel="fitted per-step loss factor", title="linear rate of GD")
    axes[1].legend()
    dist = plotting.power_law(axes[2], by_width.index, by_width["neuron_distance"], distance_fit,
                              label="max neuron distance")
    flips = plotting.power_law(axes[2], by_width.index, by_width["flips"], flips_fit, label="flipped fraction",
                               marker="s")
    axes[2].set(xlabel="width $m$", title="laziness")
    axes[2].legend(fontsize=7)
    fig.suptitle(title)
    return fig, _frame({"gram_m": gram["x"], "gram_error": gram["y"], "gram_fit": gram["fit_y"],
                        "run_m": runs["m"], "run_rate": runs["rate"], "rho": [rho],
                        "m": dist["x"], "neuron_distance": dist["y"], "flips": flips["y"]})
