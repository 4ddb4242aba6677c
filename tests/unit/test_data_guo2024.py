"""overparam.data for Guo et al.: the synthetic set against its formula; the loaders on tiny fixture files."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from overparam import data as dg

FIX = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "guo2024"


def test_label_formula_by_hand():
    x = np.array([[0.1, -0.2, 0.3, 0.4, -0.5], [1.0, 0.5, -1.0, 0.2, -2.0]])
    for row, y in zip(x, dg.synthetic_labels(x)):
        x1, x2, x3, x4, x5 = row
        expect = (np.sin(10 * x1 + 20 * x2**3) + np.cos(3 * x3 + 5 * x4**2)
                  + 2 / (1 + max(0.05 + x5, 0.0)) ** 0.5 + 2 * x1 * x5)
        assert y == pytest.approx(expect, abs=1e-14)
    with pytest.raises(ValueError):
        dg.synthetic_labels(np.zeros((3, 4)))


def test_synthetic_modes_share_draws_and_labels():
    d = {m: dg.synthetic(200, 50, m, seed=3) for m in dg.MODES}
    assert np.array_equal(d["raw"].X, d["raw"].X_raw)
    for m in dg.MODES:
        assert np.array_equal(d[m].y, d["raw"].y)
        assert np.array_equal(d[m].X_raw, d["raw"].X_raw)
    assert np.allclose(np.linalg.norm(d["sphere"].X, axis=1), 1)
    assert np.allclose(np.linalg.norm(d["lift"].X, axis=1), 1)
    assert d["lift"].X.shape[1] == 6
    # lifted inputs: x_i + x_j has last coordinate 1/|(x_i,1)| + 1/|(x_j,1)|, so no (near-)antipodes
    Z = d["lift"].X
    bound = 2 * Z[:, -1].min()
    S = np.linalg.norm(Z[:, None, :] + Z[None, :, :], axis=-1)
    assert S.min() >= bound - 1e-12 and d["lift"].delta_pm >= min(d["lift"].delta, bound) - 1e-12
    assert np.allclose(Z[:, :5] / Z[:, 5:], d["lift"].X_raw)  # x is recoverable from the lift
    # on the sphere, antipodal pairs are allowed: delta_pm can only be smaller
    assert d["sphere"].delta_pm <= d["sphere"].delta
    # noise: variance 0.01 by default
    resid = d["raw"].y - dg.synthetic_labels(d["raw"].X_raw)
    assert 0.05 < resid.std() < 0.15
    std_mode = dg.synthetic(200, 50, "raw", seed=3, noise="std")
    assert (std_mode.y - dg.synthetic_labels(std_mode.X_raw)).std() < 0.02


def test_separation_brute_force():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    X[7] = -X[2] * 1.0001
    brute = min(np.linalg.norm(X[i] - X[j]) for i in range(30) for j in range(30) if i != j)
    brute_pm = min(min(np.linalg.norm(X[i] - X[j]), np.linalg.norm(X[i] + X[j]))
                   for i in range(30) for j in range(30) if i != j)
    d, dpm = dg.separation(X)
    assert d == pytest.approx(brute) and dpm == pytest.approx(brute_pm)
    assert dpm < 0.01 < d


def test_raw_inputs_reach_the_papers_delta_but_sphere_inputs_do_not():
    """Notes §5.1: delta = 0.21 at n = 1000 is plausible for raw draws only (a check that could fail)."""
    raw = [dg.synthetic(1000, 0, "raw", seed=s).delta for s in range(4)]
    sph = [dg.synthetic(1000, 0, "sphere", seed=s).delta for s in range(4)]
    assert max(sph) < 0.1 < np.median(raw)


def test_mode_errors():
    with pytest.raises(ValueError, match="raw, sphere, lift"):
        dg.synthetic(10, 0, "unit")


def test_fmnist_and_mnist_from_fixture():
    X, y, Xt, _yt = dg.load_fmnist(12, root=FIX, download=False, use_cache=False)
    assert X.shape == (12, 784) and Xt.shape == (8, 784) and X.dtype == np.float32
    assert X.min() == pytest.approx(-1.0) and X.max() <= 1.0  # (x/255 - 0.5)/0.5
    assert set(y) <= set(range(10))
    X2, _y2, Xt2, _yt2 = dg.load_fmnist(12, root=FIX, download=False, use_cache=False, test_split="official")
    assert np.array_equal(X, X2) and Xt2.shape == (8, 784)
    Xm, _ym, Xmt, _ = dg.load_mnist(5, n_test=3, source="idx", normalization="mnist_stats", root=FIX, download=False,
                                   use_cache=False)
    assert Xm.shape == (5, 784) and Xmt.shape == (3, 784)
    assert Xm.min() == pytest.approx(-0.1307 / 0.3081, rel=1e-5)
    with pytest.raises(ValueError):
        dg.load_fmnist(100, root=FIX, download=False, use_cache=False)


def test_one_mnist_loader_normalisations_by_name():
    """The same images under each named normalisation, from the raw bytes of the IDX fixture."""
    from overparam.data.cache import _read_idx

    raw = _read_idx(FIX / "mnist" / "train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float64)
    order = np.random.default_rng(7).permutation(20)
    for name, expect in [("pixels", raw / 255), ("half", (raw / 255 - 0.5) / 0.5),
                         ("mnist_stats", (raw / 255 - 0.1307) / 0.3081)]:
        X, *_ = dg.load_mnist(6, 0, source="idx", normalization=name, seed=7, root=FIX, download=False,
                              use_cache=False, dtype=np.float64)
        assert np.allclose(X, expect[order[:6]]), name
    Xs, _, Xst, _ = dg.load_mnist(6, 4, source="idx", normalization="centered_sphere", seed=7, root=FIX,
                                  download=False, use_cache=False, dtype=np.float64)
    assert np.allclose(np.linalg.norm(Xs, axis=1), 1) and np.allclose(np.linalg.norm(Xst, axis=1), 1)
    centred = raw[order[:6]] / 255 - (raw[order[:6]] / 255).mean(0)  # centred by the training rows only
    assert np.allclose(Xs, centred / np.linalg.norm(centred, axis=1, keepdims=True))
    with pytest.raises(ValueError, match="pixels, half, mnist_stats, centered_sphere"):
        dg.load_mnist(2, 0, source="idx", normalization="zscore", root=FIX, download=False, use_cache=False)
    with pytest.raises(ValueError, match="bundled, idx"):
        dg.load_mnist(2, 0, source="torchvision")


def test_one_mnist_loader_bundled_subset():
    X, y, Xt, yt = dg.load_mnist(50, 20, source="bundled", normalization="half", seed=0)
    assert X.shape == (50, 784) and Xt.shape == (20, 784) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == pytest.approx(-1.0) and X.max() == pytest.approx(1.0)
    Xa, ya, _, _ = dg.load_mnist(None, 0, source="bundled", normalization="half", seed=0)
    assert Xa.shape == (5000, 784) and np.array_equal(Xa[:50], X) and np.array_equal(ya[50:70], yt)  # "the rest"
    _X3, y3, _, _ = dg.load_mnist(30, 0, source="bundled", classes=(3, 8), seed=1)
    assert set(y3) == {3, 8}
    with pytest.raises(ValueError, match="no official test split"):
        dg.load_mnist(10, 10, source="bundled", test_split="official")
    # Oymak & Soltanolkotabi's pixels: float64 in [0, 1]
    Xn, _, _, _ = dg.load_mnist(None, 0, source="bundled", normalization="pixels", seed=2, dtype=np.float64)
    assert Xn.dtype == np.float64 and Xn.min() >= 0 and Xn.max() <= 1 and Xn.shape == (5000, 784)


def test_mnist_idx_missing_says_what_to_put_where(tmp_path):
    with pytest.raises(dg.DataUnavailable) as e:
        dg.load_mnist(10, source="idx", root=tmp_path, download=False)
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(tmp_path / "mnist") in msg and "http" in msg


def test_cache_round_trip(tmp_path):
    shutil.copytree(FIX / "fashion-mnist", tmp_path / "fashion-mnist")
    a = dg.load_fmnist(10, root=tmp_path, download=False, use_cache=True, seed=1)
    assert list((tmp_path / "cache").glob("fashion-mnist-*.npz"))
    (tmp_path / "fashion-mnist" / "train-images-idx3-ubyte.gz").write_bytes(b"")  # cache must be used
    b = dg.load_fmnist(10, root=tmp_path, download=False, use_cache=True, seed=1)
    for u, v in zip(a, b):
        assert np.array_equal(u, v)


def test_cifar10_from_fixture_tarball():
    X, y, Xt, yt = dg.load_cifar10(6, 3, root=FIX, download=False, use_cache=False)
    assert X.shape == (6, 3, 32, 32) and Xt.shape == (3, 3, 32, 32)
    assert set(y) <= set(range(10)) and set(yt) <= {0, 1, 2, 3}
    assert X.min() == pytest.approx(-1.0)


def test_california_from_fixture():
    X, y, Xt, yt = dg.load_california_housing(5, root=FIX, download=False)
    assert X.shape == (15, 13) and Xt.shape == (5, 13)
    Xa = np.vstack([X, Xt])
    assert np.allclose(Xa[:, :8].mean(0), 0, atol=1e-12) and np.allclose(Xa[:, :8].std(0), 1)
    assert np.allclose(Xa[:, 8:].sum(1), 1)  # one-hot ocean_proximity
    ya = np.concatenate([y, yt])
    assert ya.mean() == pytest.approx(0, abs=1e-12) and ya.std() == pytest.approx(1)
    Xd, *_ = dg.load_california_housing(5, root=FIX, download=False, impute="drop")
    assert Xd.shape[0] == 14  # the one row without total_bedrooms dropped


def test_imdb_from_fixture():
    X, y, Xt, yt = dg.load_imdb(6, vocab_size=8, seq_len=5, root=FIX, download=False, use_cache=False)
    assert X.shape == (6, 5) and X.dtype == np.int64 and X.max() < 8
    assert Xt.shape == (2 + 4, 5)  # "rest": 2 train reviews left plus the 4 test reviews
    assert set(np.concatenate([y, yt])) <= {0.0, 1.0}
    _, _, Xo, _ = dg.load_imdb(6, vocab_size=8, seq_len=5, root=FIX, download=False, use_cache=False,
                               test_split="official")
    assert Xo.shape[0] == 4
    # "great" is the most frequent training word of the fixture, so it gets index 2
    Xa, ya, _, _ = dg.load_imdb(8, vocab_size=8, seq_len=30, root=FIX, download=False, use_cache=False)
    assert (Xa[ya == 1] == 2).sum() >= 6


def test_missing_file_message(tmp_path):
    with pytest.raises(dg.DataUnavailable) as e:
        dg.load_fmnist(10, root=tmp_path, download=False)
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(tmp_path / "fashion-mnist") in msg and "http" in msg
    with pytest.raises(dg.DataUnavailable, match="housing.csv"):
        dg.load_california_housing(root=tmp_path, download=False)
    with pytest.raises(dg.DataUnavailable, match="aclImdb_v1.tar.gz"):
        dg.load_imdb(root=tmp_path, download=False)
    with pytest.raises(dg.DataUnavailable, match="cifar-10-python.tar.gz"):
        dg.load_cifar10(root=tmp_path, download=False)


def test_regression_split_diabetes_is_standardised_and_lifted():
    X, y, Xt, yt = dg.regression_split("diabetes", 100, 50, rng=np.random.default_rng(0))
    assert X.shape == (100, 11) and Xt.shape == (50, 11)
    assert np.allclose(np.linalg.norm(X, axis=1), 1) and np.allclose(np.linalg.norm(Xt, axis=1), 1)
    assert abs(np.concatenate([y, yt]).mean()) < 0.2
    with pytest.raises(ValueError, match="unknown regression source"):
        dg.regression_split("boston", 10, 10, rng=np.random.default_rng(0))


def test_classification_split_subset_and_real_format(tmp_path):
    X, y, Xt, _yt = dg.classification_split("subset", 50, 20, seed=0)
    assert X.shape == (50, 784) and Xt.shape == (20, 784) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-5)
    Xh, yh, _, _ = dg.load_mnist(50, 20, source="bundled", normalization="half", seed=0, dtype=np.float64)
    assert np.array_equal(y, yh) and np.allclose(X, Xh / np.linalg.norm(Xh, axis=1, keepdims=True), atol=1e-6)
    shutil.copytree(FIX / "fashion-mnist", tmp_path / "fashion-mnist")
    Xf, _yf, _Xft, _ = dg.classification_split("fmnist", 12, None, seed=0, root=tmp_path)
    assert Xf.shape[0] == 12 and np.allclose(np.linalg.norm(Xf, axis=1), 1, atol=1e-5)
    with pytest.raises(ValueError, match="unknown classification data"):
        dg.classification_split("svhn", 1, 1, seed=0)
