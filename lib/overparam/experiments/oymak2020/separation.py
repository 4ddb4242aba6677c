"""Separated data: lambda(X) as two points merge (Theorem 2.5 and Theorem I.1).

Oymak & Soltanolkotabi (2020), Theorem I.1: for ReLU and unit-norm data with
min(||x_i - x_j||, ||x_i + x_j||) >= delta (Assumption 1), lambda(X) >= delta / (100 n^2). The experiment
puts n - 1 uniform points on the sphere, adds a copy of the first at distance exactly delta, and computes
lambda(X) exactly (closed form for ReLU, quadrature for softplus) over a log grid of delta.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import min_separation, near_duplicate_sphere
from ...kernels.two_layer import expected_gram_quadrature, relu_expected_gram
from ...measure.fit import SlopeFit, loglog_slope
from ...runtime import rng_for
from ...theory import oymak2020 as th

__all__ = ["SeparationStudy", "separation_sweep"]

ACTIVATIONS = ("relu", "softplus")


@dataclass(frozen=True)
class SeparationStudy:
    """lambda(X) against the separation delta of a near-duplicate pair.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (draw, delta): ``delta``, ``delta_X`` (the data's separation in the sense of
        Assumption 1), ``lam_relu``, ``lam_softplus``, the pair's own 2 x 2 block ``lam_pair_<act>`` (an
        upper bound by interlacing) and Theorem I.1's ``bound_I1`` = delta_X / (100 n^2).
    fits : dict
        activation -> log-log slope of lambda(X) against delta_X over delta_X <= ``fit_max``.
    fit_max : float
    n, d : int
    X_norm : float
        Median ||X|| over the draws at delta = 1e-2 (for Theorem 2.5's width).
    """

    table: pd.DataFrame
    fits: dict[str, SlopeFit]
    fit_max: float
    n: int
    d: int
    X_norm: float

    @property
    def min_ratio_I1(self) -> float:
        """Smallest lambda_ReLU(X) / (delta / (100 n^2)) over the sweep (Theorem I.1: >= 1)."""
        return float((self.table.lam_relu / self.table.bound_I1).min())

    @property
    def fitted(self) -> pd.DataFrame:
        """The rows the slopes are fitted on (delta_X <= fit_max)."""
        return self.table[self.table.delta_X <= self.fit_max]

    def quotes(self) -> dict[str, float]:
        """The numbers the chapter's prose quotes."""
        sep, small = self.table, self.fitted
        at_small = sep[sep.delta == sep.delta.min()]
        return {"sep_n": self.n, "sep_d": self.d, "sep_slope_relu": self.fits["relu"].slope,
                "sep_slope_sp": self.fits["softplus"].slope, "sep_ratio_I1": self.min_ratio_I1,
                "sep_gap_small": float((at_small.lam_relu / at_small.lam_softplus).median()),
                "sep_delta_min": float(sep.delta.min()),
                "sep_relu_over_pi": float((small.lam_relu / (small.delta_X / (2 * math.pi))).median()),
                # Theorem 2.5's width at delta = 1e-2 with its constant set to 1
                "sep_k_thm25": th.relu_separation_width_requirement(self.n, self.X_norm, 1e-2)["k"]}


def separation_sweep(n: int, d: int, deltas: Sequence[float], draws: int, *, seed: int,
                     fit_max: float = 1e-2) -> SeparationStudy:
    """lambda(X) for ReLU and softplus as one pair of n sphere points merges, over ``draws`` backgrounds.

    Theorem I.1 and Theorem 2.5 of Oymak & Soltanolkotabi (2020). For each draw, every delta uses a fresh
    generator of the same stream, so the background points stay put and only the pair moves.

    Parameters
    ----------
    n, d : int
        Points (the pair included) and input dimension.
    deltas : sequence of float
        Separations of the pair, in (0, 2).
    draws : int
        Independent backgrounds.
    seed : int
        Root of the streams ("draw", r).
    fit_max : float
        The slopes are fitted where the pair dominates, delta_X <= fit_max.

    Returns
    -------
    SeparationStudy
    """
    rows = []
    pair = [0, n - 1]
    for draw in range(draws):
        for delta in deltas:
            X = torch.as_tensor(near_duplicate_sphere(n, d, float(delta), rng_for(seed, "draw", draw)))
            grams = {"relu": relu_expected_gram(X), "softplus": expected_gram_quadrature(X, "softplus")}
            row = {"draw": draw, "delta": float(delta), "delta_X": min_separation(X.numpy(), antipodal=True)}
            for a, M in grams.items():
                row[f"lam_{a}"] = float(torch.linalg.eigvalsh(M)[0])
                row[f"lam_pair_{a}"] = float(torch.linalg.eigvalsh(M[pair][:, pair])[0])
            row["bound_I1"] = row["delta_X"] / (100 * n**2)
            rows.append(row)
    table = pd.DataFrame(rows)
    small = table[table.delta_X <= fit_max]
    fits = {a: loglog_slope(small.delta_X, small[f"lam_{a}"]) for a in ACTIVATIONS}
    X_norm = float(np.median([np.linalg.norm(near_duplicate_sphere(n, d, 1e-2, rng_for(seed, "draw", r)), 2)
                              for r in range(draws)]))
    return SeparationStudy(table, fits, float(fit_max), int(n), int(d), X_norm)
