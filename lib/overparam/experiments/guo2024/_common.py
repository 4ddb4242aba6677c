"""What every Guo, Li & Lerman experiment shares: tensors on a device, Algorithm 3's SGD, rankings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...measure.fit import mean_interval

__all__ = ["ALGORITHM_3", "Lead", "Ranking", "gamma_hat_of", "global_seed", "labels", "paired_lead", "ranking",
           "tensor"]

#: Guo et al.'s Algorithm 3: SGD on the plain gradient of the batch's loss (no n/b rescaling).
ALGORITHM_3 = {"sgd_scale": "sum"}


def tensor(a, dtype: torch.dtype = torch.float32, device="cpu") -> torch.Tensor:
    """A floating-point tensor of ``a`` on ``device``."""
    return torch.as_tensor(np.asarray(a), dtype=dtype, device=device)


def labels(a, device="cpu") -> torch.Tensor:
    """Integer class labels as a long tensor on ``device``."""
    return torch.as_tensor(np.asarray(a), dtype=torch.long, device=device)


@contextmanager
def global_seed(seed: int) -> Iterator[None]:
    """Run a block on torch's global generator seeded with ``seed``, and restore the generator after.

    ``torch.nn`` modules draw their initial weights (and dropout its masks) from the global generator,
    which takes no ``generator=`` argument; this keeps such a block reproducible without touching the
    caller's random state.
    """
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        yield


@dataclass(frozen=True)
class Ranking:
    """Which slope has the smallest value of a quantity, and by how much it leads.

    Attributes
    ----------
    values : dict
        alpha -> the quantity (a final training error, a rate bound, ...).
    target : float
        The slope the paper says is best (alpha = -1).
    argmin : float
        The slope with the smallest value (the first one on a tie).
    margin : float
        min over the other slopes of value(alpha) - value(target): positive exactly when ``target`` is
        the strict argmin.
    """

    values: Mapping[float, float]
    target: float
    argmin: float
    margin: float

    def text(self, fmt: str = ".4f") -> str:
        """The values in words, e.g. ``α=-2: 0.0178, α=-1: 0.0400``."""
        return ", ".join(f"α={a:g}: {v:{fmt}}" for a, v in self.values.items())


def ranking(values, target: float = -1.0) -> Ranking:
    """Rank the slopes by a quantity where smaller is better.

    Parameters
    ----------
    values : pandas.Series or mapping
        alpha -> value.
    target : float
        The slope whose lead is measured.

    Returns
    -------
    Ranking
    """
    s = pd.Series(dict(values) if not isinstance(values, pd.Series) else values, dtype=float)
    s.index = [float(a) for a in s.index]
    others = s.drop(index=target)
    return Ranking({a: float(v) for a, v in s.items()}, float(target), float(s.idxmin()),
                   float(others.min() - s[target]))


@dataclass(frozen=True)
class Lead:
    """A paired margin over seeds with its t-interval: how far one group of slopes beats another.

    Attributes
    ----------
    per_seed : ndarray
        The margin of each seed (positive: the claim holds for that seed).
    mean : float
        Its mean over seeds.
    lo, hi : float
        The two-sided t-interval of the mean (95 % by default; infinite with fewer than 2 seeds).
    """

    per_seed: np.ndarray
    mean: float
    lo: float
    hi: float

    @property
    def interval(self) -> tuple[float, float]:
        """(lo, hi), the form ``exceeds`` takes."""
        return (self.lo, self.hi)

    @property
    def wins(self) -> int:
        """The number of seeds whose margin is positive."""
        return int((self.per_seed > 0).sum())

    def text(self, fmt: str = ".3g") -> str:
        """The mean, its interval and the seed count in words."""
        return (f"mean {self.mean:{fmt}} [{self.lo:{fmt}}, {self.hi:{fmt}}], positive on {self.wins} of "
                f"{self.per_seed.size} seeds")


def paired_lead(table: pd.DataFrame, better, worse=None, *, level: float = 0.95) -> Lead:
    """The paired margin by which the slopes ``better`` beat the slopes ``worse``, seed by seed.

    For each seed (row) the margin is min over ``worse`` minus max over ``better`` of the value (smaller is
    better): positive exactly when every slope of ``better`` is below every slope of ``worse`` for that
    seed. Every slope of a seed starts from the same initialisation, so the pairing removes the shared
    part of the seed-to-seed noise.

    Parameters
    ----------
    table : DataFrame
        Seeds as rows, slopes (alpha) as columns.
    better : float or sequence of float
        The slope(s) claimed best (the paper: alpha = -1).
    worse : sequence of float, optional
        The slopes they should beat; default every other column.
    level : float
        Confidence level of the t-interval.

    Returns
    -------
    Lead
    """
    better = [float(better)] if np.isscalar(better) else [float(a) for a in better]
    cols = [float(c) for c in table.columns]
    t = table.set_axis(cols, axis=1)
    worse = [c for c in cols if c not in better] if worse is None else [float(a) for a in worse]
    per = (t[worse].min(axis=1) - t[better].max(axis=1)).to_numpy(dtype=float)
    return Lead(per, *mean_interval(per, level))


def gamma_hat_of(loss: np.ndarray, steps_axis: np.ndarray, t1: int = 100, t2: int = 1000) -> np.ndarray:
    """The paper's empirical rate (L^(t2) / L^(t1))^(1/(t2 - t1)) of each network (Section 5.2).

    Parameters
    ----------
    loss : ndarray (R, K)
        Training loss of K networks at the steps ``steps_axis``.
    steps_axis : ndarray (R,)
        The step of each row; must contain ``t1`` and ``t2``.
    t1, t2 : int
        The two steps (the paper: 100 and 1000).

    Returns
    -------
    ndarray (K,)
    """
    steps_axis = np.asarray(steps_axis)
    i1, i2 = int(np.searchsorted(steps_axis, t1)), int(np.searchsorted(steps_axis, t2))
    if steps_axis[i1] != t1 or steps_axis[i2] != t2:
        raise ValueError(f"the loss must be recorded at steps {t1} and {t2}")
    return (loss[i2] / loss[i1]) ** (1.0 / (t2 - t1))
