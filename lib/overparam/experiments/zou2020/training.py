"""Training runs of the Zou, Cao, Zhou & Gu (2020) chapter: GD, SGD and the loss family (notes E4, E6-E8).

Every run is far outside Theorems 4.1/4.5 (widths 10^40 times too small, steps eta = eta_bar/m with an
O(1) eta_bar instead of n^-3 L^-9 phi): they show the mechanism or fail to show it, and cannot refute the
paper. Each sweep trains one ``nets.zou.ZouEnsemble`` per cell, its networks being the seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import zou2020 as zd
from ...measure.fit import SlopeFit, loglog_slope, mean_interval
from ...nets.zou import ZouEnsemble
from ...runtime import derive_seed
from ...train.margin_ensemble import train_margin

__all__ = ["EpsRuns", "GDWidths", "SGDStreams", "eps_runs", "gd_phi_n", "gd_widths", "sgd_batches", "sgd_streams"]


def _data(n: int, d: int, phi: float, mu: float, seed: int) -> tuple[torch.Tensor, torch.Tensor, float]:
    data = zd.phi_pairs(n, d, phi, np.random.default_rng(seed), mu=mu)
    return torch.from_numpy(data.X), torch.from_numpy(data.y), data.phi


@dataclass(frozen=True)
class GDWidths:
    """GD to 100 % training accuracy against m (E4, E6a).

    Attributes
    ----------
    table : pandas.DataFrame
        Rows (m, seed): ``k100`` (iterations to 100 % accuracy), ``dist_acc`` / ``distF_acc`` / ``flips_acc``
        (at that step), ``dist_fixed`` (max_l ||W_l - W_l(0)||_2 at the fixed step), ``diverged``.
    dist_fit : SlopeFit
        log-log slope in m of ``dist_fixed`` over m >= ``fit_from`` (Lemma 5.5).
    k_fit : SlopeFit
        log-log slope in m of ``k100`` over the same widths (Theorem 4.1's flatness).
    fit_from : int
    """

    table: pd.DataFrame
    dist_fit: SlopeFit
    k_fit: SlopeFit
    fit_from: int


def gd_widths(*, n: int, d: int, phi: float, mu: float, depth: int, widths, eta_bar: float, fixed_step: int,
              max_steps: int, seeds: int, seed: int, fit_from: int = 256,
              device: str | torch.device = "cpu") -> GDWidths:
    """Logistic GD with eta = eta_bar/m at each width, seeds batched (E4, E6a).

    Returns
    -------
    GDWidths
    """
    X, y, _ = _data(n, d, phi, mu, derive_seed(seed, "data"))
    rows = []
    for m in widths:
        ens = ZouEnsemble.init(d, m, depth, [derive_seed(seed, "net", m, s) for s in range(seeds)], device=device)
        log = train_margin(ens, X, y, eta_bar=eta_bar, max_steps=max_steps, record_at=fixed_step)
        for k in range(seeds):
            rows.append({"m": m, "seed": k, "k100": log.acc_step[k], "dist_acc": log.dist_spectral[k],
                         "distF_acc": log.dist_frobenius[k], "flips_acc": log.flips[k],
                         "dist_fixed": log.dist_at[k], "diverged": bool(log.diverged[k])})
    table = pd.DataFrame(rows)
    top = table[(table.m >= fit_from) & (table.k100 > 0)]
    return GDWidths(table, loglog_slope(top.m, top.dist_fixed), loglog_slope(top.m, top.k100), fit_from)


def gd_phi_n(*, ns, phis, n_fixed: int, phi_fixed: float, d: int, mu: float, depth: int, width: int,
             eta_bar: float, max_steps: int, seeds: int, seed: int,
             device: str | torch.device = "cpu") -> pd.DataFrame:
    """Iterations to 100 % accuracy against phi (n fixed) and n (phi fixed), at one width (E6b).

    Returns
    -------
    pandas.DataFrame
        Rows (sweep, n, phi, seed): ``k100`` (-1: not reached in ``max_steps``).
    """
    cells = [("phi", n_fixed, p) for p in phis] + [("n", n, phi_fixed) for n in ns]
    rows = []
    for sweep, n, phi in cells:
        X, y, phi_m = _data(n, d, phi, mu, derive_seed(seed, "data", n, repr(phi)))
        ens = ZouEnsemble.init(d, width, depth, [derive_seed(seed, "net", s) for s in range(seeds)], device=device)
        log = train_margin(ens, X, y, eta_bar=eta_bar, max_steps=max_steps)
        rows += [{"sweep": sweep, "n": n, "phi": phi_m, "seed": k, "k100": int(log.acc_step[k])}
                 for k in range(seeds)]
    return pd.DataFrame(rows)


def sgd_batches(*, n: int, d: int, phi: float, mu: float, depth: int, width: int, batches, eta_bar: float,
                max_steps: int, seeds: int, seed: int, device: str | torch.device = "cpu") -> pd.DataFrame:
    """GD (B = n) against SGD at the same eta_bar and the same initialisations, per batch size (E7).

    Returns
    -------
    pandas.DataFrame
        Rows (B, seed): ``k100``, ``epochs`` (k100 B / n), ``dist_acc`` (spectral), ``loss`` (the last
        recorded full-batch loss curve, as a list, for the figure).
    """
    X, y, _ = _data(n, d, phi, mu, derive_seed(seed, "data"))
    rows = []
    for B in batches:
        ens = ZouEnsemble.init(d, width, depth, [derive_seed(seed, "net", s) for s in range(seeds)], device=device)
        gen = torch.Generator().manual_seed(derive_seed(seed, "batches", B))
        log = train_margin(ens, X, y, eta_bar=eta_bar, max_steps=max_steps,
                           batch_size=None if B >= n else B, generator=gen)
        for k in range(seeds):
            k100 = int(log.acc_step[k])
            rows.append({"B": B, "seed": k, "k100": k100, "epochs": k100 * min(B, n) / n if k100 >= 0 else np.nan,
                         "dist_acc": log.dist_spectral[k]})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class SGDStreams:
    """Lemma 5.6's object: the SGD loss over many minibatch streams at one initialisation.

    Attributes
    ----------
    curves : numpy.ndarray
        (steps + 1, streams) full-batch loss.
    """

    curves: np.ndarray

    @property
    def decrease(self) -> np.ndarray:
        """(streams,) L_S(0) - L_S(last step)."""
        return self.curves[0] - self.curves[-1]

    def decrease_interval(self, level: float = 0.95) -> tuple[float, float, float]:
        """Mean decrease over the streams and its t-interval: (mean, lo, hi)."""
        return mean_interval(self.decrease, level)


def sgd_streams(*, n: int, d: int, phi: float, mu: float, depth: int, width: int, batch: int, eta_bar: float,
                steps: int, streams: int, seed: int, device: str | torch.device = "cpu") -> SGDStreams:
    """``streams`` copies of one network, each trained by SGD with its own minibatch draws (E7, Lemma 5.6).

    Returns
    -------
    SGDStreams
    """
    X, y, _ = _data(n, d, phi, mu, derive_seed(seed, "data"))
    ens = ZouEnsemble.init(d, width, depth, [derive_seed(seed, "net")] * streams, device=device)
    gen = torch.Generator().manual_seed(derive_seed(seed, "streams"))
    log = train_margin(ens, X, y, eta_bar=eta_bar, max_steps=steps, batch_size=batch, generator=gen,
                       stop_at_accuracy=False)
    return SGDStreams(log.loss)


@dataclass(frozen=True)
class EpsRuns:
    """Iterations to reach L_S <= eps, per loss (E8).

    Attributes
    ----------
    table : pandas.DataFrame
        Rows (loss, eps, seed): ``k`` (-1: not reached).
    """

    table: pd.DataFrame

    def mean_k(self, loss: str) -> pd.Series:
        """Mean iterations over seeds per eps (all seeds must have reached it)."""
        t = self.table[self.table.loss == loss]
        return t.groupby("eps").k.mean().sort_index(ascending=False)

    def increments(self, loss: str) -> np.ndarray:
        """Mean extra iterations per step of the eps grid (largest eps first)."""
        return np.diff(self.mean_k(loss).to_numpy())

    def slope(self, loss: str, last: int = 3) -> SlopeFit:
        """log-log slope of k against 1/eps over the ``last`` smallest eps, all seeds."""
        t = self.table[self.table.loss == loss]
        t = t[t.eps.isin(sorted(t.eps.unique())[:last])]
        return loglog_slope(1 / t.eps, t.k)


def eps_runs(*, n: int, d: int, phi: float, mu: float, depth: int, width: int, eps: dict, eta_bar: dict,
             max_steps: int, seeds: int, seed: int, device: str | torch.device = "cpu") -> EpsRuns:
    """GD on the same initialisations with each loss until L_S <= every eps of its grid (E8).

    Parameters
    ----------
    eps, eta_bar : dict
        loss name -> eps grid, loss name -> eta_bar.

    Returns
    -------
    EpsRuns
    """
    X, y, _ = _data(n, d, phi, mu, derive_seed(seed, "data"))
    rows = []
    for loss, grid in eps.items():
        ens = ZouEnsemble.init(d, width, depth, [derive_seed(seed, "net", s) for s in range(seeds)], device=device)
        log = train_margin(ens, X, y, eta_bar=eta_bar[loss], max_steps=max_steps, loss=loss, eps=grid,
                           stop_at_accuracy=False)
        for k in range(seeds):
            rows += [{"loss": loss, "eps": e, "seed": k, "k": int(log.eps_steps[k, j])} for j, e in enumerate(grid)]
    return EpsRuns(pd.DataFrame(rows))
