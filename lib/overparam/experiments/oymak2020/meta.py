"""One training run against the meta-theorem (Theorem 6.10 and Corollary 6.11), at several widths.

Oymak & Soltanolkotabi (2020), Section 6.3: if alpha <= sigma_min(J) <= ||J|| <= beta near W0 and J is
L-Lipschitz, GD with eta <= min(1, alpha^2 / (L ||r0||)) / (2 beta^2) satisfies
||r_t||^2 <= (1 - eta alpha^2 / 2)^t ||r_0||^2 (6.9), alpha/4 ||W_t - W0|| + ||r_t|| <= ||r_0|| (6.10) and
sum_t ||W_{t+1} - W_t|| <= 4 ||r_0|| / alpha (6.11). Here alpha and beta are measured along the run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...kernels.two_layer import lambda_x
from ...measure.fit import SlopeFit, linear_rate, loglog_slope
from ...measure.two_layer_jacobian import jacobian_drift, jacobian_singular_values
from ...nets import output_weights
from ...runtime import generator_for
from ...theory import oymak2020 as th
from ...train import Problems
from ._train import train_networks
from .jacobian import sphere_inputs

__all__ = ["MetaRun", "meta_theorem_run"]

SOFTPLUS_M = 0.25  # sup |phi''| of softplus: the Lipschitz constant of Lemma 6.8


@dataclass(frozen=True)
class MetaRun:
    """Softplus networks of several widths trained by GD at Theorem 2.1's step on one problem.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per width k (index): the measured Jacobian bounds, Theorem 6.10's conclusions for them and
        what the run did (see ``meta_theorem_run``).
    trajectory : pandas.DataFrame
        One row per (k, checkpoint step): residual, sigma_min and ||J||, the drift ||J_t - J_0|| and the
        distance ||W_t - W_0||_F.
    residuals : numpy.ndarray, shape (widths, steps + 1)
        ||f(W_t) - y|| at every step.
    eta : float
        Theorem 2.1's step n / (2 ||y||^2 ||X||^2).
    lam : float
        lambda(X) (softplus, quadrature).
    drift_fit : SlopeFit
        Log-log slope of max_t ||J_t - J_0|| / sigma_min(J_0) against k (Lemma 6.8: -1/2).
    n, d : int
    """

    table: pd.DataFrame
    trajectory: pd.DataFrame
    residuals: np.ndarray
    eta: float
    lam: float
    drift_fit: SlopeFit
    n: int
    d: int

    @property
    def widest(self) -> pd.Series:
        """The row of the widest network (the Series' ``name`` is its width k)."""
        return self.table.iloc[-1]

    def quotes(self) -> dict[str, float]:
        """The numbers the chapter's prose quotes (about the widest network unless named otherwise)."""
        top = self.table.iloc[-1]
        return {
            "meta_n": self.n, "meta_d": self.d, "k_top": int(self.table.index[-1]), "eta_thm": self.eta,
            "meta_rate_fit": top["fitted rate"], "meta_rate_bound": top["rate bound sqrt(1-eta alpha^2/2)"],
            "meta_rate_lin": top["linearised 1-eta sigma_min(J0)^2"],
            "meta_rate_thm62": top["Thm 6.2 rate (printed 1/32)"],
            "meta_exp_ratio": math.log(top["fitted rate"]) / math.log(top["rate bound sqrt(1-eta alpha^2/2)"]),
            "meta_dist": top["distance"], "meta_R": top["radius R"], "meta_path": top["path length"],
            "meta_W0": top["||W0||_F"], "meta_cert": top["certificate margin alpha^2/(4L) / r0"],
            "meta_step_ratio": top["eta / eta_max(6.10)"],
            "drift_small_k": self.table["max drift / sigma_min(J0)"].iloc[0],
            "drift_top": top["max drift / sigma_min(J0)"], "drift_slope": self.drift_fit.slope,
        }


def meta_theorem_run(n: int, d: int, widths: Sequence[int], steps: int, checkpoint_every: int, *,
                     seed: int) -> MetaRun:
    """Train softplus networks of every width on one sphere problem and test Theorem 6.10's conclusions.

    Theorem 6.10 and Corollary 6.11 of Oymak & Soltanolkotabi (2020), with the step of Theorem 2.1,
    eta = n / (2 ||y||^2 ||X||^2) = 1 / (2 beta^2) for Lemma 6.6's beta. Along the run (at checkpoints) the
    Jacobian's extreme singular values, its drift from J(W0) and the distance from W0 are measured; the
    theorem's alpha is the smallest sigma_min seen, beta the largest ||J||.

    Parameters
    ----------
    n, d : int
        Samples and input dimension (x_i uniform on the sphere, y_i ~ N(0, 1)).
    widths : sequence of int
        The widths k, trained together (float64, full-batch GD on 1/2 ||f - y||^2).
    steps : int
        GD steps (no early stop).
    checkpoint_every : int
        Steps between two measurements of the Jacobian.
    seed : int
        Root of the random stream (X, y, then W0 of each width in order).

    Returns
    -------
    MetaRun
        Per width: ``r0``, ``final rel. error``, ``sigma_min(J0)``, ``alpha (min along run)``,
        ``beta (max along run)``, ``beta (Lemma 6.6)``, ``eta / eta_max(6.10)``, ``fitted rate`` of ||r||
        over the second half with ``rate CI hi``, ``rate bound sqrt(1-eta alpha^2/2)``,
        ``linearised 1-eta sigma_min(J0)^2``, ``Thm 6.2 rate (printed 1/32)``,
        ``max r^2 / envelope (6.9)`` (<= 1 where (6.9) holds at every step), ``max potential / r0 (6.10)``,
        ``distance``, ``radius R``, ``path length``, ``path bound 4r0/alpha``,
        ``max drift / sigma_min(J0)``, ``||W0||_F`` and Corollary 6.11's
        ``certificate margin alpha^2/(4L) / r0``.
    """
    g = generator_for(seed)
    X = sphere_inputs(n, d, g)
    y = torch.randn(n, generator=g, dtype=torch.float64)
    ynorm, Xnorm = float(y.norm()), float(torch.linalg.matrix_norm(X, 2))
    lam = lambda_x(X, "softplus", method="quadrature")
    eta = th.smooth_step(n, ynorm, Xnorm)
    ks = [int(k) for k in widths]
    W0s = [torch.randn(k, d, generator=g, dtype=torch.float64) for k in ks]
    vs = [output_weights(k, ynorm, n) for k in ks]
    problems = Problems([X] * len(ks), [y] * len(ks), W0s, vs, pd.DataFrame({"k": ks, "d": d, "n": n}))
    cks = list(range(0, steps + 1, checkpoint_every))
    run = train_networks(problems, "softplus", eta, steps, history=True, checkpoints=cks, track_path=True,
                         dtype=torch.float64, device="cpu")
    residuals = run.history * ynorm
    traj_rows, rows = [], []
    for b, k in enumerate(ks):
        W0, v = W0s[b], vs[b]
        r = residuals[b]
        v_inf = float(v.abs().max())
        sig0 = float(jacobian_singular_values(W0, X, v, "softplus")[-1])
        mine = []
        for t in cks:
            W = run.checkpoints[t][b]
            sv = jacobian_singular_values(W, X, v, "softplus")
            mine.append({"k": k, "step": t, "residual": r[t], "sigma_min": float(sv[-1]), "J_norm": float(sv[0]),
                         "drift": jacobian_drift(W, W0, X, v, "softplus"), "distance": float((W - W0).norm())})
        traj_rows += mine
        tr = pd.DataFrame(mine)
        alpha, beta = float(tr.sigma_min.min()), float(tr.J_norm.max())
        mb = th.meta_theorem(alpha, beta, th.jacobian_lipschitz_bound(v_inf, Xnorm, M=SOFTPLUS_M), r[0], eta)
        fit = linear_rate(r, start=r.size // 2)
        envelope = r[0] ** 2 * (1 - eta * alpha**2 / 2) ** np.arange(r.size)
        cert = th.certificate(sig0, r[0], v_inf, Xnorm, M=SOFTPLUS_M)
        rows.append({
            "k": k, "kd/n": k * d / n, "r0": r[0], "final rel. error": r[-1] / ynorm,
            "sigma_min(J0)": sig0, "alpha (min along run)": alpha, "beta (max along run)": beta,
            "beta (Lemma 6.6)": th.jacobian_norm_bound(k, v_inf, Xnorm),
            "eta / eta_max(6.10)": eta / mb.eta_max, "fitted rate": fit.rate, "rate CI hi": fit.hi,
            "rate bound sqrt(1-eta alpha^2/2)": mb.residual_rate,
            "linearised 1-eta sigma_min(J0)^2": 1 - eta * sig0**2,
            "Thm 6.2 rate (printed 1/32)": th.smooth_rate(lam, Xnorm),
            "max r^2 / envelope (6.9)": float(np.max(r**2 / envelope)),
            "max potential / r0 (6.10)": float(mb.potential(tr.distance, tr.residual).max() / r[0]),
            "distance": float(tr.distance.iloc[-1]), "radius R": mb.radius,
            "path length": float(run.path_length[b]), "path bound 4r0/alpha": mb.path_bound,
            "max drift / sigma_min(J0)": float(tr.drift.max() / sig0),
            "||W0||_F": float(W0.norm()), "certificate margin alpha^2/(4L) / r0": cert["margin"] / r[0],
        })
    table = pd.DataFrame(rows).set_index("k")
    drift_fit = loglog_slope(ks, table["max drift / sigma_min(J0)"].to_numpy())
    return MetaRun(table, pd.DataFrame(traj_rows), residuals, eta, lam, drift_fit, int(n), int(d))
