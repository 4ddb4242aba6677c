"""Rates and slopes with their uncertainty: ordinary least squares with a Student-t interval.

The theorems predict exponents and contraction factors: a power law in the width
(||H(0) - H^infinity||_2 ~ m^{-1/2}, the concentration behind Du et al. 2019, Lemma 3.1), a linear
(geometric) rate of the loss (Du et al., Theorem 4.1; Oymak & Soltanolkotabi 2020, eq. (2.4)). A check
compares the prediction with a fitted value *and its interval*, so every fit here returns both; the
interval is the textbook Student-t interval of the OLS slope (``scipy.stats.linregress``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["Exponent", "RateFit", "SlopeFit", "exponent_over_seeds", "linear_rate", "loglog_slope", "mean_interval",
           "steps_to_reach"]


@dataclass(frozen=True)
class SlopeFit:
    """A fitted power law log y = intercept + slope log x, with an interval on the slope.

    Attributes
    ----------
    slope : float
        The exponent.
    intercept : float
        Of the line in log-log coordinates.
    lo, hi : float
        The confidence interval on the slope (95% unless another ``level`` was asked for).
    n_points : int
        Number of (x, y) points fitted.
    """

    slope: float
    intercept: float
    lo: float  # 95% interval on the slope
    hi: float
    n_points: int

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the slope's interval [lo, hi].

        Parameters
        ----------
        value : float
            A predicted exponent.

        Returns
        -------
        bool
        """
        return self.lo <= value <= self.hi


@dataclass(frozen=True)
class RateFit:
    """A fitted per-step contraction factor: loss(t) ~ C rate^t over steps [start, stop).

    Attributes
    ----------
    rate : float
        The factor rho (< 1 for a converging run).
    lo, hi : float
        Its confidence interval (95% unless another ``level`` was asked for).
    start, stop : int
        The steps fitted.
    """

    rate: float  # per-step contraction factor: loss(t) ≈ C rate^t
    lo: float
    hi: float
    start: int
    stop: int


def _ols(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    # slope, intercept and the half-width of the slope's Student-t interval
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.shape != y.shape or x.size < 3:
        raise ValueError(f"need at least 3 (x, y) points of the same shape, got {x.shape} and {y.shape}")
    res = stats.linregress(x, y)
    t = stats.t.ppf(0.5 + level / 2, df=x.size - 2)
    return res.slope, res.intercept, t * res.stderr


def loglog_slope(x: ArrayLike, y: ArrayLike, level: float = 0.95) -> SlopeFit:
    """Slope of log y against log x (a power law y ∝ x^slope) with its confidence interval.

    Parameters
    ----------
    x, y : array-like
        Positive values, at least 3 points, of the same shape.
    level : float
        Confidence level of the interval.

    Returns
    -------
    SlopeFit

    Raises
    ------
    ValueError
        If any x or y is not positive, or there are fewer than 3 points or the shapes differ.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("loglog_slope needs positive x and y")
    slope, intercept, half = _ols(np.log(x), np.log(y), level)
    return SlopeFit(float(slope), float(intercept), float(slope - half), float(slope + half), x.size)


def linear_rate(losses: ArrayLike, start: int = 0, stop: int | None = None, level: float = 0.95) -> RateFit:
    """Per-step factor rho of a linearly (geometrically) converging loss, fitted as log loss = a + t log rho.

    "Linear convergence" in the papers' sense (Du et al. 2019, Theorem 4.1: (1 - eta lambda0/2)^t) is a
    straight line in log loss against the step t; its slope is log rho.

    Parameters
    ----------
    losses : array-like
        The loss at steps 0, 1, 2, ...
    start, stop : int
        Fit over steps [start, stop) (``stop=None``: to the end; clipped to the length).
    level : float
        Confidence level of the interval.

    Returns
    -------
    RateFit
        rho with its interval, the exponentials of the slope's interval.

    Raises
    ------
    ValueError
        If fewer than 3 steps remain. Steps whose loss has reached float round-off (<= 1e-300) are
        left out of the fit.
    """
    losses = np.asarray(losses, float)
    stop = losses.size if stop is None else min(stop, losses.size)
    t = np.arange(start, stop)
    seg = losses[start:stop]
    keep = seg > 1e-300
    slope, _, half = _ols(t[keep], np.log(seg[keep]), level)
    return RateFit(float(np.exp(slope)), float(np.exp(slope - half)), float(np.exp(slope + half)), start, stop)


def steps_to_reach(losses: ArrayLike, fraction: float) -> int | None:
    """First step t with loss(t) <= fraction * loss(0).

    Parameters
    ----------
    losses : array-like
        The loss at steps 0, 1, 2, ...
    fraction : float
        The target as a fraction of the initial loss.

    Returns
    -------
    int or None
        The step, or None if the run never reaches it.
    """
    losses = np.asarray(losses, float)
    hit = np.nonzero(losses <= fraction * losses[0])[0]
    return int(hit[0]) if hit.size else None


def mean_interval(values: ArrayLike, level: float = 0.95) -> tuple[float, float, float]:
    """The mean of per-seed values and its two-sided Student-t interval: (mean, lo, hi).

    The one interval the chapters put on a paired margin or a mean over seeds (the verdict rules: an
    ordering is decided only when this interval clears 0). Non-finite values are dropped; with fewer than
    two values the interval is (-inf, inf), which no rule can decide.

    Parameters
    ----------
    values : array-like
        One value per seed (or per stream).
    level : float
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        (mean, lo, hi).
    """
    a = np.asarray(values, float).ravel()
    a = a[np.isfinite(a)]
    if a.size == 0:
        raise ValueError("mean_interval needs at least one finite value")
    mean = float(a.mean())
    if a.size < 2:
        return mean, -np.inf, np.inf
    half = float(stats.t.ppf(0.5 + level / 2, df=a.size - 1) * a.std(ddof=1) / np.sqrt(a.size))
    return mean, mean - half, mean + half


@dataclass(frozen=True)
class Exponent:
    """A power-law exponent of a seed-mean curve with its seed-bootstrap interval."""

    slope: float
    lo: float
    hi: float
    n_seeds: int

    @property
    def interval(self) -> tuple[float, float]:
        """(lo, hi)."""
        return (self.lo, self.hi)

    def text(self, fmt: str = ".3f") -> str:
        """The exponent and its interval in words."""
        return f"{self.slope:{fmt}} [{self.lo:{fmt}}, {self.hi:{fmt}}] over {self.n_seeds} seeds"


def exponent_over_seeds(x: ArrayLike, Y: ArrayLike, *, level: float = 0.95, n_boot: int = 2000,
                        seed: int = 0) -> Exponent:
    """Slope of log(mean over seeds of Y) against log x, and its interval from resampling the seeds.

    Unlike ``loglog_slope`` (whose interval treats the points as independent), the interval here comes
    from the seeds: each bootstrap draw resamples whole rows, so the correlation of one network's values
    across widths or depths is kept.

    Parameters
    ----------
    x : array-like, shape (k,)
        Positive abscissae (widths, depths, separations).
    Y : array-like, shape (seeds, k)
        Positive values, one row per seed (rows with a non-finite value are dropped).
    level : float
        Two-sided level of the percentile bootstrap interval.
    n_boot : int
        Bootstrap resamples of the seeds.
    seed : int
        Of the resampling.

    Returns
    -------
    Exponent
    """
    lx = np.log(np.asarray(x, float))
    Y = np.asarray(Y, float)
    Y = Y[np.all(np.isfinite(Y), axis=1)]

    def fit(M: np.ndarray) -> float:
        return np.polyfit(lx, np.log(M.mean(0)), 1)[0]

    rng = np.random.default_rng(seed)
    idx = rng.integers(0, Y.shape[0], size=(n_boot, Y.shape[0]))
    boots = np.array([fit(Y[i]) for i in idx])
    a = (1 - level) / 2
    return Exponent(float(fit(Y)), float(np.quantile(boots, a)), float(np.quantile(boots, 1 - a)), Y.shape[0])
