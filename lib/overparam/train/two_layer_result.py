"""What the two-layer ensemble returns (``EnsembleResult``) and the host-side collector that fills it.

Each network of a phase diagram (Oymak & Soltanolkotabi 2020, Figure 2) is a Bernoulli trial: did GD reach
relative error 2.5e-3 within the budget? ``EnsembleResult`` keeps, per network, the first step at which the
stopping rule held, so that the diagram at every smaller budget is read off one run (``success_at``), and
whether the network diverged, with its final weights. ``Outputs`` gathers these from the chunks of
``two_layer_trainer`` as networks retire.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from .two_layer_kernels import _Chunk
from .two_layer_problems import Problems

__all__ = ["EnsembleResult", "Outputs"]


@dataclass
class EnsembleResult:
    """What ``train_ensemble`` returns; arrays have one entry per network, in the order of the problems.

    Parameters
    ----------
    info : pandas.DataFrame
        The problems' table (k, d, n, ...).
    hit_step : numpy.ndarray
        First step t (0 = at initialisation) at which the stopping rule held, -1 if never.
    steps_run : numpy.ndarray
        Number of updates in the returned weights: ``hit_step`` on success, the step of the last check
        passed on divergence, the budget otherwise.
    final_rel : numpy.ndarray
        Relative error ||f(W) - y|| / ||y|| at the returned weights.
    diverged : numpy.ndarray
        Bool: the network diverged and was frozen at its weights of the last check it passed.
    W : list of torch.Tensor
        The final weights (CPU tensors, the problems' dtype).
    steps : int
        The budget.
    tol : float or None
        The stopping threshold.
    history_steps, history : numpy.ndarray or None
        When requested: the steps and the (B, len(history_steps)) relative errors there (NaN once a network
        has stopped).
    checkpoints : dict of int to list of torch.Tensor
        {step: [W_b at that step]} when requested (a stopped network contributes its frozen W).
    path_length : numpy.ndarray or None
        Σ_t ||W_{t+1} - W_t||_F when requested.
    wall_time : float
        Seconds the run took.
    n_buckets, n_chunks : int
        How the networks were batched.
    stop : str or None
        The stopping rule (``"relative"`` or ``"absolute"``).
    """

    info: pd.DataFrame
    hit_step: np.ndarray
    steps_run: np.ndarray
    final_rel: np.ndarray
    diverged: np.ndarray
    W: list[torch.Tensor]
    steps: int
    tol: float | None
    history_steps: np.ndarray | None = None
    history: np.ndarray | None = None
    checkpoints: dict[int, list[torch.Tensor]] = field(default_factory=dict)
    path_length: np.ndarray | None = None
    wall_time: float = 0.0
    n_buckets: int = 0
    n_chunks: int = 0
    stop: str | None = None

    @property
    def success(self) -> np.ndarray:
        """Bool per network: the stopping rule held within the budget."""
        return self.hit_step >= 0

    def success_at(self, budget: int) -> np.ndarray:
        """Success had the run been stopped after ``budget`` steps (0 <= hit_step <= budget).

        Parameters
        ----------
        budget : int

        Returns
        -------
        numpy.ndarray
            Bool per network.
        """
        return (self.hit_step >= 0) & (self.hit_step <= budget)

    def table(self) -> pd.DataFrame:
        """The problems' table with hit_step, success, diverged, final_rel, steps_run (and path_length).

        Returns
        -------
        pandas.DataFrame
        """
        df = self.info.copy()
        df["hit_step"] = self.hit_step
        df["success"] = self.success
        df["diverged"] = self.diverged
        df["final_rel"] = self.final_rel
        df["steps_run"] = self.steps_run
        if self.path_length is not None:
            df["path_length"] = self.path_length
        return df


class Outputs:
    """Host-side arrays that the chunks write their networks into as they retire.

    Parameters
    ----------
    problems : Problems
        The ensemble's problems (for the weights' shapes and the result's table).
    steps : int
        The budget.
    history_steps : numpy.ndarray or None
        The steps at which relative errors are kept, or None.
    checkpoint_steps : list of int
        Steps at which every network's weights are copied.
    """

    def __init__(self, problems: Problems, steps: int, history_steps: np.ndarray | None,
                 checkpoint_steps: list[int]):
        B = len(problems)
        self.problems, self.steps = problems, steps
        self.hit = np.full(B, -1, dtype=np.int64)
        self.stop = np.full(B, steps, dtype=np.int64)
        self.rel = np.full(B, np.nan)
        self.diverged = np.zeros(B, dtype=bool)
        self.path = np.zeros(B)
        self.W: list[torch.Tensor | None] = [None] * B
        self.history_steps = history_steps
        self.history = None if history_steps is None else np.full((B, history_steps.size), np.nan)
        self.checkpoints: dict[int, list[torch.Tensor | None]] = {s: [None] * B for s in checkpoint_steps}

    def checkpoint(self, ch: _Chunk, t: int) -> None:
        """Copy the weights of every network of ``ch`` as checkpoint ``t`` (if ``t`` is one).

        Parameters
        ----------
        ch : _Chunk
            A live chunk.
        t : int
            The step.
        """
        if t in self.checkpoints:
            for i, W in zip(ch.ids[ch.real.cpu()].tolist(), ch.weights(self.problems)):
                self.checkpoints[t][i] = W

    def retire(self, ch: _Chunk, mask: torch.Tensor) -> None:
        """Write the networks of ``ch`` in ``mask`` (and real) to the outputs.

        Parameters
        ----------
        ch : _Chunk
            A live chunk.
        mask : torch.Tensor
            (B,) bool over the chunk's slots.
        """
        mask = mask & ch.real
        sel = torch.nonzero(mask).ravel()
        if sel.numel() == 0:
            return
        ids = ch.ids[mask.cpu()].numpy()
        hit, stop = ch.hit[sel].cpu().numpy(), ch.stop[sel].cpu().numpy()
        self.hit[ids] = hit
        self.stop[ids] = np.where(stop >= 0, stop, self.steps)
        self.rel[ids] = ch.rel[sel].double().cpu().numpy()
        self.diverged[ids] = ch.diverged[sel].cpu().numpy()
        self.path[ids] = ch.path[sel].double().cpu().numpy()
        for i, W in zip(ids, ch.weights(self.problems, sel)):
            self.W[i] = W
            for ck in self.checkpoints.values():  # checkpoints after the freeze: the frozen weights
                if ck[i] is None:
                    ck[i] = W
        if self.history is not None and ch.hist:
            H = torch.stack([h[sel] for h in ch.hist], dim=1).double().cpu().numpy()
            self.history[ids, : H.shape[1]] = H

    def result(self, *, tol: float | None, stop: str | None, track_path: bool, wall_time: float,
               n_buckets: int, n_chunks: int) -> EnsembleResult:
        """The ``EnsembleResult`` of the run, once every network has retired.

        Parameters
        ----------
        tol, stop
            The stopping rule.
        track_path : bool
            Whether path lengths were accumulated.
        wall_time : float
            Seconds.
        n_buckets, n_chunks : int
            How the networks were batched.

        Returns
        -------
        EnsembleResult
        """
        ckd = {s: [w if w is not None else self.W[i] for i, w in enumerate(v)] for s, v in self.checkpoints.items()}
        return EnsembleResult(
            info=self.problems.info.copy(), hit_step=self.hit, steps_run=self.stop, final_rel=self.rel,
            diverged=self.diverged, W=self.W, steps=self.steps, tol=tol, history_steps=self.history_steps,
            history=self.history, checkpoints=ckd, path_length=self.path if track_path else None,
            wall_time=wall_time, n_buckets=n_buckets, n_chunks=n_chunks, stop=stop,
        )
