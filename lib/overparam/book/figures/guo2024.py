"""The composite figures of the Guo, Li & Lerman (2024) chapter.

Each function draws one figure from a record of ``overparam.experiments.guo2024`` and returns
``(fig, data)``: the figure and the numbers it drew, for ``Chapter.figure(fig, name, data=data)``.
Nothing is computed here beyond selecting and grouping the records' rows for display.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import PALETTE, mean_std_curves, power_law

__all__ = [
    "activation_and_r", "duality_and_evenness", "figure1", "figure2", "figure2_loglog", "figure3", "figure4",
    "figure5", "figure6", "lazy_training", "ntk_lambda_min", "sgd_batch",
]


def _label(a: float) -> str:
    return fr"$\alpha={a:g}$"


def activation_and_r(fam, widths: pd.DataFrame, *, paper: dict):
    """The rescaled leaky ReLUs, r(alpha), and the width conditions of Theorems 3.1 and 3.2 along alpha.

    ``paper`` holds the sizes the conditions were evaluated at (n, depth, delta, batch, width).
    """
    n, depth, delta, batch, width_used = (paper[k] for k in ("n", "depth", "delta", "batch", "width"))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), layout="constrained")
    for col in fam.curves.columns.drop("z"):
        axes[0].plot(fam.curves.z, fam.curves[col], label=_label(float(col.split("=")[1])))
    axes[0].set(xlabel="$z$", ylabel=r"$\tilde\sigma_\alpha(z)$", title=r"rescaled leaky ReLU $\tilde\sigma_\alpha$")
    axes[0].legend(ncol=2)
    axes[1].plot(fam.alphas, fam.r, color=PALETTE[0])
    for a, r in zip(fam.marked.alpha, fam.marked.r):
        axes[1].plot(a, r, "o", color=PALETTE[1])
        axes[1].annotate(f"{a:g}", (a, r), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    axes[1].set(xlabel=r"leaky ReLU slope $\alpha$", ylabel=r"$r(\alpha)=(1-\alpha)^2/(1+\alpha^2)$",
                title=r"the factor $r(\alpha)$: max 2 at $\alpha=-1$, $r(\alpha)=r(1/\alpha)$")
    axes[2].semilogy(widths.alpha, widths.width_gd, label="Thm 3.1 (GD)")
    axes[2].semilogy(widths.alpha, widths.width_sgd, label=f"Thm 3.2 (SGD, b = {batch})")
    axes[2].axhline(width_used, color="k", ls=":", label=f"width used by the paper ({width_used:,})")
    axes[2].set(xlabel=r"$\alpha$", ylabel=r"smallest $m$ with $m/\ln^4 m$ > bound",
                title=f"width conditions, n={n}, L={depth}, δ={delta}, constants = 1")
    axes[2].legend()
    data = {**{c: fam.curves[c] for c in fam.curves}, "alpha": fam.alphas, "r": fam.r,
            "alpha_width": widths.alpha, "width_gd": widths.width_gd, "width_sgd": widths.width_sgd}
    return fig, data


def duality_and_evenness(dual, even):
    """(a) alpha and 1/alpha on one trajectory; (b) the even network stalls on antipodal pairs; (c) lifted, it fits."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), layout="constrained")
    for col, ls in [("alpha=-2, W", "-"), ("alpha=-0.5, -W", "--"), ("alpha=-0.5, W", "-")]:
        axes[0].semilogy(dual.losses.step, dual.losses[col], ls=ls, label=col.replace("alpha", "α"))
    axes[0].set(xlabel="GD step $t$", ylabel=r"training loss $\mathcal{L}(W^{(t)})$", title="(a) α and 1/α: one trajectory")
    axes[0].legend()
    titles = {"sphere": "(b) unit-sphere inputs with antipodal pairs", "lift": "(c) the same inputs lifted"}
    for ax, (name, g) in zip(axes[1:], even.curves.groupby("inputs", sort=False)):
        for a, h in g.groupby("alpha"):
            ax.semilogy(h.step, h.loss, label=_label(a))
        ax.axhline(even.floor, color="k", ls=":", label="best even fit")
        ax.set(xlabel="GD step $t$", ylabel=r"$\mathcal{L}(W^{(t)})$", title=titles[name])
        ax.legend()
    wide = even.curves.pivot_table(index="step", columns=["inputs", "alpha"], values="loss")
    wide.columns = [f"{i}_alpha{a:g}" for i, a in wide.columns]
    return fig, pd.concat([dual.losses.set_index("step"), wide], axis=1).reset_index()


def ntk_lambda_min(spec, emp):
    """lambda_min(Theta_inf) against r(alpha), the ratio lambda_min / r, and the empirical NTK's convergence."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    lam = spec.table
    for i, mode in enumerate(["sphere", "lift"]):
        g = lam[(lam["mode"] == mode) & (lam.trained == "hidden")]
        c0 = spec.stats.loc[(mode, "hidden"), "median"]
        axes[0].plot(g.alpha, g.lambda_min, "o", ms=3, color=PALETTE[i], label=f"{mode}: $\\lambda_{{\\min}}(\\Theta_\\infty/m)$")
        axes[0].plot(g.alpha, c0 * g.r, "-", color=PALETTE[i], alpha=0.6, label=f"{mode}: const·$r(\\alpha)$")
        axes[1].plot(g.alpha, g.ratio / c0, "o-", ms=3, color=PALETTE[i], label=f"{mode}, W trained")
    g = lam[(lam["mode"] == "lift") & (lam.trained == "all")]
    axes[1].plot(g.alpha, g.ratio / spec.stats.loc[("lift", "all"), "median"], "s-", ms=3, color=PALETTE[2],
                 label="lift, all layers (NT param.)")
    n_ = int(lam.groupby(["mode", "trained"]).size().iloc[0])
    axes[0].set(xlabel=r"$\alpha$", ylabel=r"$\lambda_{\min}$ of the NTK Gram / $m$",
                title=f"smallest NTK eigenvalue over {n_} slopes")
    axes[0].legend(fontsize=7)
    axes[1].set(xlabel=r"$\alpha$", ylabel=r"$\lambda_{\min}/r(\alpha)$, divided by its median",
                title=r"the ratio is flat except the notch at $\alpha=-1$")
    axes[1].legend(fontsize=7)
    power_law(axes[2], emp.by_width.index, emp.by_width.values, emp.fit, label="mean over α and seeds", ref_slope=-0.5)
    axes[2].set(xlabel="width $m$", ylabel=r"$\|\Theta_m/m-\Theta_\infty/m\|_F/\|\Theta_\infty/m\|_F$",
                title="empirical NTK → infinite-width NTK")
    axes[2].legend(fontsize=7)
    return fig, lam


def figure2(f2, *, regression: str | None = None):
    """Figure 2: measured gamma_hat(alpha) against the calibrated 1 - C_gamma r(alpha), one panel per set."""
    names = list(f2.frames)
    rows = int(np.ceil(len(names) / 2))
    fig, axes = plt.subplots(rows, 2, figsize=(13, 4.25 * rows), sharex=True, squeeze=False, layout="constrained")
    for ax, name in zip(axes.ravel(), names):
        s = f2.summary.loc[name]
        ax.plot(f2.table.alpha, 1 - f2.table[f"1-gamma_hat [{name}]"], "o", color=PALETTE[0],
                label=r"measured $\hat\gamma(\alpha)$")
        ax.plot(f2.curve.alpha, f2.curve[f"gamma_theory [{name}]"], "-", color=PALETTE[1],
                label=fr"$1-C_\gamma r(\alpha)$, $C_0={s.C0:g}$")
        ax.set(title=f"{name}: correlation {s.correlation:.2f}", ylabel=r"rate $\gamma$ (per step)")
        ax.legend(fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel(r"leaky ReLU slope $\alpha$")
    fig.suptitle(r"Figure 2 rebuilt: $\hat\gamma=(\mathcal{L}^{(1000)}/\mathcal{L}^{(100)})^{1/900}$ against the "
                 "calibrated bound" + (f"  [{regression}]" if regression else ""))
    return fig, f2.table


def figure2_loglog(f2, *, reference: str = "synthetic, lift"):
    """1 - gamma_hat against r(alpha) on log-log axes, with the infinite-width NTK's prediction and slope 1."""
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    t = f2.table
    for i, name in enumerate(f2.frames):
        ax.loglog(t.r, t[f"1-gamma_hat [{name}]"], "o", color=PALETTE[i],
                  label=f"{name} (slope {f2.summary.loc[name, 'slope']:.2f})")
    ax.loglog(t.r, t[f"1-gamma_NTK [{reference}]"], "--", color=PALETTE[0],
              label=f"{reference.split(', ')[-1]}, infinite-width NTK (slope {f2.summary.loc[reference, 'lin_slope']:.2f})")
    at0 = float(t.loc[t.alpha == 0.0, f"1-gamma_hat [{reference}]"].iloc[0])
    ax.loglog(t.r, at0 * t.r, ":", color="k", label="slope 1 (the bound's shape)")
    ax.set(xlabel=r"$r(\alpha)$", ylabel=r"$1-\hat\gamma$", title=r"per-step contraction against $r(\alpha)$ (log-log)")
    ax.legend(fontsize=7)
    return fig, t


def sgd_batch(sgd, *, show_alpha: float = 0.0):
    """Theorem 3.2: the SGD rate against the batch size b, and the loss curves of one slope."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    mean = sgd.table.groupby(["alpha", "b"], sort=False).rate.mean().reset_index()
    for i, (a, g) in enumerate(mean.groupby("alpha", sort=False)):
        power_law(axes[0], g.b, g.rate, sgd.fits[a], label=_label(a), color=PALETTE[i])
    e1, e2 = sgd.window
    axes[0].set(xlabel="batch size $b$", ylabel=r"$1-\hat\gamma$ per step (mean over seeds)",
                title=fr"SGD (Algorithm 3): rate between epochs {e1:g} and {e2:g}, against $b$")
    axes[0].legend(fontsize=7)
    c = sgd.curves[(sgd.curves.alpha == show_alpha) & (sgd.curves.seed == sgd.curves.seed.iloc[0])]
    for b, g in c.groupby("b"):
        axes[1].semilogy(g.epoch, g.loss, label=f"b = {b}")
    for e in sgd.window:
        axes[1].axvline(e, color="0.6", lw=0.8, ls=":")
    axes[1].set(xlabel="epoch (steps × b / n)", ylabel=r"full training loss $\mathcal{L}(W^{(t)})$",
                title=fr"$\alpha={show_alpha:g}$ under SGD (one seed)")
    axes[1].legend()
    return fig, sgd.table


def lazy_training(lazy):
    """Lemmas B.9 and B.4: distance from initialisation, activation flips and NTK drift against the width."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), layout="constrained")
    panels = [("spectral", r"$\max_l\|W_l^{(T)}-W_l^{(0)}\|_2$", "distance from initialisation"),
              ("flips", "fraction of flipped signs", "activation-pattern changes"),
              ("ntk_drift", r"$\|\Theta_T-\Theta_0\|_F/\|\Theta_0\|_F$", "NTK drift during training")]
    for ax, (q, ylabel, title) in zip(axes, panels):
        for i, (a, g) in enumerate(lazy.mean_table.groupby("alpha", sort=False)):
            power_law(ax, g.m, g[q], lazy.fits[(q, a)], label=_label(a), color=PALETTE[i],
                      ref_slope=-0.5 if i == 0 else None)
        ax.set(xlabel="width $m$", ylabel=ylabel, title=title)
        ax.legend(fontsize=6)
    return fig, lazy.table


def _error_panels(axes, j, title, df, metric, xlabel):
    """Training (top) and test (bottom) error curves, mean ± std over seeds, of one data set."""
    word = "MSE" if metric == "mse" else "cross-entropy"
    drawn = {f"{title} train {k}": v for k, v in mean_std_curves(axes[0, j], df, f"train_{metric}").items()}
    drawn.update({f"{title} test {k}": v for k, v in mean_std_curves(axes[1, j], df, f"test_{metric}").items()})
    axes[0, j].set(title=f"{title}: training error", ylabel=f"{word} (log)")
    axes[1, j].set(title=f"{title}: test error", xlabel=xlabel, ylabel=f"{word} (log)")
    axes[0, j].legend(fontsize=7)
    return drawn


def figure1(synthetic: pd.DataFrame, classification: pd.DataFrame, cifar: pd.DataFrame | None = None, *,
            class_label: str):
    """Figure 1: training and test error, mean ± std over seeds, on the synthetic set, F-MNIST and CIFAR-10."""
    panels = [("synthetic", synthetic, "mse", "GD step"), (class_label, classification, "ce", "epoch")]
    if cifar is not None:
        panels.append(("CIFAR-10", cifar, "ce", "epoch"))
    fig, axes = plt.subplots(2, len(panels), figsize=(6 * len(panels), 8), squeeze=False, layout="constrained")
    for j, (title, df, metric, xlabel) in enumerate(panels):
        _error_panels(axes, j, title, df, metric, xlabel)
    fig.suptitle("Figure 1 rebuilt: mean ± std over seeds")
    data = pd.concat([synthetic.assign(data="synthetic"), classification.assign(data="classification")])
    return fig, data


def figure3(mnist: pd.DataFrame, regression: pd.DataFrame, *, mnist_label: str, regression_label: str):
    """Figure 3: MNIST with cross-entropy and a regression set with MSE, training and test error."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), layout="constrained")
    data = _error_panels(axes, 0, mnist_label, mnist, "ce", "epoch")
    data.update(_error_panels(axes, 1, regression_label, regression, "mse", "step"))
    fig.suptitle("Figure 3 rebuilt")
    return fig, data


def figure5(f5, *, epochs: int, depth_width: int):
    """Figure 5: final training error against the width m (L = 2), test error against the depth L."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    wp = f5.by_width
    for i, a in enumerate(wp.columns):
        axes[0].loglog(wp.index, wp[a], "o-", color=PALETTE[i], label=_label(a))
        g = f5.depths[f5.depths.alpha == a]
        axes[1].semilogy(g.L, g.test_ce, "o-", color=PALETTE[i], label=_label(a))
    axes[0].set(xlabel="width $m$", ylabel="final training cross-entropy", title=f"Figure 5 (left): L = 2, {epochs} epochs")
    axes[1].set(xlabel="depth $L$", ylabel="test cross-entropy", title=f"Figure 5 (right): m = {depth_width}")
    axes[0].legend(fontsize=7)
    return fig, pd.concat([f5.widths, f5.depths])


def figure6(frame: pd.DataFrame, *, exp_lambda: float):
    """Figure 6: training and test MSE under the exponential loss (137), one column per data set."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), layout="constrained")
    for j, (name, g) in enumerate(frame.groupby("data", sort=False)):
        mean_std_curves(axes[0, j], g, "train_mse")
        mean_std_curves(axes[1, j], g, "test_mse")
        axes[0, j].set(title=f"{name}: training MSE", ylabel="MSE (standardised labels)")
        axes[1, j].set(title=f"{name}: test MSE", xlabel="GD step", ylabel="MSE")
        axes[0, j].legend(fontsize=7)
    fig.suptitle(fr"Figure 6 rebuilt: exponential loss, $\lambda$ = {exp_lambda}")
    return fig, frame


def figure4(frame: pd.DataFrame, *, subtitle: str = ""):
    """Figure 4: training and test loss of the Transformer (and the LSTM) per slope of the leaky head."""
    models = list(frame.model.unique())
    fig, axes = plt.subplots(2, len(models), figsize=(6 * len(models), 8), squeeze=False, layout="constrained")
    for j, mdl in enumerate(models):
        word = "NLL" if mdl == "Transformer" else "binary cross-entropy"
        mean = frame[frame.model == mdl].groupby(["alpha", "step"], sort=False)[["train_nll", "test_nll"]].mean()
        for i, (a, h) in enumerate(mean.reset_index().groupby("alpha", sort=False)):
            axes[0, j].plot(h.step, h.train_nll, "o-", color=PALETTE[i], label=_label(a))
            axes[1, j].plot(h.step, h.test_nll, "o-", color=PALETTE[i], label=_label(a))
        axes[0, j].set(title=f"{mdl}: training loss (mean over seeds)", ylabel=word)
        axes[1, j].set(title=f"{mdl}: test loss", xlabel="epoch", ylabel=word)
        axes[0, j].legend(fontsize=7)
    fig.suptitle("Figure 4 rebuilt" + (f" ({subtitle})" if subtitle else ""))
    return fig, frame
