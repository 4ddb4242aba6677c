import math

import numpy as np
import pytest

from overparam.data import zou2020 as zd


@pytest.mark.parametrize("phi", [0.05, 0.3, 0.5])
def test_phi_pairs_meet_phi_exactly_on_the_sphere_with_bias(phi):
    data = zd.phi_pairs(40, 20, phi, np.random.default_rng(1), mu=0.5)
    assert data.X.shape == (40, 20) and data.X.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(data.X, axis=1), 1.0, atol=1e-14)
    np.testing.assert_array_equal(data.X[:, -1], 0.5)
    assert math.isclose(data.phi, phi, rel_tol=1e-10)
    assert sorted(set(data.y)) == [-1.0, 1.0] and data.y.sum() == 0
    # each anchor's partner is the one at distance phi, with the opposite label
    np.testing.assert_allclose(np.linalg.norm(data.X[:20] - data.X[20:], axis=1), phi, rtol=1e-10)
    np.testing.assert_array_equal(data.y[:20], -data.y[20:])


def test_min_cross_label_distance_matches_brute_force():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((15, 4)), rng.choice([-1.0, 1.0], 15)
    brute = min(np.linalg.norm(X[i] - X[j]) for i in range(15) for j in range(15) if y[i] != y[j])
    assert math.isclose(zd.min_cross_label_distance(X, y), brute, rel_tol=1e-12)


def test_rejection_and_margin_respect_their_separation():
    data = zd.rejection(60, 10, 0.4, np.random.default_rng(3))
    assert data.phi >= 0.4 and set(data.y) == {-1.0, 1.0}
    np.testing.assert_allclose(np.linalg.norm(data.X, axis=1), 1.0, atol=1e-14)
    m = zd.margin(60, 10, 0.1, np.random.default_rng(4))
    assert m.phi >= 0.2 and m.delta < m.phi  # all-pairs distance below the cross-label one


def test_duplicates_keep_phi_and_zero_the_all_pairs_separation():
    data = zd.phi_pairs(20, 8, 0.3, np.random.default_rng(5))
    dup = zd.with_duplicates(data, 4, np.random.default_rng(6))
    assert len(dup.y) == 24 and dup.phi == data.phi and dup.delta == 0.0
    assert np.linalg.matrix_rank(dup.X @ dup.X.T) < 24


def test_bad_arguments_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        zd.phi_pairs(5, 10, 0.3, rng)
    with pytest.raises(ValueError):
        zd.phi_pairs(10, 10, 0.3, rng, anchor_sep=0.5)
    with pytest.raises(ValueError):
        zd.phi_pairs(10, 10, 0.3, rng, mu=1.2)
