"""Noy et al.'s experiments at tiny sizes: each runs, returns what the chapter reads, and the paper
profile's code paths (SGEMM from data/) run end to end on a fixture."""

import math

import numpy as np
import pytest
import torch

from overparam.data import noy2021 as dn
from overparam.experiments import noy2021 as ex


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def test_sizes_have_both_profiles():
    assert all(set(v) == {"quick", "paper"} for v in ex.SIZES.values())
    assert ex.SIZES["f2a_n"]["paper"] == 100 and ex.SIZES["f2a_d"]["paper"] == 200
    assert ex.SIZES["switch_at"]["paper"] * 2 == ex.SIZES["switch_epochs"]["paper"] == 80
    assert ex.SIZES["img_n"]["quick"] <= ex.SIZES["switch_width"]["quick"] / 2  # Theorem 2's n <= m/2


def test_transform_sweep_exact_below_m():
    df = ex.transform_sweep([0.25, 2], width=16, depth=2, d_x=8, train_steps=5, n_test=16, n_seeds=1, seed=0)
    inside = df[df.ratio <= 0.5]
    assert inside.train_error.max() < 1e-10 and df[df.ratio >= 2].train_error.min() > 1e-3
    e = ex.eq49_dimensions(n=4, width=16, depth=2, d_x=8, seed=0)
    assert e.shape == (4, 4) and e.error
    assert ex.reverse_transform(width=16, depth=2, d_x=8, n_train=4, n_test=20, train_steps=3, seed=0)[
        "max_rel_difference"] < 1e-12


def test_log_time_rules_and_summary():
    lt = ex.log_time([2, 3, 4], depth=2, d_x=16, eps=1e-2, max_steps=500, n_seeds=2, seed=0)
    r = lt.runs
    assert set(r.rule) == {"proof", "printed", "ntk"} and set(r.net) == {"grelu", "relu"}
    proof = r[r.rule == "proof"]
    assert np.allclose(proof.guarantee, 1 - 1 / 13122)
    # the printed step is 729/16 the proof's at m = n^2 L
    p = r[(r.rule == "printed")].set_index(["n", "seed", "net"]).eta
    q = proof.set_index(["n", "seed", "net"]).eta
    assert np.allclose(p / q, 729 / 16)
    s = ex.log_time_summary(lt)
    assert s["n_max"] == 4 and not lt.spectra.empty and math.isfinite(s["slope_grelu"].slope)


def test_gate_experiments_follow_the_recursion_roughly():
    ov = ex.gate_overlap_depth([256], depth=3, n=8, d_x=16, n_seeds=2, seed=0)
    m = ov.groupby("k")[["overlap", "predicted"]].mean()
    assert (m.overlap - m.predicted).abs().max() < 0.05
    gc = ex.g_correlation_widths([128, 256], depth=1, n=8, d_x=16, n_seeds=2, seed=0)
    assert abs(gc[gc.k == 0].correlation.mean() - 1 / math.pi) < 0.05


def test_lazy_runs_record_everything():
    lz = ex.lazy_runs([16, 32], n=3, depth=2, d_x=8, eps=1e-2, max_steps=400, n_seeds=1, seed=0)
    g = lz[lz.net == "grelu"]
    assert (g.flips == 0).all() and (g.tau > 0).all() and (g.grad_change > 0).all()
    assert {"init_min", "trained_max", "tau_over_eq50"} <= set(lz.columns)


def test_paper_figures_small(tmp_path):
    f2 = ex.figure2a([8, 16], n=4, d=8, depth=2, steps=10, n_seeds=2, seed=0)
    t = ex.figure2a_summary(f2)
    assert set(t.rule) == {"max over seeds", "min over seeds"}
    dn.write_sgemm_fixture(tmp_path, n=60)
    tab = ex.tabular_dynamics(source="sgemm", n_train=32, n_val=16, width=16, depth=2, steps=10, record_every=5,
                              eta_factors=[1.0, 2.0], n_seeds=2, seed=0, root=tmp_path)
    assert (tab[tab.net == "grelu"].hamming.fillna(0) == 0).all()
    ex.tabular_summary(tab)
    f3 = ex.figure3bc(n_train=16, n_test=32, width=32, depth=2, epochs=2, switch=1, batch=8, eta_factor=1.0,
                      n_seeds=2, seed=0)
    assert ex.figure3bc_summary(f3)["train_jump"] < 1e-10
    t2 = ex.table2([(2, 16)], n_train=16, n_test=16, epochs=1, batch=8, eta_factor=1.0, n_seeds=2, seed=0)
    table, margins = ex.table2_summary(t2)
    assert list(margins) == [(2, 16)] and "train_mse grelu" in table.columns


def test_step_cost_reports_a_ratio():
    c = ex.step_cost(n=16, width=32, depth=2, d_x=8, repeats=2, seed=0)
    assert c["ratio"] > 0 and 0.3 < c["active_fraction"] < 0.7


def test_cifar_path_on_a_fixture(tmp_path):
    """The paper profile's CIFAR-10 code path (Table 2 and the switch) end to end on a tiny fixture."""
    import pickle

    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name, n in [*((f"data_batch_{i}", 4) for i in range(1, 6)), ("test_batch", 6)]:
        batch = {b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, size=n).tolist()}
        (folder / name).write_bytes(pickle.dumps(batch))
    f3 = ex.figure3bc(n_train=8, n_test=6, width=16, depth=2, epochs=2, switch=1, batch=4, eta_factor=0.1,
                      n_seeds=2, seed=0, source="cifar10", root=tmp_path)
    assert ex.figure3bc_summary(f3)["train_jump"] < 1e-10
    t2 = ex.table2([(2, 16)], n_train=8, n_test=6, epochs=1, batch=4, eta_factor=0.1, n_seeds=2, seed=0,
                   source="cifar10", root=tmp_path)
    assert len(t2) == 2 * 2 * 2


def test_bias_shift_grelu_centred_relu_not():
    d = ex.bias_shift(width=128, depth=4, n=8, d_x=16, seed=0)
    shift = d.groupby("net").mean_over_rms
    assert shift.max()["grelu"] < 3 / 128 ** 0.5 < 0.5 < shift.min()["relu"]
    assert ((d.dead >= 0) & (d.dead < 1)).all()
