"""The figures of the Noy, Xu, Aflalo, Zelnik-Manor & Jin (2021) chapter.

Each function draws one figure from a record of ``overparam.experiments.noy2021`` and returns ``(fig, data)``:
the figure and the numbers it drew, for ``Chapter.figure(fig, name, data=data)``. Nothing is computed here
beyond selecting and averaging the records' rows for display.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import PALETTE

__all__ = ["figure2a", "figure2bc", "figure3a", "figure3bc", "figure45", "gates", "lazy", "log_time", "transform"]

NET = {"grelu": "GReLU", "relu": "ReLU", "grelu→relu": "GReLU → ReLU at the switch"}
COLOR = {"grelu": PALETTE[0], "relu": PALETTE[1], "grelu→relu": PALETTE[0]}


def transform(df: pd.DataFrame):
    """Theorem 2's transform: relative output error on the training inputs and on fresh inputs against n/m."""
    g = df.groupby("ratio")[["train_error", "test_difference", "final_relu_error"]].max().reset_index()
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    ax.loglog(g.ratio, g.train_error.clip(lower=1e-17), "o-", label="training inputs (corrected transform)")
    ax.loglog(g.ratio, g.test_difference, "s--", label="held-out inputs")
    ax.loglog(g.ratio, g.final_relu_error, "^:", label="training inputs, ReLU kept after $W_L$")
    ax.axvline(1.0, color="k", lw=0.8, ls=":")
    ax.axhline(1e-10, color="grey", lw=0.8)
    ax.set(xlabel="$n/m$", ylabel=r"max$_i|f_{\mathrm{ReLU}}-f_{\mathrm{GReLU}}|$ / max$|f_{\mathrm{GReLU}}|$ (max over seeds)",
           title="Theorem 2: GReLU → ReLU, one pseudo-inverse per layer (float64)")
    ax.legend()
    return fig, g


def log_time(lt, summary: dict):
    """Theorem 1: loss curves at the largest n under the three steps, and steps to eps against n."""
    n = summary["n_max"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained")
    data = {}
    styles = {"proof": "-", "printed": "--", "ntk": ":"}
    names = {"proof": r"proof's $1/(\beta^2L)$", "printed": r"printed $d_x/(n^4L^3d_y)$", "ntk": r"$1/\lambda_{\max}(K_0)$"}
    for (nn, net, rule), curve in lt.curves.items():
        if nn != n:
            continue
        axes[0].semilogy(curve, styles[rule], color=COLOR[net], label=f"{NET[net]}, {names[rule]}")
        data[f"{net}_{rule}"] = curve
    t = np.arange(max(len(c) for c in data.values()))
    envelope = summary["guarantee"] ** t
    axes[0].semilogy(t, envelope, color="k", lw=0.8, label="eq. (19): $(1-1/13122)^t$")
    data["envelope"] = envelope
    axes[0].set(xlabel="step $t$", ylabel=r"$\ell_t/\ell_0$", title=f"n = {n}, m = n²L = {summary['m_max']} (seed 0)")
    axes[0].legend(fontsize=8)
    r = lt.runs
    for net in ("grelu", "relu"):
        for rule in ("proof", "ntk"):
            g = r[(r.net == net) & (r.rule == rule)].groupby("n").steps.agg(["mean", "min", "max"])
            axes[1].errorbar(g.index, g["mean"], yerr=[g["mean"] - g["min"], g["max"] - g["mean"]], fmt="o" + styles[rule],
                             color=COLOR[net], capsize=3, label=f"{NET[net]}, {names[rule]}")
            data[f"steps_{net}_{rule}"] = g["mean"].to_numpy()
    data["n"] = np.asarray(sorted(r.n.unique()))
    axes[1].set(xscale="log", yscale="log", xlabel="$n$ (m = n²L)", ylabel=r"steps to $\ell_t \leq \epsilon\,\ell_0$",
                title="Theorem 1: steps against n (mean, min-max over seeds)")
    axes[1].legend(fontsize=8)
    return fig, data


def gates(ov: pd.DataFrame, gc: pd.DataFrame):
    """Lemma 4 across depth (overlap against k with the arc-cosine recursion and m/3) and Theorem 6's G-side
    correlation against m (with the m^(-1/4) the statement predicts)."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained")
    o = ov.groupby(["m", "k"]).overlap.mean().unstack(0)
    for i, m in enumerate(o.columns):
        axes[0].plot(o.index, o[m], "o", color=PALETTE[i], label=f"measured, m = {m}")
    pred = ov.groupby("k").predicted.first()
    axes[0].plot(pred.index, pred, "k-", label="arc-cosine recursion")
    axes[0].axhline(1 / 3, color="red", ls="--", label="Lemma 4: m/3")
    axes[0].set(xlabel="layer $k$ of the gating stream", ylabel=r"$|I^i_k\cap I^j_k|/m$",
                title="gate overlap of orthonormal inputs against depth")
    axes[0].legend(fontsize=8)
    c = gc.groupby(["k", "m"]).correlation.mean().unstack(0)
    for k in c.columns:
        axes[1].loglog(c.index, c[k], "o-", color=PALETTE[k], label=f"k = {k}")
        axes[1].axhline(gc[gc.k == k].predicted.iloc[0], color=PALETTE[k], ls=":", lw=0.8)
    m0 = c.index.min()
    axes[1].loglog(c.index, c[0].iloc[0] * (c.index / m0) ** -0.25, "k--", label=r"$\propto m^{-1/4}$ (Theorem 6)")
    axes[1].set(xlabel="width $m$", ylabel=r"$|\langle G^j_kx_j, G^i_kx_i\rangle| / (m/d_x)$",
                title="Theorem 6's G side at init (dotted: 1/π × Π 2q)")
    axes[1].legend(fontsize=8)
    data = {"k": o.index.to_numpy(), **{f"overlap_m{m}": o[m].to_numpy() for m in o.columns},
            "predicted": pred.to_numpy(), "m": c.index.to_numpy(), **{f"corr_k{k}": c[k].to_numpy() for k in c.columns}}
    return fig, data


def lazy(lz: pd.DataFrame, fits: dict, tau50: float):
    """Bound (5), Theorem 3 and Theorem 5: tau, the relative gradient change and the sub-network spectra
    against m."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), layout="constrained")
    data = {}
    for net in sorted(lz.net.unique()):
        g = lz[lz.net == net].groupby("m")[["tau", "grad_change"]].mean()
        for ax, col in zip(axes[:2], ["tau", "grad_change"]):
            fit = fits.get(f"{col}_{net}")
            lab = f"{NET[net]}" + (f": slope {fit.slope:.2f} [{fit.lo:.2f}, {fit.hi:.2f}]" if fit else "")
            ax.loglog(g.index, g[col], "o-", color=COLOR[net], label=lab)
            data[f"{col}_{net}"] = g[col].to_numpy()
    data["m"] = np.asarray(sorted(lz.m.unique()))
    axes[0].axhline(tau50, color="red", ls="--", label="condition (50)'s limit")
    axes[0].set(xlabel="$m$", ylabel=r"$\tau=\max_{t,k}\|W_{t,k}-W_{1,k}\|_2$", title="bound (5): τ against m")
    axes[1].set(xlabel="$m$", ylabel=r"max$_i\|\nabla f(x_i;W_T)-\nabla f(x_i;W_1)\|_F/\|\nabla f(x_i;W_1)\|_F$",
                title="Theorem 3: gradient change against m")
    for ax in axes[:2]:
        ax.legend(fontsize=8)
    s = lz[lz.net == "grelu"].groupby("m")[["init_min", "init_max", "trained_min", "trained_max"]].agg(
        {"init_min": "min", "init_max": "max", "trained_min": "min", "trained_max": "max"})
    axes[2].loglog(s.index, s.init_min.clip(lower=1e-4), "o--", color=PALETTE[2], label="min, init")
    axes[2].loglog(s.index, s.trained_min.clip(lower=1e-4), "o-", color=PALETTE[2], label="min, trained")
    axes[2].loglog(s.index, s.init_max, "s--", color=PALETTE[3], label="max, init")
    axes[2].loglog(s.index, s.trained_max, "s-", color=PALETTE[3], label="max, trained")
    axes[2].axhspan(1 / 12, 27 / 4, color="grey", alpha=0.15, label="Theorem 5: [1/12, 27/4]")
    axes[2].set(xlabel="$m$", ylabel=r"eig$(G^\top G)/(m/d_x)$, eig$(FF^\top)/(m/d_y)$",
                title="Theorem 5: sub-network spectra (GReLU)")
    axes[2].legend(fontsize=8)
    data.update({c: s[c].to_numpy() for c in s.columns})
    return fig, data


def figure2a(summary: pd.DataFrame):
    """Figure 2a rebuilt: ell_T/ell_0 against m, max over seeds at the widest width and min over seeds at the
    narrower ones (the paper's rule), under the fixed step (A) and the step per width (B)."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained", sharey=True)
    for ax, (protocol, g) in zip(axes, summary.groupby("protocol")):
        for net, h in g.groupby("net"):
            ax.loglog(h.m, h.plotted.clip(lower=1e-16), "o-" if net == "relu" else "s--", color=COLOR[net], label=NET[net])
        ax.axhline(1e-2, color="grey", lw=0.8, label="'converged': 1e-2")
        ax.set(xlabel="width $m$", title=protocol)
        ax.legend(fontsize=8)
    axes[0].set_ylabel(r"$\ell_T/\ell_0$ (max over seeds at $n^2L$, min elsewhere)")
    return fig, summary


def figure2bc(df: pd.DataFrame):
    """Figures 2b and 2c rebuilt: the gradient temporal difference and the ReLU patterns' Hamming distance per
    epoch at the smallest step factor (mean over seeds)."""
    d = df[df.factor == df.factor.min()]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained")
    g = d.groupby(["net", "epoch"])[["grad_diff", "hamming"]].mean().reset_index()
    for net, h in g.groupby("net"):
        axes[0].semilogy(h.epoch, h.grad_diff, "o-", color=COLOR[net], label=NET[net])
        axes[1].plot(h.epoch, 100 * h.hamming, "o-", color=COLOR[net], label=NET[net])
    axes[0].set(xlabel="epoch", ylabel=r"$\|g_t-g_{t-1}\|_2$", title="Figure 2b: temporal difference of gradients")
    axes[1].set(xlabel="epoch", ylabel="patterns changed since the last epoch (%)",
                title="Figure 2c: Hamming distance of successive ReLU patterns")
    for ax in axes:
        ax.legend()
    return fig, g


def figure45(df: pd.DataFrame):
    """Figures 4 and 5 rebuilt: per-example MSE per epoch for each step factor, GReLU and ReLU (seed 0)."""
    factors = sorted(df.factor.unique())
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained", sharey=True)
    d = df[df.seed == 0]
    for ax, net in zip(axes, ("grelu", "relu")):
        for i, f in enumerate(factors):
            h = d[(d.net == net) & (d.factor == f)]
            ax.semilogy(h.epoch, h.mse, "o-", color=PALETTE[i], label=fr"$\eta = {f:g}/\lambda_{{\max}}(K_0)$")
        ax.set(xlabel="epoch", title=f"{NET[net]}: MSE per learning rate")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("training MSE (per example)")
    return fig, d[["factor", "net", "epoch", "mse"]]


def figure3a(df: pd.DataFrame):
    """Figure 3a rebuilt: training MSE per epoch, GReLU against ReLU, per configuration (mean over seeds)."""
    g = df.groupby(["depth", "width", "net", "epoch"]).train_mse.mean().reset_index()
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    for i, ((depth, width), h) in enumerate(g.groupby(["depth", "width"])):
        for net, k in h.groupby("net"):
            ax.semilogy(k.epoch, k.train_mse, "-" if net == "grelu" else "--", color=PALETTE[i],
                        label=f"{NET[net]}, depth {depth}, width {width}")
    ax.set(xlabel="epoch", ylabel="training MSE (per example)", title="Figure 3a: GReLU (solid) and ReLU (dashed)")
    ax.legend(fontsize=8)
    return fig, g


def figure3bc(df: pd.DataFrame, switch: int):
    """Figures 3b and 3c rebuilt: train and test MSE per epoch, GReLU switched to its ReLU network at
    ``switch`` and the ReLU network trained throughout (mean over seeds)."""
    g = df.groupby(["net", "epoch", "stage"], sort=False)[["train_mse", "test_mse"]].mean().reset_index()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained")
    for ax, col, title in zip(axes, ["train_mse", "test_mse"], ["3b: train", "3c: test"]):
        for net, h in g.groupby("net"):
            h = h.sort_values(["epoch", "stage"], ascending=[True, False])
            ax.plot(h.epoch, h[col], "o-" if net == "relu" else "s-", color=COLOR[net], label=NET[net], ms=3)
        ax.axvline(switch, color="k", ls=":", lw=0.8)
        ax.set(xlabel="epoch", ylabel="MSE (per example)", title=f"Figure {title} loss, switch at epoch {switch}",
               yscale="log")
        ax.legend(fontsize=8)
    return fig, g
