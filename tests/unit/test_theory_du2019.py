"""Du et al. (2019)'s bounds against their closed forms, written out by hand at chosen inputs."""

import math

import numpy as np
import pytest

from overparam.theory import du2019 as th


def test_rate_bound_is_one_minus_half_eta_lambda0():
    assert th.rate_bound(0.5, 0.2) == pytest.approx(0.95, abs=1e-15)
    assert th.rate_bound(1.0, 0.0) == 1.0  # no contraction without a positive lambda0
    assert th.rate_bound(0.4, 0.3) < th.rate_bound(0.4, 0.1) < th.rate_bound(0.2, 0.1) < 1


def test_loss_bound_is_the_geometric_envelope():
    env = th.loss_bound(2.0, 0.5, 0.2, 3)  # rho = 0.95
    assert isinstance(env, np.ndarray) and env.shape == (4,)
    assert np.allclose(env, [2.0, 1.9, 1.805, 1.71475], rtol=0, atol=1e-14)
    assert np.array_equal(th.loss_bound(3.0, 0.5, 0.2, 0), [3.0])
    long = th.loss_bound(1.0, 0.1, 0.5, 500)
    assert np.all(np.diff(long) < 0) and long[-1] == pytest.approx(0.975**500, rel=1e-12)


def test_step_size_bound_is_lambda0_over_n_squared():
    assert th.step_size_bound(10, 0.5) == pytest.approx(5e-3, rel=1e-15)
    assert th.step_size_bound(10, 0.5, C=3.0) == pytest.approx(1.5e-2, rel=1e-15)


def test_width_requirement_is_n6_over_lambda0_4_p3():
    assert th.width_requirement(10, 0.5, 0.1) == pytest.approx(10**6 / (0.5**4 * 0.1**3), rel=1e-12)
    assert th.width_requirement(10, 0.5, 0.1) == pytest.approx(1.6e10, rel=1e-12)
    assert th.width_requirement(2, 1.0, 1.0, C=2.0) == pytest.approx(128.0, rel=1e-15)


def test_gram_concentration_width_is_n2_log_n_over_p_over_lambda0_2():
    assert th.gram_concentration_width(10, 0.5, 0.1) == pytest.approx(100 * math.log(100) / 0.25, rel=1e-12)
    assert th.gram_concentration_width(50, 0.1, 0.1, C=0.5) == pytest.approx(
        0.5 * 2500 * math.log(500) / 0.01, rel=1e-12)


def test_neuron_radius_bound_is_4_sqrt_n_residual_over_sqrt_m_lambda0():
    assert th.neuron_radius_bound(16, 64, 3.0, 0.5) == pytest.approx(4 * 4 * 3.0 / (8 * 0.5), rel=1e-15)
    # m^(-1/2): four times the width, half the radius (the slope the primer's Step 4 measures)
    assert th.neuron_radius_bound(16, 256, 3.0, 0.5) == pytest.approx(th.neuron_radius_bound(16, 64, 3.0, 0.5) / 2)


def test_stability_radius_is_p_lambda0_over_n_squared():
    assert th.stability_radius(10, 0.5, 0.1) == pytest.approx(5e-4, rel=1e-12)
    assert th.stability_radius(10, 0.5, 0.1, c=2.0) == pytest.approx(1e-3, rel=1e-12)


NS = [5, 10, 50, 200]
LAMBDAS = [0.01, 0.05, 0.2, 1.0]


@pytest.mark.parametrize("bound, grows_with_n, grows_with_lambda0", [
    (lambda n, lam: th.width_requirement(n, lam, 0.1), True, False),
    (lambda n, lam: th.gram_concentration_width(n, lam, 0.1), True, False),
    (lambda n, lam: th.step_size_bound(n, lam), False, True),
    (lambda n, lam: th.stability_radius(n, lam, 0.1), False, True),
    (lambda n, lam: th.neuron_radius_bound(n, 1024, 1.0, lam), True, False),
], ids=["width_requirement", "gram_concentration_width", "step_size_bound", "stability_radius",
        "neuron_radius_bound"])
def test_monotone_in_n_and_lambda0(bound, grows_with_n, grows_with_lambda0):
    """More samples ask for more width and smaller steps; a larger lambda0 for less width and allows
    larger steps (strictly, at every pair of chosen inputs)."""
    for lam in LAMBDAS:
        v = np.array([bound(n, lam) for n in NS])
        assert np.all(np.diff(v) > 0) if grows_with_n else np.all(np.diff(v) < 0)
    for n in NS:
        v = np.array([bound(n, lam) for lam in LAMBDAS])
        assert np.all(np.diff(v) > 0) if grows_with_lambda0 else np.all(np.diff(v) < 0)


def test_width_requirement_dwarfs_the_concentration_width():
    """Theorem 4.1's width is above Lemma 3.1's at every chosen input: the lemma is a step of its proof."""
    for n in NS:
        for lam in LAMBDAS:
            assert th.width_requirement(n, lam, 0.1) > th.gram_concentration_width(n, lam, 0.1)
