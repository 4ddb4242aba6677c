"""Rates and slopes with their uncertainty: ordinary least squares with a Student-t interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["SlopeFit", "RateFit", "loglog_slope", "linear_rate", "steps_to_reach"]



@dataclass(frozen=True)
class SlopeFit:
    slope: float
    intercept: float
    lo: float  # 95% interval on the slope
    hi: float
    n_points: int

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi


@dataclass(frozen=True)
class RateFit:
    rate: float  # per-step contraction factor: loss(t) ≈ C rate^t
    lo: float
    hi: float
    start: int
    stop: int


def _ols(x: np.ndarray, y: np.ndarray, level: float = 0.95):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.shape != y.shape or x.size < 3:
        raise ValueError(f"need at least 3 (x, y) points of the same shape, got {x.shape} and {y.shape}")
    res = stats.linregress(x, y)
    t = stats.t.ppf(0.5 + level / 2, df=x.size - 2)
    return res.slope, res.intercept, t * res.stderr


def loglog_slope(x, y, level: float = 0.95) -> SlopeFit:
    """Slope of log y against log x (a power law y ∝ x^slope) with its confidence interval."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("loglog_slope needs positive x and y")
    slope, intercept, half = _ols(np.log(x), np.log(y), level)
    return SlopeFit(float(slope), float(intercept), float(slope - half), float(slope + half), x.size)


def linear_rate(losses, start: int = 0, stop: int | None = None, level: float = 0.95) -> RateFit:
    """Per-step factor rho of a linearly (geometrically) converging loss, fitted as log loss = a + t log rho
    over steps [start, stop). Steps whose loss has reached float round-off (<= 1e-300) are excluded."""
    losses = np.asarray(losses, float)
    stop = losses.size if stop is None else min(stop, losses.size)
    t = np.arange(start, stop)
    seg = losses[start:stop]
    keep = seg > 1e-300
    slope, _, half = _ols(t[keep], np.log(seg[keep]), level)
    return RateFit(float(np.exp(slope)), float(np.exp(slope - half)), float(np.exp(slope + half)), start, stop)


def steps_to_reach(losses, fraction: float) -> int | None:
    """First step t with loss(t) <= fraction * loss(0), or None if never reached."""
    losses = np.asarray(losses, float)
    hit = np.nonzero(losses <= fraction * losses[0])[0]
    return int(hit[0]) if hit.size else None
