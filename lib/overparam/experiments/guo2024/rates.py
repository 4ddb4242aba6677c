"""The training rate against the slope: Theorem 3.1 and Figure 2 (GD), Theorem 3.2 (SGD).

Every run trains one network of Algorithm 1 per slope at once (``train.deep_ensemble``), all from one
initialisation (common random numbers across alpha), on the sum loss of Section 2; SGD is Algorithm 3
(the plain gradient of the batch sum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import regression_split, separation, synthetic
from ...kernels.deep import infinite_width_ntk, linearized_loss, stable_eta
from ...measure.fit import loglog_slope
from ...runtime import derive_seed, generator_for
from ...runtime.progress import progress as show_progress
from ...theory import guo2024 as th
from ...train.deep_ensemble import log_frame, run_grid
from ._common import ALGORITHM_3, Lead, gamma_hat_of, paired_lead, tensor
from .activation import slope_grid

__all__ = [
    "Figure2",
    "RateData",
    "SGDRates",
    "figure2",
    "figure2_datasets",
    "sgd_batches",
]


@dataclass(frozen=True)
class RateData:
    """One training set of Figure 2 with the network it is trained with.

    Attributes
    ----------
    X, y, X_test, y_test : ndarray
        Inputs and labels.
    depth, width : int
        Hidden layers L and width m.
    batch : int or None
        SGD batch (None: full-batch GD).
    C0 : float
        The constant of the calibration (17): 1 for the synthetic set, 0.5 for California housing.
    delta, delta_pm : float
        Separation of the inputs, without and with antipodes.
    """

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    depth: int
    width: int
    batch: int | None
    C0: float
    delta: float
    delta_pm: float

    @property
    def label_var(self) -> float:
        """Variance of the training labels."""
        return float(np.var(self.y))


def figure2_datasets(*, n: int, n_test: int, modes, depth: int, width: int, reg_source: str, reg_n: int,
                     reg_n_test: int, reg_depth: int, reg_width: int, reg_batch: int | None, data_seed: int,
                     reg_seed: int, root=None) -> dict[str, RateData]:
    """The training sets of Figure 2: the synthetic set of Section 5.1 in each input mode, and a regression set.

    Parameters
    ----------
    n, n_test : int
        Synthetic training and test points.
    modes : sequence of str
        Input modes (``overparam.data.MODES``); the sets are named ``"synthetic, <mode>"``.
    depth, width : int
        L and m for the synthetic sets.
    reg_source : {"diabetes", "california"}
        The regression set (``overparam.data.regression_split``), named ``"regression"``.
    reg_n, reg_n_test, reg_depth, reg_width : int
        Its sizes and network.
    reg_batch : int or None
        Its SGD batch (the paper: 512), None for GD.
    data_seed, reg_seed : int
        Seeds of the synthetic draw and of the regression split.
    root : path, optional
        Where the paper profile's data sets are.

    Returns
    -------
    dict of str -> RateData
    """
    sets = {}
    for mode in modes:
        D = synthetic(n, n_test, mode, seed=data_seed)
        sets[f"synthetic, {mode}"] = RateData(D.X, D.y, D.X_test, D.y_test, depth, width, None, 1.0, D.delta, D.delta_pm)
    Xr, yr, Xrt, yrt = regression_split(reg_source, reg_n, reg_n_test, rng=np.random.default_rng(reg_seed),
                                        seed=reg_seed, root=root)
    sets["regression"] = RateData(Xr, yr, Xrt, yrt, reg_depth, reg_width, reg_batch, 0.5, *separation(Xr))
    return sets


@dataclass(frozen=True)
class Figure2:
    """Figure 2: the measured rate gamma_hat(alpha) against the calibrated bound 1 - C_gamma r(alpha).

    Attributes
    ----------
    table : DataFrame
        alpha, r and, per set, ``1-gamma_hat [set]``, ``1-gamma_theory [set]`` (the calibrated bound) and
        ``1-gamma_NTK [set]`` (the linearised dynamics of the infinite-width NTK at the same eta).
    summary : DataFrame
        Indexed by set: eta, C0, c_gamma (eq. 17), correlation (Pearson, of 1 - gamma_hat with r), slope, slope_lo,
        slope_hi (log-log, with its 95% interval), lin_slope (the same for the NTK), argmax (the fastest
        slope), implied_C = c_gamma / (r(0) eta delta m / n).
    frames : dict of str -> DataFrame
        Each set's run (``train.deep_ensemble.log_frame``).
    curve : DataFrame
        The calibrated gamma(alpha) of each set on a fine grid of slopes.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    frames: dict
    curve: pd.DataFrame

    def rate(self, name: str) -> pd.Series:
        """1 - gamma_hat of one set, indexed by alpha."""
        return self.table.set_index("alpha")[f"1-gamma_hat [{name}]"]

    def runs(self, name: str, alphas=None) -> pd.DataFrame:
        """One set's run (``log_frame``), restricted to ``alphas`` when given."""
        df = self.frames[name]
        return df if alphas is None else df[df.alpha.isin([float(a) for a in alphas])]

    def notch(self, name: str, at: float = -1.0, neighbours=(-1.2, -0.8)) -> float:
        """(1 - gamma_hat(at)) / min over ``neighbours`` of 1 - gamma_hat: below 1 where ``at`` is slower."""
        r = self.rate(name)
        return float(r[at] / min(r[a] for a in neighbours))


def figure2(datasets: dict[str, RateData], *, alphas, steps: int, eta_frac: float, record_every: int,
            seed: int, device="cpu", t1: int = 100, t2: int = 1000, progress: bool = True) -> Figure2:
    """Figure 2 of Guo, Li & Lerman (2024): the per-step rate against alpha, the shape of Theorem 3.1.

    Per set, one network per slope from one initialisation, trained by GD (Algorithm 2) or SGD (Algorithm 3)
    on the sum loss with eta = ``eta_frac`` / lambda_max of the infinite-width NTK at width m, shared by
    every slope. gamma_hat = (L^(t2) / L^(t1))^(1/(t2 - t1)) as in Section 5.2, calibrated by eq. (17).

    Parameters
    ----------
    datasets : dict of str -> RateData
        From ``figure2_datasets``.
    alphas : sequence of float
        Slopes (must contain 0 for the calibration).
    steps, record_every : int
        Training steps and the recording interval (SGD losses exist at record steps only).
    eta_frac : float
        See ``kernels.deep.stable_eta``.
    seed : int
        Root of the streams "init" and ("batches", set).
    device : str or torch.device
    t1, t2 : int
        The steps of gamma_hat.
    progress : bool
        Show a progress bar on the pipeline's terminal.

    Returns
    -------
    Figure2
    """
    alphas = [float(a) for a in alphas]
    r = th.r(np.array(alphas))
    i0 = alphas.index(0.0)
    grid = slope_grid()
    grid = grid[grid <= max(alphas)]
    table = pd.DataFrame({"alpha": alphas, "r": r})
    curve = pd.DataFrame({"alpha": grid})
    summary, frames = {}, {}
    for name, d in show_progress(list(datasets.items()), desc="Figure 2", enabled=progress, leave=False):
        eta = stable_eta(d.X, d.depth, alphas, d.width, eta_frac, loss="sum")
        log, idx = run_grid(tensor(d.X), tensor(d.y), alphas, [derive_seed(seed, "init")], width=d.width,
                            depth=d.depth, eta=eta, steps=steps, loss="sum", batch_size=d.batch, **ALGORITHM_3,
                            record_every=record_every, X_test=tensor(d.X_test), y_test=tensor(d.y_test),
                            generator=generator_for(seed, "batches", name), dtype=torch.float32, device=device)
        gd = d.batch is None
        gh = gamma_hat_of(log.loss if gd else log.loss[log.steps], np.arange(steps + 1) if gd else log.steps, t1, t2)
        lin = []
        for a in alphas:
            K, G = infinite_width_ntk(d.X, d.depth, a, "hidden")
            v = linearized_loss(d.width * K, G, d.y, eta, [t1, t2], loss="sum")
            lin.append((v[1] / v[0]) ** (1 / (t2 - t1)))
        lin = np.array(lin)
        c_gamma = th.calibrate_c_gamma(gh[i0], d.C0)
        rate = 1 - gh
        ok = np.isfinite(rate) & (rate > 0)
        fit = loglog_slope(r[ok], rate[ok])
        ok_lin = np.isfinite(1 - lin) & (1 - lin > 0)
        summary[name] = {"eta": eta, "C0": d.C0, "c_gamma": c_gamma, "correlation": float(np.corrcoef(r[ok], rate[ok])[0, 1]),
                         "slope": fit.slope, "slope_lo": fit.lo, "slope_hi": fit.hi,
                         "lin_slope": loglog_slope(r[ok_lin], 1 - lin[ok_lin]).slope,
                         "argmax": alphas[int(np.nanargmax(rate))],
                         "implied_C": c_gamma / (r[i0] * eta * d.delta * d.width / len(d.y))}
        table[f"1-gamma_hat [{name}]"] = rate
        table[f"1-gamma_theory [{name}]"] = c_gamma * r
        table[f"1-gamma_NTK [{name}]"] = 1 - lin
        curve[f"gamma_theory [{name}]"] = th.fig2_theory_curve(grid, c_gamma)
        frames[name] = log_frame(log, idx)
    return Figure2(table, pd.DataFrame(summary).T, frames, curve)


@dataclass(frozen=True)
class SGDRates:
    """The per-step contraction of SGD (Algorithm 3) against the batch size b, at a fixed eta.

    Attributes
    ----------
    table : DataFrame
        b, alpha, seed, rate = 1 - gamma_hat over the window of epochs ``window`` (the same epochs at every b).
    curves : DataFrame
        b, alpha, seed, step, epoch, loss (the full training loss at every step).
    fits : dict of float -> SlopeFit
        Per slope, the log-log slope on b of the rate averaged over seeds (Theorem 3.2: 1).
    window : tuple of float
        The epochs (e1, e2) between which gamma_hat is measured.
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    fits: dict
    window: tuple

    @property
    def mean_slope(self) -> float:
        """The mean over slopes of the log-log slope of the rate on b."""
        return float(np.mean([f.slope for f in self.fits.values()]))

    def slopes_text(self) -> str:
        """The slope of each alpha in words, e.g. ``α=-1: 0.51, α=0: 0.41``."""
        return ", ".join(f"α={a:g}: {f.slope:.2f}" for a, f in self.fits.items())

    @property
    def pivot(self) -> pd.DataFrame:
        """The rates averaged over seeds, with b as rows and alpha as columns."""
        return self.table.pivot_table(index="b", columns="alpha", values="rate")

    def order_lead(self) -> Lead:
        """The paired margin over seeds of the ordering: per seed, min over b and consecutive slopes (in the
        order given) of rate(alpha_i) - rate(alpha_i+1), positive exactly when that seed's rates are strictly
        ordered as the slopes were listed at every b; its mean with a t-interval over seeds."""
        order = list(self.fits)
        per = []
        for _, g in self.table.groupby("seed", sort=False):
            p = g.pivot(index="b", columns="alpha", values="rate")[order].to_numpy()
            per.append(float((p[:, :-1] - p[:, 1:]).min()))
        return _lead_of(np.asarray(per))


def _lead_of(per: np.ndarray, level: float = 0.95) -> Lead:
    """A ``Lead`` of per-seed margins that are already computed."""
    return paired_lead(pd.DataFrame({0.0: np.zeros(per.size), 1.0: per}), better=0.0, worse=[1.0], level=level)


def sgd_batches(data: RateData, *, alphas=(-1.0, 0.0, 0.5), batches, eta: float, epochs=(10, 100), n_seeds: int = 1,
                seed: int, device="cpu") -> SGDRates:
    """Theorem 3.2's shape: under Algorithm 3 (batch sum) the contraction 1 - gamma grows like b at fixed eta.

    The rate is measured between the same two *epochs* at every b (steps e * n / b): a fixed window of
    steps would sample a different part of the loss curve at each b. In the linearised noise-free dynamics
    a step with batch sum b contracts like b/n of a full-batch step, so the per-step rate over matched
    epochs is exactly proportional to b.

    Parameters
    ----------
    data : RateData
        The training set (the chapter: the lifted synthetic set) and its network.
    alphas : sequence of float
        Slopes, listed in the order of their predicted rates (fastest first).
    batches : sequence of int
        Batch sizes b; b >= n is full-batch GD.
    eta : float
        The step (the chapter: Figure 2's GD step on the same set).
    epochs : tuple of float
        The epochs (e1, e2) of gamma_hat; the run at b lasts e2 * n / b steps.
    n_seeds : int
        Initialisations, each shared by every slope and batch size.
    seed : int
        Root of the streams ("init", s) and ("batches", b).
    device : str or torch.device

    Returns
    -------
    SGDRates
    """
    alphas = [float(a) for a in alphas]
    n = len(data.y)
    seeds = [derive_seed(seed, "init", s) for s in range(n_seeds)]
    rows, curves = [], []
    for b in batches:
        per_epoch = n / min(b, n)
        t1, t2 = (round(e * per_epoch) for e in epochs)
        log, idx = run_grid(tensor(data.X), tensor(data.y), alphas, seeds, width=data.width, depth=data.depth,
                            eta=eta, steps=t2, loss="sum", batch_size=None if b >= n else b, **ALGORITHM_3,
                            record_every=1, generator=generator_for(seed, "batches", b), dtype=torch.float32,
                            device=device)
        L_rec = log.loss[log.steps]
        gh = gamma_hat_of(L_rec, log.steps, t1, t2)
        for k, (a, s) in enumerate(zip(idx.alpha, idx.seed)):
            rows.append({"b": b, "alpha": float(a), "seed": int(s), "rate": 1 - gh[k]})
            curves.append(pd.DataFrame({"b": b, "alpha": float(a), "seed": int(s), "step": log.steps,
                                        "epoch": log.steps / per_epoch, "loss": L_rec[:, k]}))
    table = pd.DataFrame(rows)
    mean = table.groupby(["alpha", "b"], sort=False).rate.mean().reset_index()
    fits = {a: loglog_slope(g.b, g.rate) for a, g in mean.groupby("alpha", sort=False)}
    return SGDRates(table, pd.concat(curves, ignore_index=True), {a: fits[a] for a in alphas}, tuple(epochs))
