"""Table 1's synthetic runs and the generalization bound of Theorem 3.4, eq. (7), evaluated on them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from ...data import synthetic
from ...kernels.deep import stable_eta
from ...runtime import derive_seed
from ...theory import guo2024 as th
from ...train.deep_ensemble import log_frame, run_grid
from ._common import Lead, Ranking, paired_lead, ranking, tensor

__all__ = [
    "GeneralizationBound",
    "Summary",
    "SyntheticRuns",
    "final_and_early",
    "generalization_bound",
    "table1_synthetic",
]


@dataclass(frozen=True)
class SyntheticRuns:
    """GD runs of Table 1 on the synthetic set: one network per (alpha, seed).

    Attributes
    ----------
    frame : DataFrame
        ``train.deep_ensemble.log_frame``: alpha, seed, step, loss, train_mse, test_mse.
    eta : float
        The GD step shared by every slope.
    n : int
        Training points.
    delta, delta_pm : float
        Separation of the inputs, without and with antipodes.
    """

    frame: pd.DataFrame
    eta: float
    n: int
    delta: float
    delta_pm: float


def table1_synthetic(*, n: int, n_test: int, mode: str, alphas, n_seeds: int, width: int, depth: int, steps: int,
                     eta_frac: float, record_every: int, data_seed: int, seed: int, device="cpu") -> SyntheticRuns:
    """Table 1 and Figure 1 (left) of Guo, Li & Lerman (2024): GD on the synthetic set, ``n_seeds`` runs per slope.

    Parameters
    ----------
    n, n_test : int
        Training and test points of Section 5.1's synthetic set.
    mode : str
        Input mode (``overparam.data.MODES``; the paper's inputs are ``"raw"``).
    alphas : sequence of float
        Slopes (Table 1: -2, -1, 0, 0.01, 0.05).
    n_seeds : int
        Initialisations, each shared by every slope.
    width, depth, steps, record_every : int
        m, L, GD steps and the recording interval.
    eta_frac : float
        See ``kernels.deep.stable_eta``.
    data_seed : int
        Seed of the synthetic draw.
    seed : int
        Root of the streams ("init", s).
    device : str or torch.device

    Returns
    -------
    SyntheticRuns
    """
    D = synthetic(n, n_test, mode, seed=data_seed)
    eta = stable_eta(D.X, depth, alphas, width, eta_frac, loss="sum")
    log, idx = run_grid(tensor(D.X), tensor(D.y), alphas, [derive_seed(seed, "init", s) for s in range(n_seeds)],
                        width=width, depth=depth, eta=eta, steps=steps, loss="sum", record_every=record_every,
                        X_test=tensor(D.X_test), y_test=tensor(D.y_test), dtype=torch.float32, device=device)
    return SyntheticRuns(log_frame(log, idx), eta, n, D.delta, D.delta_pm)


@dataclass(frozen=True)
class Summary:
    """Table 1's two numbers per slope: the final training error and the test error at an early step.

    Attributes
    ----------
    final : DataFrame
        Indexed by alpha: mean and std over seeds of the training error at the last step.
    early : DataFrame or None
        Indexed by alpha: mean and std over seeds of the test error at the early step.
    t_early : int or None
        The early step (or epoch).
    final_seeds, early_seeds : DataFrame or None
        The same numbers per seed: seeds as rows, slopes as columns (for paired margins).
    """

    final: pd.DataFrame
    early: pd.DataFrame | None
    t_early: int | None
    final_seeds: pd.DataFrame | None = None
    early_seeds: pd.DataFrame | None = None

    def lead(self, better=-1.0, worse=None, *, early: bool = False) -> Lead:
        """The paired margin over seeds by which ``better`` beats ``worse`` (``paired_lead``), on the final
        training error or, with ``early``, on the early test error."""
        return paired_lead(self.early_seeds if early else self.final_seeds, better, worse)

    def fastest(self) -> Ranking:
        """The ranking of the slopes by mean final training error."""
        return ranking(self.final["mean"])

    def best_early(self) -> Ranking:
        """The ranking of the slopes by mean early test error."""
        return ranking(self.early["mean"])

    def split_margin(self, better=(-2.0, -1.0), worse=(0.0, 0.01, 0.05)) -> float:
        """min over ``worse`` minus max over ``better`` of the mean final training error: positive exactly
        when every slope of ``better`` ends below every slope of ``worse``."""
        m = self.final["mean"]
        return float(m[list(worse)].min() - m[list(better)].max())


def final_and_early(frame: pd.DataFrame, train_col: str, test_col: str | None = None,
                    t_early: int | None = None) -> Summary:
    """Summarise runs as Table 1 does: final training error and early test error, mean ± std over seeds.

    Parameters
    ----------
    frame : DataFrame
        Long table with alpha, seed (optional), step and the columns named.
    train_col : str
        The training error, e.g. ``train_mse`` or ``train_ce``.
    test_col : str, optional
        The test error, e.g. ``test_mse``; None skips the early summary.
    t_early : int, optional
        The early step.

    Returns
    -------
    Summary
    """
    if "seed" not in frame:
        frame = frame.assign(seed=0)
    last = frame[frame.step == frame.step.max()]
    fin = last.groupby("alpha")[train_col].agg(["mean", "std"])
    fin_s = last.pivot_table(index="seed", columns="alpha", values=train_col)
    if test_col is None:
        return Summary(fin, None, None, fin_s)
    at = frame[frame.step == t_early]
    ear = at.groupby("alpha")[test_col].agg(["mean", "std"])
    if ear.empty:
        raise ValueError(f"no record at the early step {t_early}")
    return Summary(fin, ear, t_early, fin_s, at.pivot_table(index="seed", columns="alpha", values=test_col))


@dataclass(frozen=True)
class GeneralizationBound:
    """Theorem 3.4's bound, eq. (7), beside the measured test error at early stopping.

    Attributes
    ----------
    table : DataFrame
        Indexed by alpha: measured_test_mse, measured_initial_loss and the four terms of eq. (7)
        (train, complexity_1, complexity_2, data) with their total.
    contraction_relu : float
        1 - gamma of Theorem 3.1 at alpha = 0 with unit constants.
    """

    table: pd.DataFrame
    contraction_relu: float

    @property
    def ratio(self) -> float:
        """The smallest ratio bound / measured test error over the slopes."""
        return float((self.table.total / self.table.measured_test_mse).min())

    @property
    def train_share(self) -> float:
        """The smallest share of the training term gamma^t L(W0) in the bound."""
        return float((self.table.train / self.table.total).min())

    def best(self) -> Ranking:
        """The ranking of the slopes by the evaluated bound."""
        return ranking(self.table.total)


def generalization_bound(runs: SyntheticRuns, *, alphas, t_early: int, width: int, depth: int,
                         tau: float = 0.1, c_gamma: float | None = None) -> GeneralizationBound:
    """Theorem 3.4 of Guo, Li & Lerman (2024), eq. (7), at the early-stopping step of Table 1.

    L(W0) is its bound n sqrt(ln m) (eq. 108, the same for every alpha, as the paper's Appendix A does).
    gamma is Theorem 3.1's with constant 1, or, with ``c_gamma``, the calibrated curve of Section 5.2,
    eq. (17): gamma = 1 - C_gamma r(alpha) with C_gamma = C0 (1 - gamma_hat(0)) measured on the same set.
    The other terms keep unit constants.

    Parameters
    ----------
    runs : SyntheticRuns
        Table 1's synthetic runs (their eta, n and delta enter the bound).
    alphas : sequence of float
        Slopes.
    t_early : int
        The step t of eq. (7).
    width, depth : int
        m and L of the runs.
    tau : float
        The exponent tau of Theorem 3.4.
    c_gamma : float, optional
        Eq. (17)'s constant; None uses Theorem 3.1's gamma with constant 1.

    Returns
    -------
    GeneralizationBound
    """
    df = runs.frame
    early = df[df.step == t_early].groupby("alpha").test_mse.mean()
    loss0_bound = th.initial_loss_bound(runs.n, width)
    rows = []
    for a in alphas:
        g = th.gamma_gd(a, runs.eta, runs.delta, width, runs.n) if c_gamma is None else th.fig2_theory_curve(a, c_gamma)
        terms = th.generalization_terms_gd(a, t_early, n=runs.n, L=depth, m=width, delta=runs.delta, tau=tau,
                                           loss0=loss0_bound, gamma=g)
        rows.append({"alpha": float(a), "measured_test_mse": float(early[a]),
                     "measured_initial_loss": float(df[(df.step == 0) & (df.alpha == a)].loss.mean()), **terms})
    table = pd.DataFrame(rows).set_index("alpha")
    g0 = th.gamma_gd(0.0, runs.eta, runs.delta, width, runs.n) if c_gamma is None else th.fig2_theory_curve(0.0, c_gamma)
    return GeneralizationBound(table, 1 - float(g0))


