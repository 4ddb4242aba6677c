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


def test_condition_numbers_and_gd_steps_are_the_printed_formulas():
    n, d, Xn, ynorm, s2, lam = 40, 8, 2.3, 5.1, 0.31, 0.07
    assert th.kappa(n, d, Xn, s2) == pytest.approx(math.sqrt(d / n) * Xn / s2, rel=1e-15)  # (2.2)
    assert th.kappa_tilde(n, d, Xn, lam) == pytest.approx(math.sqrt(d / n) * Xn / lam, rel=1e-15)
    assert th.kappa(n, d, Xn, 0.0) == math.inf and th.kappa_tilde(n, d, Xn, -1e-3) == math.inf
    # Thm 2.1/6.2: eta = n eta_bar / (2 B^2 ||y||^2 ||X||^2) = eta_bar / (2 beta^2), beta of (6.15)
    beta = 0.5 * ynorm * Xn / math.sqrt(n)
    eta = th.smooth_step(n, ynorm, Xn, B=0.5, eta_bar=0.4)
    assert eta == pytest.approx(0.4 / (2 * beta**2), rel=1e-14)
    # Thm 2.3/6.3: eta = n eta_bar / (3 ||y||^2 ||X||^2) = eta_bar / (3 beta^2), Thm 6.13's step at B = 1
    beta = ynorm * Xn / math.sqrt(n)
    assert th.relu_step(n, ynorm, Xn, eta_bar=0.4) == pytest.approx(0.4 / (3 * beta**2), rel=1e-14)


def test_relu_rate_is_theorem_613_at_the_proofs_alpha_and_theorem_23_at_mu_squared():
    n, ynorm, Xn, lam = 30, 4.2, 1.9, 0.05
    eta = th.relu_step(n, ynorm, Xn, eta_bar=0.7)
    alpha = ynorm * math.sqrt(lam) / (2 * math.sqrt(2 * n))  # Section 6.7
    assert th.relu_rate(lam, Xn, eta_bar=0.7) == pytest.approx(1 - eta * alpha**2, rel=1e-14)  # (6.20)
    s2 = 0.4  # Thm 2.3: lambda >= sigma_min^2(X*X) / (2 pi), rate 1 - eta_bar sigma^2 / (48 pi ||X||^2)
    assert th.relu_rate(s2 * th.mu_phi("relu") ** 2, Xn, 0.7) == pytest.approx(
        1 - 0.7 * s2 / (48 * math.pi * Xn**2), rel=1e-14)
    # Thm 2.1: with lambda = mu^2 sigma^2 the rate is 1 - eta_bar mu^2 sigma^2 / (32 B^2 ||X||^2)
    mu = th.mu_phi("softplus")
    assert th.smooth_rate(mu**2 * s2, Xn, B=2.0, eta_bar=0.7) == pytest.approx(
        1 - 0.7 / 32 * mu**2 / 4.0 * s2 / Xn**2, rel=1e-14)


def test_width_requirements_match_their_statements_in_both_notations():
    n, d, Xn, s2, delta = 60, 12, 2.7, 0.3, 0.5
    # (6.2) with a given c is (2.2) once lambda = mu^2 sigma^2:
    # sqrt(kd) >= c (B^2 / mu^2) (1 + delta) kappa n
    mu, B = th.mu_phi("softplus"), 1.5
    r = th.smooth_width_requirement(n, d, Xn, mu**2 * s2, B=B, delta=delta, c=3.0)
    assert r["prefactor"] == 3.0 * B**2 * (1 + delta)
    rhs = 3.0 * B**2 / mu**2 * (1 + delta) * th.kappa(n, d, Xn, s2) * n
    assert r["sqrt_kd"] == pytest.approx(rhs, rel=1e-13)
    assert r["kd"] == pytest.approx(rhs**2, rel=1e-13)
    assert r["k"] == pytest.approx(r["kd"] / d, rel=1e-15)
    # (6.18): prefactor 32 B (1 + (1 + delta) B)
    pref = th.smooth_width_requirement(n, d, Xn, 0.01, B=B, delta=delta)["prefactor"]
    assert pref == 32 * B * (1 + (1 + delta) * B)
    # (6.3) at lambda = sigma^2 / (2 pi) is (2.6) squared with C'^2 = (2 pi)^4 C
    k = th.relu_width_requirement(n, Xn, s2 / (2 * math.pi), delta=delta, C=2.0)["k"]
    kap = th.kappa(n, d, Xn, s2)
    sqrt_kd_26 = math.sqrt(2.0 * (2 * math.pi) ** 4) * (1 + delta) * n**2 / d * kap**3 * s2
    assert k * d == pytest.approx(sqrt_kd_26**2, rel=1e-12)
    # (2.8), and Thm 2.5 = Thm 6.3 at lambda = delta / (100 n^2) (I.4), the constant scaled by 100^4
    sep, nu = 0.2, 0.5
    k25 = th.relu_separation_width_requirement(n, Xn, sep, nu=nu, C=3.0)["k"]
    assert k25 == pytest.approx(3.0 * (1 + nu) ** 2 * n**9 * Xn**6 / sep**4, rel=1e-14)
    k63 = th.relu_width_requirement(n, Xn, sep / (100 * n**2), nu, 3.0 / 100**4)["k"]
    assert k25 == pytest.approx(k63, rel=1e-12)
    # Corollaries 2.2 and 2.4 with a constant
    assert th.smooth_width_requirement_sphere(n, d, C=2.0) == {"kd": 4.0 * n**2, "k": 4.0 * n**2 / d}
    r24 = th.relu_width_requirement_sphere(n, d, C=2.0)
    assert math.sqrt(r24["kd"]) == pytest.approx(2.0 * n**2 / d, rel=1e-14)


def _jacobian(X, W, v, dphi):
    """J(W) of x -> v^T phi(W x) with respect to vect(W), one row per sample (Section 6.1)."""
    return ((dphi(X @ W.T) * v)[:, :, None] * X[:, None, :]).reshape(len(X), -1)


def test_lemmas_66_and_68_hold_on_brute_force_jacobians():
    rng = np.random.default_rng(0)
    n, d, k = 12, 5, 16
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Xn, ynorm = np.linalg.norm(X, 2), 3.0
    v = np.repeat([1.0, -1.0], k // 2) * ynorm / math.sqrt(k * n)  # balanced, Theorem 2.1
    sigmoid = lambda z: 1 / (1 + np.exp(-z))
    relu_step = lambda z: (z >= 0).astype(float)
    W = rng.standard_normal((k, d))
    W2 = W + 0.7 * rng.standard_normal((k, d))
    bound = th.jacobian_norm_bound(k, np.abs(v).max(), Xn)
    assert bound == pytest.approx(ynorm * Xn / math.sqrt(n), rel=1e-14)  # beta of (6.15)
    for dphi in (sigmoid, relu_step):
        for w in (W, W2):
            assert np.linalg.norm(_jacobian(X, w, v, dphi), 2) <= bound
    L = th.jacobian_lipschitz_bound(np.abs(v).max(), Xn, M=0.25)  # |sigmoid'| <= 1/4
    assert L == pytest.approx(0.25 * ynorm * Xn / math.sqrt(k * n), rel=1e-14)  # (6.14) with B -> M
    gap = np.linalg.norm(_jacobian(X, W2, v, sigmoid) - _jacobian(X, W, v, sigmoid), 2)
    assert gap <= L * np.linalg.norm(W2 - W)


def test_lemma67_width_certificate_and_random_features_closed_forms():
    n, Xn, lam = 50, 2.2, 0.03
    k = th.lemma67_width(n, Xn, lam, B=0.5)
    # at the balanced v, ||v|| / ||v||_inf = sqrt(k) meets sqrt(20 log n) B ||X|| / sqrt(lam) exactly
    rhs = math.sqrt(20 * math.log(n)) * 0.5 * Xn / math.sqrt(lam)
    assert math.sqrt(k) == pytest.approx(rhs, rel=1e-14)
    assert th.lemma67_width(n, Xn, 0.0) == math.inf
    cert = th.certificate(sigma_min_J0=0.9, r0=0.5, v_inf=0.02, X_norm=Xn, M=0.25)
    assert cert["margin"] == pytest.approx((0.9 / 2) ** 2 / (4 * 0.25 * 0.02 * Xn), rel=1e-14)  # (6.13)
    assert cert["certified"] == (cert["margin"] >= 0.5)
    rf = th.random_features_width(n, 0.2, C=3.0)  # Thm 3.2: k >= C log^2(n) n / lambda~
    assert rf == pytest.approx(3.0 * math.log(n) ** 2 * n / 0.2, rel=1e-14)


def test_sgd_event_probability_is_the_printed_bound():
    k, d, Xn, mu, s2, B, nu = 3, 2, 1.7, 0.2066, 0.25, 1.0, 6.0
    expected = 1 - 4 / nu * (3 * B * Xn / (mu * math.sqrt(s2))) ** (1 / (k * d))
    assert th.sgd_event_probability(k, d, Xn, mu, s2, B=B, nu=nu) == pytest.approx(expected, rel=1e-14)
    assert th.sgd_event_probability(k, d, Xn, mu, s2, nu=nu) < 1 - 4 / nu  # base > 1: below the limit


def test_activation_constants_against_direct_integration():
    from scipy import integrate

    def gauss(f):  # E f(g), g ~ N(0, 1); the density is below 1e-300 outside [-40, 40]
        return integrate.quad(lambda z: f(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -40, 40,
                              limit=200)[0]

    sig = lambda z: 1 / (1 + math.exp(-z))
    softplus = lambda z: float(np.logaddexp(0.0, z))
    assert th.mu_phi("softplus") == pytest.approx(gauss(lambda z: z * sig(z)), abs=1e-10)
    assert th.mu_phi("relu") == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    c = th.activation_constants("softplus")
    assert c["B"] == 1.0 and c["M"] == 0.25 and c["mu_phi"] == th.mu_phi("softplus")
    assert c["E_dphi_sq"] == pytest.approx(gauss(lambda z: sig(z) ** 2), abs=1e-10)
    var = gauss(lambda z: softplus(z) ** 2) - gauss(softplus) ** 2
    assert c["var_phi"] == pytest.approx(var, abs=1e-9)
    r = th.activation_constants("relu")
    assert r["M"] is None and r["E_dphi_sq"] == 0.5 and r["E_dphi_sq"] <= r["B"] ** 2  # (6.16)
    # phi' = step: mu_r = E[1{g >= 0} He_r(g)] / sqrt(r!), against quadrature on [0, inf)
    he = np.polynomial.hermite_e.hermeval
    exact = th.hermite_coefficients("relu", 6)
    for r_ in range(7):
        c_ = np.zeros(r_ + 1)
        c_[-1] = 1.0
        density = lambda z, c_=c_: he(z, c_) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        direct = integrate.quad(density, 0, np.inf)[0] / math.sqrt(math.factorial(r_))
        assert exact[r_] == pytest.approx(direct, abs=1e-12)
    # Theorem 3.2's gamma_phi = E[phi(g)(g^2 - 1)] / sqrt(2) is mu_2(phi)
    gamma = gauss(lambda z: softplus(z) * (z * z - 1)) / math.sqrt(2)
    assert th.hermite_coefficients("softplus", 2, derivative=False)[2] == pytest.approx(gamma, abs=1e-10)


@pytest.mark.parametrize(
    "fn", [th.mu_phi, th.activation_constants, lambda a: th.hermite_coefficients(a, 2)])
def test_unknown_activation_is_refused(fn):
    with pytest.raises(ValueError, match="valid: relu, softplus"):
        fn("tanh")
