"""Data: the papers' synthetic generators and the real data that installed packages ship.

Every loader returns float64 numpy arrays normalised the papers' way (rows on the unit sphere unless
said otherwise) and takes an explicit seed; nothing here touches the network.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["lift", "min_separation", "near_duplicate_sphere", "normalize_rows", "sphere_points"]



def normalize_rows(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("cannot normalise a zero row onto the unit sphere")
    return X / norms


def min_separation(X, antipodal: bool = False) -> float:
    """min_{i != j} ||x_i - x_j|| (the papers' delta); with ``antipodal=True`` also min ||x_i + x_j||,
    the separation that matters for even networks (Guo et al. at alpha = -1)."""
    X = np.asarray(X, dtype=np.float64)
    sq = (X**2).sum(1)
    D = sq[:, None] + sq[None, :] - 2 * X @ X.T
    np.fill_diagonal(D, np.inf)
    d = np.sqrt(np.clip(D.min(), 0, None))
    if antipodal:
        S = sq[:, None] + sq[None, :] + 2 * X @ X.T
        np.fill_diagonal(S, np.inf)
        d = min(d, np.sqrt(np.clip(S.min(), 0, None)))
    return float(d)


def sphere_points(
    n: int, d: int, delta: float | None = None, rng: np.random.Generator | None = None, max_tries: int = 10_000
) -> np.ndarray:
    """n points uniform on the unit sphere S^{d-1}, with pairwise distance >= delta when delta is given.

    Points are drawn one at a time and rejected when closer than delta to an accepted one, which keeps
    the distribution uniform conditional on the separation. Fails with a clear message when delta is
    too large for n points in d dimensions.
    """
    if n < 1 or d < 1:
        raise ValueError(f"need n >= 1 and d >= 1, got n={n}, d={d}")
    rng = rng if rng is not None else np.random.default_rng(0)
    if delta is None or delta <= 0:
        return normalize_rows(rng.standard_normal((n, d)))
    if delta >= 2:
        raise ValueError(f"delta must be < 2 (the diameter of the sphere), got {delta}")
    pts = np.empty((n, d))
    k, tries = 0, 0
    while k < n:
        cand = normalize_rows(rng.standard_normal((64, d)))
        for c in cand:
            if k == 0 or np.min(np.linalg.norm(pts[:k] - c, axis=1)) >= delta:
                pts[k] = c
                k += 1
                if k == n:
                    break
        tries += 1
        if tries > max_tries:
            raise ValueError(
                f"could not place {n} points with separation {delta} on S^{d - 1} "
                f"(placed {k}); lower delta or raise d"
            )
    return pts


def lift(X) -> np.ndarray:
    """x -> (x, 1)/||(x, 1)||: adds a bias coordinate. For unit x, <x~_i, x~_j> = (1 + <x_i, x_j>)/2 >= 0,
    so no two lifted points are closer than sqrt(2) to being antipodal: ||x~_i + x~_j|| >= sqrt(2)."""
    X = np.asarray(X, dtype=np.float64)
    return normalize_rows(np.hstack([X, np.ones((X.shape[0], 1))]))




# ------------------------------------------------------------------------- E10: a pair at separation delta
def near_duplicate_sphere(n: int, d: int, delta: float, rng: np.random.Generator | None = None) -> np.ndarray:
    """n points on S^{d-1}: n - 1 i.i.d. uniform points (``data.sphere_points``) and, as the last row, a
    near-duplicate of the first point at Euclidean distance exactly ``delta``:
    x' = cos(theta) x_0 + sin(theta) u with u a uniform unit vector orthogonal to x_0 and
    theta = 2 arcsin(delta / 2), so ||x' - x_0|| = 2 sin(theta / 2) = delta.

    The draws come from ``rng`` in a fixed order (the n - 1 points, then u) that does not depend on delta:
    with a fresh generator of the same seed for each delta, only the pair's separation changes across a
    sweep. The data set's separation in the sense of Assumption 1 is ``data.min_separation(X, antipodal=True)``,
    which equals delta once delta is below the other pairs' separations."""
    if n < 2:
        raise ValueError(f"need n >= 2 for a pair, got n={n}")
    if d < 2:
        raise ValueError(f"need d >= 2 for a near-duplicate on the sphere, got d={d}")
    if not 0 < delta < 2:
        raise ValueError(f"delta must lie in (0, 2), got {delta}")
    rng = rng if rng is not None else np.random.default_rng(0)
    base = sphere_points(n - 1, d, rng=rng)
    x0 = base[0]
    u = rng.standard_normal(d)
    u = u - (u @ x0) * x0
    u = u / np.linalg.norm(u)
    theta = 2 * math.asin(delta / 2)
    xp = math.cos(theta) * x0 + math.sin(theta) * u
    return normalize_rows(np.vstack([base, xp]))
