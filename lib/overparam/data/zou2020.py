"""Zou, Cao, Zhou & Gu (2020): binary data on the sphere with a bias coordinate and a controlled phi.

Assumption 3.4: ||x_i|| = 1 and the last coordinate x_{i,d} = mu (the only bias of the network).
Assumption 3.5: inputs with different labels are at least phi apart; same-label pairs may coincide.
The generators (float64 numpy, an explicit ``numpy.random.Generator``) all return ``ZouData`` with the
*measured* phi (the minimum cross-label distance), which is what every prediction uses:

* ``phi_pairs``: n/2 anchors, each with an opposite-label partner at distance exactly phi; the anchors are
  far enough apart that phi is the minimum cross-label distance, so phi is controlled exactly;
* ``rejection``: uniform points with random labels, a point rejected when within phi of an opposite label;
* ``margin``: labels y = sign<u, z> from a hidden direction, points kept at margin >= gamma, so every
  cross-label pair is at least 2 gamma apart whatever n is (the paper's "data distributions with margin");
* ``with_duplicates``: same-label copies appended: the Gram matrix becomes singular, phi does not change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .sphere import min_separation, normalize_rows

__all__ = ["ZouData", "margin", "min_cross_label_distance", "phi_pairs", "rejection", "with_duplicates"]


@dataclass(frozen=True)
class ZouData:
    """A training set of Zou et al.'s setting.

    Attributes
    ----------
    X : numpy.ndarray
        (n, d) inputs, unit norm, last coordinate mu.
    y : numpy.ndarray
        (n,) labels in {-1, +1}.
    phi : float
        The measured minimum distance between inputs of different labels (Assumption 3.5).
    mu : float
        The bias coordinate.
    delta : float
        The minimum distance over *all* pairs (Allen-Zhu et al.'s separation; 0 with duplicates).
    """

    X: np.ndarray
    y: np.ndarray
    phi: float
    mu: float
    delta: float


def min_cross_label_distance(X, y) -> float:
    """min ||x_i - x_j|| over pairs with y_i != y_j (Assumption 3.5's phi), in float64.

    Parameters
    ----------
    X : array-like
        (n, d) inputs.
    y : array-like
        (n,) labels; at least one of each sign.

    Returns
    -------
    float
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    pos, neg = X[y > 0], X[y <= 0]
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("both labels are needed for a cross-label distance")
    D = (pos**2).sum(1)[:, None] + (neg**2).sum(1)[None, :] - 2 * pos @ neg.T
    return float(np.sqrt(max(D.min(), 0.0)))


def _finish(Z: np.ndarray, y: np.ndarray, mu: float) -> ZouData:
    X = np.hstack([Z, np.full((len(Z), 1), mu)])
    return ZouData(X=X, y=y.astype(np.float64), phi=min_cross_label_distance(X, y), mu=mu,
                   delta=min_separation(X))


def _check(n: int, d: int, mu: float) -> float:
    if n < 2 or d < 3:
        raise ValueError(f"need n >= 2 and d >= 3, got n={n}, d={d}")
    if not 0 < mu < 1:
        raise ValueError(f"mu must be in (0, 1), got {mu}")
    return math.sqrt(1 - mu**2)


def phi_pairs(n: int, d: int, phi: float, rng: np.random.Generator, *, mu: float = 0.5,
              anchor_sep: float | None = None, max_tries: int = 100_000) -> ZouData:
    """n/2 anchor points, each with an opposite-label partner at distance exactly phi.

    The non-bias parts z live on the sphere of radius r = sqrt(1 - mu^2) in R^{d-1}. Anchors are drawn
    uniformly and rejected when closer than ``anchor_sep`` to an accepted one; anchor k's partner is
    cos(theta) z_k + sin(theta) r t_k with t_k a random unit tangent at z_k and theta = 2 asin(phi/(2r)),
    the chord of length phi. With anchor_sep > 2 phi every other cross-label pair is farther than phi, so
    the minimum cross-label distance is phi (to rounding). The anchors' labels are balanced and shuffled.

    Parameters
    ----------
    n : int
        Even number of points.
    d : int
        Input dimension, the bias coordinate included.
    phi : float
        The separation, 0 < phi < 2r.
    rng : numpy.random.Generator
    mu : float
        The bias coordinate (Assumption 3.4).
    anchor_sep : float, optional
        Minimum distance between anchors; default max(0.6, 2 phi + 0.1).
    max_tries : int
        Candidate anchors drawn before giving up.

    Returns
    -------
    ZouData

    Raises
    ------
    ValueError
        n odd, phi out of range, anchor_sep <= 2 phi, or the anchors do not fit.
    """
    r = _check(n, d, mu)
    if n % 2:
        raise ValueError(f"phi_pairs needs an even n, got {n}")
    if not 0 < phi < 2 * r:
        raise ValueError(f"phi must be in (0, 2 sqrt(1 - mu^2)) = (0, {2 * r:.3f}), got {phi}")
    anchor_sep = max(0.6, 2 * phi + 0.1) if anchor_sep is None else anchor_sep
    if anchor_sep <= 2 * phi:
        raise ValueError(f"anchor_sep = {anchor_sep} must exceed 2 phi = {2 * phi} for phi to be exact")
    K = n // 2
    anchors: list[np.ndarray] = []
    tries = 0
    while len(anchors) < K:
        tries += 1
        if tries > max_tries:
            raise ValueError(f"could not place {K} anchors {anchor_sep} apart in dimension {d - 1}")
        z = r * normalize_rows(rng.standard_normal((1, d - 1)))[0]
        if all(np.linalg.norm(z - a) >= anchor_sep for a in anchors):
            anchors.append(z)
    A = np.array(anchors)
    T = rng.standard_normal((K, d - 1))
    T -= ((T * A).sum(1) / (r * r))[:, None] * A
    T = normalize_rows(T)
    theta = 2 * math.asin(phi / (2 * r))
    P = math.cos(theta) * A + math.sin(theta) * r * T
    ya = rng.permutation(np.resize([1.0, -1.0], K))
    return _finish(np.vstack([A, P]), np.concatenate([ya, -ya]), mu)


def rejection(n: int, d: int, phi: float, rng: np.random.Generator, *, mu: float = 0.5,
              max_tries: int = 1_000_000) -> ZouData:
    """Uniform points with fair random labels; a point within phi of an opposite-label point is redrawn.

    Parameters
    ----------
    n, d : int
    phi : float
        The separation enforced (the measured phi is at least this).
    rng : numpy.random.Generator
    mu : float
    max_tries : int

    Returns
    -------
    ZouData
    """
    r = _check(n, d, mu)
    Z, y = [], []
    tries = 0
    while len(Z) < n:
        tries += 1
        if tries > max_tries:
            raise ValueError(f"could not place {n} points with cross-label distance >= {phi}")
        z = r * normalize_rows(rng.standard_normal((1, d - 1)))[0]
        label = (1.0, -1.0)[len(Z)] if len(Z) < 2 else float(rng.choice([-1.0, 1.0]))  # both labels present
        if all(np.linalg.norm(z - w) >= phi for w, lw in zip(Z, y) if lw != label):
            Z.append(z)
            y.append(label)
    return _finish(np.array(Z), np.array(y), mu)


def margin(n: int, d: int, gamma: float, rng: np.random.Generator, *, mu: float = 0.5,
           max_tries: int = 1_000_000) -> ZouData:
    """Labels from a hidden direction u, y = sign<u, z>, with every point at margin |<u, z>| >= gamma.

    Any two points of different labels are at least 2 gamma apart (their projections on u are), so phi
    >= 2 gamma for every n, while the all-pairs distance shrinks as n grows.

    Parameters
    ----------
    n, d : int
    gamma : float
        The margin, 0 < gamma < sqrt(1 - mu^2).
    rng : numpy.random.Generator
    mu : float
    max_tries : int

    Returns
    -------
    ZouData
    """
    r = _check(n, d, mu)
    if not 0 < gamma < r:
        raise ValueError(f"gamma must be in (0, {r:.3f}), got {gamma}")
    u = normalize_rows(rng.standard_normal((1, d - 1)))[0]
    Z: list[np.ndarray] = []
    tries = 0
    while len(Z) < n:
        tries += 1
        if tries > max_tries:
            raise ValueError(f"margin {gamma} too large to draw {n} points")
        z = r * normalize_rows(rng.standard_normal((1, d - 1)))[0]
        if abs(z @ u) >= gamma:
            Z.append(z)
    Z = np.array(Z)
    y = np.where(Z @ u > 0, 1.0, -1.0)
    if len(set(y)) < 2:
        raise ValueError("all points fell on one side; draw again with another rng")
    return _finish(Z, y, mu)


def with_duplicates(data: ZouData, k: int, rng: np.random.Generator) -> ZouData:
    """Append exact copies of k distinct points with their own labels.

    phi (a cross-label distance) is unchanged, the all-pairs separation becomes 0 and any Gram matrix
    of the inputs becomes singular.

    Parameters
    ----------
    data : ZouData
    k : int
        Number of copies, 1 <= k <= n.
    rng : numpy.random.Generator

    Returns
    -------
    ZouData
    """
    n = len(data.y)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n}, got {k}")
    idx = rng.choice(n, size=k, replace=False)
    X = np.vstack([data.X, data.X[idx]])
    y = np.concatenate([data.y, data.y[idx]])
    return ZouData(X=X, y=y, phi=min_cross_label_distance(X, y), mu=data.mu, delta=0.0)
