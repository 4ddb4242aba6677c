"""Guo, Li & Lerman (2024): the chapter's checks, asserted from its results.json against their recorded tolerances.

Three kinds of checks. (1) Exact statements (the factor r, Corollary 3.3, the alpha <-> 1/alpha identity, the
evenness at alpha = -1, the kernel's lambda_min against r): their numbers must sit where the identity puts
them. (2) Measured trends the chapter asserts from the theory (lazy training, SGD ordering, Figure 2 on lifted
inputs, the notch at alpha = -1), also recomputed over other seeds. (3) The paper's empirical claims that may
fail at CPU size (Table 1 orderings, "alpha = -1 trains fastest" on real data): their verdict must follow from
the recorded margin, and the measured values must be sane; the chapter reports them as they come out.
"""

import itertools
import math
from types import SimpleNamespace

import pytest

from .common import (
    assert_checks_well_formed,
    assert_clean_page,
    assert_figures,
    assert_meta,
    assert_no_errors,
    assert_verdicts,
)

NAME = "guo_li_lerman"

EXPECTED = {
    "r_is_derivative_gap": "pass",
    "cor33_minus_one_optimal": "pass",
    "duality_alpha_inverse": "pass",
    "evenness_blocks_fit": "pass",
    "lift_restores_fit": "pass",
    "ntk_lambda_min_tracks_r": "pass",
    "ntk_notch_sphere": "pass",
    "ntk_empirical_converges": "pass",
    "fig2_correlation_lift": "pass",
    "fig2_correlation_raw": "fail",
    "fig2_correlation_regression": "fail",
    "fig2_proportional_lift": "fail",
    "fig2_optimum_lift": "pass",
    "fig2_notch_sphere": "pass",
    "sgd_rate_linear_in_b": "fail",
    "sgd_alpha_order": "pass",
    "lazy_distance_shrinks": "pass",
    "lazy_ntk_and_flips_shrink": "pass",
    "lazy_distance_alpha_order": "pass",
    "gen_bound_holds": "pass",
    "gen_bound_prefers_minus_one": "fail",
    "table1_synthetic_fastest": "fail",
    "table1_synthetic_negative_better": "pass",
    "table1_synthetic_test_early": "pass",
    "fig1_classification_fastest": "fail",
    "fig3_mnist_fastest": "fail",
    "fig3_regression_fastest": "pass",
    "fig5_width_monotone": "fail",
    "fig5_minus_one_best": "fail",
    "fig6_exp_loss_fastest": "pass",
    "fig4_transformer_fastest": "fail",
}

# The rule and tolerance of every condition, fixed before the run (the chapter's rules before the reshape).
RANKED = ["gen_bound_prefers_minus_one", "table1_synthetic_fastest", "table1_synthetic_test_early",
          "fig1_classification_fastest", "fig3_mnist_fastest", "fig3_regression_fastest", "fig6_exp_loss_fastest",
          "fig4_transformer_fastest"]
TOLERANCES = {
    "r_is_derivative_gap": {"value": ("at_most", {"bound": 1e-9})},
    "cor33_minus_one_optimal": {"argmin": ("within", {"target": -1.0, "tol": 0.0}),
                                "steps not decreasing below −1": ("at_most", {"bound": 0.0}),
                                "steps not increasing above −1": ("at_most", {"bound": 0.0})},
    "duality_alpha_inverse": {"pairs agree": ("at_most", {"bound": 1e-10}),
                              "control differs": ("at_least", {"bound": 1e-3})},
    "ntk_lambda_min_tracks_r": {"value": ("at_most", {"bound": 1.3})},
    "ntk_notch_sphere": {"value": ("at_most", {"bound": 1.0})},
    "ntk_empirical_converges": {"value": ("within", {"target": -0.5, "tol": 0.2})},
    "fig2_correlation_lift": {"value": ("at_least", {"bound": 0.9})},
    "fig2_correlation_raw": {"value": ("at_least", {"bound": 0.9})},
    "fig2_correlation_regression": {"value": ("at_least", {"bound": 0.9})},
    "fig2_proportional_lift": {"value": ("within", {"target": 1.0, "tol": 0.25})},
    "fig2_optimum_lift": {"value": ("at_least", {"bound": 1.8 - 1e-9})},
    "fig2_notch_sphere": {"value": ("at_most", {"bound": 1.0})},
    "sgd_rate_linear_in_b": {"value": ("within", {"target": 1.0, "tol": 0.3})},
    "sgd_alpha_order": {"value": ("at_least", {"bound": 0.0})},
    "lazy_distance_shrinks": {"value": ("within", {"target": -0.5, "tol": 0.25})},
    "lazy_ntk_and_flips_shrink": {"flips": ("at_most", {"bound": 0.0}), "NTK drift": ("at_most", {"bound": -0.2})},
    "lazy_distance_alpha_order": {"value": ("at_least", {"bound": 0.0})},
    "gen_bound_holds": {"value": ("at_least", {"bound": 1.0})},
    "table1_synthetic_negative_better": {"value": ("at_least", {"bound": 0.0})},
    "fig5_width_monotone": {"value": ("at_least", {"bound": 0.0})},
    "fig5_minus_one_best": {"value": ("at_least", {"bound": 0.0})},
    **{key: {"value": ("at_least", {"bound": 0.0})} for key in RANKED},
}
FIGURES = ["activation_and_r", "duality_and_evenness", "ntk_lambda_min", "figure2", "figure2_loglog", "sgd_batch",
           "lazy_training", "figure1", "figure3", "figure5", "figure6", "figure4"]


@pytest.fixture(scope="module")
def guo(chapter):
    return chapter(NAME)


def cond(guo, key, name="value"):
    return guo.checks[key]["conditions"][name]


def test_executed_cleanly(guo):
    assert_no_errors(guo)
    assert_figures(guo)
    assert_checks_well_formed(guo)
    assert_meta(guo)
    assert_clean_page(guo)
    assert guo.results["figures"] == [f"figures/{name}.png" for name in FIGURES]
    assert {"table1", "figure2_rates", "generalization_bound"} <= {
        t.rsplit("/", 1)[-1].removesuffix(".csv") for t in guo.results["tables"]}


def test_verdicts(guo):
    assert_verdicts(guo, EXPECTED)


@pytest.mark.parametrize("key", sorted(TOLERANCES))
def test_rules_and_tolerances_as_fixed(guo, key):
    """Each check is decided by the rule and tolerance it had before the reshape: no tolerance moved."""
    got = {name: (c["rule"], {p: v for p, v in c.items() if p not in ("rule", "value", "interval")})
           for name, c in guo.checks[key]["conditions"].items()}
    want = TOLERANCES[key]
    assert set(got) == set(want)
    for name, (rule, params) in want.items():
        assert got[name][0] == rule and set(got[name][1]) == set(params)
        assert all(math.isclose(got[name][1][p], v, rel_tol=1e-12, abs_tol=1e-15) for p, v in params.items())


def test_exact_identities_to_rounding(guo):
    assert cond(guo, "r_is_derivative_gap")["value"] < 1e-12  # autograd at ±1e-6 is exact for a piecewise-linear map
    assert guo.checks["cor33_minus_one_optimal"]["measured"] == -1.0
    assert cond(guo, "duality_alpha_inverse", "pairs agree")["value"] < 1e-10
    assert cond(guo, "duality_alpha_inverse", "control differs")["value"] > 0.1  # a different net, not rounding
    even = guo.checks["evenness_blocks_fit"]["conditions"]
    floor = even["α = −1 stays on the floor"]["bound"] / (1 - 1e-6)
    assert floor == pytest.approx(2 * (guo.results["config"]["even_n"] // 5))
    assert even["even at α = −1"]["value"] < 1e-9
    assert floor * (1 - 1e-6) <= even["α = −1 stays on the floor"]["value"] < floor * 1.01  # on the floor, not above it
    assert even["α = −2 fits"]["value"] < 0.1 * floor and even["α = 0 fits"]["value"] < 0.1 * floor
    lift = guo.checks["lift_restores_fit"]["conditions"]
    assert lift["α = −1 fits"]["value"] < 0.1 * floor and lift["λmin(Θ∞) > 0"]["value"] > 1e-2


def test_kernel_tracks_r(guo):
    assert 1.0 <= cond(guo, "ntk_lambda_min_tracks_r")["value"] <= 1.3
    assert cond(guo, "ntk_notch_sphere")["value"] < 1.0
    c = cond(guo, "ntk_empirical_converges")
    assert abs(c["value"] + 0.5) <= 0.2
    lo, hi = c["interval"]
    assert lo <= c["value"] <= hi


def test_lazy_training_tolerances(guo):
    assert abs(cond(guo, "lazy_distance_shrinks")["value"] + 0.5) <= 0.25
    m = guo.checks["lazy_ntk_and_flips_shrink"]["measured"]
    assert max(m["flips"]) < 0 and max(m["ntk_drift"]) < -0.2
    om = {float(k): v for k, v in guo.checks["lazy_distance_alpha_order"]["measured"].items()}
    assert om[-1.0] < om[0.0] < om[0.5]
    assert cond(guo, "lazy_distance_alpha_order")["value"] == pytest.approx(min(om[0.0] - om[-1.0], om[0.5] - om[0.0]),
                                                                           abs=1e-5)


def test_figure2_measurements(guo):
    assert cond(guo, "fig2_correlation_lift")["value"] >= 0.9
    assert cond(guo, "fig2_notch_sphere")["value"] < 1.0
    for key in ("fig2_correlation_raw", "fig2_correlation_regression"):
        assert -1 <= cond(guo, key)["value"] <= 1
    c = cond(guo, "fig2_proportional_lift")
    assert 0.2 < c["value"] < 1.5  # a real, positive dependence on r (flatter or not)
    lo, hi = c["interval"]
    assert lo <= c["value"] <= hi
    best = guo.checks["fig2_optimum_lift"]["measured"]
    assert (1 - best) ** 2 / (1 + best**2) == pytest.approx(cond(guo, "fig2_optimum_lift")["value"])
    assert cond(guo, "fig2_optimum_lift")["value"] >= 1.8 - 1e-9


def test_sgd(guo):
    assert cond(guo, "sgd_rate_linear_in_b")["value"] > 0  # bigger batches (batch-sum loss) never slow the rate
    piv = guo.checks["sgd_alpha_order"]["measured"]
    for b in piv["-1.0"]:
        assert piv["-1.0"][b] > piv["0.0"][b] > piv["0.5"][b]


@pytest.mark.parametrize("key", RANKED)
def test_paper_claims_reported_consistently(guo, key):
    """The verdict of each "alpha = -1 is best" claim follows from the recorded lead of alpha = -1."""
    c = guo.checks[key]
    margin = cond(guo, key)["value"]
    assert math.isfinite(margin)
    assert (c["measured"] == -1.0) == (margin > 0), c["reason"]
    assert c["measured"] in (-2.0, -1.0, 0.0, 0.01, 0.05)


def test_table1_and_figure5_orderings(guo):
    c = guo.checks["table1_synthetic_negative_better"]
    assert (c["verdict"] == "pass") == (cond(guo, "table1_synthetic_negative_better")["value"] >= 0)
    assert 0 < c["measured"] < 10
    meas = guo.checks["fig5_width_monotone"]["measured"]
    curves = {a: [v for _, v in sorted((float(m), x) for m, x in row.items())] for a, row in meas.items()}
    mono = all(all(b < a for a, b in itertools.pairwise(v)) for v in curves.values())
    assert mono == (cond(guo, "fig5_width_monotone")["value"] > 0)
    best = guo.checks["fig5_minus_one_best"]["measured"]
    assert all(v == -1.0 for v in best.values()) == (cond(guo, "fig5_minus_one_best")["value"] > 0)


def test_generalization_bound_is_vacuous(guo):
    assert cond(guo, "gen_bound_holds")["value"] >= 10  # unit constants: far above the test error


@pytest.mark.parametrize("seed", [1, 2])
def test_stochastic_claims_hold_over_seeds(guo, seed):
    """The chapter's stochastic theory checks, recomputed with other seeds through the same library calls, at the
    sizes recorded in results.json, with the chapter's tolerances."""
    from overparam.experiments import guo2024 as ex

    S = SimpleNamespace(**guo.results["config"])
    dual = ex.duality(n=S.dual_n, width=S.dual_width, depth=S.depth, steps=100, eta_frac=S.eta_frac, seed=seed)
    assert dual.error < 1e-10 and dual.control > 1e-3
    even = ex.evenness(n=S.even_n, width=S.dual_width, depth=S.depth, steps=S.even_steps, eta_frac=S.eta_frac,
                       alphas=(-1.0, 0.0), seed=seed)
    assert even.at("sphere", -1.0) >= even.floor * (1 - 1e-6) and even.at("sphere", 0.0) < 0.1 * even.floor
    assert even.at("lift", -1.0) < 0.1 * even.floor
    spec = ex.ntk_lambda_min(n=S.ntk_n, depth=S.ntk_depth, grid=25, seed=seed)
    assert spec.stats.loc[("lift", "hidden"), "spread"] <= 1.3
    lift = ex.figure2({"lift": _synthetic_sets(S, seed)["synthetic, lift"]}, alphas=S.fig2_alphas, steps=1000,
                      eta_frac=S.eta_frac, record_every=1000, seed=seed, progress=False)
    assert lift.summary.correlation["lift"] >= 0.9


def _synthetic_sets(S, seed):
    from overparam.experiments import guo2024 as ex

    return ex.figure2_datasets(n=S.n, n_test=10, modes=["lift", "sphere"], depth=S.depth, width=S.width,
                               reg_source="diabetes", reg_n=20, reg_n_test=10, reg_depth=1, reg_width=8, reg_batch=None,
                               data_seed=seed, reg_seed=seed)


def test_sphere_notch_is_a_trend_over_draws(guo):
    """The notch at alpha = -1 on unit-sphere inputs comes from near-antipodal pairs, so its depth depends on the
    draw (its closest such pair, delta_pm): asserted as a trend, in most of three draws and in their median.
    (With these seeds the draw of seed 2 has the largest delta_pm, 0.20, and the shallowest notch, 1.005.)"""
    import numpy as np

    from overparam.experiments import guo2024 as ex

    S = SimpleNamespace(**guo.results["config"])
    notches = []
    for seed in (1, 2, 3):
        f2 = ex.figure2({"sphere": _synthetic_sets(S, seed)["synthetic, sphere"]}, alphas=[-1.2, -1.0, -0.8, 0.0],
                        steps=1000, eta_frac=S.eta_frac, record_every=1000, seed=seed, progress=False)
        notches.append(f2.notch("sphere"))
    assert sum(v < 1.0 for v in notches) >= 2 and float(np.median(notches)) < 1.0, notches


TINY = '''
TINY = dict(n=20, n_test=10, depth=2, width=16, steps=1000, fig2_alphas=[-2, -1.2, -1, -0.8, 0, 0.01, 0.05, 0.5],
    reg_n_test=5, reg_depth=2, reg_width=16, reg_batch=4, t1_seeds=2, class_n=12, class_n_test=None, class_width=16,
    class_epochs=3, class_batch=4, class_seeds=2, t_early_class=3, mnist_n=12,
    cifar={"n": 4, "channels": 4, "epochs": 2, "lr": 1e-3, "seeds": 2, "t_early": 2},
    fig5_widths=[8, 16, 32], fig5_depths=[1, 2], fig5_depth_width=16, fig5_epochs=2, exp_steps=50,
    vit={"dim": 8, "heads": 2, "dim_head": 4, "layers": 1, "mlp_dim": 8, "head_hidden": 16, "n": 12, "n_test": 8,
         "epochs": 2, "lr": 0.01, "momentum": 0.0, "batch": 4}, fig4_alphas=[-1.0, 0.0],
    lstm={"n": 6, "seq_len": 10, "epochs": 2, "lr": 0.1, "batch": 2}, dual_n=10, dual_width=16, dual_steps=20,
    even_n=10, even_steps=50, ntk_n=20, ntk_depth=2, ntk_grid=10, ntk_widths=[16, 32, 64], ntk_emp_n=10,
    lazy_n=10, lazy_widths=[16, 32, 64], lazy_steps=20, sgd_batches=[5, 10, 20])


def _tiny(sizes):
    """The size table with the paper column shrunk to TINY."""
    return {k: {**v, "paper": TINY.get(k, v["paper"])} for k, v in sizes.items()}

'''


def test_paper_profile_code_path_runs_on_fixture_data(tmp_path):
    """The `paper` profile's code path (real-data loaders, SGD on the regression set, CIFAR-10's Table 7 network,
    the LSTM on IMDB, the full Transformer path) executed end to end on the tiny fixture files of
    data/fixtures/guo2024, with every size shrunk; nothing is downloaded."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import jupytext

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "data" / "fixtures" / "guo2024", tmp_path / "data")
    src = jupytext.writes(jupytext.read(root / "chapters" / f"{NAME}.md"), fmt="py:percent")
    assert src.count("sizes=ex.SIZES)") == 1
    src = (src.replace('profile = "quick"', 'profile = "paper"', 1).replace('device = "auto"', 'device = "cpu"', 1)
           .replace('out_dir = "_scratch/guo_li_lerman"', f'out_dir = "{tmp_path / "out"}"', 1)
           .replace("sizes=ex.SIZES)", "sizes=_tiny(ex.SIZES))", 1).replace("plt.show()", "plt.close('all')"))
    script = tmp_path / "chapter_paper_tiny.py"
    script.write_text(TINY + src)
    env = {**os.environ, "OVERPARAM_DATA": str(tmp_path / "data"), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
           "OVERPARAM_PROGRESS": "off"}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["meta"]["profile"] == "paper"
    assert set(EXPECTED) == set(res["checks"])
    assert set(FIGURES) <= {f.rsplit("/", 1)[-1].removesuffix(".png") for f in res["figures"]}
    table1 = (tmp_path / "out" / "tables" / "table1.csv").read_text()
    assert "CIFAR-10" in table1 and "F-MNIST" in table1 and "stand-in" not in table1 and "not run" not in table1
    fig4 = (tmp_path / "out" / "figures" / "figure4.csv").read_text()
    assert "LSTM" in fig4 and "Transformer" in fig4
    assert list((tmp_path / "data" / "cache").glob("imdb-*.npz"))  # the loaders' cache was used
    assert list((tmp_path / "data" / "cache").glob("mnist-*.npz"))  # Figures 3 and 4 read the MNIST IDX files
