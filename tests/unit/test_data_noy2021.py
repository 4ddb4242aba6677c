"""Noy et al.'s data: the Ackley-like set, the SGEMM loader on a fixture and its error, the stand-ins."""

import numpy as np
import pytest

from overparam.data import noy2021 as dn
from overparam.data.cache import DataUnavailable


def test_ackley_like_formula_by_loops():
    X, y = dn.ackley_like(5, 7, seed=3)
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0) and y.shape == (5, 1)
    want = np.zeros(5)
    for i in range(5):
        for dp in range(1, 8):                      # 1-based d'
            x = X[i, dp - 1]
            partner = X[i, (7 - dp - 1) % 7]        # x_{i, d - d'}, x_{i,0} = x_{i,d}
            want[i] += partner * (np.log(abs(x)) * (np.cos(x) + x ** 3 * np.sin(x)) + np.sqrt(abs(x)))
    assert np.allclose(y[:, 0], want)
    assert dn.separation(X) <= 1.0


def test_sgemm_missing_says_what_to_put_where(tmp_path):
    with pytest.raises(DataUnavailable) as err:
        dn.load_sgemm(root=tmp_path)
    assert "sgemm_product.csv" in str(err.value) and str(tmp_path / "sgemm") in str(err.value)


def test_sgemm_fixture_round_trip(tmp_path):
    dn.write_sgemm_fixture(tmp_path, n=50)
    X, y, Xv, _yv = dn.load_sgemm(n_train=30, n_val=10, root=tmp_path)
    assert X.shape == (30, 14) and Xv.shape == (10, 14) and y.shape == (30, 1)
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0) and np.isfinite(y).all()


def test_standins():
    X, _y, Xv, _yv = dn.tabular_split(100, 50, seed=1)
    assert X.shape == (100, 10) and Xv.shape == (50, 10) and np.allclose(np.linalg.norm(X, axis=1), 1)
    X, Y, _Xt, _Yt = dn.digits_split(64, 32, seed=1)
    assert X.shape == (64, 64) and Y.shape == (64, 10) and np.allclose(Y.sum(1), 1)
