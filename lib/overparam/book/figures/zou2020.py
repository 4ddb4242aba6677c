"""The figures of the Zou, Cao, Zhou & Gu (2020) chapter (the paper has none: the notes' F1-F8).

Each function draws one figure from a record of ``overparam.experiments.zou2020`` and returns
``(fig, data)`` for ``Chapter.figure``. Nothing is computed here beyond grouping rows for display; lines
built on a reconstructed formula say "[R]" in their legend.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import PALETTE, power_law

__all__ = ["eps_dependence", "flips", "gd_widths", "gradient_lower", "init_properties", "linearisation", "sgd"]


def init_properties(init, layers: pd.DataFrame, upper):
    """F1 (Theorem 5.1(i), (ii)) and F4 (Theorem 5.3(viii) at tau = 0) in three panels."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), layout="constrained")
    frames = []
    for j, (L, g) in enumerate(init.table.groupby("L")):
        mean = g.groupby("m").agg(dev=("dev", "mean"), bound=("bound", "first"), std=("std_pred", "first"))
        c = PALETTE[j % len(PALETTE)]
        power_law(axes[0], mean.index, mean.dev, init.dev_fit[L], label=f"L = {L}: max deviation", color=c)
        axes[0].loglog(mean.index, mean.bound, "--", color=c, alpha=0.6, label=f"L = {L}: bound, C' = 1")
        frames.append(mean.reset_index().assign(L=L))
    axes[0].set(xlabel="width $m$", ylabel=r"$\max_{l,i}\,|\,\|x_{l,i}\| - 1|$", title="Theorem 5.1(i): feature norms")
    axes[0].legend(fontsize=7)
    for j, (phi, g) in enumerate(layers.groupby("phi")):
        c = PALETTE[j % len(PALETTE)]
        axes[1].plot(g.layer, g.measured, "o-", color=c, label=fr"$\phi$ = {phi:.2f} (finite $m$)")
        axes[1].fill_between(g.layer, g.lo, g.hi, color=c, alpha=0.15)
        axes[1].plot(g.layer, g.infinite, ":", color=c, label="arc-cosine recursion")
    axes[1].axhline(0.5, color="0.3", lw=1, label=r"$\phi/2$ (Theorem 5.1(ii))")
    axes[1].set(xlabel="layer $l$", ylabel=r"min cross-label $\|\bar x_{l,i}-\bar x_{l,i'}\| / \phi$",
                title="Theorem 5.1(ii): separation through the layers")
    axes[1].legend(fontsize=7)
    top = upper.table.groupby(["L", "seed"]).U.max().groupby("L").mean()
    power_law(axes[2], top.index, top, upper.fit, label=r"$\max_{l,i}\|\partial\hat y_i/\partial W_l\|_2/\sqrt{M}$")
    axes[2].loglog(top.index, top.iloc[0] * top.index.to_numpy() ** 2.0, ":", color="0.4", label="$L^2$ [R] bound shape")
    axes[2].set(xlabel="depth $L$", ylabel="$U$", title="Theorem 5.3(viii) at init: per-sample gradients")
    axes[2].legend(fontsize=7)
    data = pd.concat([pd.concat(frames).assign(panel="norms"), layers.assign(panel="separation"),
                      top.rename("U").reset_index().assign(panel="upper")], ignore_index=True)
    return fig, data


def flips(fl, width: int):
    """F2 (Theorem 5.3(iii), Lemma B.3): flipped fraction against tau, random and worst case."""
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    mean = fl.table.groupby("tau")[["random", "worst", "predicted"]].mean()
    ok = mean.random > 0
    power_law(ax, mean.index[ok], mean.random[ok], fl.random_fit, label="random direction", color=PALETTE[0])
    power_law(ax, mean.index, mean.worst, fl.worst_fit, label="rank-one worst case", color=PALETTE[1])
    ax.loglog(mean.index, mean.predicted, "--", color="0.3", label=r"$(3\tau^2/\pi)^{1/3}$ (book's own)")
    lo, hi = fl.table.tau_lo.iloc[0], fl.table.tau_hi.iloc[0]
    ax.axvline(hi, color="0.6", lw=1, ls=":", label=fr"window edge $\tau_{{hi}}$ = {hi:.2g}")
    ax.set(xlabel=r"spectral norm $\tau$ of the perturbation", ylabel="fraction of signs flipped",
           title=fr"one layer, $m$ = {width}; window from $\tau_{{lo}}$ = {lo:.1g}")
    ax.legend(fontsize=8)
    return fig, mean.reset_index()


def gradient_lower(gl, n_fixed: int, phi_fixed: float):
    """F3 (Theorem 5.3(vii)): the worst-case constant gamma_min against phi and n, with the [R] shape."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    t_phi = gl.table[gl.table.sweep == "phi"].groupby("phi")[["gamma", "uniform"]].mean()
    t_n = gl.table[gl.table.sweep == "n"].groupby("n")[["gamma", "uniform"]].mean()
    power_law(axes[0], t_phi.index, t_phi.gamma, gl.phi_fit, label=r"$\gamma_{\min}$", ref_slope=1.0)
    axes[0].set(xlabel=r"measured $\phi$", ylabel=r"$\gamma_{\min}$", title=fr"against $\phi$ ($n$ = {n_fixed})")
    power_law(axes[1], t_n.index, t_n.gamma, gl.n_fit, label=r"$\gamma_{\min}$")
    x = t_n.index.to_numpy(float)
    axes[1].loglog(x, t_n.gamma.iloc[0] * (x / x[0]) ** -3.0, ":", color="0.4",
                   label=r"$\phi/n^3$ [R] lower-bound shape")
    axes[1].set(xlabel="$n$", ylabel=r"$\gamma_{\min}$", title=fr"against $n$ ($\phi$ = {phi_fixed})")
    for ax in axes:
        ax.legend(fontsize=8)
    data = pd.concat([t_phi.reset_index().assign(sweep="phi"), t_n.reset_index().assign(sweep="n")], ignore_index=True)
    return fig, data


def linearisation(lin):
    """F9 (Lemma C.2): the output change of one GD step and its nonlinear part, against m."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    mean = lin.table.groupby("m")[["delta_ratio", "nonlinearity", "last_share"]].mean()
    power_law(axes[0], mean.index, mean.delta_ratio, lin.ratio_fit, label=r"$\max_i|\Delta_i| / (\bar\eta\,\overline{|\ell'|})$",
              ref_slope=0.0)
    axes[0].set(xlabel="width $m$", ylabel="scaled output change", title="Lemma C.2 [R]: $|\\Delta_i|$ with $\\eta = \\bar\\eta/m$")
    power_law(axes[1], mean.index, mean.nonlinearity, lin.nonlin_fit, label="relative nonlinearity")
    axes[1].set(xlabel="width $m$", ylabel=r"$\|\Delta\hat y - J\Delta W\| / \|J\Delta W\|$",
                title="one GD step against its linearisation")
    for ax in axes:
        ax.legend(fontsize=8)
    return fig, mean.reset_index()


def gd_widths(gd, sweep: pd.DataFrame):
    """F5 and F6 (Lemma 5.5, Theorem 4.1): GD distance and iterations against m, iterations against phi and n."""
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.2), layout="constrained")
    t = gd.table[gd.table.k100 >= 0]
    mean = t.groupby("m")[["k100", "dist_fixed", "dist_acc", "flips_acc"]].mean()
    axes[0].semilogx(mean.index, mean.k100, "o-", color=PALETTE[0])
    axes[0].set(xlabel="width $m$", ylabel="iterations to 100 % accuracy", ylim=(0, None),
                title="Theorem 4.1: iterations against $m$")
    top = mean[mean.index >= gd.fit_from]
    power_law(axes[1], top.index, top.dist_fixed, gd.dist_fit, label="at the fixed step", ref_slope=-0.5)
    axes[1].loglog(mean.index, mean.dist_acc, "s", color=PALETTE[2], alpha=0.7, label="at 100 % accuracy")
    axes[1].set(xlabel="width $m$", ylabel=r"$\max_l\|W_l - W_l(0)\|_2$", title="Lemma 5.5: distance from init")
    axes[1].legend(fontsize=8)
    out = [mean.reset_index().assign(panel="widths")]
    for ax, (key, ref, lab) in zip(axes[2:], [("phi", -2.0, r"$\phi$"), ("n", 8.0, "$n$")]):
        g = sweep[(sweep.sweep == key) & (sweep.k100 > 0)].groupby(key).k100.mean()
        x = g.index.to_numpy(float)
        ax.loglog(x, g, "o-", color=PALETTE[1], label="measured (mean)")
        ax.loglog(x, g.iloc[0] * (x / x[0]) ** ref, ":", color="0.4", label=f"slope {ref:g} [R] bound, not a prediction")
        ax.set(xlabel=lab, ylabel="iterations to 100 % accuracy", title=f"iterations against {lab}")
        ax.legend(fontsize=8)
        out.append(g.reset_index().assign(panel=key))
    return fig, pd.concat(out, ignore_index=True)


def sgd(sg: pd.DataFrame, streams):
    """F7 (Theorem 4.5, Lemma 5.6): GD against SGD per batch size, and SGD loss over minibatch streams."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), layout="constrained")
    mean = sg[sg.k100 >= 0].groupby("B")[["k100", "epochs", "dist_acc"]].mean()
    axes[0].loglog(mean.index, mean.k100, "o-", label="iterations")
    axes[0].loglog(mean.index, mean.epochs, "s-", label="epochs")
    axes[0].set(xlabel="batch size $B$ ($B = n$: GD)", ylabel="to 100 % accuracy", title="iterations and epochs")
    axes[0].legend(fontsize=8)
    axes[1].loglog(mean.index, mean.dist_acc, "o-", color=PALETTE[2])
    axes[1].set(xlabel="batch size $B$", ylabel=r"$\max_l\|W_l - W_l(0)\|_2$ at 100 %", title="distance from init")
    c = streams.curves
    axes[2].plot(c, color=PALETTE[0], alpha=0.3)
    axes[2].plot(c.mean(1), color="k", label="mean over streams")
    axes[2].set(xlabel="SGD step", ylabel="full-batch $L_S$", title="one initialisation, many minibatch streams")
    axes[2].legend(fontsize=8)
    data = pd.concat([mean.reset_index().assign(panel="batches"),
                      pd.DataFrame({"step": np.arange(len(c)), "mean_loss": c.mean(1)}).assign(panel="streams")],
                     ignore_index=True)
    return fig, data


def eps_dependence(er):
    """F8 (the eps remark): iterations to reach eps against 1/eps per loss, with eps^-1 and log(1/eps)."""
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    frames = []
    for j, loss in enumerate(er.table.loss.unique()):
        k = er.mean_k(loss)
        x = 1 / k.index.to_numpy(float)
        c = PALETTE[j]
        ax.loglog(x, k, "o-", color=c, label=f"{loss} (mean)")
        ax.loglog(x, k.iloc[0] * x / x[0], ":", color=c, alpha=0.6, label=r"$\propto\epsilon^{-1}$ [R]")
        ax.loglog(x, k.iloc[0] * np.log(x) / np.log(x[0]), "--", color=c, alpha=0.6, label=r"$\propto\log(1/\epsilon)$ [R]")
        frames.append(pd.DataFrame({"loss": loss, "inv_eps": x, "k": k.to_numpy()}))
    ax.set(xlabel=r"$1/\epsilon$", ylabel=r"iterations to $L_S \leq \epsilon$", title="the loss family and $\\epsilon$")
    ax.legend(fontsize=7)
    return fig, pd.concat(frames, ignore_index=True)
