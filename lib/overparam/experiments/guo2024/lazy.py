"""Lazy training across the slopes: Lemma B.9 (eq. 111) and Lemma B.4 of Guo, Li & Lerman (2024).

The proofs keep every iterate within omega of the initialisation, with a distance that shrinks like m^(-1/2)
and is smallest at alpha = -1, few activation flips and a nearly constant NTK. GD (Algorithm 2) on the sum
loss of Section 2 with the probes of ``train.deep_ensemble``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import synthetic
from ...kernels.deep import stable_eta
from ...measure.fit import loglog_slope
from ...runtime import derive_seed
from ...runtime.progress import progress as show_progress
from ...theory import guo2024 as th
from ...train.deep_ensemble import run_grid
from ._common import Lead, paired_lead, tensor

__all__ = ["LazyTraining", "lazy_training"]


@dataclass(frozen=True)
class LazyTraining:
    """Distance from initialisation, activation flips and NTK drift after GD, against the width m.

    Attributes
    ----------
    table : DataFrame
        m, alpha, loss0, lossT, distance (Frobenius, all layers), spectral (max_l ||W_l(T) - W_l(0)||_2),
        flips (fraction of hidden signs changed), ntk_drift (||Theta_T - Theta_0||_F / ||Theta_0||_F),
        ntk_lmin, bound_111 (eq. 111 with constant 1).
    fits : dict of (str, float) -> SlopeFit
        Log-log slope on m of each of spectral, flips, ntk_drift, per slope.
    """

    table: pd.DataFrame
    fits: dict

    def slopes(self, quantity: str) -> list[float]:
        """The slopes on m of ``quantity`` for every alpha."""
        return [f.slope for (q, _), f in self.fits.items() if q == quantity]

    def mean_slope(self, quantity: str) -> float:
        """The mean over alpha of the slopes on m of ``quantity``."""
        return float(np.mean(self.slopes(quantity)))

    def slopes_text(self, quantity: str) -> str:
        """The slopes of ``quantity`` in words, e.g. ``α=-1: -0.55, α=0: -0.49``."""
        return ", ".join(f"α={a:g}: {f.slope:.2f}" for (q, a), f in self.fits.items() if q == quantity)

    @property
    def mean_table(self) -> pd.DataFrame:
        """The table averaged over seeds: one row per (m, alpha)."""
        return self.table.drop(columns="seed").groupby(["m", "alpha"], sort=False).mean().reset_index()

    @property
    def widest(self) -> pd.DataFrame:
        """The seed-averaged rows of the widest network, indexed by alpha."""
        t = self.mean_table
        return t[t.m == t.m.max()].set_index("alpha")

    def order_lead(self) -> Lead:
        """The paired margin over seeds of the ordering at the widest m: per seed, min over consecutive
        slopes of spectral(alpha_i+1) - spectral(alpha_i), positive exactly when that seed's distance grows
        along the slopes as listed (eq. 111's factor: -1, 0, 0.5); its mean with a t-interval."""
        order = list(dict.fromkeys(self.table.alpha))
        t = self.table[self.table.m == self.table.m.max()].pivot(index="seed", columns="alpha", values="spectral")
        d = np.diff(t[order].to_numpy(), axis=1).min(axis=1)
        return paired_lead(pd.DataFrame({0.0: np.zeros(d.size), 1.0: d}), better=0.0, worse=[1.0])

    @property
    def bound_ratio(self) -> float:
        """The largest measured distance over the bound (111) with constant 1."""
        return float((self.table.spectral / self.table.bound_111).max())


def lazy_training(*, n: int, widths, depth: int, steps: int, eta_frac: float, alphas=(-1.0, 0.0, 0.5),
                  n_seeds: int = 1, seed: int, device="cpu", progress: bool = True) -> LazyTraining:
    """Lemma B.9 (eq. 111) and Lemma B.4 of Guo, Li & Lerman (2024): GD stays near its initialisation.

    At every width, GD (Algorithm 2, sum loss) with eta = ``eta_frac`` / lambda_max of the infinite-width
    NTK at width m (eta ~ 1/m), on n lifted synthetic points.

    Parameters
    ----------
    n, depth, steps : int
        Points, hidden layers L, GD steps.
    widths : sequence of int
        Widths m.
    eta_frac : float
        See ``kernels.deep.stable_eta``.
    alphas : sequence of float
        Slopes, in the order eq. (111) predicts growing distances.
    n_seeds : int
        Initialisations per width, each shared by every slope.
    seed : int
        Root of the streams "data" and ("init", s).
    device : str or torch.device
    progress : bool
        Show a progress bar on the pipeline's terminal.

    Returns
    -------
    LazyTraining
    """
    alphas = [float(a) for a in alphas]
    D = synthetic(n, 0, "lift", seed=derive_seed(seed, "data"))
    rows = []
    for m in show_progress(list(widths), desc="lazy training", enabled=progress, leave=False):
        eta = stable_eta(D.X, depth, alphas, m, eta_frac, loss="sum")
        log, idx = run_grid(tensor(D.X), tensor(D.y), alphas, [derive_seed(seed, "init", s) for s in range(n_seeds)],
                            width=m, depth=depth, eta=eta, steps=steps, loss="sum", record_every=steps,
                            probes=("distance", "spectral", "flips", "ntk"), dtype=torch.float32, device=device)
        for k, (a, sd) in enumerate(zip(idx.alpha, idx.seed)):
            rows.append({"m": m, "alpha": float(a), "seed": int(sd), "loss0": log.loss[0, k], "lossT": log.loss[-1, k],
                         **{p: log.probes[p][-1, k] for p in ("distance", "spectral", "flips", "ntk_drift", "ntk_lmin")},
                         "bound_111": th.omega_uniform(a, n, D.delta, m, log.loss[0, k])})
    table = pd.DataFrame(rows)
    lazy = LazyTraining(table, {})
    mean = lazy.mean_table
    lazy.fits.update({(q, a): loglog_slope(g.m, g[q]) for q in ("spectral", "flips", "ntk_drift")
                      for a, g in mean.groupby("alpha", sort=False)})
    return lazy
