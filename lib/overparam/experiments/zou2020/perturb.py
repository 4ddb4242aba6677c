"""Theorem 5.3 of Zou, Cao, Zhou & Gu (2020) under controlled perturbations (notes E5, E2).

* ``flips_vs_tau``: Theorem 5.3(iii) / Lemma B.3, sign flips of one layer (L = 1, where the tau window is
  widest) under perturbations of spectral norm exactly tau: random Gaussian directions, and the rank-one
  worst case per input (``measure.perturbations``).
* ``linearisation``: Lemma C.2, the output change of one GD step and its distance from the linear
  prediction, against m (notes E9);
* ``gradient_lower``: Theorem 5.3(vii) at tau = 0 through the worst case over the loss weights,
  gamma_min = min_{a in simplex} a^T G a (``measure.worst_case_gradient``), against phi and n, plus the
  duplicates demonstration (E2b): lambda_min(G) drops to 0, gamma_min does not move.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import zou2020 as zd
from ...measure.fit import SlopeFit, loglog_slope
from ...measure.perturbations import random_perturbation, rank_one_adversarial, sign_flips
from ...measure.worst_case_gradient import simplex_qp
from ...nets.zou import ZouEnsemble
from ...runtime import derive_seed
from ...theory import zou2020 as th
from ...train.losses_margin import loss_derivative, loss_value

__all__ = ["Flips", "GradientLower", "Linearisation", "flips_vs_tau", "gradient_lower", "linearisation"]


@dataclass(frozen=True)
class Flips:
    """Flip fractions against tau.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows (tau, seed): ``random`` and ``worst`` fractions (mean over inputs and units), ``predicted``
        (3 tau^2/pi)^{1/3}, ``tau_lo``/``tau_hi`` (the window, constants 1).
    random_fit, worst_fit : SlopeFit
        log-log slopes in tau over all (tau, seed) points.
    """

    table: pd.DataFrame
    random_fit: SlopeFit
    worst_fit: SlopeFit

    @property
    def worst_over_predicted(self) -> float:
        """Mean measured / (3 tau^2/pi)^{1/3} over the grid."""
        return float((self.table.worst / self.table.predicted).mean())


def flips_vs_tau(*, n: int, d: int, phi: float, mu: float, width: int, taus, seeds: int, seed: int,
                 device: str | torch.device = "cpu") -> Flips:
    """Fraction of first-layer signs flipped by a perturbation of spectral norm tau (L = 1, E5).

    Parameters
    ----------
    n, d, phi, mu
        The phi-pair inputs the signs are taken at (n inputs).
    width : int
        m.
    taus : sequence of float
    seeds : int
        Networks (each with its own random directions).
    seed : int

    Returns
    -------
    Flips
    """
    data = zd.phi_pairs(n, d, phi, np.random.default_rng(derive_seed(seed, "data")), mu=mu)
    X = torch.from_numpy(data.X).to(device)
    rows = []
    for s in range(seeds):
        W = ZouEnsemble.init(d, width, 1, [derive_seed(seed, "net", s)], device=device).state()[0][0]   # (d, m)
        pre = X @ W                                                                       # (n, m)
        gen = torch.Generator().manual_seed(derive_seed(seed, "directions", s))
        for tau in taus:
            dW = random_perturbation((d, width), tau, gen).to(device)
            rand = sign_flips(pre, X @ (W + dW))
            worst = np.mean([sign_flips(pre[i], pre[i] + rank_one_adversarial(pre[i], X[i], tau) @ X[i])
                             for i in range(n)])
            rows.append({"tau": tau, "seed": s, "random": rand, "worst": float(worst)})
    table = pd.DataFrame(rows)
    table["predicted"] = th.worst_case_flip_fraction(table.tau)
    lo, hi = th.tau_window(width, 1, 1)
    table["tau_lo"], table["tau_hi"] = lo, hi
    ok = table.random > 0
    return Flips(table, loglog_slope(table.tau[ok], table.random[ok]), loglog_slope(table.tau, table.worst))


@dataclass(frozen=True)
class GradientLower:
    """gamma_min at initialisation against phi (n fixed) and n (phi fixed), L = 1.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows (sweep, n, phi, seed): ``gamma`` (the QP value), ``gap`` (its certified gap), ``uniform``
        (a^T G a at the uniform a), ``lam_min`` (lambda_min(G)), ``width_needed`` (n^2 phi^-1 log n).
    phi_fit, n_fit : SlopeFit
        log-log slopes of gamma_min in the measured phi and in n.
    duplicates : dict
        ``gamma``, ``gamma_dup``, ``lam_min``, ``lam_min_dup`` (means over seeds) for E2b.
    """

    table: pd.DataFrame
    phi_fit: SlopeFit
    n_fit: SlopeFit
    duplicates: dict


def _gram(d: int, width: int, data: zd.ZouData, net_seed: int, device) -> np.ndarray:
    ens = ZouEnsemble.init(d, width, 1, [net_seed], device=device)
    return ens.last_layer_gram(torch.from_numpy(data.X), torch.from_numpy(data.y))[0].cpu().numpy()


def gradient_lower(*, d: int, mu: float, width: int, ns, phis, n_fixed: int, phi_fixed: float, seeds: int,
                   seed: int, device: str | torch.device = "cpu") -> GradientLower:
    """The worst-case gradient constant gamma_min of Theorem 5.3(vii) at init, against phi and n (E2, E2b).

    Returns
    -------
    GradientLower
    """
    cells = [("phi", n_fixed, p) for p in phis] + [("n", n, phi_fixed) for n in ns]
    rows, dup = [], {"gamma": [], "gamma_dup": [], "lam_min": [], "lam_min_dup": []}
    for s in range(seeds):
        net_seed = derive_seed(seed, "net", s)
        for sweep, n, phi in cells:
            data = zd.phi_pairs(n, d, phi, np.random.default_rng(derive_seed(seed, "data", n, repr(phi), s)), mu=mu)
            G = _gram(d, width, data, net_seed, device)
            qp = simplex_qp(G)
            rows.append({"sweep": sweep, "n": n, "phi": data.phi, "seed": s, "gamma": qp.value,
                         "gap": qp.value - qp.lower, "uniform": float(np.full(n, 1 / n) @ G @ np.full(n, 1 / n)),
                         "lam_min": float(np.linalg.eigvalsh(G)[0]),
                         "width_needed": n**2 / data.phi * math.log(n)})
            if sweep == "n" and n == n_fixed:
                dd = zd.with_duplicates(data, n // 2, np.random.default_rng(derive_seed(seed, "dup", s)))
                Gd = _gram(d, width, dd, net_seed, device)
                dup["gamma"].append(qp.value)
                dup["gamma_dup"].append(simplex_qp(Gd).value)
                dup["lam_min"].append(float(np.linalg.eigvalsh(G)[0]))
                dup["lam_min_dup"].append(float(np.linalg.eigvalsh(Gd)[0]))
    table = pd.DataFrame(rows)
    t_phi, t_n = table[table.sweep == "phi"], table[table.sweep == "n"]
    return GradientLower(table, loglog_slope(t_phi.phi, t_phi.gamma), loglog_slope(t_n.n, t_n.gamma),
                         {k: float(np.mean(v)) for k, v in dup.items()})


@dataclass(frozen=True)
class Linearisation:
    """One GD step from the initialisation against m (Lemma C.2, notes E9).

    Attributes
    ----------
    table : pandas.DataFrame
        Rows (m, seed): ``delta_ratio`` = max_i |Delta_i| / (eta_bar mean_j |l'_j|) with
        Delta_i = y_i (y_hat_i(k+1) - y_hat_i(k)); ``nonlinearity`` = ||Delta y_hat - J Delta W|| / ||J Delta W||;
        ``last_share`` = ||grad_{W_L} L_S||_F^2 / sum_l ||grad_{W_l} L_S||_F^2.
    ratio_fit, nonlin_fit : SlopeFit
        log-log slopes in m.
    """

    table: pd.DataFrame
    ratio_fit: SlopeFit
    nonlin_fit: SlopeFit


def linearisation(*, n: int, d: int, phi: float, mu: float, depth: int, widths, eta_bar: float, seeds: int,
                  seed: int, fd_step: float = 1e-6, device: str | torch.device = "cpu") -> Linearisation:
    """The output change of one logistic GD step (eta = eta_bar/m) and its distance from the linear prediction.

    J Delta W is a forward finite difference with step ``fd_step`` along Delta W (float64).

    Returns
    -------
    Linearisation
    """
    data = zd.phi_pairs(n, d, phi, np.random.default_rng(derive_seed(seed, "data")), mu=mu)
    X, y = torch.from_numpy(data.X).to(device), torch.from_numpy(data.y).to(device)
    rows = []
    for m in widths:
        ens = ZouEnsemble.init(d, m, depth, [derive_seed(seed, "net", m, s) for s in range(seeds)], device=device)
        out = ens(X)
        lp = loss_derivative((y * out).detach(), "logistic")
        grads = torch.autograd.grad(loss_value(y * out, "logistic").mean(1).sum(), ens.W)
        W0 = ens.state()
        step = [-(eta_bar / m) * g for g in grads]
        with torch.no_grad():
            y0 = out.detach()
            outs = []
            for scale in (1.0, fd_step):
                for w, w0, s in zip(ens.W, W0, step):
                    w.copy_(w0 + scale * s)
                outs.append(ens(X))
        change, lin = outs[0] - y0, (outs[1] - y0) / fd_step
        ratio = (y * change).abs().amax(1) / (eta_bar * lp.abs().mean(1))
        nonlin = (change - lin).norm(dim=1) / lin.norm(dim=1)
        g2 = torch.stack([(g**2).sum(dim=(1, 2)) for g in grads])
        share = g2[-1] / g2.sum(0)
        rows += [{"m": m, "seed": k, "delta_ratio": float(ratio[k]), "nonlinearity": float(nonlin[k]),
                  "last_share": float(share[k])} for k in range(seeds)]
    table = pd.DataFrame(rows)
    return Linearisation(table, loglog_slope(table.m, table.delta_ratio), loglog_slope(table.m, table.nonlinearity))
