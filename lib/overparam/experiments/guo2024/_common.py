"""What every Guo, Li & Lerman experiment shares: tensors on a device, Algorithm 3's SGD, rankings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

__all__ = ["ALGORITHM_3", "Ranking", "gamma_hat_of", "global_seed", "labels", "ranking", "tensor"]

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
