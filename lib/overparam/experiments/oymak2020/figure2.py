"""Figure 2 rebuilt: the phase transition of GD on random labels at kd ~ n (Section 4).

Oymak & Soltanolkotabi (2020), Section 4: x_i uniform on the sphere, y_i ~ N(0, 1), GD with eta = 0.15
(softplus) or 0.1 (ReLU) for up to 15,000 iterations; a run succeeds once ||f - y|| / ||y|| < 2.5e-3; 10
realizations per (k, d), k, d = 1..25, n = 100 and 200. Inputs are shared across the widths of one
(d, realization) (``sphere_problems(shared_inputs=True)``), and the boundary's intervals resample whole
realizations accordingly.

The training is sharded through ``overparam.runtime.parallel.map``: one task per (activation, n,
realization) block, each batched on its device, all of Figure 2's blocks in one map (``train_panels``). Serially (the default) the blocks run one after another
in this process; on a Dask cluster (``python -m overparam run --workers N``) they run as tasks. Every
network's data and initialisation are drawn here, from the named stream ("problems", n) and the
network's own (k, d, realization) key, before any block is formed, and full-batch GD is deterministic,
so the blocks need no seed of their own; the ensemble trainer keeps each network's arithmetic
independent of the others in its batch, so serial and distributed runs, and the unsharded run, give
bitwise the same weights and first-success steps (``tests/unit/test_parallel.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...kernels.two_layer import lambda_x
from ...measure.phase import BoundaryFit, fit_phase_boundary, success_grid
from ...measure.probes import sign_flip_fraction
from ...runtime import derive_seed, parallel
from ...train import EnsembleResult, Problems, sphere_problems
from ._train import train_networks
from .sizes import ETA

__all__ = ["PhaseRun", "boundary_vs_budget", "figure2", "figure2_table", "not_lazy_table", "train_blocks",
           "train_panels"]


@dataclass(frozen=True)
class PhaseRun:
    """One phase diagram: every network of a (k, d) grid trained on one activation.

    Attributes
    ----------
    n : int
    activation : str
    eta : float
    result : EnsembleResult
        The trainer's record (first-success steps, final weights).
    table : pandas.DataFrame
        One row per network: k, d, realization, ``hit_step``, ``success``, ``diverged``, ``kd_over_n``,
        ``w0_norm``, ``rel_move`` = ||W - W0||_F / ||W0||_F and ``flips`` (fraction of sign changes of
        w_l . x_i).
    problems : Problems
    fit : BoundaryFit
        The fitted boundary kd = c n.
    """

    n: int
    activation: str
    eta: float
    result: EnsembleResult
    table: pd.DataFrame
    problems: Problems
    fit: BoundaryFit

    @property
    def grid(self) -> pd.DataFrame:
        """Success fraction per cell, k rows by d columns."""
        return success_grid(self.table.k, self.table.d, self.table.success)

    def rate_by_parameters(self) -> pd.DataFrame:
        """Success rate per cell against the trained parameters per sample, kd / n."""
        cells = self.table.groupby(["k", "d"]).success.mean().reset_index()
        return cells.assign(params_over_n=cells.k * cells.d / self.n)

    @property
    def realizations(self) -> int:
        return int(self.table.realization.nunique())

    @property
    def below_rank(self) -> pd.DataFrame:
        """The networks with fewer effective parameters than samples, 2 floor(k/2) d < n."""
        t = self.table
        return t[2 * (t.k // 2) * t.d < self.n]

    def lambda_last_inputs(self, activation: str = "relu") -> float:
        """lambda(X) of the last network's inputs (the largest d of the grid)."""
        return lambda_x(self.problems.X[-1].double(), activation)

    def quotes(self) -> dict[str, float]:
        """The numbers the chapter's prose quotes, keyed by activation and n."""
        f, tag = self.fit, f"{self.activation}_{self.n}"
        return {f"c_{tag}": f.c, f"c_lo_{tag}": f.c_lo, f"c_hi_{tag}": f.c_hi, f"ratio_{tag}": f.ratio,
                f"r90_{tag}": f.r90, f"emp90_{tag}": f.empirical_min_ratio_90,
                f"div_{tag}": int(self.table.diverged.sum())}


def _train_block(job: tuple) -> EnsembleResult:
    """One task of ``train_blocks``: the networks of one realization (CPU results)."""
    problems, activation, eta, budget, tol, kw = job
    return train_networks(problems, activation, eta, budget, tol=tol, **kw)


def train_blocks(problems: Problems, activation: str, eta: float, budget: int, tol: float, *,
                 scheduler: str | None = None, **kw) -> EnsembleResult:
    """``train_networks`` on ``problems`` as one task per realization block, merged in the problems' order.

    Parameters
    ----------
    problems : Problems
        With a ``realization`` column in ``info``.
    activation : str
    eta : float
    budget : int
        Most GD steps.
    tol : float
        The success threshold on ||f - y|| / ||y||.
    scheduler : str, optional
        Passed to ``overparam.runtime.parallel.map`` (default: ``$OVERPARAM_SCHEDULER``, else serial).
    **kw
        ``device``, ``dtype``, ``threads`` for ``train_networks``.

    Returns
    -------
    EnsembleResult
        As one ``train_networks`` call on all of ``problems`` (the same numbers; ``wall_time``,
        ``n_buckets`` and ``n_chunks`` summed over the blocks).
    """
    [res] = train_panels([(problems, activation, eta)], budget, tol, scheduler=scheduler, **kw)
    return res


def train_panels(panels: Sequence[tuple[Problems, str, float]], budget: int, tol: float, *,
                 scheduler: str | None = None, **kw) -> list[EnsembleResult]:
    """``train_blocks`` for several (problems, activation, eta) panels with one map over all their blocks,
    so a cluster runs every (activation, n, realization) block of Figure 2 at once.

    Parameters
    ----------
    panels : sequence of (Problems, str, float)
    budget : int
    tol : float
    scheduler : str, optional
    **kw
        As ``train_blocks``.

    Returns
    -------
    list of EnsembleResult
        One per panel, in order.
    """
    blocks, jobs, owner = [], [], []
    for p, (problems, activation, eta) in enumerate(panels):
        real = problems.info.realization.to_numpy()
        for r in np.unique(real):
            idx = np.flatnonzero(real == r)
            blocks.append(idx)
            jobs.append((problems.subset(idx), activation, float(eta), int(budget), tol, kw))
            owner.append(p)
    parts = parallel.map(_train_block, jobs, scheduler=scheduler, name="figure2-block")
    out = []
    for p, (problems, _, _) in enumerate(panels):
        mine = [(idx, part) for idx, part, o in zip(blocks, parts, owner) if o == p]
        B = len(problems)
        W: list = [None] * B
        hit, steps_run = np.empty(B, dtype=np.int64), np.empty(B, dtype=np.int64)
        rel, diverged = np.empty(B), np.empty(B, dtype=bool)
        for idx, part in mine:
            hit[idx], steps_run[idx], rel[idx], diverged[idx] = part.hit_step, part.steps_run, part.final_rel, part.diverged
            for j, i in enumerate(idx):
                W[i] = part.W[j]
        first = mine[0][1]
        out.append(EnsembleResult(info=problems.info.copy(), hit_step=hit, steps_run=steps_run, final_rel=rel,
                                  diverged=diverged, W=W, steps=first.steps, tol=first.tol,
                                  wall_time=sum(q.wall_time for _, q in mine),
                                  n_buckets=sum(q.n_buckets for _, q in mine),
                                  n_chunks=sum(q.n_chunks for _, q in mine), stop=first.stop))
    return out


def phase_run(problems: Problems, activation: str, eta: float, budget: int, tol: float, *, seed: int,
              device="cpu", threads: int | None = None, dtype=torch.float32,
              shared_inputs: bool = True, n_boot: int = 200, trained: EnsembleResult | None = None) -> PhaseRun:
    """Train every network of ``problems`` on one activation and fit its boundary kd = c n.

    Section 4 of Oymak & Soltanolkotabi (2020): full-batch GD at a fixed step, each network stopping at
    its first step with relative error below ``tol``.

    Parameters
    ----------
    problems : Problems
    activation : str
    eta : float
    budget : int
        Most GD steps.
    tol : float
        The success threshold on ||f - y|| / ||y||.
    seed : int
        The bootstrap's seed.
    device, threads, dtype
        Where and how to train (``threads=None`` keeps torch's current setting).
    shared_inputs : bool
        Whether the widths of one realization share their inputs: then the boundary's intervals resample
        whole realizations; otherwise each cell's count is redrawn from its binomial.
    n_boot : int
        Bootstrap draws for the boundary's intervals.
    trained : EnsembleResult, optional
        The networks already trained (``train_panels``); trained here, one task per realization, otherwise.

    Returns
    -------
    PhaseRun
    """
    res = trained or train_blocks(problems, activation, eta, budget, tol, device=device, dtype=dtype, threads=threads)
    tab = res.table()
    n = problems.n
    tab["kd_over_n"] = tab.k * tab.d / n
    tab["w0_norm"] = [float(w.norm()) for w in problems.W0]
    tab["rel_move"] = [float((w - w0).norm()) / float(w0.norm()) for w, w0 in zip(res.W, problems.W0)]
    tab["flips"] = [sign_flip_fraction(w, w0, x) for w, w0, x in zip(res.W, problems.W0, problems.X)]
    fit = fit_phase_boundary(tab.k, tab.d, n, tab.success, n_boot=n_boot, seed=seed,
                             realization=tab.realization if shared_inputs else None)
    return PhaseRun(n, activation, float(eta), res, tab, problems, fit)


def figure2(ns: Sequence[int], grid: Sequence[int], realizations: int, budget: int, tol: float, *, seed: int,
            device="cpu", threads: int | None = None, eta: Mapping[str, float] = ETA,
            dtype=torch.float32, n_boot: int = 200) -> dict[tuple[int, str], PhaseRun]:
    """Figure 2 of Oymak & Soltanolkotabi (2020): success of GD on random labels over a (k, d) grid.

    For every n, the problems (x_i uniform on the sphere shared across k, y_i ~ N(0, 1), W0 ~ N(0, 1), the
    balanced v) are drawn once and trained with every activation of ``eta`` (common random numbers).

    Parameters
    ----------
    ns : sequence of int
        Sample counts.
    grid : sequence of int
        Values of k and of d (the grid is grid x grid).
    realizations : int
        Independent problems per cell.
    budget : int
        Most GD steps.
    tol : float
        Success threshold on the relative error.
    seed : int
        Root of the streams ("problems", n) and ("bootstrap", n, activation).
    device, threads, dtype
        Where and how to train.
    eta : mapping
        activation -> step size (Figure 2's: 0.15 softplus, 0.1 ReLU).
    n_boot : int
        Bootstrap draws for each boundary's intervals.

    Returns
    -------
    dict
        (n, activation) -> PhaseRun.
    """
    cells = [(k, d) for k in grid for d in grid]
    problems = {n: sphere_problems(n, cells, realizations, seed=derive_seed(seed, "problems", n), dtype=dtype,
                                   shared_inputs=True) for n in ns}
    panels = [(n, act, step) for n in ns for act, step in eta.items()]
    trained = train_panels([(problems[n], act, step) for n, act, step in panels], budget, tol, device=device,
                           dtype=dtype, threads=threads)
    return {(n, act): phase_run(problems[n], act, step, budget, tol, seed=derive_seed(seed, "bootstrap", n, act),
                                device=device, threads=threads, dtype=dtype, n_boot=n_boot, trained=res)
            for (n, act, step), res in zip(panels, trained)}


def figure2_table(runs: Mapping[tuple[int, str], PhaseRun]) -> pd.DataFrame:
    """The fitted boundary of every diagram: c in kd = c n with its interval, the free fit's exponent ratio
    a_k / a_d (1 for a hyperbola in kd), the kd/n at P = 0.9 and the smallest kd/n of a cell with >= 90%
    success.

    Parameters
    ----------
    runs : mapping
        (n, activation) -> PhaseRun.

    Returns
    -------
    pandas.DataFrame
        Index (n, activation).
    """
    rows = []
    for (n, act), run in runs.items():
        f, tab = run.fit, run.table
        rows.append({"n": n, "activation": act, "networks": len(tab), "success rate": tab.success.mean(),
                     "diverged": int(tab.diverged.sum()), "c (kd = c n at P = 1/2)": f.c, "c 95% lo": f.c_lo,
                     "c 95% hi": f.c_hi, "exponent ratio a_k/a_d": f.ratio, "ratio lo": f.ratio_lo,
                     "ratio hi": f.ratio_hi, "kd/n at P = 0.9 (fit)": f.r90,
                     "smallest kd/n of a cell with ≥ 90% success": f.empirical_min_ratio_90})
    return pd.DataFrame(rows).set_index(["n", "activation"])


def boundary_vs_budget(runs: Mapping[tuple[int, str], PhaseRun], budgets: Sequence[int], tol: float, *,
                       seed: int, device="cpu", threads: int | None = None, dtype=torch.float32,
                       n_boot: int = 50) -> pd.DataFrame:
    """The fitted boundary c at smaller and larger iteration budgets than Figure 2's.

    Section 4 of Oymak & Soltanolkotabi (2020) fixes 15,000 iterations; just above kd = n training
    converges slowly, so c depends on the budget. A smaller budget T is read from the first-success steps
    (success iff hit_step <= T). A budget beyond the run's continues, from the final weights, the networks
    of the band 1 <= kd/n <= 3 that neither succeeded nor diverged (GD is deterministic, so this is the
    longer run).

    Parameters
    ----------
    runs : mapping
        (n, activation) -> PhaseRun.
    budgets : sequence of int
    tol : float
        The success threshold.
    seed : int
        Root of the bootstrap streams.
    device, threads, dtype
        For the continued runs.
    n_boot : int
        Bootstrap draws for each interval.

    Returns
    -------
    pandas.DataFrame
        One row per (n, activation, budget): c, c_lo, c_hi, success rate.
    """
    rows = []
    for (n, act), run in runs.items():
        res, tab = run.result, run.table
        for T in budgets:
            if T <= res.steps:
                succ = res.success_at(T)
            else:
                band = tab.index[(tab.kd_over_n >= 1) & (tab.kd_over_n <= 3) & ~tab.success & ~tab.diverged].to_numpy()
                sub = run.problems.subset(band)
                resumed = Problems(sub.X, sub.y, [res.W[i] for i in band], sub.v, sub.info)
                more = train_networks(resumed, act, run.eta, T - res.steps, tol=tol, device=device, dtype=dtype,
                                      threads=threads)
                succ = tab.success.to_numpy().copy()
                succ[band] = more.success
            f = fit_phase_boundary(tab.k, tab.d, n, succ, n_boot=n_boot, seed=derive_seed(seed, n, act, T),
                                   realization=tab.realization)
            rows.append({"n": n, "activation": act, "budget": T, "c": f.c, "c_lo": f.c_lo, "c_hi": f.c_hi,
                         "success rate": float(np.mean(succ))})
    return pd.DataFrame(rows)


def not_lazy_table(runs: Mapping[tuple[int, str], PhaseRun], max_kd_over_n: float = 3.0) -> pd.DataFrame:
    """How far the successful networks near the boundary moved: ||W - W0||_F / ||W0||_F and ReLU sign flips.

    The theorems of Oymak & Soltanolkotabi (2020) keep W near W0 (Theorem 6.10's radius); this measures
    whether Figure 2's regime does.

    Parameters
    ----------
    runs : mapping
        (n, activation) -> PhaseRun.
    max_kd_over_n : float
        Only successful networks with kd/n at most this.

    Returns
    -------
    pandas.DataFrame
        Index (n, activation).
    """
    rows = []
    for (n, act), run in runs.items():
        near = run.table[run.table.success & (run.table.kd_over_n <= max_kd_over_n)]
        rows.append({"n": n, "activation": act, f"successful runs with kd ≤ {max_kd_over_n:g}n": len(near),
                     "median ‖W − W0‖_F / ‖W0‖_F": float(near.rel_move.median()),
                     "max ‖W − W0‖_F / ‖W0‖_F": float(near.rel_move.max()),
                     "median fraction of flipped signs of w_l·x_i": float(near.flips.median())})
    return pd.DataFrame(rows).set_index(["n", "activation"])
