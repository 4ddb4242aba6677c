"""The bounds of Oymak & Soltanolkotabi (2020) as functions: constants, consistency between the
meta-theorem and the specialised theorems, and values computed by hand from the paper's formulas."""

import math

import numpy as np
import pytest

from overparam.theory import oymak2020 as th


def test_hermite_constants_match_their_quadrature_values():
    sp = th.hermite_coefficients("softplus", 5)
    np.testing.assert_allclose(sp[[0, 1, 3, 5]], [0.5, 0.206621, -0.025473, 0.005877], atol=2e-6)
    assert abs(sp[2]) < 1e-12 and abs(sp[4]) < 1e-12  # sigmoid - 1/2 is odd
    re = th.hermite_coefficients("relu", 5)
    np.testing.assert_allclose(re[[0, 1, 3, 5]], [0.5, 1 / math.sqrt(2 * math.pi), -0.162868, 0.109255], atol=2e-6)
    np.testing.assert_allclose(th.hermite_coefficients("relu", 2, derivative=False), [0.398942, 0.5, 0.282095],
                               atol=2e-6)
    c = th.activation_constants("softplus")
    assert abs(c["E_dphi_sq"] - 0.293379) < 1e-5 and abs(c["var_phi"] - 0.27151) < 1e-4
    assert abs(th.activation_constants("relu")["var_phi"] - 0.34085) < 1e-5


def test_smooth_rate_is_the_meta_theorem_rate_at_the_theorem_step():
    # Thm 6.2 = Thm 6.10 with alpha = ||v|| sqrt(lam) / (2 sqrt 2), beta = ||y|| ||X|| / sqrt(n), ||v||^2 = ||y||^2 / n
    n, ynorm, Xn, lam = 50, 7.3, 2.4, 0.013
    eta = th.smooth_step(n, ynorm, Xn)
    alpha = ynorm / math.sqrt(n) * math.sqrt(lam) / (2 * math.sqrt(2))
    beta = ynorm * Xn / math.sqrt(n)
    mb = th.meta_theorem(alpha, beta, L=0.0, r0=1.0, eta=eta)
    assert math.isclose(mb.eta_max, 1 / (2 * beta**2)) and mb.step_ok
    # squared residual contracts by 1 - eta alpha^2 / 2 = 1 - lam / (32 ||X||^2) ...
    assert math.isclose(mb.residual_rate**2, th.smooth_rate(lam, Xn))
    # ... so the unsquared residual by its square root, slower than the printed 1/32 and faster than 1/64
    assert th.smooth_rate(lam, Xn) < mb.residual_rate < th.smooth_rate(lam, Xn, conservative=True)


def test_width_requirements_reproduce_hand_computed_numbers():
    # an n = 100, d = 25 sphere draw: ||X|| = 2.860, lambda_softplus = 9.69e-3, lambda_relu = 0.117
    r = th.smooth_width_requirement(100, 25, 2.860, 9.69e-3)
    assert r["prefactor"] == 96
    assert math.isclose(r["kappa_tilde"], 148, rel_tol=0.01)
    assert math.isclose(r["kd"], 2.0e12, rel_tol=0.05)
    assert math.isclose(th.RELU_C_EXPLICIT, 9.2e9, rel_tol=0.01)
    k = th.relu_width_requirement(100, 2.860, 0.117, delta=0.0)["k"]  # delta = 0: no probability slack
    assert math.isclose(k, 2.7e18, rel_tol=0.1)
    assert math.isclose(th.relu_width_requirement(100, 2.860, 0.117)["k"], 4 * k)  # (1 + delta)^2 at delta = 1
    assert math.isclose(th.lemma67_width(100, 2.860, 9.69e-3), 77_800, rel_tol=0.01)
    assert th.smooth_width_requirement_sphere(100, 25)["kd"] == 100**2
    assert th.relu_width_requirement_sphere(100, 25)["k"] == pytest.approx(100**4 / 25**3)
    assert th.relu_width_requirement(100, 2.86, 0.0)["k"] == math.inf


def test_requirements_grow_as_lambda_shrinks():
    a = th.smooth_width_requirement(100, 25, 2.86, 1e-2)["kd"]
    b = th.smooth_width_requirement(100, 25, 2.86, 1e-3)["kd"]
    assert math.isclose(b / a, 100.0)
    a = th.relu_width_requirement(100, 2.86, 0.1)["k"]
    b = th.relu_width_requirement(100, 2.86, 0.05)["k"]
    assert math.isclose(b / a, 16.0)


def test_certificate_and_meta_bounds():
    cert = th.certificate(sigma_min_J0=2.0, r0=3.0, v_inf=0.01, X_norm=1.0, M=0.25)
    assert cert["alpha"] == 1.0 and math.isclose(cert["L"], 0.0025) and cert["certified"]
    assert not th.certificate(0.2, 3.0, 0.01, 1.0, 0.25)["certified"]
    mb = th.meta_theorem(alpha=1.0, beta=4.0, L=0.5, r0=3.0, eta=0.01)
    assert math.isclose(mb.radius, 12.0) and math.isclose(mb.path_bound, 12.0)
    assert math.isclose(mb.eta_max, min(1, 1 / 1.5) / 32)
    t = np.arange(5)
    np.testing.assert_allclose(mb.residual_bound(t), 3.0 * mb.residual_rate**t)
    assert not th.meta_theorem(1.0, 4.0, 0.5, 3.0, eta=1.0).step_ok


def test_sgd_constants():
    n, ynorm, Xn, mu, s2 = 20, math.sqrt(20), math.sqrt(4.69), 0.206621, 0.22
    eta = th.sgd_step(n, ynorm, Xn, mu, s2, nu=5)
    assert math.isclose(eta, 0.0427 / 45 * 0.22 / 4.69, rel_tol=0.01)  # mu^2/(9 nu) n/||y||^2 s2/||X||^2
    # rate = 1 - eta alpha^2 / (2 n) with alpha^2 = ||y||^2 mu^2 s2 / (8 n) at eta_bar = 1
    alpha2 = ynorm**2 * mu**2 * s2 / (8 * n)
    assert math.isclose(th.sgd_rate(n, Xn, mu, s2, nu=5), 1 - eta * alpha2 / (2 * n))
    # P(E) tends to 1 - 4/nu as kd grows: vacuous for nu <= 4
    assert th.sgd_event_probability(10**6, 10, Xn, mu, s2, nu=4) < 1e-4
    assert th.sgd_event_probability(10**6, 10, Xn, mu, s2, nu=8) == pytest.approx(0.5, abs=1e-4)
