"""Guo, Li & Lerman (2024): the chapter's checks, asserted from its results.json against their recorded tolerances.

Every check has a kind and quotes the paper. Exact statements (the alpha <-> 1/alpha identity, the evenness at
alpha = -1, the kernel's lambda_min against r) must sit where the identity puts them; the identities of the
definitions (r is the squared derivative gap, Corollary 3.3) are unit tests, not page verdicts. The paper's
orderings ("alpha = -1 trains fastest") are decided over >= 5 seeds by a paired margin and its t-interval
(``exceeds``): their verdicts, pass, fail or inconclusive, follow from the recorded intervals.
"""

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
    "duality_alpha_inverse": "pass",
    "evenness_blocks_fit": "pass",
    "lift_restores_fit": "pass",
    "ntk_lambda_min_tracks_r": "pass",
    "ntk_notch_sphere": "pass",
    "ntk_empirical_converges": "pass",
    "fig2_correlation_lift": "pass",
    "fig2_correlation_raw": "fail",
    "fig2_correlation_regression": "fail",
    "fig2_proportional_lift": "pass",
    "fig2_notch_sphere": "pass",
    "sgd_rate_linear_in_b": "pass",
    "sgd_alpha_order": "pass",
    "lazy_distance_shrinks": "pass",
    "lazy_ntk_and_flips_shrink": "pass",
    "lazy_distance_alpha_order": "pass",
    "gen_bound_prefers_minus_one": "pass",
    "table1_synthetic_fastest": "inconclusive",
    "table1_synthetic_negative_better": "pass",
    "table1_synthetic_test_early": "fail",
    "fig1_classification_fastest": "fail",
    "fig5_width_monotone": "pass",
    "fig5_minus_one_best": "fail",
    "fig6_exp_loss_fastest": "inconclusive",
    "fig4_transformer_fastest": "inconclusive",
}
KINDS = {
    "duality_alpha_inverse": "beyond", "evenness_blocks_fit": "erratum", "lift_restores_fit": "beyond",
    "ntk_lambda_min_tracks_r": "beyond", "ntk_notch_sphere": "beyond", "ntk_empirical_converges": "beyond",
    "fig2_correlation_lift": "remark", "fig2_correlation_raw": "beyond", "fig2_correlation_regression": "remark",
    "fig2_notch_sphere": "beyond", "lazy_distance_alpha_order": "beyond",
}
# Checks changed after the audit of issue #9 must say so on the page.
POST_HOC = {"fig2_proportional_lift", "sgd_rate_linear_in_b", "gen_bound_prefers_minus_one"}

ZERO = ("exceeds", {"bound": 0.0})
ORDERINGS = ["sgd_alpha_order", "lazy_distance_alpha_order", "table1_synthetic_fastest",
             "table1_synthetic_negative_better", "table1_synthetic_test_early", "fig1_classification_fastest",
             "fig6_exp_loss_fastest", "fig4_transformer_fastest"]
# The rule and tolerance of every condition, fixed before the run.
TOLERANCES = {
    "duality_alpha_inverse": {"pairs agree": ("at_most", {"bound": 1e-10}),
                              "control differs": ("at_least", {"bound": 1e-3})},
    "ntk_lambda_min_tracks_r": {"value": ("at_most", {"bound": 1.3})},
    "ntk_notch_sphere": {"value": ("at_most", {"bound": 1.0})},
    "ntk_empirical_converges": {"value": ("within", {"target": -0.5, "tol": 0.2})},
    "fig2_correlation_lift": {"value": ("at_least", {"bound": 0.9})},
    "fig2_correlation_raw": {"value": ("at_least", {"bound": 0.9})},
    "fig2_correlation_regression": {"value": ("at_least", {"bound": 0.9})},
    "fig2_notch_sphere": {"value": ("at_most", {"bound": 1.0})},
    "sgd_rate_linear_in_b": {"value": ("within", {"target": 1.0, "tol": 0.3})},
    "lazy_distance_shrinks": {"value": ("within", {"target": -0.5, "tol": 0.25})},
    "lazy_ntk_and_flips_shrink": {"flips": ("at_most", {"bound": 0.0}), "NTK drift": ("at_most", {"bound": -0.2})},
    "gen_bound_prefers_minus_one": {"training term dominant": ("at_least", {"bound": 0.5}),
                                    "argmin at α = −1": ("at_least", {"bound": 0.0})},
    **{key: {"value": ZERO} for key in ORDERINGS},
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


def test_kinds_sources_and_post_hoc_marks(guo):
    for key, c in guo.checks.items():
        assert c["kind"] == KINDS.get(key, "claim"), key
        assert c["source"].strip(), key
        assert bool(c.get("post_hoc")) == (key in POST_HOC), key
    # one result, one check: under quick Figure 3's MNIST run is Figure 1's, and the identities are unit tests
    assert not {"fig3_mnist_fastest", "fig3_regression_fastest", "r_is_derivative_gap", "cor33_minus_one_optimal",
                "gen_bound_holds", "fig2_optimum_lift"} & set(guo.checks)
    line = guo.results["values"]["verdict_line"]
    assert "claim:" in line and "beyond:" in line


@pytest.mark.parametrize("key", sorted(TOLERANCES))
def test_rules_and_tolerances_as_fixed(guo, key):
    """Each check is decided by the rule and tolerance fixed for it: no tolerance moved with the result."""
    got = {name: (c["rule"], {p: v for p, v in c.items() if p not in ("rule", "value", "interval")})
           for name, c in guo.checks[key]["conditions"].items()}
    want = TOLERANCES[key]
    assert set(got) == set(want)
    for name, (rule, params) in want.items():
        assert got[name][0] == rule and set(got[name][1]) == set(params)
        assert all(math.isclose(got[name][1][p], v, rel_tol=1e-12, abs_tol=1e-15) for p, v in params.items())


def test_orderings_are_decided_by_their_intervals(guo):
    """Every ordering is an ``exceeds`` on a paired margin over >= 5 seeds, with an interval around it."""
    n_seeds = guo.results["config"]
    assert min(n_seeds["t1_seeds"], n_seeds["class_seeds"], n_seeds["fig5_seeds"], n_seeds["exp_seeds"],
               n_seeds["fig4_seeds"], n_seeds["sgd_seeds"], n_seeds["lazy_seeds"]) >= 5
    for key in ORDERINGS + ["fig5_width_monotone", "fig5_minus_one_best"]:
        for c in guo.checks[key]["conditions"].values():
            lo, hi = c["interval"]
            assert c["rule"] == "exceeds" and c["bound"] == 0.0 and lo <= c["value"] <= hi and hi - lo > 0, key
    assert set(guo.checks["fig5_width_monotone"]["conditions"]) == {"α=-2", "α=-1", "α=0", "α=0.01", "α=0.05"}
    assert set(guo.checks["fig5_minus_one_best"]["conditions"]) == {f"m={m}" for m in guo.results["config"]["fig5_widths"]}


def test_the_mnist_discrepancy_is_robust(guo):
    """The one robust discrepancy: on MNIST alpha = -1 does not train fastest, by more than its interval."""
    c = cond(guo, "fig1_classification_fastest")
    assert c["interval"][1] < 0 and c["value"] < -0.05
    assert guo.checks["fig1_classification_fastest"]["measured"] != -1.0
    assert sum(d["interval"][1] < 0 for d in guo.checks["fig5_minus_one_best"]["conditions"].values()) >= 2


def test_exact_identities_to_rounding(guo):
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
    assert guo.results["values"]["cor33_argmin"] == -1.0 and guo.results["values"]["gap_error"] < 1e-12


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
    assert om[-1.0] < om[0.0] < om[0.5]  # the seed means are ordered as the per-seed margins say


def test_figure2_measurements(guo):
    assert cond(guo, "fig2_correlation_lift")["value"] >= 0.9
    assert cond(guo, "fig2_notch_sphere")["value"] < 1.0
    for key in ("fig2_correlation_raw", "fig2_correlation_regression"):
        assert -1 <= cond(guo, key)["value"] <= 1
    c = cond(guo, "fig2_proportional_lift")
    # the band is set by the theory before the run: half the infinite-width NTK's slope around it, which
    # excludes 0 (no dependence on alpha) and contains 1 (the bound's exponent) at this window
    assert c["rule"] == "within" and c["tol"] == pytest.approx(0.5 * c["target"])
    assert 0.3 < c["target"] < 1.2 and c["target"] - c["tol"] > 0 and c["target"] + c["tol"] >= 1.0
    assert guo.checks["fig2_proportional_lift"]["predicted"] == pytest.approx(c["target"])
    lo, hi = c["interval"]
    assert lo <= c["value"] <= hi


def test_sgd(guo):
    assert abs(cond(guo, "sgd_rate_linear_in_b")["value"] - 1.0) <= 0.3  # matched epochs: close to linear in b
    piv = guo.checks["sgd_alpha_order"]["measured"]
    for b in piv["-1.0"]:
        assert piv["-1.0"][b] > piv["0.0"][b] > piv["0.5"][b]


def test_generalization_bound(guo):
    v = guo.results["values"]
    assert v["gen_ratio"] >= 10  # vacuous: it could not fail, so it carries no verdict
    assert guo.checks["gen_bound_prefers_minus_one"]["measured"] == -1.0
    assert v["gen_unit_argmin"] != -1.0  # with unit constants Appendix A's other case: the argmin moves


def test_table1_in_the_theorems_setting(guo):
    assert guo.results["config"]["t1_mode"] == "lift"
    c = cond(guo, "table1_synthetic_negative_better")
    assert c["interval"][0] > 0
    assert 0 < guo.checks["table1_synthetic_negative_better"]["measured"] < 10


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
    lazy_n=10, lazy_widths=[16, 32, 64], lazy_steps=20, sgd_batches=[5, 10, 20], sgd_epochs=[2, 10], sgd_seeds=2,
    lazy_seeds=2, fig5_seeds=2, exp_seeds=2, fig4_seeds=2)


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
    assert set(EXPECTED) | {"fig3_mnist_fastest"} == set(res["checks"])  # a run of its own under paper
    assert set(FIGURES) <= {f.rsplit("/", 1)[-1].removesuffix(".png") for f in res["figures"]}
    table1 = (tmp_path / "out" / "tables" / "table1.csv").read_text()
    assert "CIFAR-10" in table1 and "F-MNIST" in table1 and "stand-in" not in table1 and "not run" not in table1
    fig4 = (tmp_path / "out" / "figures" / "figure4.csv").read_text()
    assert "LSTM" in fig4 and "Transformer" in fig4
    assert list((tmp_path / "data" / "cache").glob("imdb-*.npz"))  # the loaders' cache was used
    assert list((tmp_path / "data" / "cache").glob("mnist-*.npz"))  # Figures 3 and 4 read the MNIST IDX files
