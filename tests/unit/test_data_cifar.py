"""CIFAR-10/100 loaders on tiny fixtures written here, label noise and the crop-and-flip augmentation."""

import pickle
import tarfile

import numpy as np
import pytest
import torch

from overparam.data.cache import DataUnavailable
from overparam.data.cifar import crop_flip, label_noise, load_cifar, normalize_cifar


def _batch(rng, n, key, classes):
    return {b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
            key: rng.integers(0, classes, size=n).tolist(), b"batch_label": b"fixture"}


def _write(folder, files):
    folder.mkdir(parents=True)
    for name, obj in files.items():
        (folder / name).write_bytes(pickle.dumps(obj))


@pytest.fixture
def cifar_root(tmp_path):
    rng = np.random.default_rng(0)
    c10 = {f"data_batch_{i}": _batch(rng, 4, b"labels", 10) for i in range(1, 6)}
    c10["test_batch"] = _batch(rng, 3, b"labels", 10)
    _write(tmp_path / "cifar-10" / "cifar-10-batches-py", c10)
    c100 = {"train": _batch(rng, 6, b"fine_labels", 100), "test": _batch(rng, 2, b"fine_labels", 100)}
    src = tmp_path / "src100"
    _write(src, c100)
    (tmp_path / "cifar-100").mkdir()
    with tarfile.open(tmp_path / "cifar-100" / "cifar-100-python.tar.gz", "w:gz") as tf:
        for name in c100:
            tf.add(src / name, arcname=f"cifar-100-python/{name}")
    return tmp_path, c10, c100


def test_cifar10_from_the_extracted_batches(cifar_root):
    root, c10, _ = cifar_root
    X, y = load_cifar("cifar10", root, "train", download=False)
    assert X.dtype == torch.float32 and X.shape == (20, 3, 32, 32) and y.dtype == torch.int64
    raw = np.concatenate([c10[f"data_batch_{i}"][b"data"] for i in range(1, 6)]).reshape(-1, 3, 32, 32)
    assert np.array_equal(X.numpy(), raw.astype(np.float32) / 255)
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    assert y.tolist() == [lab for i in range(1, 6) for lab in c10[f"data_batch_{i}"][b"labels"]]
    Xt, yt = load_cifar("cifar-10", root, "test", download=False)
    assert Xt.shape == (3, 3, 32, 32) and yt.tolist() == c10["test_batch"][b"labels"]
    X2, _ = load_cifar("cifar10", root, "train", download=False)  # from the cache
    assert torch.equal(X, X2)


def test_cifar100_from_the_archive_uses_the_fine_labels(cifar_root):
    root, _, c100 = cifar_root
    X, y = load_cifar("cifar100", root, "train", download=False, use_cache=False)
    assert X.shape == (6, 3, 32, 32) and y.tolist() == c100["train"][b"fine_labels"]
    Xt, _ = load_cifar("cifar100", root, "test", download=False, use_cache=False)
    assert np.array_equal((Xt.numpy() * 255).round().astype(np.uint8).reshape(2, -1), c100["test"][b"data"])


def test_missing_files_say_what_to_put_where(tmp_path):
    with pytest.raises(DataUnavailable, match=r"cifar-100-python\.tar\.gz.*cifar-100"):
        load_cifar("cifar100", tmp_path, download=False)
    with pytest.raises(DataUnavailable, match=r"cifar-10-python\.tar\.gz"):
        load_cifar("cifar10", tmp_path, download=False)
    with pytest.raises(ValueError, match="valid: cifar10, cifar100"):
        load_cifar("svhn", tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_cifar("cifar10", tmp_path, split="val")


@pytest.mark.parametrize("classes", [2, 10, 100])
def test_label_noise_changes_exactly_a_fraction_to_other_classes(classes):
    y = torch.from_numpy(np.random.default_rng(1).integers(0, classes, size=1000))
    yn, idx = label_noise(y, 0.2, classes, seed=5)
    changed = np.nonzero((yn != y).numpy())[0]
    assert len(changed) == 200 and np.array_equal(changed, idx)
    assert int(yn.min()) >= 0 and int(yn.max()) < classes
    yn2, idx2 = label_noise(y, 0.2, classes, seed=5)
    assert torch.equal(yn, yn2) and np.array_equal(idx, idx2)
    assert not torch.equal(label_noise(y, 0.2, classes, seed=6)[0], yn)
    if classes == 10:  # the new class is uniform over the nine others
        shift = ((yn[idx] - y[idx]) % classes).numpy()
        counts = np.bincount(shift, minlength=classes)
        assert counts[0] == 0 and counts[1:].min() > 5


def test_normalize_and_crop_flip():
    X = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    Z = normalize_cifar(X)
    assert torch.allclose(Z[:, 1] * 0.1994 + 0.4822, X[:, 1], atol=1e-6)
    A = crop_flip(X, torch.Generator().manual_seed(1))
    assert A.shape == X.shape
    P = torch.nn.functional.pad(X, (4, 4, 4, 4))
    for i in range(6):  # every output is a 32x32 window of the padded image, flipped or not
        wins = [P[i, :, dy:dy + 32, dx:dx + 32] for dy in range(9) for dx in range(9)]
        hits = [w for w in wins if torch.equal(A[i], w) or torch.equal(A[i], w.flip(-1))]
        assert hits
    assert torch.equal(crop_flip(X, torch.Generator().manual_seed(1)), A)
    assert torch.equal(crop_flip(X, torch.Generator().manual_seed(1), pad=0, flip=False), X)
