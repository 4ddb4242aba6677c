"""overparam.random_features: Sigma~(X) closed form and quadrature against Monte Carlo, the near-duplicate
sampler, the rank fact for Phi (judged on its singular values) and the minimum-norm random-features fit
solved on Phi by SVD."""

import math

import numpy as np
import pytest
import torch

from overparam import data
from overparam.data import min_separation
from overparam.kernels import random_features as rf
from overparam.train import output_layer as rft


def _sphere(n, d, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    return X / X.norm(dim=1, keepdim=True)


@pytest.fixture(autouse=True)
def _one_thread():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def test_arccos_kernel_endpoints_and_values():
    k = rf.arccos1_kernel(torch.tensor([-1.0, 0.0, 1.0]))
    assert torch.allclose(k, torch.tensor([0.0, 1 / (2 * math.pi), 0.5], dtype=torch.float64), atol=1e-15)


@pytest.mark.parametrize("activation", ["relu", "softplus"])
def test_feature_gram_against_monte_carlo(activation):
    X = _sphere(8, 5, 0)
    M = 400_000
    mean, se = rf.feature_gram_mc(X, activation, samples=M, generator=torch.Generator().manual_seed(1))
    exact = rf.output_feature_gram(X, activation)  # closed form (ReLU) or quadrature (softplus)
    z = ((mean - exact).abs() / se.clamp_min(1e-12)).max()
    # 36 distinct entries: a 5-sigma deviation would be a real discrepancy, not chance
    assert float(z) < 5.0
    assert float((mean - exact).abs().max()) < 5e-3


def test_softplus_quadrature_converged_in_nodes():
    X = _sphere(12, 4, 2)
    a = rf.feature_gram_quadrature(X, "softplus", nodes=64)
    b = rf.feature_gram_quadrature(X, "softplus", nodes=128)
    assert float((a - b).abs().max()) < 1e-10


def test_relu_quadrature_is_close_to_closed_form():
    # the kink limits quadrature accuracy (that is why the closed form exists), but it must be close
    X = _sphere(10, 6, 3)
    assert float((rf.feature_gram_quadrature(X, "relu") - rf.relu_feature_gram(X)).abs().max()) < 1e-2


def test_lambda_tilde_is_min_eigenvalue_and_symmetric():
    X = _sphere(15, 6, 4)
    S = rf.output_feature_gram(X, "softplus")
    assert torch.allclose(S, S.T, atol=1e-15)
    assert rf.lambda_tilde(X, "softplus") == pytest.approx(float(torch.linalg.eigvalsh(S)[0]), rel=1e-12)
    assert rf.lambda_tilde(X, "relu") > 0
    with pytest.raises(ValueError):
        rf.output_feature_gram(X, "softplus", method="closed")


@pytest.mark.parametrize("delta", [1e-3, 0.05, 0.7, 1.5])
def test_near_duplicate_hits_delta_exactly(delta):
    X = data.near_duplicate_sphere(30, 10, delta, np.random.default_rng(7))
    assert X.shape == (30, 10)
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-14)
    assert np.linalg.norm(X[0] - X[-1]) == pytest.approx(delta, rel=1e-9, abs=1e-14)
    assert min_separation(X) <= delta * (1 + 1e-9)  # min_separation works from squared distances
    if delta <= 1e-3:  # far below the background's separation: the pair is the data set's delta
        assert min_separation(X, antipodal=True) == pytest.approx(delta, rel=1e-9)


def test_near_duplicate_background_does_not_depend_on_delta():
    A = data.near_duplicate_sphere(20, 5, 0.01, np.random.default_rng(3))
    B = data.near_duplicate_sphere(20, 5, 0.5, np.random.default_rng(3))
    assert np.array_equal(A[:-1], B[:-1])
    with pytest.raises(ValueError):
        data.near_duplicate_sphere(20, 5, 2.5)


@pytest.mark.parametrize("activation", ["relu", "softplus"])
def test_rank_fact_and_interpolation(activation):
    n = 40
    X = _sphere(n, 8, 5)
    y = torch.randn(n, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    g = torch.Generator().manual_seed(8)
    for k in (5, 20, 39):
        f = rft.random_features_fit(X, y, k, activation, g)
        assert not f.full_rank and f.lam_min == 0 and f.sigma_ratio == 0  # rank <= k < n: no n-th singular value
        assert f.rel_residual > 1e-3                            # cannot interpolate n generic labels
    for k in (40, 60, 400):
        f = rft.random_features_fit(X, y, k, activation, g)
        assert f.full_rank and f.lam_min_over_k > 0 and f.sigma_ratio > f.rank_tol == max(n, k) * np.finfo(float).eps
        assert f.rel_residual < 1e-6                            # the minimum-norm solution interpolates


def test_fit_is_minimum_norm_and_matches_pinv():
    n, k = 20, 50
    X = _sphere(n, 6, 9)
    y = torch.randn(n, generator=torch.Generator().manual_seed(10), dtype=torch.float64)
    f = rft.random_features_fit(X, y, k, "relu", torch.Generator().manual_seed(11))
    Phi = rft.random_features(X, k, "relu", torch.Generator().manual_seed(11))
    v = torch.linalg.pinv(Phi) @ y
    assert f.v_norm == pytest.approx(float(v.norm()), rel=1e-8)
    assert f.lam_min_over_k == pytest.approx(float(torch.linalg.eigvalsh(Phi @ Phi.T)[0]) / k, rel=1e-8)


def test_lambda_min_over_k_approaches_lambda_tilde():
    X = _sphere(20, 10, 12)
    lt = rf.lambda_tilde(X, "relu")
    g = torch.Generator().manual_seed(13)
    vals = [rft.random_features_fit(X, torch.ones(20, dtype=torch.float64), 40_000, "relu", g).lam_min_over_k
            for _ in range(3)]
    assert abs(np.median(vals) / lt - 1) < 0.1


def test_square_softplus_features_fit_where_the_gram_matrix_is_singular():
    # softplus at small d is close to a low-degree polynomial: a square Phi is badly conditioned, and forming
    # Phi Phi^T squares that condition number (Section 3 of Oymak & Soltanolkotabi; the audit's rf_ls failures)
    n, d = 100, 4
    X = _sphere(n, d, 21)
    y = torch.randn(n, generator=torch.Generator().manual_seed(22), dtype=torch.float64)
    f = rft.random_features_fit(X, y, n, "softplus", torch.Generator().manual_seed(23))
    Phi = rft.random_features(X, n, "softplus", torch.Generator().manual_seed(23))
    ev = torch.linalg.eigvalsh(Phi @ Phi.T)
    assert float(ev[0] / ev[-1]) < 1e-10  # the Gram matrix looks singular at 1e-10 of its norm ...
    assert f.full_rank and f.sigma_ratio > 1e3 * f.rank_tol  # ... while Phi's own rank is resolved
    assert f.rel_residual < 1e-6  # and the SVD solve interpolates
    assert f.lam_min == pytest.approx(float(torch.linalg.svdvals(Phi)[-1]) ** 2, rel=1e-9)


def test_rank_tolerance_is_max_dimension_times_eps():
    eps = np.finfo(np.float64).eps
    assert rft.rank_tolerance(100, 50) == rft.rank_tolerance(50, 100) == 100 * eps
    A = torch.eye(5, dtype=torch.float64)
    A[4, 4] = 1e-17  # below round-off: numerically rank 4, as numpy.linalg.matrix_rank says
    assert np.linalg.matrix_rank(A.numpy()) == 4 and 1e-17 < rft.rank_tolerance(5, 5)
