"""The download cache of the paper profile's data sets, with its "put file X at Y" error.

The quick profile never downloads. The paper profile reads its data sets from ``data/`` (or
``$OVERPARAM_DATA``); a file that is absent is downloaded when the network allows, and otherwise
``DataUnavailable`` says which file to put where. Parsed arrays are cached as ``.npz`` keyed by their
parameters.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
from pathlib import Path

import numpy as np

__all__ = ["SOURCES", "DataUnavailable", "data_root"]


class DataUnavailable(FileNotFoundError):
    """A dataset file is missing and could not be downloaded; the message says what to put where."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    """``root``, else $OVERPARAM_DATA, else the repository's ``data/`` folder."""
    if root is not None:
        return Path(root)
    env = os.environ.get("OVERPARAM_DATA")
    if env:
        return Path(env)
    # lib/overparam/data/cache.py -> the repository root is three folders up
    return Path(__file__).resolve().parents[3] / "data"


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
    "cifar-100": {"files": ["cifar-100-python.tar.gz"], "url": "https://www.cs.toronto.edu/~kriz/"},
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


