import numpy as np
import pytest

from overparam import data


@pytest.mark.parametrize("n,d,delta", [(50, 10, 0.3), (200, 5, 0.2), (30, 3, 0.5)])
def test_sphere_points_meet_their_separation(n, d, delta):
    X = data.sphere_points(n, d, delta=delta, rng=np.random.default_rng(0))
    assert X.shape == (n, d)
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0)
    assert data.min_separation(X) >= delta


def test_separation_brute_force():
    X = data.sphere_points(20, 4, rng=np.random.default_rng(1))
    brute = min(np.linalg.norm(X[i] - X[j]) for i in range(20) for j in range(i + 1, 20))
    assert data.min_separation(X) == pytest.approx(brute, abs=1e-7)
    X[3] = -X[7]
    assert data.min_separation(X, antipodal=True) == pytest.approx(0.0, abs=1e-7)


def test_impossible_separation_is_a_clear_error():
    with pytest.raises(ValueError, match="could not place"):
        data.sphere_points(100, 2, delta=0.5, rng=np.random.default_rng(0), max_tries=50)
    with pytest.raises(ValueError, match="diameter"):
        data.sphere_points(3, 3, delta=2.5)


def test_lift_removes_antipodal_pairs():
    X = data.sphere_points(10, 3, rng=np.random.default_rng(2))
    X = np.vstack([X, -X[:1]])
    L = data.lift(X)
    assert np.allclose(np.linalg.norm(L, axis=1), 1)
    assert (L @ L.T).min() > -1e-12
    sums = np.linalg.norm(L[:, None, :] + L[None, :, :], axis=2)
    assert sums.min() >= np.sqrt(2) - 1e-12
    assert data.min_separation(X, antipodal=True) < 1e-7 < data.min_separation(L, antipodal=True)


def test_bundled_loaders():
    X, y = data.load_digits_binary(classes=(0, 1), n=50, seed=0)
    assert X.shape == (50, 64) and set(np.unique(y)) == {-1.0, 1.0}
    assert np.allclose(np.linalg.norm(X, axis=1), 1)
    X2, _ = data.load_digits_binary(classes=(0, 1), n=50, seed=1)
    assert not np.allclose(X, X2)  # the seed shuffles
    Xd, yd = data.load_diabetes_regression()
    assert Xd.shape == (442, 10) and abs(yd.mean()) < 1e-12 and yd.std() == pytest.approx(1)
    Xb, _yb = data.load_breast_cancer_binary(n=100)
    assert Xb.shape == (100, 30)
    Xm, ym, _, _ = data.load_mnist(300, 0, source="bundled", normalization="centered_sphere", seed=0)
    assert Xm.shape == (300, 784) and len(np.unique(ym)) == 10  # shuffled, not sorted by class
    assert np.allclose(np.linalg.norm(Xm, axis=1), 1, atol=1e-5) and (Xm < 0).any()  # centred, then on the sphere
    with pytest.raises(ValueError, match="only"):
        data.load_digits_binary(n=10_000)


def test_the_default_data_root_is_the_repository_data_folder(monkeypatch):
    # the folder data/README.md documents and the "put file X at Y" errors name
    from pathlib import Path

    from overparam.data.cache import data_root

    monkeypatch.delenv("OVERPARAM_DATA", raising=False)
    root = data_root()
    assert (root / "README.md").is_file() and root.parent == Path(__file__).resolve().parents[2]
