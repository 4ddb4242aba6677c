"""Noy et al.'s constants, steps and Table 1, against the numbers the paper and its reading state."""

import math

import pytest

from overparam.theory import noy2021 as th


def test_constants_and_steps():
    m, L, dx, dy, n = 1024, 4, 64, 1, 16
    assert th.beta2(m, dx, dy) / th.alpha2(m, dx, dy) == pytest.approx(81 ** 2)
    assert th.rate_guarantee(th.eta_theory(m, L, dx, dy), m, L, dx, dy) == pytest.approx(1 - 1 / 13122)
    assert th.C_T == 13122
    # at m = n^2 L d_y the printed step is 729/16 times the proof's step
    assert th.eta_printed(n, L, dx, dy) / th.eta_theory(th.width_thm1(n, L, dy), L, dx, dy) == pytest.approx(729 / 16)
    assert th.ell0_bound(m, n, dx) == 4 * m * n / dx


def test_scale_warnings_of_the_claims_map():
    assert th.lemma3_min_width(4, theta=0.2) == pytest.approx(230_400)
    assert th.tau_max_eq50(4, theta=0.25) == pytest.approx(4.05e-4, rel=0.01)
    n, m, dx = 8, 256, 64
    ell0 = th.ell0_bound(m, n, dx)
    want = 5498.5 * math.sqrt(n / m) * math.log(ell0 / 1e-6) / 4
    assert th.tau_bound_eq5(m, 4, ell0, 1e-6, dx) == pytest.approx(want, rel=1e-4)


def test_overlap_recursion_and_g_correlation():
    rec = th.overlap_recursion(12)
    assert list(rec.overlap[:5].round(3)) == [0.25, 0.302, 0.332, 0.353, 0.369]
    assert rec.overlap[12] == pytest.approx(0.427, abs=2e-3)
    c = th.g_correlation_prediction(2)
    assert c == pytest.approx([0.318, 0.192, 0.127], abs=1.5e-3)


def test_table1():
    t = th.table1(100, 4)
    assert t.loc["Noy et al. (ours)", "log10 width"] == pytest.approx(math.log10(100 ** 2 * 4))
    ratio = t.loc["Zou & Gu [2019]", "log10 width"] - t.loc["Noy et al. (ours)", "log10 width"]
    assert ratio == pytest.approx(math.log10(100 ** 6 * 4 ** 11))  # "a factor of O(n^6 L^11)"
    assert th.zou_gu_imagenet_log10_params() == pytest.approx(172.7, abs=0.1)
