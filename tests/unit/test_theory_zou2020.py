import math

import numpy as np
import pytest
import torch

from overparam.measure.perturbations import rank_one_adversarial, sign_flips
from overparam.theory import zou2020 as th


def test_ladder_reproduces_the_claims_maps_scale_warning():
    t = th.ladder(**{k: th.TOY[k] for k in ("n", "L", "phi")}).set_index(["quantity", "source"])["value"]
    assert t[("m (GD)", "Theorem 4.1 / Cor. 4.3")] == pytest.approx(3e49, rel=0.15)
    assert t[("K (GD)", "Theorem 4.1 / Cor. 4.3")] == pytest.approx(1.6e14, rel=0.1)
    assert t[("eta m (GD)", "Lemma 5.4 and proof of 4.1 (used)")] == pytest.approx(7.3e-8, rel=0.01)
    assert t[("tau", "Lemmas 5.4, 5.6")] == pytest.approx(4.0e-19, rel=0.02)
    tags = th.ladder()["tag"]
    assert set(tags) == {"verbatim", "reconstructed"}


def test_sgd_over_gd_width_ratio_is_n_to_the_4_minus_2p():
    # the remark "worse by a factor ranging from O(n^2) to O(n^4)" (alpha0 = inf, the leading terms)
    for p in (1.0, 0.75):
        r = th.width_sgd(100, 1, 1.0, 1.0, p, False) / th.width_gd(100, 1, 1.0, 1.0, p, False)
        assert r == pytest.approx(100 ** (4 - 2 * p)) == pytest.approx(th.sgd_over_gd(100, p))


def test_separation_recursion_matches_the_arc_cosine_closed_form_and_contracts():
    d = th.separation_recursion(0.1, 8)
    rho = 1 - 0.1**2 / 2
    for ell in range(1, 9):
        rho = (math.sqrt(1 - rho**2) + (math.pi - math.acos(rho)) * rho) / math.pi
        assert d[ell] == pytest.approx(math.sqrt(2 - 2 * rho), rel=1e-10)
    assert np.all(np.diff(d) < 0)
    assert d[2] / 0.1 == pytest.approx(0.98, abs=0.01) and d[8] / 0.1 == pytest.approx(0.92, abs=0.01)
    assert np.all(th.separation_recursion(0.1, 8) >= th.lemma_a4_lower(0.1, 8) - 1e-12)


def test_tau_window_of_the_claims_map():
    lo, hi = th.tau_window(10_000, 1, 2)
    assert lo == pytest.approx(7e-6, rel=0.05) and hi == pytest.approx(3.6e-2, rel=0.05)


def test_worst_case_flip_law_against_the_construction():
    g = torch.Generator().manual_seed(0)
    m = 40_000
    W = torch.randn(m, 5, generator=g, dtype=torch.float64) * math.sqrt(2 / m)
    h = torch.tensor([0.6, 0.0, 0.0, 0.0, 0.8], dtype=torch.float64)
    for tau in (0.003, 0.03):
        f = sign_flips(W @ h, (W + rank_one_adversarial(W @ h, h, tau)) @ h)
        assert f == pytest.approx(float(th.worst_case_flip_fraction(tau)), rel=0.06)


def test_eps_dependence_and_helpers():
    np.testing.assert_allclose(th.eps_dependence(1.0, [0.1, 0.01]), [10, 100])
    np.testing.assert_allclose(th.eps_dependence(0.5, [0.1]), [math.log(10)])
    np.testing.assert_allclose(th.eps_dependence(0.3, [0.1]), [1.0])
    assert th.effective_phi(0.3, 2, 0.5) == 0.25
    assert th.expected_near_zero(100, 0.01) == pytest.approx(10 / math.sqrt(math.pi))
    assert th.norm_deviation_bound(40, 2, 100) == pytest.approx(2 * math.sqrt(math.log(1600) / 100))
