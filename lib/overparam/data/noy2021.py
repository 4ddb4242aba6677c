"""Noy et al.'s (2021) data: the Ackley-like synthetic set (Section 6.1), SGEMM (Appendix 9) with its
"put file X at Y" error, and the bundled stand-ins of the quick profile (scikit-learn's diabetes for SGEMM,
scikit-learn's digits for CIFAR-10). Nothing is downloaded here.
"""

from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

import numpy as np

from .cache import DataUnavailable, data_root
from .sphere import normalize_rows

__all__ = [
    "SGEMM_FILE", "SGEMM_PARAMS", "SGEMM_URL", "ackley_like", "digits_split", "load_sgemm", "separation",
    "tabular_split", "write_sgemm_fixture",
]

SGEMM_URL = "https://archive.ics.uci.edu/dataset/440/sgemm+gpu+kernel+performance"
SGEMM_FILE = "sgemm_product.csv"
SGEMM_PARAMS = ["MWG", "NWG", "KWG", "MDIMC", "NDIMC", "MDIMA", "NDIMB", "KWI", "VWM", "VWN",
                "STRM", "STRN", "SA", "SB"]
_SGEMM_RUNS = ["Run1 (ms)", "Run2 (ms)", "Run3 (ms)", "Run4 (ms)"]


def separation(X) -> float:
    """delta = max_{i != j} |x_i^T x_j| of unit-norm rows (Assumption 1; Lemma 4 needs delta <= 1/3)."""
    X = np.asarray(X, float)
    G = np.abs(X @ X.T)
    np.fill_diagonal(G, 0.0)
    return float(G.max())


def ackley_like(n: int = 100, d: int = 200, *, seed: int = 0, labels_on_normalized: bool = True):
    """Section 6.1's "complex version of the Ackley function":
    y_i = sum_{d'=1}^d x_{i,d-d'} (log|x_{i,d'}| (cos x_{i,d'} + x_{i,d'}^3 sin x_{i,d'}) + sqrt|x_{i,d'}|).

    The paper leaves open the distribution of x, whether x is normalised before the labels, what x_{i,0}
    is and what "x^3" means. Choices (the reading notes' defaults): x ~ N(0, I_d) normalised to ||x|| = 1
    (the theory's setting), labels on the normalised x (``labels_on_normalized``), x^3 = x_{i,d'}^3 and the
    cyclic index x_{i,0} = x_{i,d}.

    Returns
    -------
    (X, y) : float64 arrays (n, d) with unit rows and (n, 1).
    """
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((n, d))
    X = normalize_rows(raw)
    U = X if labels_on_normalized else raw
    with np.errstate(divide="ignore"):
        phi = np.log(np.abs(U)) * (np.cos(U) + U ** 3 * np.sin(U)) + np.sqrt(np.abs(U))
    a = np.arange(d)
    partner = U[:, (d - 2 - a) % d]                     # x_{i, d - d'} with 0-based d' - 1 = a, cyclic
    y = (partner * phi).sum(axis=1, keepdims=True)
    return X, y


def tabular_split(n_train: int, n_val: int, *, seed: int = 0):
    """The quick profile's stand-in for SGEMM: scikit-learn's diabetes (442 x 10, bundled), features
    standardised then on the unit sphere, target standardised; a seeded train/validation split."""
    from sklearn.datasets import load_diabetes

    ds = load_diabetes()
    X = ds.data.astype(np.float64)
    X = normalize_rows((X - X.mean(0)) / X.std(0))
    y = ds.target.astype(np.float64)
    y = ((y - y.mean()) / y.std())[:, None]
    idx = np.random.default_rng(seed).permutation(X.shape[0])
    if n_train + n_val > idx.size:
        raise ValueError(f"diabetes has {idx.size} rows; asked for {n_train} + {n_val}")
    tr, va = idx[:n_train], idx[n_train:n_train + n_val]
    return X[tr], y[tr], X[va], y[va]


def digits_split(n_train: int, n_test: int, *, seed: int = 0):
    """The quick profile's stand-in for CIFAR-10: scikit-learn's 8x8 digits (1,797 x 64, bundled), pixels
    centred then rows on the unit sphere, one-hot targets (d_y = 10, the paper's squared loss on one-hot
    labels), a seeded train/test split."""
    from sklearn.datasets import load_digits

    ds = load_digits()
    X = normalize_rows(ds.data - ds.data.mean(0))
    Y = np.eye(10)[ds.target]
    idx = np.random.default_rng(seed).permutation(X.shape[0])
    if n_train + n_test > idx.size:
        raise ValueError(f"digits has {idx.size} rows; asked for {n_train} + {n_test}")
    tr, te = idx[:n_train], idx[n_train:n_train + n_test]
    return X[tr], Y[tr], X[te], Y[te]


def _sgemm_path(root) -> Path:
    base = data_root(root) / "sgemm"
    for name in (SGEMM_FILE, "sgemm+gpu+kernel+performance.zip"):
        if (base / name).exists():
            return base / name
    raise DataUnavailable(
        f"sgemm: missing file {base / SGEMM_FILE}\n  (SGEMM is never downloaded by the book)\n"
        f"  Put the file {SGEMM_FILE!r} (or the archive sgemm+gpu+kernel+performance.zip that contains it) from "
        f"{SGEMM_URL} at {base / SGEMM_FILE} (create the folder {base}); it is read from there.")


def load_sgemm(n_train: int | None = None, n_val: int = 10_000, *, seed: int = 0, root: str | os.PathLike | None = None):
    """SGEMM GPU kernel performance (UCI; 241,600 rows: 14 kernel parameters, 4 runtimes in ms).

    The paper (Appendix 9) states neither inputs, target nor preprocessing. Choices: x = the 14 parameters,
    log2 of the 10 power-of-two ones, standardised, then on the unit sphere; y = log of the mean of the four
    runs, standardised (the UCI page recommends the log); a seeded train/validation split.

    Raises
    ------
    DataUnavailable
        The file is absent from ``<data>/sgemm/``: the message says which file to put where.
    """
    path = _sgemm_path(root)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z, z.open(SGEMM_FILE) as f:
            rows = list(csv.reader(line.decode() for line in f))
    else:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    head, body = rows[0], np.asarray(rows[1:], dtype=np.float64)
    cols = {h.strip(): i for i, h in enumerate(head)}
    X = body[:, [cols[p] for p in SGEMM_PARAMS]]
    X[:, :10] = np.log2(X[:, :10])
    sd = X.std(0)
    X = normalize_rows((X - X.mean(0)) / np.where(sd > 0, sd, 1.0))
    y = np.log(body[:, [cols[r] for r in _SGEMM_RUNS]].mean(1))
    y = ((y - y.mean()) / y.std())[:, None]
    idx = np.random.default_rng(seed).permutation(X.shape[0])
    va = idx[:n_val]
    tr = idx[n_val:] if n_train is None else idx[n_val:n_val + n_train]
    return X[tr], y[tr], X[va], y[va]


def write_sgemm_fixture(root: str | os.PathLike, n: int = 64, seed: int = 0) -> Path:
    """A small file in SGEMM's format (the parameters drawn from their value grids, synthetic runtimes) for
    tests of the loader and of the paper profile's code path."""
    rng = np.random.default_rng(seed)
    grids = {"MWG": [16, 32, 64, 128], "NWG": [16, 32, 64, 128], "KWG": [16, 32], "MDIMC": [8, 16, 32],
             "NDIMC": [8, 16, 32], "MDIMA": [8, 16, 32], "NDIMB": [8, 16, 32], "KWI": [2, 8], "VWM": [1, 2, 4, 8],
             "VWN": [1, 2, 4, 8], "STRM": [0, 1], "STRN": [0, 1], "SA": [0, 1], "SB": [0, 1]}
    path = Path(root) / "sgemm" / SGEMM_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(SGEMM_PARAMS + _SGEMM_RUNS)
        for _ in range(n):
            p = [int(rng.choice(grids[k])) for k in SGEMM_PARAMS]
            base = 13 + 3000 * rng.random()
            w.writerow(p + [f"{base * (1 + 0.01 * rng.standard_normal()):.2f}" for _ in range(4)])
    return path
