"""overparam.experiments.guo2024 at tiny sizes: each experiment function against what it must compute."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from overparam.experiments import guo2024 as ex
from overparam.kernels.deep import stable_eta
from overparam.nets import DeepEnsemble
from overparam.runtime import derive_seed
from overparam.theory import guo2024 as th
from overparam.train.deep_ensemble import run_grid, train_ensemble


@pytest.fixture(scope="module")
def sets():
    return ex.figure2_datasets(n=20, n_test=8, modes=["lift", "sphere"], depth=2, width=16, reg_source="diabetes",
                               reg_n=20, reg_n_test=8, reg_depth=2, reg_width=16, reg_batch=None, data_seed=3, reg_seed=4)


def test_ranking_margin_decides_the_argmin():
    r = ex.ranking(pd.Series({-2.0: 0.3, -1.0: 0.1, 0.0: 0.2}))
    assert r.argmin == -1.0 and r.margin == pytest.approx(0.1)
    r = ex.ranking({-2.0: 0.05, -1.0: 0.1, 0.0: 0.2})
    assert r.argmin == -2.0 and r.margin == pytest.approx(-0.05)
    assert "α=-1: 0.1000" in r.text()


def test_paired_lead_and_its_interval():
    t = pd.DataFrame({-2.0: [0.3, 0.5, 0.4], -1.0: [0.1, 0.2, 0.3], 0.0: [0.2, 0.6, 0.35]})
    lead = ex.paired_lead(t, -1.0)
    assert np.allclose(lead.per_seed, [0.1, 0.3, 0.05]) and lead.mean == pytest.approx(0.15) and lead.wins == 3
    half = 4.302652729911275 * np.std([0.1, 0.3, 0.05], ddof=1) / math.sqrt(3)  # t_{0.975, 2}
    assert lead.interval == pytest.approx((0.15 - half, 0.15 + half))
    neg = ex.paired_lead(t, [-2.0, -1.0], [0.0])  # min over the worse minus max over the better, per seed
    assert np.allclose(neg.per_seed, [-0.1, 0.1, -0.05])
    one = ex.paired_lead(t.iloc[:1], -1.0)
    assert one.lo == -math.inf and one.hi == math.inf  # one seed decides nothing


def test_algorithm_3_is_the_plain_batch_sum():
    """One SGD step with ALGORITHM_3 moves the weights b/n as far as the n/b-rescaled ("unbiased") step."""
    X = torch.randn(12, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    y = torch.randn(12, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    moves = {}
    for name, kw in [("sum", ex.ALGORITHM_3), ("unbiased", {"sgd_scale": "unbiased"})]:
        ens = DeepEnsemble.guo(3, 8, 2, [0.0], seeds=5, dtype=torch.float64)
        W0 = ens.W[0].detach().clone()
        train_ensemble(ens, X, y, eta=1e-3, steps=1, loss="sum", batch_size=4, generator=torch.Generator().manual_seed(2),
                       **kw)
        moves[name] = ens.W[0].detach() - W0
    assert torch.allclose(moves["sum"], moves["unbiased"] * 4 / 12, rtol=1e-10, atol=1e-14)


def test_activation_family_and_width_conditions():
    fam = ex.activation_family(np.linspace(-3, 0.9, 40), gap_every=5)
    assert fam.gap_error < 1e-12 and len(fam.gap_alphas) == 8
    assert np.allclose(fam.r, th.r(fam.alphas))
    assert fam.curves.shape == (401, 7) and np.allclose(fam.curves["alpha=-1"], np.abs(fam.curves.z) / math.sqrt(2))
    w = ex.width_conditions([-1.0, 0.0], n=100, depth=3, delta=0.2, batch=10)
    assert w.width_gd[0] < w.width_gd[1] and w.width_sgd[0] < w.width_sgd[1]  # r(-1) = 2 > r(0) = 1
    assert w.width_gd[1] == pytest.approx(th.width_required_gd(0.0, 100, 3, 0.2))
    sep = ex.synthetic_separation(200, seed=1)
    assert list(sep.index) == ["raw", "sphere", "lift"] and (sep.delta_pm <= sep.delta + 1e-15).all()


def test_duality_and_evenness_at_tiny_size():
    dual = ex.duality(n=10, width=16, depth=2, steps=20, seed=0)
    assert dual.error < 1e-10 and dual.control > 1e-3
    assert dual.losses.shape == (21, 6)
    even = ex.evenness(n=10, width=32, depth=2, steps=400, alphas=(-1.0, 0.0), seed=0)
    assert even.floor == 4.0 and even.n == 10
    assert even.at("sphere", -1.0, "oddness") < 1e-9 and even.at("sphere", 0.0, "oddness") > 1e-3
    assert even.at("sphere", -1.0) >= even.floor * (1 - 1e-6)  # the even network cannot go below the floor
    assert abs(even.at("sphere", -1.0, "lambda_min")) < 1e-9 < even.at("lift", -1.0, "lambda_min")
    assert even.delta_pm < 1e-12 < even.delta


def test_ntk_lambda_min_and_empirical_ntk():
    spec = ex.ntk_lambda_min(n=20, depth=2, grid=8, seed=0)
    assert set(spec.stats.index) == {("sphere", "hidden"), ("sphere", "all"), ("lift", "hidden"), ("lift", "all")}
    t = spec.table
    assert np.allclose(t.ratio, t.lambda_min / t.r) and np.allclose(t.r, th.r(t.alpha))
    assert (spec.stats.spread >= 1).all() and spec.stats.loc[("lift", "hidden"), "spread"] < 1.3
    emp = ex.ntk_empirical(n=10, depth=2, widths=[16, 64, 256], alphas=(0.0,), n_seeds=2, seed=0, progress=False)
    assert len(emp.table) == 6 and emp.by_width.is_monotonic_decreasing  # error shrinks with the width
    assert -1.0 < emp.fit.slope < 0.0


def test_figure2_and_sgd_share_the_gd_run(sets):
    alphas = [-1.0, 0.0, 0.5]
    d = sets["synthetic, lift"]
    f2 = ex.figure2({"synthetic, lift": d}, alphas=alphas, steps=100, eta_frac=0.5, record_every=10, seed=7, t1=10,
                    t2=100, progress=False)
    s = f2.summary.loc["synthetic, lift"]
    assert s.eta == pytest.approx(stable_eta(d.X, d.depth, alphas, d.width, 0.5, loss="sum"))  # one step for all
    rate = f2.rate("synthetic, lift")
    assert ((rate > 0) & (rate < 1)).all()
    assert s.c_gamma == pytest.approx(1.0 * rate[0.0])  # eq. (17) with C0 = 1 anchors the curve at alpha = 0
    assert np.allclose(f2.table["1-gamma_theory [synthetic, lift]"], s.c_gamma * th.r(np.array(alphas)))
    assert f2.notch("synthetic, lift", at=0.0, neighbours=(-1.0, 0.5)) == pytest.approx(rate[0.0] / min(rate[-1.0], rate[0.5]))
    # SGD with b >= n is GD: with the window of epochs (10, 100) = steps (10, 100) at b = n, the first
    # initialisation and the same step give plain GD's rates exactly
    T = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)
    log, _ = run_grid(T(d.X), T(d.y), alphas, [derive_seed(7, "init", 0)], width=d.width, depth=d.depth, eta=s.eta,
                      steps=100, loss="sum", record_every=10)
    L = log.loss[log.steps]
    sgd = ex.sgd_batches(d, alphas=alphas, batches=[5, 10, 20], eta=s.eta, epochs=(10, 100), n_seeds=2, seed=7)
    full = sgd.table[(sgd.table.b == 20) & (sgd.table.seed == derive_seed(7, "init", 0))].set_index("alpha").rate
    assert np.allclose(full.values, 1 - (L[-1] / L[1]) ** (1 / 90), rtol=1e-6)
    # matched epochs: the run at b = 5 lasts 100 epochs = 400 steps
    assert sgd.curves[sgd.curves.b == 5].step.max() == 400 and sgd.curves[sgd.curves.b == 5].epoch.max() == 100
    per = [float(np.diff(g.pivot(index="b", columns="alpha", values="rate")[alphas].to_numpy() * -1, axis=1).min())
           for _, g in sgd.table.groupby("seed", sort=False)]
    assert np.allclose(sgd.order_lead().per_seed, per)
    assert len(sgd.fits) == 3 and sgd.curves.b.nunique() == 3 and sgd.window == (10, 100)


def test_lazy_training_records_the_probes():
    lazy = ex.lazy_training(n=10, widths=[16, 32, 64], depth=2, steps=20, eta_frac=0.5, n_seeds=2, seed=0,
                            progress=False)
    t = lazy.table
    assert len(t) == 18 and (t.spectral > 0).all() and (t.spectral <= t.distance + 1e-6).all()  # ||.||_2 <= ||.||_F
    assert list(lazy.widest.index) == [-1.0, 0.0, 0.5]
    w = t[t.m == 64].pivot(index="seed", columns="alpha", values="spectral")[[-1.0, 0.0, 0.5]].to_numpy()
    assert np.allclose(lazy.order_lead().per_seed, np.diff(w, axis=1).min(axis=1))
    assert lazy.mean_slope("flips") == pytest.approx(np.mean(lazy.slopes("flips")))


def test_table1_synthetic_summary_and_bound():
    runs = ex.table1_synthetic(n=20, n_test=8, mode="raw", alphas=ex.ALPHAS_T1, n_seeds=2, width=16, depth=2, steps=40,
                               eta_frac=0.5, record_every=10, data_seed=0, seed=1)
    assert runs.frame.seed.nunique() == 2 and sorted(runs.frame.step.unique()) == [0, 10, 20, 30, 40]
    summ = ex.final_and_early(runs.frame, "train_mse", "test_mse", 10)
    fin = runs.frame[runs.frame.step == 40].groupby("alpha").train_mse.mean()
    assert np.allclose(summ.final["mean"], fin)
    assert summ.split_margin() == pytest.approx(fin[[0.0, 0.01, 0.05]].min() - fin[[-2.0, -1.0]].max())
    last = runs.frame[runs.frame.step == 40].pivot(index="seed", columns="alpha", values="train_mse")
    assert np.allclose(summ.lead(-1.0).per_seed, last.drop(columns=-1.0).min(axis=1) - last[-1.0])
    with pytest.raises(ValueError, match="early step"):
        ex.final_and_early(runs.frame, "train_mse", "test_mse", 11)
    gen = ex.generalization_bound(runs, alphas=ex.ALPHAS_T1, t_early=10, width=16, depth=2)
    g = th.gamma_gd(-1.0, runs.eta, runs.delta, 16, 20)
    terms = th.generalization_terms_gd(-1.0, 10, n=20, L=2, m=16, delta=runs.delta, tau=0.1,
                                       loss0=th.initial_loss_bound(20, 16), gamma=g)
    assert gen.table.loc[-1.0, "total"] == pytest.approx(terms["total"])
    assert gen.ratio == pytest.approx(float((gen.table.total / gen.table.measured_test_mse).min()))
    # eq. (17)'s calibration replaces Theorem 3.1's gamma by 1 - C_gamma r(alpha)
    cal = ex.generalization_bound(runs, alphas=ex.ALPHAS_T1, t_early=10, width=16, depth=2, c_gamma=1e-2)
    terms = th.generalization_terms_gd(-1.0, 10, n=20, L=2, m=16, delta=runs.delta, tau=0.1,
                                       loss0=th.initial_loss_bound(20, 16), gamma=1 - 2e-2)
    assert cal.table.loc[-1.0, "total"] == pytest.approx(terms["total"]) and cal.contraction_relu == pytest.approx(1e-2)
    table = ex.table1({"synthetic": ("synthetic", summ), "cifar10": ("CIFAR-10: not run", None)})
    assert table.loc[("final training error", "synthetic"), "α=-1 paper"] == "0.022 ± 0.002"
    assert table.loc[("both", "CIFAR-10: not run")].isna().all()


def test_classification_runs_figure5_and_figure3_reuse():
    runs = ex.classification_runs(source="subset", n=40, n_test=20, alphas=[-1.0, 0.0], n_seeds=1, width=16, depth=2,
                                  epochs=2, batch=8, lr_frac=1.0, seed=0)
    assert runs.lr == pytest.approx(8 / (2 * 16 / 2))
    X = runs.data[0]
    assert np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-5) and -1 < runs.mean_cos < 1
    assert sorted(runs.frame.step.unique()) == [0, 1, 2] and np.isfinite(runs.frame.train_ce).all()
    assert ex.figure3_mnist(runs, n=None) is runs  # the quick profile's Figure 3 is Figure 1's run
    f5 = ex.figure5(runs, alphas=[-1.0, 0.0], widths=[8, 16], depths=[1, 2], depth_width=16, epochs=2, batch=8,
                    lr=runs.lr, n_seeds=2, seed=1)
    assert f5.lr == runs.lr and f5.widths.seed.nunique() == 2 and f5.depths.seed.nunique() == 1
    w = f5.widths[f5.widths.alpha == 0.0].pivot(index="seed", columns="m", values="train_ce")
    assert np.allclose(f5.width_drop(0.0).per_seed, w[8] - w[16])
    t = f5.widths[f5.widths.m == 8].pivot(index="seed", columns="alpha", values="train_ce")
    assert np.allclose(f5.minus_one_lead(8).per_seed, t[0.0] - t[-1.0])
    # one lr for every width: Figure 5's run at Figure 1's width, depth and seed root is Figure 1's run
    again = ex.figure5(runs, alphas=[-1.0, 0.0], widths=[16], depths=[1], depth_width=16, epochs=2, batch=8,
                       lr=runs.lr, n_seeds=1, seed=0)
    last = runs.frame[runs.frame.step == 2].set_index("alpha").train_ce
    assert np.allclose(again.widths.set_index("alpha").train_ce[last.index], last, rtol=1e-6)


def test_initial_ce_on_raw_pixels_is_far_from_ln10():
    ce = ex.initial_ce_raw_pixels(n=50, width=32, depth=2, seed=0)
    assert math.isfinite(ce) and ce > 2 * math.log(10)


def test_figure6_standardises_the_labels(sets):
    df = ex.figure6({"lift": sets["synthetic, lift"]}, alphas=[-1.0, 0.0], steps=20, exp_lambda=0.1, eta_scale=10.0,
                    eta_frac=0.5, record_every=10, n_seeds=2, seed=0)
    assert set(df.data) == {"lift"} and sorted(df.step.unique()) == [0, 10, 20] and df.seed.nunique() == 2
    start = df[df.step == 0].train_mse
    d = sets["synthetic, lift"]
    assert (start < 10).all() and d.y.var() > 1.5  # the raw labels would start far higher
    assert df[df.step == 20].train_mse.mean() < start.mean()


def test_figure4_is_reproducible():
    vit = {"dim": 8, "heads": 2, "dim_head": 4, "layers": 1, "mlp_dim": 8, "head_hidden": 16, "n": 20, "n_test": 10,
           "epochs": 1, "lr": 0.01, "momentum": 0.0, "batch": 5}
    a = ex.figure4(alphas=[-1.0, 0.0], vit=vit, n_seeds=2, seed=3)
    b = ex.figure4(alphas=[-1.0, 0.0], vit=vit, n_seeds=2, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.model.unique()) == ["Transformer"] and len(a) == 8 and a.seed.nunique() == 2
    start = a[(a.step == 0) & (a.seed == 0)].set_index("alpha").train_nll
    assert start[-1.0] != start[0.0]  # one initialisation, but the head's slope differs


def test_experiment_functions_name_the_paper_result():
    """Every experiment function's docstring names the theorem, figure or table it runs."""
    named = ["activation_family", "duality", "evenness", "ntk_lambda_min", "figure2", "sgd_batches", "lazy_training",
             "table1_synthetic", "generalization_bound", "classification_runs", "cifar_runs", "figure3_mnist",
             "figure5", "table1", "figure6", "figure4"]
    pattern = ("Theorem", "Figure", "Table", "Lemma", "Corollary", "Section", "Algorithm")
    for name in named:
        doc = getattr(ex, name).__doc__
        assert doc and any(p in doc for p in pattern), name
        assert "Returns" in doc and "Parameters" in doc, name
