"""theory.allenzhu2019: the paper's bounds and the closed forms behind its errata, against brute force."""

import math

import numpy as np
import pytest

from overparam.theory import allenzhu2019 as th


def test_width_is_the_fixed_point_of_the_log_condition():
    m = th.gd_width(8, 3, 0.1)
    poly = 8.0 ** 24 * 3 ** 12 / 0.1 ** 8
    assert m == pytest.approx(poly * math.log(m) ** 5, rel=1e-9)
    assert 2.4e35 < poly < 2.6e35                      # the claims map's 2.5e35 before log^5 m
    assert th.gd_width(8, 3, 0.1, d=4) > th.gd_width(8, 3, 0.1)


def test_step_and_iterations_as_printed():
    assert th.gd_step(8, 3, 0.1, 1.0) == pytest.approx(0.1 / (8 ** 4 * 9))
    assert th.gd_iterations(8, 3, 0.1, math.exp(-1)) == pytest.approx(8 ** 6 * 9 / 0.01)


def test_sgd_width_printed_and_derived_meet_at_b_equals_n():
    # the proof's corrected width n^25 ... / b equals the GD width at b = n, and falls with b
    assert th.sgd_width_derived(8, 3, 0.1, 8) == pytest.approx(th.gd_width(8, 3, 0.1), rel=1e-9)
    assert th.sgd_width_derived(8, 3, 0.1, 4) > th.sgd_width_derived(8, 3, 0.1, 8)
    assert th.sgd_width_printed(8, 3, 0.1, 4) < th.sgd_width_printed(8, 3, 0.1, 8)


@pytest.mark.parametrize("alpha,delta", [(1.0, 0.1), (0.9, 1 / 6), (-0.7, 0.05), (2.0, 0.01)])
def test_claim76_exact_against_quadrature(alpha, delta):
    assert th.claim76_exact(alpha, delta) == pytest.approx(th.claim76_quadrature(alpha, delta), rel=1e-6, abs=1e-12)


def test_claim76_printed_forms_agree_with_each_other_and_not_with_the_truth():
    for a, d in [(1.0, 0.1), (0.9, 1 / 6), (1.2, 0.05)]:
        assert th.claim76_printed(a, d) == pytest.approx(th.claim76_series(a, d), rel=1e-10)
    assert th.claim76_printed(1.0, 0.1) == pytest.approx(0.009579, abs=1e-6)     # claims map, section 4
    assert th.claim76_exact(1.0, 0.1) == pytest.approx(0.009789, abs=1e-6)


def test_claim76_monte_carlo_is_unbiased():
    mc, se = th.claim76_monte_carlo(0.5, 0.1, 400_000, np.random.default_rng(0))
    assert abs(mc - th.claim76_exact(0.5, 0.1)) < 5 * se


def test_claim95_and_softmax_counterexample():
    p = th.claim95_probability()
    assert p["P(|g| >= 1)"] == pytest.approx(0.3173, abs=1e-4) and p["P(|g| <= 1)"] == pytest.approx(0.6827, abs=1e-4)
    s = th.softmax_probability_gradient([-5.0, 0.0, 0.0], 0)
    assert s["p_y"] == pytest.approx(0.00336, abs=1e-5) and s["grad_p_norm"] == pytest.approx(0.0041, abs=1e-4)
    assert not s["correct"] and s["grad_ce_norm"] > 1.0
    # the probability's gradient against finite differences
    z = np.array([0.3, -1.0, 2.0])
    num = [(th.softmax_probability_gradient(z + e, 1)["p_y"] - th.softmax_probability_gradient(z - e, 1)["p_y"]) / 2e-6
           for e in 1e-6 * np.eye(3)]
    assert th.softmax_probability_gradient(z, 1)["grad_p_norm"] == pytest.approx(np.linalg.norm(num), rel=1e-6)


def test_separation_recursion_small_angle_law():
    # theta_l ~ theta_0 / (1 + (l + 1) theta_0 / (3 pi)) for small angles (reading notes, E3)
    s = th.separation_infinite_width(0.02, 100)
    theta0 = 2 * math.asin(0.02 / 2)   # angle between padded inputs at distance delta (unit norms)
    assert s[-1] == pytest.approx(theta0 / (1 + 101 * theta0 / (3 * math.pi)), rel=0.02)
    assert np.all(np.diff(s) < 0)
