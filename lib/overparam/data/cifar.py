"""CIFAR-10 and CIFAR-100 from their python-pickle batches, label noise, and the crop-and-flip augmentation.

``load_cifar(name, root=None, split="train")`` reads ``data/cifar-10/`` or ``data/cifar-100/`` (the
archive ``cifar-10-python.tar.gz`` / ``cifar-100-python.tar.gz`` from https://www.cs.toronto.edu/~kriz/, or
its extracted folder ``cifar-10-batches-py/`` / ``cifar-100-python/`` beside it), downloading the archive
when the network allows and otherwise raising ``DataUnavailable`` with the file and the folder. It returns
float32 images (N, 3, 32, 32) in [0, 1] and int64 labels (CIFAR-100's 100 fine labels).

``label_noise`` changes a fixed fraction of labels, each to a uniformly drawn *different* class (Allen-Zhu,
Li & Song's Figures 5-7: "randomly perturbed 20% of the true labels"; the paper does not say whether a
perturbed label may stay the same, so here it may not). ``normalize_cifar`` is the per-channel
standardisation of the training code the paper used ([58]), ``crop_flip`` its augmentation (4-pixel
zero-padded random crop and a random horizontal flip), on a batch of tensors with a named generator.
"""

from __future__ import annotations

import pickle
import tarfile

import numpy as np
import torch

from .cache import _cached, _need, data_root

__all__ = ["CIFAR", "CIFAR_MEAN", "CIFAR_STD", "cifar_pixels", "crop_flip", "label_noise", "load_cifar", "normalize_cifar"]

#: The two sets: folder under data/, archive, extracted folder, pickle names per split, label key, classes.
CIFAR = {
    "cifar10": {"folder": "cifar-10", "archive": "cifar-10-python.tar.gz", "extracted": "cifar-10-batches-py",
                "train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"],
                "label": b"labels", "classes": 10},
    "cifar100": {"folder": "cifar-100", "archive": "cifar-100-python.tar.gz", "extracted": "cifar-100-python",
                 "train": ["train"], "test": ["test"], "label": b"fine_labels", "classes": 100},
}

#: [58]'s per-channel normalisation (its cifar.py uses these for both sets).
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2023, 0.1994, 0.2010)


def _spec(name: str) -> dict:
    key = name.lower().replace("-", "").replace("_", "")
    if key not in CIFAR:
        raise ValueError(f"unknown CIFAR set {name!r}; valid: {', '.join(CIFAR)}")
    return CIFAR[key]


def load_cifar(name: str, root=None, split: str = "train", *, download: bool = True,
               use_cache: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """One split of CIFAR-10 or CIFAR-100, as float32 images in [0, 1] and int64 labels.

    Parameters
    ----------
    name : {"cifar10", "cifar100"}
        The set ("cifar-10" and "cifar-100" are accepted too).
    root : path, optional
        The data folder (default ``$OVERPARAM_DATA`` or the repository's ``data/``); the files are read from
        ``root/cifar-10/`` or ``root/cifar-100/``.
    split : {"train", "test"}
        50,000 training or 10,000 test images.
    download : bool
        Download the archive when it is missing and the network allows.
    use_cache : bool
        Cache the parsed arrays under ``root/cache/``.

    Returns
    -------
    X : torch.Tensor
        float32 (N, 3, 32, 32), pixel / 255.
    y : torch.Tensor
        int64 (N,), 0..9 or 0..99 (fine labels).

    Raises
    ------
    DataUnavailable
        The archive is absent and could not be downloaded; the message names the file and where to put it.
    """
    X, y = cifar_pixels(name, root, split, download=download, use_cache=use_cache)
    return torch.from_numpy(X.astype(np.float32) / 255.0), torch.from_numpy(y)


def cifar_pixels(name: str, root=None, split: str = "train", *, download: bool = True,
                 use_cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The raw split behind ``load_cifar``: uint8 pixels (N, 3, 32, 32) and int64 labels, as numpy arrays.

    The one reader of the CIFAR pickles: ``load_cifar`` scales these to [0, 1], and
    ``data.datasets.load_cifar10`` (Guo et al.'s subsets) normalises them its own way.
    """
    spec = _spec(name)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = data_root(root)
    extracted = root / spec["folder"] / spec["extracted"]
    src = extracted if extracted.is_dir() else _need(spec["folder"], spec["archive"], root, download)
    wanted = spec[split]

    def build():
        found = {}
        if src.is_dir():
            for fname in wanted:
                if (src / fname).is_file():
                    found[fname] = pickle.loads((src / fname).read_bytes(), encoding="bytes")
        else:
            with tarfile.open(src, "r:gz") as tf:
                for m in tf.getmembers():
                    base = m.name.rsplit("/", 1)[-1]
                    if m.isfile() and base in wanted:
                        found[base] = pickle.loads(tf.extractfile(m).read(), encoding="bytes")
        missing = [f for f in wanted if f not in found]
        if missing:
            raise ValueError(f"{src}: the {split} split needs {wanted}, missing {missing}")
        X = np.concatenate([np.asarray(found[f][b"data"], dtype=np.uint8) for f in wanted]).reshape(-1, 3, 32, 32)
        y = np.concatenate([np.asarray(found[f][spec["label"]]) for f in wanted]).astype(np.int64)
        return {"X": X, "y": y}

    raw = _cached(root, spec["folder"], {"v": 1, "src": str(src), "split": split}, build, use_cache)
    return np.asarray(raw["X"], dtype=np.uint8), np.asarray(raw["y"], dtype=np.int64)


def label_noise(y: torch.Tensor, fraction: float, num_classes: int, *, seed: int) -> tuple[torch.Tensor, np.ndarray]:
    """Change ``round(fraction n)`` labels, chosen at random, each to a uniformly random different class.

    Parameters
    ----------
    y : torch.Tensor
        int64 labels in 0..num_classes-1.
    fraction : float
        Share of labels changed (0.2 in Figures 5-7).
    num_classes : int
        Number of classes (at least 2).
    seed : int
        Seed of ``numpy.random.default_rng`` (which labels, and to what).

    Returns
    -------
    y_noisy : torch.Tensor
        A new label tensor; exactly ``round(fraction n)`` entries differ from ``y``.
    changed : ndarray of int
        The indices changed, sorted.
    """
    if not 0 <= fraction <= 1 or num_classes < 2:
        raise ValueError(f"need 0 <= fraction <= 1 and num_classes >= 2 (got {fraction}, {num_classes})")
    rng = np.random.default_rng(seed)
    n = int(y.shape[0])
    idx = np.sort(rng.choice(n, size=round(fraction * n), replace=False))
    shift = rng.integers(1, num_classes, size=idx.size)  # 1..C-1: never the same class
    out = y.clone()
    out[torch.from_numpy(idx)] = (y[torch.from_numpy(idx)] + torch.from_numpy(shift)) % num_classes
    return out, idx


def normalize_cifar(X: torch.Tensor, mean=CIFAR_MEAN, std=CIFAR_STD) -> torch.Tensor:
    """(X - mean) / std per channel, for images in [0, 1] of shape (N, C, H, W)."""
    m = torch.as_tensor(mean, dtype=X.dtype, device=X.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, dtype=X.dtype, device=X.device).view(1, -1, 1, 1)
    return (X - m) / s


def crop_flip(X: torch.Tensor, generator: torch.Generator | None = None, *, pad: int = 4,
              flip: bool = True) -> torch.Tensor:
    """[58]'s augmentation on a batch: a random crop of the zero-padded image, then a random flip.

    Parameters
    ----------
    X : torch.Tensor
        (N, C, H, W) images.
    generator : torch.Generator, optional
        Draws the offsets and flips (on the CPU).
    pad : int
        Zero padding on each side (RandomCrop(32, padding=4)).
    flip : bool
        Flip each image horizontally with probability 1/2.

    Returns
    -------
    torch.Tensor
        A new batch of the same shape.
    """
    n, _, h, w = X.shape
    P = torch.nn.functional.pad(X, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    rows = (dy.view(n, 1) + torch.arange(h)).to(X.device)  # (n, h)
    cols = (dx.view(n, 1) + torch.arange(w)).to(X.device)  # (n, w)
    if flip:
        f = (torch.rand(n, generator=generator) < 0.5).to(X.device)
        cols = torch.where(f.view(n, 1), cols.flip(1), cols)
    bidx = torch.arange(n, device=X.device).view(n, 1, 1)
    out = P.permute(0, 2, 3, 1)[bidx, rows.view(n, h, 1), cols.view(n, 1, w)]  # (n, h, w, C)
    return out.permute(0, 3, 1, 2).contiguous()
