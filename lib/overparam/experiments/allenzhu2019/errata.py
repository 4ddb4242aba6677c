"""The paper's errata as computations whose outcome could have gone the other way (claims map, section 4)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize

from ...theory import allenzhu2019 as th

__all__ = ["claim76_points", "claim76_table", "sgd_width_from_proof"]


def claim76_table(alphas, deltas) -> pd.DataFrame:
    """Claim 7.6 on a grid: the printed closed form (l.623), the exact expectation and the bound delta^2 (1 - delta)."""
    rows = [{"alpha": float(a), "delta": float(d), "printed": float(th.claim76_printed(a, d)),
             "exact": float(th.claim76_exact(a, d))} for d in deltas for a in alphas]
    df = pd.DataFrame(rows)
    df["bound"] = df.delta ** 2 * (1 - df.delta)
    return df


def claim76_points(points, mc_samples: int, rng: np.random.Generator) -> pd.DataFrame:
    """Claim 7.6 at a few (alpha, delta): printed form, printed series, 2-d quadrature, Monte Carlo (with its
    standard error) and the exact closed form [ours]."""
    rows = []
    for a, d in points:
        mc, se = th.claim76_monte_carlo(a, d, mc_samples, rng)
        rows.append({"alpha": a, "delta": d, "printed": float(th.claim76_printed(a, d)),
                     "series": th.claim76_series(a, d), "quadrature": th.claim76_quadrature(a, d),
                     "monte_carlo": mc, "mc_se": se, "exact": float(th.claim76_exact(a, d))})
    return pd.DataFrame(rows)


def sgd_width_from_proof(n: int, L: int, delta: float, b: int, d: int = 1) -> float:
    """The smallest m meeting the proof of Theorem 2's requirement, solved numerically (erratum E-T2b).

    (13.1) gives the radius omega = n^3.5 sqrt(d) log m / (delta sqrt(b m)); step 3 of (13.2) needs
    omega^(1/3) <= delta / (n^3 L^2 sqrt(log m)). Solved in log m by bisection; to be compared with the printed
    m >= n^24 L^12 b d log^5 m / delta^8 (l.1232), which grows with b.
    """
    def gap(log_m):
        log_omega = 3.5 * math.log(n) + 0.5 * math.log(d) + math.log(log_m) - math.log(delta) - 0.5 * math.log(b * 1.0) \
            - 0.5 * log_m
        return log_omega / 3 - math.log(delta / (n ** 3 * L ** 2 * math.sqrt(log_m)))

    return math.exp(optimize.brentq(gap, 2.0, 700.0, xtol=1e-12))
