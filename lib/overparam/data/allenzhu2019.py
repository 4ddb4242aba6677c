"""Allen-Zhu, Li & Song (2019)'s inputs: unit-norm points whose last coordinate is 1/sqrt(2) (Section 2, fn. 5).

x = (u/sqrt 2, 1/sqrt 2) for a unit u is ``data.sphere.lift(u)``; the paper's separation delta is the distance
between padded inputs, ||x - x'|| = ||u - u'|| / sqrt 2, so two padded inputs at distance delta come from unit
vectors at angle phi = 2 arcsin(delta / sqrt 2). Padding makes every <x_i, x_j> = (1 + <u_i, u_j>)/2 >= 0 (no antipodal pairs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .sphere import lift, min_separation, normalize_rows, sphere_points

__all__ = ["padded_pairs", "padded_sphere"]


def padded_sphere(n: int, d_free: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """n padded inputs x = (u/sqrt 2, 1/sqrt 2) from u uniform on S^(d_free - 1); returns (X, delta).

    X has d_free + 1 columns and unit rows; delta is its realised minimum pairwise distance (Assumption 2.1).
    """
    X = lift(sphere_points(n, d_free, rng=rng))
    return X, float(min_separation(X))


def padded_pairs(deltas: Sequence[float], d_free: int, rng: np.random.Generator) -> np.ndarray:
    """One pair of padded inputs at distance exactly delta per entry of ``deltas``, from one base point.

    Returns an array (len(deltas), 2, d_free + 1): pair k is (pad(b), pad(cos phi_k b + sin phi_k v)) with
    b, v orthonormal (drawn once, so only the separation changes across the sweep) and
    phi_k = 2 arcsin(delta_k / sqrt 2).
    """
    b = normalize_rows(rng.standard_normal((1, d_free)))[0]
    v = rng.standard_normal(d_free)
    v = v - (v @ b) * b
    v /= np.linalg.norm(v)
    out = []
    for delta in deltas:
        if not 0 < delta <= 1:
            raise ValueError(f"padded inputs are at distance in (0, 1]; got {delta}")
        phi = 2 * math.asin(delta / math.sqrt(2))
        out.append(lift(np.stack([b, math.cos(phi) * b + math.sin(phi) * v])))
    return np.stack(out)
