"""Jacobian singular values against autograd; the expected Jacobian Gram: closed form vs Monte Carlo
vs quadrature; the Khatri-Rao identity."""

import math

import pytest
import torch

from overparam.kernels.two_layer import (
    expected_gram_mc,
    expected_gram_quadrature,
    khatri_rao_sigma_min_sq,
    lambda_x,
    relu_expected_gram,
)
from overparam.measure.probes import sign_flip_fraction
from overparam.measure.two_layer_jacobian import (
    jacobian,
    jacobian_drift,
    jacobian_gram,
    jacobian_singular_values,
)
from overparam.nets import TwoLayerModule, output_weights
from overparam.train import sphere_problems


def _problem(n=12, k=7, d=5, seed=0):
    p = sphere_problems(n, [(k, d)], 1, seed=seed)
    return p.X[0], p.y[0], p.W0[0], p.v[0]


def _autograd_jacobian(W, X, v, activation):
    model = TwoLayerModule(W, v, activation)
    f = lambda w: torch.func.functional_call(model, {"W": w}, (X,))
    J = torch.autograd.functional.jacobian(f, W.detach().clone())
    return J.reshape(X.shape[0], -1)  # (n, k, d) -> row-major vect(W)


@pytest.mark.parametrize("activation", ["softplus", "relu"])
def test_jacobian_matches_autograd(activation):
    X, _, W, v = _problem()
    J = jacobian(W, X, v, activation)
    torch.testing.assert_close(J, _autograd_jacobian(W, X, v, activation), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["softplus", "relu"])
@pytest.mark.parametrize("k,d", [(7, 5), (2, 3), (30, 2)])
def test_singular_values_from_the_gram_identity_match_autograd(activation, k, d):
    X, _, W, v = _problem(k=k, d=d, seed=k + d)
    Ja = _autograd_jacobian(W, X, v, activation)
    sv = torch.linalg.svdvals(Ja)  # min(n, kd) values
    ours = jacobian_singular_values(W, X, v, activation)
    m = min(X.shape[0], k * d)
    torch.testing.assert_close(ours[:m], sv[:m], rtol=1e-8, atol=1e-8)
    if k * d < X.shape[0]:  # rank deficient: the remaining n - kd singular values are zero
        assert ours[m:].max() < 1e-6 * ours[0]
    torch.testing.assert_close(jacobian_gram(W, X, v, activation), Ja @ Ja.T, rtol=1e-10, atol=1e-12)


def test_drift_and_flips_match_brute_force():
    X, _, W0, v = _problem(k=9, d=4)
    g = torch.Generator().manual_seed(1)
    W = W0 + 0.3 * torch.randn(W0.shape, generator=g, dtype=torch.float64)
    for act in ("softplus", "relu"):
        D = jacobian(W, X, v, act) - jacobian(W0, X, v, act)
        assert math.isclose(jacobian_drift(W, W0, X, v, act), float(torch.linalg.matrix_norm(D, 2)), rel_tol=1e-9)
    flips = ((X @ W.T > 0) != (X @ W0.T > 0)).double().mean()
    assert math.isclose(sign_flip_fraction(W, W0, X), float(flips))
    assert sign_flip_fraction(W0, W0, X) == 0.0


def test_relu_closed_form_matches_monte_carlo():
    X = sphere_problems(15, [(1, 4)], 1, seed=2).X[0]
    exact = relu_expected_gram(X)
    mc = expected_gram_mc(X, "relu", samples=200_000, generator=torch.Generator().manual_seed(0))
    assert (mc.Sigma - exact).abs().max() < 5 * mc.entry_se
    lam = float(torch.linalg.eigvalsh(exact)[0])
    assert abs(mc.lam - lam) < 5 * mc.lam_se + 1e-3 * lam
    assert mc.lam_se > 0
    torch.testing.assert_close(torch.diagonal(exact), torch.full((15,), 0.5, dtype=torch.float64))


def test_softplus_quadrature_matches_monte_carlo_within_its_error():
    X = sphere_problems(12, [(1, 5)], 1, seed=4).X[0]
    quad = expected_gram_quadrature(X, "softplus")
    mc = expected_gram_mc(X, "softplus", samples=200_000, generator=torch.Generator().manual_seed(1))
    assert (mc.Sigma - quad).abs().max() < 5 * mc.entry_se
    lam = float(torch.linalg.eigvalsh(quad)[0])
    assert abs(mc.lam - lam) < 5 * mc.lam_se + 0.02 * lam
    # diagonal: E[sigmoid(g)^2] = 0.293379 (Hermite table of the notes)
    assert abs(float(quad[0, 0]) - 0.293379) < 1e-5


def test_monte_carlo_error_shrinks_like_one_over_sqrt_samples():
    X = sphere_problems(10, [(1, 4)], 1, seed=5).X[0]
    a = expected_gram_mc(X, "softplus", samples=4_000, generator=torch.Generator().manual_seed(2))
    b = expected_gram_mc(X, "softplus", samples=64_000, generator=torch.Generator().manual_seed(2))
    assert 2.5 < a.lam_se / b.lam_se < 6.5  # sqrt(16) = 4


def test_expected_gram_is_the_mean_of_the_jacobian_gram_at_random_init():
    # E[J(W0) J(W0)^T] = ||v||^2 Sigma(X) (A.1): average over many wide networks
    X = sphere_problems(8, [(1, 3)], 1, seed=6).X[0]
    g = torch.Generator().manual_seed(3)
    k = 4000
    v = output_weights(k, math.sqrt(8), 8)
    acc = torch.zeros(8, 8, dtype=torch.float64)
    for _ in range(10):
        W0 = torch.randn(k, 3, generator=g, dtype=torch.float64)
        acc += jacobian_gram(W0, X, v, "relu")
    torch.testing.assert_close(acc / 10 / (v**2).sum(), relu_expected_gram(X), rtol=0, atol=0.01)


def test_khatri_rao_identity_and_rank():
    X = sphere_problems(9, [(1, 4)], 1, seed=7).X[0]
    KR = torch.stack([torch.kron(x, x) for x in X])  # 9 x 16, rank <= d(d+1)/2 = 10
    sv = torch.linalg.svdvals(KR)
    assert math.isclose(khatri_rao_sigma_min_sq(X, 2), float(sv[-1] ** 2), rel_tol=1e-8)
    X2 = sphere_problems(11, [(1, 4)], 1, seed=7).X[0]  # n = 11 > 10: exactly singular
    assert khatri_rao_sigma_min_sq(X2, 2) == 0.0


def test_lambda_x_lower_bound_of_lemma_6_4():
    # lambda(X) >= mu_phi^2 sigma_min^2(X * X)
    X = sphere_problems(20, [(1, 8)], 1, seed=8).X[0]
    s2 = khatri_rao_sigma_min_sq(X, 2)
    assert s2 > 0
    assert lambda_x(X, "relu") >= (1 / (2 * math.pi)) * s2
    assert lambda_x(X, "softplus") >= 0.206621**2 * s2 * (1 - 1e-6)
    assert lambda_x(X, "relu") <= 0.5  # (6.16): lambda <= E[phi'(g)^2]
