"""The papers' real data sets at their protocols: CIFAR-10, California housing, IMDB.

Each loader reads the original files from the cache (``overparam.data.cache``), subsamples with a seeded
generator and normalises as the paper did. Tested on small fixture files in ``data/fixtures``. MNIST and
Fashion-MNIST are in ``overparam.data.mnist`` (one loader, the normalisation a named parameter).
"""

from __future__ import annotations

import re
import tarfile
from collections import Counter

import numpy as np

from .cache import _cached, _need, data_root
from .mnist import _split, normalize_pixels

__all__ = ["CALIFORNIA_NUMERIC", "CALIFORNIA_OCEAN", "CALIFORNIA_TARGET", "load_california_housing", "load_cifar10", "load_imdb"]


def load_cifar10(n_train: int = 2560, n_test: int = 2560, *, seed: int = 0, root=None,
                 download: bool = True, use_cache: bool = True):
    """CIFAR-10 as in Section 5.2: 2,560 random training and 2,560 random test images, normalised with
    mean 0.5 / std 0.5. Reads data/cifar-10/cifar-10-python.tar.gz (or an extracted
    cifar-10-batches-py/ beside it). Returns float32 X (n, 3, 32, 32), int64 labels, X_test, labels_test."""
    from .cifar import cifar_pixels

    raw = {}
    raw["Xtr"], raw["ytr"] = cifar_pixels("cifar10", root, "train", download=download, use_cache=use_cache)
    raw["Xte"], raw["yte"] = cifar_pixels("cifar10", root, "test", download=download, use_cache=use_cache)
    rng = np.random.default_rng(seed)
    tr, _ = _split(raw["Xtr"].shape[0], n_train, rng)
    te, _ = _split(raw["Xte"].shape[0], n_test, rng)
    return (normalize_pixels(raw["Xtr"][tr], "half"), raw["ytr"][tr], normalize_pixels(raw["Xte"][te], "half"),
            raw["yte"][te])


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


