"""The Zou et al. experiments at toy sizes: shapes, the quantities they record, and their reference values."""

import numpy as np
import pytest
import torch

from overparam.experiments import zou2020 as ex

DATA = {"d": 8, "mu": 0.5}


@pytest.fixture(autouse=True)
def _threads(one_thread):
    yield


def test_sizes_give_every_profile():
    assert all(set(row) == {"quick", "paper"} for row in ex.SIZES.values())


def test_init_sweep_records_norm_deviation_and_outputs():
    r = ex.init_sweep(n=8, phi=0.2, widths=[16, 64, 256], depths=[1, 2], seeds=3, delta=0.05, seed=0, **DATA)
    assert len(r.table) == 2 * 3 * 3 and set(r.dev_fit) == {1, 2}
    assert np.all(r.table.dev > 0) and np.all(r.table.bound > r.table.std_pred)
    assert r.dev_fit[2].slope < 0


def test_separation_and_layers_against_the_recursion():
    s = ex.separation_check(n=8, phi=0.25, width=2048, seeds=4, delta=0.05, seed=0, **DATA)
    assert s.ratios.shape == (4,) and s.frequency == 0.0 and 0.9 < s.infinite < 1
    lay = ex.separation_by_layer(n=8, phis=[0.1, 0.5], width=256, depth=3, seeds=2, seed=0, **DATA)
    assert len(lay) == 2 * 4
    assert np.allclose(lay[lay.layer == 0].measured, 1.0)  # layer 0 is the data itself
    assert np.all(np.diff(lay[lay.phi > 0.4].infinite) < 0)


def test_gradient_upper_is_order_one():
    u = ex.gradient_upper(n=6, phi=0.2, width=128, depths=[1, 2, 4], seeds=2, seed=0, **DATA)
    assert set(u.table.L) == {1, 2, 4} and len(u.table) == 2 * (1 + 2 + 4)
    assert 0.1 < u.table.U.max() < 3


def test_flips_worst_case_dominates_random_and_follows_the_law():
    f = ex.flips_vs_tau(n=4, phi=0.3, width=4096, taus=[1e-3, 1e-2, 3e-2], seeds=2, seed=0, **DATA)
    assert len(f.table) == 6
    assert np.all(f.table.worst > f.table.random)
    assert 0.85 < f.worst_over_predicted < 1.15 and 0.55 < f.worst_fit.slope < 0.8


def test_gradient_lower_qp_and_duplicates():
    g = ex.gradient_lower(width=4096, ns=[4, 8], phis=[0.05, 0.2], n_fixed=8, phi_fixed=0.1, seeds=2, seed=0, **DATA)
    assert len(g.table) == 2 * 4
    assert np.all(g.table.gamma <= g.table.uniform + 1e-12)  # the worst case is at most the uniform weights
    assert np.all(g.table.gap >= 0) and g.phi_fit.slope > 0 and g.n_fit.slope < 0
    assert g.duplicates["gamma_dup"] == pytest.approx(g.duplicates["gamma"], rel=1e-4)
    assert abs(g.duplicates["lam_min_dup"]) < 1e-10


def test_training_experiments_reach_their_targets():
    gd = ex.gd_widths(n=8, phi=0.3, depth=1, widths=[32, 64, 128], eta_bar=4.0, fixed_step=5, max_steps=300,
                      seeds=2, seed=0, fit_from=32, **DATA)
    assert np.all(gd.table.k100 >= 0) and np.all(gd.table.dist_fixed > 0)
    sw = ex.gd_phi_n(ns=[6, 8], phis=[0.2, 0.4], n_fixed=8, phi_fixed=0.2, depth=1, width=64, eta_bar=4.0,
                     max_steps=300, seeds=2, seed=0, **DATA)
    assert set(sw.sweep) == {"phi", "n"} and np.all(sw.k100 >= 0)
    sg = ex.sgd_batches(n=8, phi=0.3, depth=1, width=64, batches=[8, 2], eta_bar=4.0, max_steps=2000, seeds=2,
                        seed=0, **DATA)
    assert np.all(sg.k100 > 0) and np.allclose(sg[sg.B == 8].epochs, sg[sg.B == 8].k100)
    st = ex.sgd_streams(n=8, phi=0.3, depth=1, width=64, batch=2, eta_bar=4.0, steps=20, streams=4, seed=0, **DATA)
    assert st.curves.shape == (21, 4) and np.allclose(st.curves[0], st.curves[0, 0])  # one initialisation
    mean, lo, hi = st.decrease_interval()
    assert lo <= mean <= hi
    er = ex.eps_runs(n=8, phi=0.3, depth=1, width=64, eps={"squared_hinge": [1e-1, 1e-2, 1e-3]},
                     eta_bar={"squared_hinge": 2.0}, max_steps=3000, seeds=2, seed=0, **DATA)
    assert np.all(er.table.k > 0) and np.all(er.increments("squared_hinge") > 0)
    torch.testing.assert_close(torch.tensor(er.mean_k("squared_hinge").index.to_numpy()),
                               torch.tensor([1e-1, 1e-2, 1e-3], dtype=torch.float64))


def test_linearisation_of_one_gd_step():
    lin = ex.linearisation(n=6, phi=0.3, depth=2, widths=[32, 128], eta_bar=4.0, seeds=2, seed=0, **DATA)
    assert len(lin.table) == 4
    assert np.all(lin.table.nonlinearity < 0.5) and np.all((lin.table.last_share > 0) & (lin.table.last_share < 1))
    assert np.all(lin.table.delta_ratio > 0)


def test_margin_data_keep_phi_while_all_pairs_shrink():
    t = ex.assumption_comparison(ns=[20, 320], gamma=0.1, d=3, mu=0.5, seed=0)
    assert np.all(t.phi >= 0.2) and t.delta.iloc[-1] < t.delta.iloc[0] / 10


def test_near_zero_counts_average_one_over_sqrt_pi():
    r = ex.near_zero_counts(n=8, phi=0.2, widths=[256, 1024], depth=1, seeds=3, delta=0.05, scale=4.0, seed=0, **DATA)
    assert len(r) == 6 and np.all(r.max_ratio >= r.mean_ratio)
    assert abs(r.mean_ratio.mean() - 1 / np.sqrt(np.pi)) < 0.1
