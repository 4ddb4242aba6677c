"""The figures of the Allen-Zhu, Li & Song (2019) chapter, theory part (the landscapes have their own module).

Each function draws one figure from records of ``overparam.experiments.allenzhu2019`` and returns
``(fig, data)``: the figure and the numbers it drew, for ``Chapter.figure(fig, name, data=data)``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plotting import PALETTE

__all__ = ["claim76", "gd_mechanisms", "gram", "perturbations", "sgd_and_ce", "step1", "width_threshold"]


def _seed_mean(ax, x, Y, label, color, marker="o"):
    ax.loglog(x, Y.T, ".", color=color, alpha=0.3)
    ax.loglog(x, Y.mean(0), marker + "-", color=color, label=label)


def step1(fwd, prod, sep_ok, sep_bite):
    """Lemma 7.1 (sd of log ||h_l||^2), Lemma 7.3 (products), Lemma 7.5 in its regime and where delta L bites."""
    fig, ax = plt.subplots(1, 4, figsize=(18, 4), layout="constrained")
    x = fwd.layers + 1
    ax[0].loglog(x, fwd.sd, "o-", color=PALETTE[0], label=f"{fwd.logs.shape[0]} networks, m = {fwd.m}")
    ax[0].loglog(x, fwd.sd_predicted, "k--", label=r"$\sqrt{5(\ell+1)/m}$ [ours]")
    ax[0].set(xlabel=r"layer $\ell + 1$", ylabel=r"sd of $\log\|h_\ell\|^2$", title="(a) Lemma 7.1: deviations grow like √L")
    ax[0].legend()
    _seed_mean(ax[1], prod.lengths, prod.norms, f"m = {prod.width}", PALETTE[1])
    k = prod.lengths.astype(float)
    ax[1].loglog(k, prod.norms.mean(0)[0] * np.sqrt(k), "k--", label=r"$\propto\sqrt{k}$")
    ax[1].loglog(k, prod.norms.mean(0)[0] * 2.0 ** (k - 1), ":", color="grey", label=r"$\propto 2^{k}$ (no masks' help)")
    ax[1].set(xlabel="product length $k = b - a + 1$", ylabel=r"$\|W_b D \cdots D W_a\|_2$",
              title="(b) Lemma 7.3: products of layers", ylim=(1, 1e3))
    ax[1].legend()
    data = {"layer": fwd.layers, "sd_log_norm": fwd.sd, "sd_pred": fwd.sd_predicted,
            "k": prod.lengths, "product_norm_mean": prod.norms.mean(0)}
    for a, sep, name in [(ax[2], sep_ok, "(c)"), (ax[3], sep_bite, "(d)")]:
        a.plot(sep.layers, (sep.s / sep.delta).T, color=PALETTE[2], alpha=0.25, lw=0.8)
        a.plot(sep.layers, np.median(sep.s, 0) / sep.delta, color=PALETTE[2], lw=2, label="median over seeds")
        a.plot(sep.layers, sep.s_inf / sep.delta, "k--", label="infinite width [ours]")
        a.axhline(0.5, color=PALETTE[3], ls=":", label=r"Lemma 7.5: $\delta/2$")
        a.set(xlabel=r"layer $\ell$", ylabel=r"separation $/\ \delta$", ylim=(0, 1.1),
              title=f"{name} Lemma 7.5: δ = {sep.delta}, L = {sep.depth}, m = {sep.width}, (L+1)δ = {(sep.depth + 1) * sep.delta:.1f}")
        a.legend(loc="lower left")
        data[f"sep_median_{name[1]}"] = np.median(sep.s, 0) / sep.delta
        data[f"sep_inf_{name[1]}"] = sep.s_inf / sep.delta
    return fig, data


def gram(gk, gd):
    """Theorem 3: G/m against the infinite-width kernel, and lambda_min of the W_L block against delta."""
    fig, ax = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    _seed_mean(ax[0], gk.widths, gk.err, f"slope {gk.fit.slope:.2f}", PALETTE[0])
    ax[0].loglog(gk.widths, gk.err.mean(0)[0] * (gk.widths / gk.widths[0]) ** -0.5, "k--", label=r"$\propto m^{-1/2}$")
    ax[0].set(xlabel="width $m$", ylabel=r"$\|G/m - K_\infty\|_F / \|K_\infty\|_F$",
              title=f"(a) the empirical Gram and the analytic kernel (n = {gk.n})")
    ax[0].legend()
    _seed_mean(ax[1], gd.deltas, gd.lam, f"m = {gd.width}, slope {gd.fit.slope:.2f}", PALETTE[1])
    ax[1].loglog(gd.deltas, gd.kernel, "k--", label="infinite width [ours]")
    ax[1].set(xlabel=r"separation $\delta$", ylabel=r"$\lambda_{\min}(G_L)/m$",
              title=f"(b) Theorem 3: the W_L block, L = {gd.depth}")
    ax[1].legend()
    return fig, {"width": gk.widths, "gram_error": gk.err.mean(0), "delta": gd.deltas,
                 "lmin_GL_m": gd.lam.mean(0), "lmin_kernel": gd.kernel}


def gd_mechanisms(res):
    """Theorem 1 and its mechanisms: loss curves, distance vs the min-norm prediction, flips and NTK drift."""
    df = res.table
    fig, ax = plt.subplots(1, 3, figsize=(18, 4), layout="constrained")
    for i, m in enumerate(res.widths):
        for s in sorted(df.seed.unique()):
            c = res.curves[(m, s)]
            ax[0].semilogy(np.arange(c.size), c, color=PALETTE[i % len(PALETTE)], lw=0.8,
                           label=f"m = {m}" if s == df.seed.min() else None)
    ax[0].set(xlabel="GD step $t$", ylabel=r"$F(W^{(t)})/F(W^{(0)})$", title="(a) Theorem 1: linear convergence", ylim=(1e-10, 2))
    ax[0].legend()
    g = df.groupby("width").mean(numeric_only=True)
    ax[1].loglog(g.index, g.distance, "o-", label=r"$\|W^{(T)} - W^{(0)}\|_F$")
    ax[1].loglog(g.index, g.minnorm, "s--", label=r"min-norm $\sqrt{r_0^\top G_0^{-1} r_0}$ [ours]")
    ax[1].set(xlabel="width $m$", ylabel="distance", title="(b) (12.1): the weights stay close")
    ax[1].legend()
    for col, lab in [("flips", "flip fraction (Lemma 8.2)"), ("gram_change", r"$\|G_T-G_0\|/\|G_0\|$ (Thm 5c)"),
                     ("lin_err", r"$\max_i|y_T-y_0-y^{ntk}|$ (Thm 5b)")]:
        ax[2].loglog(g.index, g[col], "o-", label=f"{lab}: slope {res.fits[col].slope:.2f}")
    ax[2].set(xlabel="width $m$", ylabel="at the end of training", title="(c) laziness shrinks with $m$")
    ax[2].legend()
    return fig, {"width": g.index.to_numpy(), **{c: g[c].to_numpy() for c in
                                                 ("distance", "minnorm", "flips", "gram_change", "lin_err")}}


def sgd_and_ce(sgd, ce):
    """Theorem 2: SGD curves against t b / n for every batch; Theorem 6: accuracy under the cross-entropy."""
    fig, ax = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    bs = sorted(sgd.table.b.unique())
    for i, b in enumerate(bs):
        for s in sorted(sgd.table.seed.unique()):
            c = sgd.curves[(b, s)]
            ax[0].semilogy(np.arange(c.size) * b / sgd.n, c, color=PALETTE[i], lw=0.8,
                           label=f"b = {b}" if s == sgd.table.seed.min() else None)
    ax[0].set(xlabel="samples seen / n  (= t b / n)", ylabel=r"$F/F_0$", ylim=(1e-10, 2),
              title=f"(a) Theorem 2: SGD, n = {sgd.n}, m = {sgd.width}, η ∝ b")
    ax[0].legend()
    ax[1].plot(ce.record_steps, ce.acc, color=PALETTE[1], lw=1)
    ax[1].set(xlabel="GD step $t$", ylabel="training accuracy", ylim=(0, 1.05),
              title=f"(b) Theorem 6: cross-entropy, {ce.classes} random classes, n = {ce.n}")
    g = sgd.table.groupby("b").median(numeric_only=True)
    return fig, {"b": g.index.to_numpy(), "T_1e-8": g["T_1e-8"].to_numpy(), "Tb": g.Tb.to_numpy(),
                 "ce_step": ce.record_steps, "ce_acc_mean": ce.acc.mean(1)}


def perturbations(flips, smooth, stab):
    """Claim 8.3 (flips under adversarial and random perturbations), Theorem 4 (the non-smooth part) and
    Claim 11.2 (forward stability in depth)."""
    fig, ax = plt.subplots(1, 3, figsize=(18, 4), layout="constrained")
    _seed_mean(ax[0], flips.omegas, flips.adversarial, f"rank-one adversary: slope {flips.fit_adv.slope:.3f}", PALETTE[3])
    _seed_mean(ax[0], flips.omegas, flips.random, f"random direction: slope {flips.fit_rand.slope:.3f}", PALETTE[0])
    ax[0].loglog(flips.omegas, flips.pred_adv, "k--", lw=0.8, label=r"$(3/\pi)^{1/3}\omega^{2/3}$ [ours]")
    ax[0].loglog(flips.omegas, flips.pred_rand, "k:", lw=0.8, label=r"$\omega/(\pi\sqrt{2})$ [ours]")
    ax[0].set(xlabel=r"spectral norm $\omega$", ylabel="flip fraction", title=f"(a) Claim 8.3, m = {flips.width}")
    ax[0].legend()
    _seed_mean(ax[1], smooth.widths, smooth.kappa, f"slope {smooth.fit.slope:.2f}", PALETTE[2])
    ax[1].loglog(smooth.widths, smooth.kappa.mean(0)[0] * (smooth.widths / smooth.widths[0]) ** (-1 / 6), "k--",
                 label=r"$m^{-1/6}$ (Theorem 4, §11 form)")
    ax[1].set(xlabel="width $m$", ylabel=r"$|R - R_{GN}| / (\eta\|\nabla F\|^2)$", title="(b) Theorem 4: the kink term")
    ax[1].legend()
    for j, om in enumerate(stab.omegas):
        ax[2].loglog(stab.layers, stab.ratio[:, j].mean(0), "o-", ms=3, color=PALETTE[j], label=f"ω = {om:g}")
    ax[2].loglog(stab.layers, stab.ratio[:, 0].mean(0)[0] * stab.layers ** 1.5, "k:", label=r"$\propto L^{1.5}$ (Claim 11.2)")
    ax[2].set(xlabel=r"layer $\ell$", ylabel=r"$\|h_\ell(W+W') - h_\ell(W)\| / \omega$",
              title=f"(c) Claim 11.2: random W′, m = {stab.width}")
    ax[2].legend()
    return fig, {"omega": flips.omegas, "adv": flips.adversarial.mean(0), "rand": flips.random.mean(0),
                 "width": smooth.widths, "kappa": smooth.kappa.mean(0), "layer": stab.layers,
                 "stability_ratio": stab.ratio[:, 0].mean(0)}


def claim76(table):
    """Claim 7.6: the printed closed form, quadrature and the exact expectation, and the bound delta^2 (1 - delta)."""
    fig, ax = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    for i, (d, grp) in enumerate(table.groupby("delta")):
        ax[0].plot(grp.alpha, grp.printed / grp.exact, color=PALETTE[i], label=f"δ = {d:.3g}")
        ax[1].plot(grp.alpha, grp.exact / (d * d * (1 - d)), color=PALETTE[i], label=f"δ = {d:.3g}")
    ax[0].axhline(1, color="k", lw=0.8)
    ax[0].set(xlabel=r"$\alpha$", ylabel="printed / exact", title="(a) the proof's closed form")
    ax[1].axhline(1, color="k", lw=0.8)
    ax[1].set(xlabel=r"$\alpha$", ylabel=r"$E[\cdot] / (\delta^2(1-\delta))$", yscale="log",
              title="(b) the claim itself")
    ax[0].legend()
    return fig, table


def width_threshold(thr):
    """E13: the smallest lazy width m*(n) on a log scale beside Theorem 1's width (constants 1)."""
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    ax.semilogy(thr.ns, thr.mstar, "o-", color=PALETTE[0], label=f"measured m* (L = {thr.depth}): {thr.rule}")
    ax.semilogy(thr.ns, thr.theory, "s--", color=PALETTE[3], label=r"Theorem 1: $n^{24}L^{12}\log^5 m/\delta^8$ (constants 1)")
    ax.set(xscale="log", xlabel="samples $n$", ylabel="width $m$", title="(E13) how wide is wide enough")
    ax.set_xticks(thr.ns, [str(n) for n in thr.ns])
    ax.set_xticks([], minor=True)
    ax.legend(fontsize=8)
    return fig, {"n": thr.ns, "m_star": thr.mstar, "theorem_width": thr.theory, "delta": thr.deltas}
