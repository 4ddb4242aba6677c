"""The numbers the Noy et al. chapter checks, computed from the experiments' tables (fits, paired margins,
the paper's max/min-over-seeds rule), so that the chapter's cells stay a call and a check."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ...measure.fit import SlopeFit, loglog_slope
from ._common import paired

__all__ = ["TABLE2_PAPER", "figure2a_summary", "figure3bc_summary", "log_time_summary", "slope_over_seeds",
           "table2_summary", "tabular_summary"]

#: Table 2 of the paper, "CIFAR-10 MSE" (depth, width): (ReLU, GReLU).
TABLE2_PAPER = {(6, 10000): (0.48, 0.02), (7, 10000): (0.27, 0.01), (4, 15000): (0.75, 0.03)}


def slope_over_seeds(df: pd.DataFrame, x: str, y: str) -> SlopeFit:
    """Log-log slope of ``y`` on ``x`` over every (seed, x) point, with its 95 % interval."""
    d = df[np.isfinite(df[y].astype(float)) & (df[y].astype(float) > 0)]
    return loglog_slope(d[x].astype(float), d[y].astype(float))


def log_time_summary(lt) -> dict:
    """Theorem 1's runs: the steps-vs-n slope under the proof's step (GReLU, and ReLU), eta * lambda_max under
    the printed and the proof's steps at the largest n, how many runs' loss ever rose, the 1/lambda_max
    GReLU-vs-ReLU margin, loss_0 against 4mn/d_x and the mean per-step ratio against 1 - 1/13122."""
    r = lt.runs
    big = r[r.n == r.n.max()]
    out = {"n_max": int(r.n.max()), "m_max": int(r.m.max())}
    for net in ("grelu", "relu"):
        proof = r[(r.rule == "proof") & (r.net == net)]
        out[f"slope_{net}"] = slope_over_seeds(proof, "n", "steps")
        out[f"unconverged_{net}"] = int(proof.steps.isna().sum())
        out[f"printed_lmax_{net}"] = float(big[(big.rule == "printed") & (big.net == net)].eta_lmax.median())
        out[f"printed_rises_{net}"] = int((r[(r.rule == "printed") & (r.net == net)].max_ratio > 1).sum())
    out["printed_runs"] = int((r.rule == "printed").sum() // 2)
    out["printed_diverged"] = int(r[r.rule == "printed"].diverged.sum())
    out["proof_lmax_max"] = float(r[r.rule == "proof"].eta_lmax.max())
    out["proof_rises"] = int((r[r.rule == "proof"].max_ratio > 1).sum())
    ntk = big[big.rule == "ntk"].pivot(index="seed", columns="net", values="steps").astype(float)
    out["ntk_margin"] = paired(np.log(ntk.relu / ntk.grelu))
    out["ntk_steps"] = ntk.mean().to_dict()
    proof = r[r.rule == "proof"]
    out["ell0_ratio_max"] = float((proof.ell0 / proof.ell0_bound).max())
    out["ratio_max"] = float(proof[proof.net == "grelu"].mean_ratio.max())
    out["guarantee"] = float(proof.guarantee.iloc[0])
    out["steps_proof_grelu"] = proof[proof.net == "grelu"].groupby("n").steps.mean().to_dict()
    out["delta_max"] = float(r.delta.max())
    return out


def figure2a_summary(df: pd.DataFrame, converged: float = 1e-2) -> pd.DataFrame:
    """The paper's plotting rule: per protocol and net, the maximum over seeds of ell_T/ell_0 at the widest
    (theoretical) width and the minimum over seeds at the narrower ones; ``converged`` marks <= 1e-2."""
    widest = df.m.max()
    g = df.groupby(["protocol", "net", "m"]).rel_loss
    t = pd.DataFrame({"max": g.max(), "min": g.min()}).reset_index()
    t["plotted"] = np.where(t.m == widest, t["max"], t["min"])
    t["rule"] = np.where(t.m == widest, "max over seeds", "min over seeds")
    t["converged"] = t.plotted <= converged
    return t


def tabular_summary(df: pd.DataFrame) -> dict:
    """Figures 2b/2c/5: at the smallest step factor, the paired margin over seeds of log(mean ReLU gradient
    difference / mean GReLU one) over the second half of the epochs, and the Spearman correlation of GReLU's
    differences with the epoch (per seed); at the largest factor, the paired margin of the number of epochs
    whose loss rose (ReLU minus GReLU); the ReLU patterns' mean change per epoch."""
    lo, hi = df.factor.min(), df.factor.max()
    d = df[(df.factor == lo) & (df.epoch >= df.epoch.max() / 2)]
    means = d.groupby(["seed", "net"]).grad_diff.mean().unstack()
    spear = [stats.spearmanr(g.epoch, g.grad_diff, nan_policy="omit").statistic
             for _, g in df[(df.factor == lo) & (df.net == "grelu")].groupby("seed")]
    rises = (df[df.factor == hi].sort_values("epoch").groupby(["seed", "net"]).mse
             .apply(lambda s: int((np.diff(s.to_numpy()) > 0).sum())).unstack())
    return {"grad_margin": paired(np.log(means.relu / means.grelu)), "grelu_spearman_max": float(np.max(spear)),
            "rises_margin": paired((rises.relu - rises.grelu).to_numpy(float)),
            "rises": rises.mean().to_dict(), "hamming_relu": float(df[df.net == "relu"].hamming.mean()),
            "hamming_grelu": float(np.nanmax(df[df.net == "grelu"].hamming.to_numpy())),
            "factor_lo": float(lo), "factor_hi": float(hi)}


def table2_summary(df: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Table 2 rebuilt: mean final train and test MSE per (depth, width, net), and per configuration the
    paired margin over seeds of log(ReLU train MSE / GReLU train MSE) (positive: GReLU lower, as Table 2)."""
    last = df[df.epoch == df.epoch.max()]
    table = last.groupby(["depth", "width", "net"])[["train_mse", "test_mse"]].mean().unstack("net")
    table.columns = [f"{a} {b}" for a, b in table.columns]
    margins = {}
    for (depth, width), g in last.groupby(["depth", "width"]):
        p = g.pivot(index="seed", columns="net", values="train_mse")
        margins[(int(depth), int(width))] = paired(np.log(p.relu / p.grelu))
    return table, margins


def figure3bc_summary(df: pd.DataFrame) -> dict:
    """Figures 3b/3c: the largest relative train-MSE jump at the switch over seeds (Theorem 2: none), and the
    paired test-MSE drop at the switch (before minus after, per seed; the paper reports a drop)."""
    sw = df[(df.net != "relu") & (df.stage.isin(["before", "after"]))].pivot(index="seed", columns="stage")
    jump = (sw.train_mse.after - sw.train_mse.before).abs() / sw.train_mse.before
    drop = sw.test_mse.before - sw.test_mse.after
    last = df[df.epoch == df.epoch.max()].groupby("net")[["train_mse", "test_mse"]].mean()
    return {"train_jump": float(jump.max()), "test_drop": paired(drop.to_numpy()),
            "test_before": float(sw.test_mse.before.mean()), "test_after": float(sw.test_mse.after.mean()),
            "final": last}
