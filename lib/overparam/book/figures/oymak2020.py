"""The composite figures of the Oymak & Soltanolkotabi (2020) chapter.

Each function draws one figure from a record of ``overparam.experiments.oymak2020`` (named in its
docstring; ``book`` does not import ``experiments``, so the types are not imported here) and returns
``(fig, data)``: the figure and the numbers it drew, for ``Chapter.figure(fig, name, data=data)``.
Nothing is computed here beyond grouping the records' rows for display.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..plotting import PALETTE, phase_diagram

__all__ = [
    "boundary_vs_budget",
    "figure2",
    "jacobian_at_init",
    "meta_theorem",
    "random_features_lambda",
    "random_features_vs_gd",
    "rate_vs_n_over_d",
    "real_data_phase",
    "separation",
    "sgd_vs_gd",
]

FLOOR = 1e-18  # exact zeros of sigma_min drawn at the bottom of a log axis


def jacobian_at_init(scan: Any) -> tuple[Figure, pd.DataFrame]:
    """sigma_min^2(J(W0)) / ||v||^2 against parameters per sample, and its median against lambda(X) (Lemma 6.7).

    Parameters
    ----------
    scan : JacobianScan
        The scan (``jacobian_at_init``).

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and the scan's table.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    n = scan.n
    for i, (d, grp) in enumerate(scan.table.groupby("d")):
        c = PALETTE[i]
        m = grp.groupby("k").s.median()
        axes[0].loglog(grp.kd_eff / n, np.maximum(grp.s, FLOOR), ".", color=c, alpha=0.5)
        axes[0].loglog(m.index * d / n, np.maximum(m.values, FLOOR), "-", color=c, label=f"d = {d}: median")
        axes[0].axhline(scan.lam[d], color=c, ls="--", lw=1, label=rf"$\lambda(\mathbf{{X}})$, d = {d}")
        axes[1].semilogx(m.index, m.values / scan.lam[d], "o-", color=c, label=f"d = {d}")
        axes[1].axvline(grp.k_lemma67.iloc[0], color=c, ls=":", lw=1)
    axes[0].axvline(1.0, color="k", lw=1, ls=":", label="$kd = n$")
    axes[0].set(xlabel=r"parameters per sample $2\lfloor k/2\rfloor d\,/\,n$",
                ylabel=r"$\sigma^2_{\min}(\mathcal{J}(\mathbf{W}_0))\,/\,\|\mathbf{v}\|^2$", ylim=(FLOOR, 1),
                title="Jacobian at initialisation: rank transition at $kd=n$")
    axes[1].axhline(1, color="k", ls="--", lw=1, label=r"$\lambda(\mathbf{X})$")
    axes[1].axhline(0.5, color="0.5", ls="--", lw=1, label=r"$\lambda(\mathbf{X})/2$ (Lemma 6.7)")
    axes[1].set(xlabel="width $k$", ylabel=r"median $\sigma^2_{\min}(\mathcal{J}_0)/(\|\mathbf{v}\|^2\lambda(\mathbf{X}))$",
                ylim=(0, 1.3), title="concentration (dotted: Lemma 6.7's width)")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=8)
    return fig, scan.table


def meta_theorem(meta: Any) -> tuple[Figure, pd.DataFrame]:
    """Residual against Theorem 6.10's envelope, sigma_min along the run, distance against the radius R.

    Parameters
    ----------
    meta : MetaRun
        The run (``meta_theorem_run``).

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and the trajectory table.
    """
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for i, k in enumerate(meta.table.index):
        c = PALETTE[i]
        r = meta.residuals[i]
        row = meta.table.loc[k]
        axes[0].semilogy(r, color=c, label=f"k = {k}")
        axes[0].semilogy(r[0] * row["rate bound sqrt(1-eta alpha^2/2)"] ** np.arange(r.size), color=c, ls="--", lw=1)
        tr = meta.trajectory[meta.trajectory.k == k]
        axes[1].plot(tr.step, tr.sigma_min / tr.sigma_min.iloc[0], color=c, label=f"k = {k}")
        axes[2].plot(tr.step, tr.distance, color=c, label=f"k = {k}")
        axes[2].axhline(row["radius R"], color=c, ls="--", lw=1)
    axes[0].set(xlabel=r"step $\tau$", ylabel=r"$\|f(\mathbf{W}_\tau)-\mathbf{y}\|$",
                title=r"residual (dashed: $\|\mathbf{r}_0\|(1-\eta\alpha^2/2)^{\tau/2}$, Thm 6.10)")
    axes[1].set(xlabel=r"step $\tau$",
                ylabel=r"$\sigma_{\min}(\mathcal{J}(\mathbf{W}_\tau))/\sigma_{\min}(\mathcal{J}(\mathbf{W}_0))$",
                title="smallest singular value along the run")
    axes[2].set(xlabel=r"step $\tau$", ylabel=r"$\|\mathbf{W}_\tau-\mathbf{W}_0\|_F$", yscale="log",
                title=r"distance travelled (dashed: radius $R=4\|\mathbf{r}_0\|/\alpha$)")
    for a in axes:
        a.legend(fontsize=8)
    return fig, meta.trajectory


def separation(sep: Any) -> tuple[Figure, pd.DataFrame]:
    """lambda(X) against the separation of a near-duplicate pair, with Theorem I.1's bound.

    Parameters
    ----------
    sep : SeparationStudy
        The sweep (``separation_sweep``).

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and the sweep's table.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    med = sep.table.groupby("delta").median(numeric_only=True)
    for i, a in enumerate(("relu", "softplus")):
        c = PALETTE[i]
        ax.loglog(sep.table.delta, sep.table[f"lam_{a}"], ".", color=c, alpha=0.35)
        ax.loglog(med.index, med[f"lam_{a}"], "o-", color=c,
                  label=rf"$\lambda_{{\rm {a}}}(\mathbf{{X}})$ (slope {sep.fits[a].slope:.2f} for $\delta\leq{sep.fit_max:g}$)")
        ax.loglog(med.index, med[f"lam_pair_{a}"], ":", color=c, lw=1, label=f"{a}: the pair alone (2×2 block)")
    ax.loglog(med.index, med.bound_I1, "k--", lw=1.2, label=r"Theorem I.1: $\delta/(100n^2)$")
    ax.axvspan(sep.table.delta.min(), sep.fit_max, color="0.9", zorder=0, label="fit range")
    ax.set(xlabel=r"separation $\delta=\|\mathbf{x}-\mathbf{x}'\|$ of the near-duplicate pair",
           ylabel=r"$\lambda(\mathbf{X})=\lambda_{\min}(\Sigma(\mathbf{X}))$",
           title=f"two points merge: ReLU keeps λ ∝ δ, softplus ∝ δ² (n = {sep.n}, d = {sep.d})")
    ax.legend(fontsize=8)
    return fig, sep.table


def rate_vs_n_over_d(rate: Any) -> tuple[Figure, pd.DataFrame]:
    """Iterations to eps against n/d (theorem step), rescaled counts, and iterations against 1/lambda (fixed step).

    Parameters
    ----------
    rate : RateStudy
        The runs (``iterations_to_eps``).

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and the runs' table.
    """
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    t = rate.table
    for i, (act, grp) in enumerate(t.groupby("activation")):
        for j, (variant, gv) in enumerate(grp.groupby("variant", sort=False)):
            c, mk = PALETTE[2 * i + j], ("o" if variant == "theorem step" else "s")
            axes[0].loglog(gv["n/d"], gv.iterations, mk, color=c, alpha=0.7, label=f"{act}, {variant}")
            if variant != "theorem step":
                axes[2].loglog(1 / gv["lambda"], gv.iterations, mk, color=c, label=f"{act}, {variant}")
                continue
            for col, mk2, lab in (("iterations x d/n", mk, "iterations × d/n"),
                                  ("iterations x lambda/||X||^2", "^", r"iterations × $\lambda/\|\mathbf{X}\|^2$")):
                axes[1].semilogx(gv["n/d"], gv[col] / gv[col].median(), mk2, color=c,
                                 mfc="none" if mk2 == "^" else c, label=f"{act}: {lab}")
    levels = sorted(t["n/d"].unique())
    for a in axes[:2]:
        a.set_xticks(levels, labels=[f"{x:g}" for x in levels])
        a.minorticks_off()
    axes[0].set(xlabel="$n/d$", ylabel=f"iterations to relative error {rate.eps:g}",
                title=f"iterations against n/d (kd ≈ {rate.kd_over_n:g}n)")
    axes[1].set(xlabel="$n/d$", ylabel="rescaled iterations / their median", ylim=(0, None),
                title="theorem step: flat means the scaling holds")
    axes[2].set(xlabel=r"$1/\lambda(\mathbf{X})$", ylabel="iterations",
                title=f"fixed step η = {rate.eta_fixed:g}: against 1/λ(X)")
    for a in axes:
        a.legend(fontsize=7)
    return fig, t


def sgd_vs_gd(sgd: Any) -> tuple[Figure, dict]:
    """Relative error per epoch of GD, SGD and SGD at Theorem 2.6's step, with the bound (2.10).

    Parameters
    ----------
    sgd : SGDStudy
        The runs (``sgd_against_gd``).

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and the drawn curves (geometric means over realizations) by name.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.3))
    e = sgd.epochs
    curves = {"gd": (sgd.gd, r"GD, $\eta=1/\lambda_{\max}$"),
              "sgd": (sgd.sgd, r"SGD, $\eta=1/\max_i\|\nabla f_i\|^2$"),
              "sgd_theorem_step": (sgd.sgd_theorem, "SGD, Theorem 2.6's step")}
    data = {"epoch": e}
    for i, (key, (H, lab)) in enumerate(curves.items()):
        for h in H:
            ax.semilogy(e, h, color=PALETTE[i], alpha=0.25, lw=1)
        data[key] = np.exp(np.log(H).mean(0))
        ax.semilogy(e, data[key], color=PALETTE[i], label=lab)
    data["bound_sqrt"] = np.sqrt(sgd.bound_sq)
    ax.semilogy(e, data["bound_sqrt"], "k--", lw=1, label="bound (2.10) on $\\sqrt{E\\|r\\|^2}$")
    ax.set(xlabel="epochs (GD: steps; SGD: n steps)",
           ylabel=r"relative error $\|f(\mathbf{W})-\mathbf{y}\|/\|\mathbf{y}\|$",
           title=f"SGD against GD (softplus, n = {sgd.n}, d = {sgd.d}, k = {sgd.k})")
    ax.legend(fontsize=8)
    return fig, data


def figure2(runs: Any) -> tuple[Figure, pd.DataFrame]:
    """The rebuilt Figure 2: one phase diagram per (n, activation) with the fitted boundary kd = c n.

    Parameters
    ----------
    runs : dict
        (n, activation) -> PhaseRun (``figure2``).

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and every drawn cell (k, d, value, n, activation).
    """
    fig, axes = plt.subplots(1, len(runs), figsize=(5.2 * len(runs), 4.4), squeeze=False)
    drawn = []
    for ax, ((n, act), run) in zip(axes[0], runs.items()):
        long = phase_diagram(ax, run.grid, n, fit=run.fit, colorbar=ax is axes[0][-1],
                             title=f"{act}, n = {n}, η = {run.eta:g}: P(success)")
        drawn.append(long.assign(n=n, activation=act))
    run = next(iter(runs.values()))
    fig.suptitle(f"Figure 2 rebuilt: GD fits random labels once kd ≳ n ({run.realizations} realizations per cell, "
                 f"{run.result.steps} iterations, tol {run.result.tol:g})")
    return fig, pd.concat(drawn, ignore_index=True)


def boundary_vs_budget(table: pd.DataFrame, paper_budget: int = 15000) -> tuple[Figure, pd.DataFrame]:
    """The fitted boundary c against the iteration budget, with its interval.

    Parameters
    ----------
    table : pandas.DataFrame
        The table of ``boundary_vs_budget`` (n, activation, budget, c, c_lo, c_hi).
    paper_budget : int
        Figure 2's budget, marked on the axis.

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and the table.
    """
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, ((n, act), grp) in enumerate(table.groupby(["n", "activation"])):
        ax.errorbar(grp.budget, grp.c, yerr=[grp.c - grp.c_lo, grp.c_hi - grp.c], fmt="o-", capsize=3,
                    color=PALETTE[i], label=f"{act}, n = {n}")
    ax.axhline(1.0, color="k", ls=":", lw=1, label="$kd = n$ (the paper's curve)")
    ax.axvline(paper_budget, color="0.6", ls="--", lw=1, label="paper's budget")
    ax.set(xscale="log", xlabel="iteration budget $T$", ylabel="fitted boundary $c$ in $kd = c\\,n$",
           title="the phase boundary approaches kd = n as the budget grows")
    ax.legend(fontsize=8)
    return fig, table


def random_features_lambda(rf: Any, floor: float = 1e-8) -> tuple[Figure, pd.DataFrame]:
    """lambda_min(Phi Phi^T) / k against k for both activations, with lambda~(X) and lambda~/2.

    Parameters
    ----------
    rf : RFSpectrum
        The sweep (``random_features_spectrum``).
    floor : float
        Where the numerically zero draws are drawn.

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and the drawn draws with their lambda~.
    """
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.4), sharey=True)
    drawn = []
    for ax, act in zip(axes, ("relu", "softplus")):
        for i, (d, sub) in enumerate(rf.draws[rf.draws.activation == act].groupby("d")):
            c = PALETTE[i]
            m = sub.groupby("k")["lam_min/k"].median()
            pos = m[m.index >= rf.n]
            ax.loglog(pos.index, pos.values, "o-", color=c, label=f"d = {d}: median λmin(ΦΦᵀ)/k")
            zero = sub[~sub.full_rank]
            ax.loglog(zero.k, np.full(len(zero), floor), "v", color=c, mfc="none", ms=7,
                      label=f"d = {d}: rank < n (σn(Φ)/σ1(Φ) ≤ max(n, k)ε)" if len(zero) else None)
            lt = rf.kernel.loc[(act, d), "lambda~"]
            ax.axhline(lt, color=c, ls="--", lw=1, label=rf"$\tilde\lambda(\mathbf{{X}})$, d = {d}")
            ax.axhline(lt / 2, color=c, ls=":", lw=1)
            drawn.append(sub.assign(lambda_tilde=lt))
        ax.axvline(rf.n, color="k", lw=1, ls="-.", label="$k = n$")
        ax.set(xlabel="width $k$ (random features)", title=f"{act}: λmin(ΦΦᵀ)/k → λ̃(X) (dotted: λ̃/2)",
               ylim=(floor / 2, None))
        ax.legend(fontsize=7)
    axes[0].set_ylabel(r"$\lambda_{\min}(\Phi\Phi^\top)/k$ (zeros drawn at the bottom)")
    return fig, pd.concat(drawn, ignore_index=True)


def random_features_vs_gd(ls: Any, gd_runs: Any) -> tuple[Figure, pd.DataFrame]:
    """Least squares on random features against GD on W (Section 4), by width and by trained parameters.

    Parameters
    ----------
    ls : RFLeastSquares
        The grid (``random_features_grid``).
    gd_runs : dict
        activation -> the PhaseRun of Figure 2 at the same n.

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and every drawn cell of the four diagrams.
    """
    fig, axes = plt.subplots(2, 3, figsize=(18, 9.5), gridspec_kw={"wspace": 0.45, "hspace": 0.35})
    drawn = []
    for row, act in enumerate(("relu", "softplus")):
        long = phase_diagram(axes[row][0], ls.grid(act), ls.n, colorbar=False,
                             title=f"{act}: least squares on v (random W), n = {ls.n}")
        axes[row][0].axvline(ls.n, color="k", lw=2, ls="--", label="$k = n$")
        axes[row][0].legend(loc="upper left", fontsize=8, framealpha=0.8, frameon=True)
        drawn.append(long.assign(activation=act, method="random features"))
        gd = gd_runs[act]
        long = phase_diagram(axes[row][1], gd.grid, gd.n, colorbar=row == 0,
                             title=f"{act}: gradient descent on W (Section 4), n = {gd.n}")
        drawn.append(long.assign(activation=act, method="GD on W"))
        ax = axes[row][2]
        g, r = gd.rate_by_parameters(), ls.rate_by_parameters(act)
        ax.semilogx(g.params_over_n, g.success, "o", color=PALETTE[0], alpha=0.6, label="GD on W: trained parameters kd")
        ax.semilogx(r.params_over_n, r.success, "s", color=PALETTE[1], alpha=0.6,
                    label="least squares on v: trained parameters k")
        ax.axvline(1, color="k", lw=1, ls=":")
        ax.set_xticks([0.1, 0.3, 1, 3, 10], labels=["0.1", "0.3", "1", "3", "10"])
        ax.minorticks_off()
        ax.set(xlabel="trained parameters / n", ylabel="success rate", ylim=(-0.05, 1.05),
               title=f"{act}: both need about n trained parameters")
        ax.legend(fontsize=8)
    fig.suptitle("width needed: k ≳ n for random features, k ≳ n/d for training W")
    return fig, pd.concat(drawn, ignore_index=True)


def real_data_phase(sphere_run: Any, real: Any) -> tuple[Figure, pd.DataFrame]:
    """Phase diagrams on sphere inputs and on MNIST principal components, with the fitted 90% lines.

    Parameters
    ----------
    sphere_run : PhaseRun
        A Figure 2 diagram on sphere inputs.
    real : RealData
        The diagrams on real inputs (``real_data_phase``).

    Returns
    -------
    (matplotlib.figure.Figure, data)
        The figure and every drawn cell of the real-input diagrams.
    """
    ncol = 1 + len(real.runs)
    fig, axes = plt.subplots(1, ncol, figsize=(5.2 * ncol, 4.4), squeeze=False)
    phase_diagram(axes[0][0], sphere_run.grid, sphere_run.n, fit=sphere_run.fit, colorbar=False,
                  extra_c=[sphere_run.fit.r90],
                  title=f"sphere inputs, {sphere_run.activation}, n = {sphere_run.n}")
    drawn = []
    for ax, (act, run) in zip(axes[0][1:], real.runs.items()):
        drawn.append(phase_diagram(ax, run.grid, run.n, fit=run.fit, extra_c=[run.fit.r90],
                                   colorbar=ax is axes[0][-1],
                                   title=f"MNIST principal components, {act}, n = {run.n}").assign(activation=act))
    fig.suptitle("random labels: sphere inputs against real inputs (dotted: fitted 90% success line)")
    return fig, pd.concat(drawn, ignore_index=True)
