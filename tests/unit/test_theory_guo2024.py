"""overparam.theory.guo2024 against closed forms and brute force."""

import math

import numpy as np
import pytest
import torch

from overparam.theory import guo2024 as th


def test_r_special_values_and_symmetry():
    assert th.r(-1.0) == pytest.approx(2.0)
    assert th.r(0.0) == pytest.approx(1.0)
    assert th.r(-2.0) == pytest.approx(1.8) and th.r(-0.5) == pytest.approx(1.8)
    assert th.r(-10.0) == pytest.approx(121 / 101)
    assert th.r(0.05) == pytest.approx(0.9025 / 1.0025)
    a = np.linspace(-20, -0.05, 50)
    assert np.allclose(th.r(a), th.r(1 / a))
    assert np.allclose(th.r(a), 1 - 2 * a / (1 + a * a))
    assert np.allclose(th.derivative_gap(a) ** 2, th.r(a))


def test_r_is_the_squared_derivative_gap_of_the_activation():
    for alpha in [-3.0, -1.0, 0.0, 0.4]:
        z = torch.tensor([1e-3, -1e-3], dtype=torch.float64, requires_grad=True)
        y = torch.where(z >= 0, z, alpha * z) / math.sqrt(1 + alpha * alpha)
        (g,) = torch.autograd.grad(y.sum(), z)
        assert float(g[0] - g[1]) ** 2 == pytest.approx(th.r(alpha))


def test_nonlinearity_weight_lives_once():
    from overparam.kernels import deep

    assert th.nonlinearity_weight is deep.nonlinearity_weight
    assert th.nonlinearity_weight(-1.0) == pytest.approx(th.r(-1.0) / 2) == pytest.approx(1.0)


def test_corollary_3_3_by_brute_force():
    grid = np.concatenate([np.linspace(-10, 0.95, 2001), [-1.0]])
    res = th.corollary_3_3(grid)
    assert res["argmin"] == -1.0
    assert res["decreasing_below"] and res["increasing_above"]
    assert res["violations_below"] == 0 and res["violations_above"] == 0
    # a gamma that is not monotone shows up as counted violations
    bumpy = th.corollary_3_3(grid, gamma_fn=lambda a: th.gamma_gd(a, 1e-3, 1, 1, 1) - (1e-3 if a > 0.5 else 0))
    assert bumpy["violations_above"] == 1 and not bumpy["increasing_above"] and bumpy["violations_below"] == 0
    # brute force on a dense grid for the SGD rate as well
    g = [th.gamma_sgd(a, 1e-3, 10, 0.2, 100, 50) for a in grid]
    assert grid[int(np.argmin(g))] == pytest.approx(-1.0, abs=1e-3)


def test_rates_scale_as_stated():
    base = 1 - th.gamma_gd(0.0, 1e-4, 0.2, 500, 100)
    assert 1 - th.gamma_gd(-1.0, 1e-4, 0.2, 500, 100) == pytest.approx(2 * base)
    assert 1 - th.gamma_gd(0.0, 2e-4, 0.2, 500, 100) == pytest.approx(2 * base)
    assert 1 - th.gamma_gd(0.0, 1e-4, 0.2, 500, 100, C=3.0) == pytest.approx(3 * base)
    s = 1 - th.gamma_sgd(0.0, 1e-4, 10, 0.2, 500, 100)
    assert s == pytest.approx(base * 10 / 100)


def test_width_requirements():
    rhs = th.width_rhs_gd(0.0, 1000, 5, 0.21)
    assert rhs == pytest.approx(1000**5 * 5**15 / 0.21**4)
    assert th.width_rhs_gd(-1.0, 10, 2, 0.3) == pytest.approx(th.width_rhs_gd(0.0, 10, 2, 0.3) / 2)
    assert th.width_rhs_sgd(-1.0, 10, 2, 0.3, 5) == pytest.approx(th.width_rhs_sgd(0.0, 10, 2, 0.3, 5) / 16)
    for target in [1e3, 1e8, 1e30]:
        m = th.min_width(target)
        assert m / math.log(m) ** 4 == pytest.approx(target, rel=1e-6)
        m2 = m * 0.999
        assert m2 / math.log(m2) ** 4 < target
    assert th.width_required_gd(0.5, 10, 2, 0.3) > th.width_required_gd(-1.0, 10, 2, 0.3)


def test_canonical_alpha():
    assert th.canonical_alpha(-2.0) == (-0.5, True)
    assert th.canonical_alpha(-0.5) == (-0.5, False)
    assert th.canonical_alpha(0.3) == (0.3, False)


def test_gamma_hat_on_exact_geometric_sequence():
    q = 0.997
    losses = 5.0 * q ** np.arange(1001)
    assert th.gamma_hat(losses) == pytest.approx(q, rel=1e-12)
    assert th.gamma_hat(losses, 10, 20) == pytest.approx(q, rel=1e-12)
    with pytest.raises(ValueError):
        th.gamma_hat(losses[:500])


def test_calibration_reproduces_papers_curve_through_relu():
    c = th.calibrate_c_gamma(0.99857, C0=1.0)
    assert c == pytest.approx(0.00143)
    assert th.fig2_theory_curve(0.0, c) == pytest.approx(0.99857)
    assert th.fig2_theory_curve(-1.0, c) == pytest.approx(1 - 2 * 0.00143)
    assert th.calibrate_c_gamma(0.998926, C0=0.5) == pytest.approx(0.000537)


def test_generalization_bound_terms():
    kw = {"n": 100, "L": 3, "m": 1000, "d": 1, "delta": 0.2, "tau": 0.1, "loss0": 50.0, "gamma": 0.99}
    t = th.generalization_terms_gd(0.0, 10, **kw)
    assert t["train"] == pytest.approx(0.99**10 * 50.0)
    assert t["data"] == pytest.approx(math.sqrt(math.log(1000) / 100))
    assert t["total"] == pytest.approx(t["train"] + t["complexity_1"] + t["complexity_2"] + t["data"])
    per = th.generalization_terms_gd(0.0, 10, first_term="per_sample", **kw)
    assert per["train"] == pytest.approx(t["train"] / 100)
    # second term (small-t branch) grows with the derivative gap, so alpha = -1 has the larger one
    t_m1 = th.generalization_terms_gd(-1.0, 10, **kw)
    assert t_m1["complexity_1"] == pytest.approx(t["complexity_1"] * math.sqrt(2))
    # bound increases in t once the training term is gone (overfitting regime)
    late = [th.generalization_bound_gd(0.0, t_, **{**kw, "gamma": 0.5}) for t_ in [100, 1000, 10000]]
    assert late[0] < late[1] < late[2]
    assert th.generalization_bound_gd(0.0, 10, **kw) == pytest.approx(t["total"])


def test_omega_bounds():
    assert th.omega_uniform(-1.0, 100, 0.2, 1000, 10.0) < th.omega_uniform(0.0, 100, 0.2, 1000, 10.0)
    assert th.omega_uniform(0.0, 100, 0.2, 4000, 10.0) == pytest.approx(
        th.omega_uniform(0.0, 100, 0.2, 1000, 10.0) / 2)
    assert th.omega_small_t(1e-3, 10, 100, 1000) == pytest.approx(1e-2 * math.sqrt(1e5 * math.log(1000)))
    assert th.lemma_4_3(0.0, 10.0, n=10, L=1, m=100, omega=0.0) == pytest.approx(
        1.0 + math.sqrt(math.log(100) / 10))
