"""The Oymak & Soltanolkotabi (2020) experiments on tiny sizes: shapes, closed forms, and agreement with a
slow obvious computation of the same quantity."""

import math

import numpy as np
import pytest
import torch

from overparam.experiments import oymak2020 as ex
from overparam.experiments.oymak2020 import real_data
from overparam.kernels.two_layer import relu_expected_gram
from overparam.measure.two_layer_jacobian import jacobian
from overparam.nets import output_weights
from overparam.nets.activations import activation_pair
from overparam.runtime import generator_for


def test_sphere_inputs_are_unit_rows():
    X = ex.sphere_inputs(7, 3, torch.Generator().manual_seed(0))
    assert X.shape == (7, 3) and X.dtype == torch.float64
    torch.testing.assert_close(X.norm(dim=1), torch.ones(7, dtype=torch.float64))


def test_jacobian_scan_agrees_with_the_explicit_jacobian():
    n, d, log2k, draws, seed = 8, 3, [0, 1, 2, 3], 2, 5
    scan = ex.jacobian_at_init(n, [d], log2k, draws, seed=seed)
    assert len(scan.table) == len(log2k) * draws
    # replay the stream: X, then every W0 in order; sigma_min of the explicit n x kd Jacobian
    g = generator_for(seed, "d", d)
    X = ex.sphere_inputs(n, d, g)
    for row in scan.table.itertuples():
        W0 = torch.randn(row.k, d, generator=g, dtype=torch.float64)
        v = output_weights(row.k, math.sqrt(n), n)
        sv = torch.linalg.svdvals(jacobian(W0, X, v, "softplus"))
        full = torch.zeros(n, dtype=torch.float64)
        full[: sv.numel()] = sv
        assert row.sigma_max == pytest.approx(float(full[0]), rel=1e-8, abs=1e-12)
        assert row.sigma_min == pytest.approx(float(full[-1]), abs=1e-7)
        assert row.kd_eff == 2 * (row.k // 2) * d
    # kd_eff < n: rank-deficient, so sigma_min is zero to round-off
    assert scan.zero_below < 1e-7 and (scan.table.kd_eff < n).any()


def test_meta_run_bookkeeping():
    meta = ex.meta_theorem_run(6, 3, [4, 40, 400], 30, 10, seed=1)
    assert list(meta.table.index) == [4, 40, 400] and meta.residuals.shape == (3, 31)
    t = meta.table
    # at step 0 the (6.9) envelope and the (6.10) potential equal ||r0|| exactly, so their maxima are >= 1
    assert (t["max r^2 / envelope (6.9)"] >= 1 - 1e-12).all() and (t["max potential / r0 (6.10)"] >= 1 - 1e-12).all()
    assert (t["path length"] >= t["distance"] - 1e-12).all()  # the triangle inequality
    assert (t["alpha (min along run)"] <= t["sigma_min(J0)"] + 1e-12).all()
    # the residual at step 0 is ||phi(X W0^T) v - y||, drawn from the same stream
    g = generator_for(1)
    X = ex.sphere_inputs(6, 3, g)
    y = torch.randn(6, generator=g, dtype=torch.float64)
    W0 = torch.randn(4, 3, generator=g, dtype=torch.float64)
    r0 = activation_pair(X @ W0.T, "softplus")[0] @ output_weights(4, float(y.norm()), 6) - y
    assert meta.residuals[0, 0] == pytest.approx(float(r0.norm()), rel=1e-12)
    assert meta.eta == pytest.approx(6 / (2 * float(y.norm()) ** 2 * float(torch.linalg.matrix_norm(X, 2)) ** 2))
    assert set(meta.quotes()) >= {"meta_rate_fit", "drift_slope", "k_top"}


def test_lambda_study_and_requirements():
    lam = ex.lambda_study(12, 4, 4000, seed=2)
    t = lam.table
    assert list(t.index) == ["softplus", "relu"]
    assert lam.lam("relu") == pytest.approx(float(torch.linalg.eigvalsh(relu_expected_gram(lam.X))[0]))
    assert (t["MC z-score"].abs() <= 4).all()  # Monte Carlo within 4 standard errors of the exact value
    # Lemma 6.4, a proved inequality evaluated exactly: lambda(X) >= mu^2 sigma_min^2(X * X)
    assert (t["λ(X) exact"] >= t["Lemma 6.4 bound μ²σ²min(X*X)"] * (1 - 1e-9)).all()
    assert (t["λ(X) exact"] <= t["upper bound E[φ'(g)²] (6.16)"]).all()  # lambda_min <= the diagonal
    req = ex.requirements_vs_practice(lam, {"softplus": 20.0, "relu": 40.0})
    assert req.loc["Cor 2.2, smooth on the sphere (√(kd) ≥ n, constant 1)", "parameters kd required"] == 12**2
    np.testing.assert_allclose(req["required / trained"], req["parameters kd required"] / req["kd trained to 90% success"])


def test_separation_pair_block_is_the_closed_form():
    sep = ex.separation_sweep(8, 4, [1e-3, 3e-3, 1e-2], 1, seed=3)
    t = sep.table
    np.testing.assert_allclose(t.delta_X, t.delta, rtol=1e-9)  # the pair sets the separation
    # ReLU: Sigma_ii = 1/2, Sigma_ij = rho (pi - arccos rho) / (2 pi) with rho = 1 - delta^2 / 2
    rho = 1 - t.delta**2 / 2
    np.testing.assert_allclose(t.lam_pair_relu, 0.5 - rho * (np.pi - np.arccos(rho)) / (2 * np.pi), rtol=1e-6)
    assert (t.lam_relu <= t.lam_pair_relu * (1 + 1e-9)).all()  # interlacing
    assert sep.min_ratio_I1 == pytest.approx(float((t.lam_relu / (t.delta_X / (100 * 8**2))).min()))
    assert sep.min_ratio_I1 >= 1  # Theorem I.1, proved and evaluated exactly: lambda_ReLU(X) >= delta / (100 n^2)


def test_iterations_to_eps_and_a_censored_run():
    rate = ex.iterations_to_eps([(12, 3), (12, 6)], 4, ["relu"], 1, 1e-2, 0.15, 5000, seed=4)
    t = rate.table
    assert len(t) == 4 and set(t.variant) == {"theorem step", "fixed step"}
    assert t.groupby("d").k.first().to_dict() == {3: 16, 6: 8}  # k = round(4 n / d)
    np.testing.assert_allclose(t["iterations x d/n"], t.iterations * t.d / t.n)
    assert rate.levels == 2 and rate.runs == 2
    assert rate.c_max == pytest.approx(min(math.sqrt(16 * 3) * 3 / 144, math.sqrt(8 * 6) * 6 / 144))
    short = ex.iterations_to_eps([(12, 3), (12, 6)], 4, ["relu"], 1, 1e-2, 0.15, 1, seed=4)
    assert short.censored == short.censored_fixed == 2  # no run reaches eps in one step, at either step
    assert math.isnan(short.slope_fit.slope) and math.isnan(short.fixed_fit.slope)


def test_sgd_against_gd_shapes_and_steps():
    sgd = ex.sgd_against_gd(6, 3, 8, 2, 5, seed=5)
    assert sgd.gd.shape == sgd.sgd.shape == sgd.sgd_theorem.shape == (2, 6)
    np.testing.assert_allclose(sgd.gd[:, 0], sgd.sgd[:, 0])  # the same problems: the same initial error
    assert (sgd.eta_sgd >= sgd.eta_gd).all()  # 1/max_i G_ii >= 1/lambda_max(G)
    assert (sgd.eta_theorem < sgd.eta_sgd).all()
    assert sgd.bound_sq[0] == pytest.approx(float((sgd.sgd_theorem[:, 0] ** 2).mean()))


def test_figure2_budget_and_lazy_tables():
    runs = ex.figure2([12], [2, 6], 2, 300, 2.5e-3, seed=6, n_boot=5, threads=1)
    assert set(runs) == {(12, "softplus"), (12, "relu")}
    run = runs[(12, "relu")]
    assert len(run.table) == 2 * 2 * 2 and run.realizations == 2
    assert not run.below_rank.success.any()  # 2 floor(k/2) d < n cannot interpolate
    budgets = ex.boundary_vs_budget(runs, [100, 300, 600], 2.5e-3, seed=7, n_boot=5, threads=1)
    rel = budgets[budgets.activation == "relu"].set_index("budget")["success rate"]
    assert rel[300] == pytest.approx(run.table.success.mean())  # the run's own budget
    assert rel[100] <= rel[300] <= rel[600]  # a longer budget never loses a success
    lazy = ex.not_lazy_table(runs)
    assert list(lazy.index) == [(12, "softplus"), (12, "relu")]
    assert list(ex.figure2_table(runs).index) == list(lazy.index)


def test_random_features_spectrum_and_grid():
    rf = ex.random_features_spectrum(10, [3], [5, 10, 40, 80], 2, seed=8)
    assert (rf.k_mid, rf.k_max) == (40, 80)
    assert not rf.below_n.full_rank.any()  # Phi is n x k: rank <= k < n
    assert (rf.below_n["sigma_min/sigma_max"] == 0).all() and rf.at_or_above_n.full_rank.all()
    assert rf.min_rank_margin > 1 and len(rf.singular) == 0
    # Theorem 3.2 / Lemma H.2, proved and evaluated exactly: lambda~(X) >= gamma^2 sigma_min^2(X * X)
    assert (rf.kernel["lambda~"] >= rf.kernel["bound gamma^2 sigma2"] * (1 - 1e-9)).all()
    np.testing.assert_allclose(rf.kernel["Thm 3.2 width (C = 1)"], math.log(10) ** 2 * 10 / rf.kernel["lambda~"])
    ls = ex.random_features_grid(10, [2, 3], [5, 9, 10, 12], 2, 2.5e-3, seed=9)
    assert len(ls.table) == 2 * 2 * 2 * 4
    assert (ls.table.success == (ls.table.rel_residual < 2.5e-3)).all()
    c = ls.disagreements("relu")
    sub = ls.table[ls.table.activation == "relu"]
    assert c["success_below_n"] == int(((sub.k < 10) & sub.success).sum())
    assert ls.p_lucky == pytest.approx(2 * 2.5e-3 * math.sqrt(10) / math.sqrt(2 * math.pi))
    assert c["fits_at_n_minus_1"] == 2 * 2 and c["lucky_allowance"] == ls.lucky_allowance(4)
    assert ls.lucky_allowance(0) == 0 and ls.lucky_allowance(18) <= ls.lucky_allowance(1000)
    # the SVD solve interpolates at every k >= n, except ReLU at d = 2: on a circle relu(w.x) has no odd
    # harmonic above the first, so Phi is truly rank-deficient there (the chapter's grid starts at d = 4)
    above = ls.table[ls.table.k >= 10]
    assert above[(above.d == 3) | (above.activation == "softplus")].success.all()
    assert not above[(above.d == 2) & (above.activation == "relu")].full_rank.any()


def test_real_data_phase_on_principal_components(monkeypatch):
    # a small stand-in for the 5,000 MNIST images (the real loader is tested in test_data)
    images = np.random.default_rng(0).random((200, 30)) * np.linspace(1, 0.1, 30)
    monkeypatch.setattr(real_data, "load_mnist", lambda *a, **kw: (images, None, None, None))
    pcs = ex.mnist_principal_components(4, seed=0)
    assert pcs.shape == (200, 4)
    np.testing.assert_allclose(pcs.T @ pcs, np.diag(np.diag(pcs.T @ pcs)), atol=1e-9)  # orthogonal components
    assert (np.diff(pcs.var(axis=0)) <= 1e-12).all()  # in decreasing variance
    real = ex.real_data_phase(["softplus"], [2, 3], 1, 20, 2.5e-3, seed=10, n=12, n_boot=5, threads=1)
    assert list(real.runs) == ["softplus"] and len(real.runs["softplus"].table) == 4
    assert real.lam_relu > 0
