"""The batched two-layer trainer against one-network-at-a-time autograd training (float64)."""

import numpy as np
import pandas as pd
import pytest
import torch

from overparam.measure.phase import fit_phase_boundary
from overparam.nets import output_weights
from overparam.train import (
    Problems,
    feature_problems,
    plan_buckets,
    sgd_indices,
    sphere_problems,
    train_module,
)
from overparam.train import train_two_layer_ensemble as train_ensemble

pytestmark = pytest.mark.usefixtures("float64")

CELLS = [(1, 3), (2, 2), (3, 7), (6, 4), (9, 12), (14, 5)]


@pytest.fixture(scope="module")
def problems():
    return sphere_problems(24, CELLS, 2, seed=3)


def test_output_weights_follow_the_paper():
    v = output_weights(6, 5.0, 25)
    assert torch.allclose(v.abs(), torch.full((6,), 5.0 / (6 * 25) ** 0.5))
    assert float(v.sum()) == 0.0
    v = output_weights(5, 5.0, 25)  # odd k: one zero, scale keeps sqrt(k)
    assert int((v == 0).sum()) == 1 and float(v.sum()) == 0.0
    assert torch.allclose(v[v != 0].abs(), torch.full((4,), 5.0 / (5 * 25) ** 0.5))
    assert torch.count_nonzero(output_weights(1, 1.0, 4)) == 0


def test_sphere_problems_are_on_the_sphere_and_independent_of_the_ensemble():
    a = sphere_problems(10, [(3, 4), (5, 6)], 2, seed=1)
    b = sphere_problems(10, [(5, 6)], 2, seed=1)
    assert torch.allclose(a.X[0].norm(dim=1), torch.ones(10, dtype=torch.float64))
    for j in range(2):
        assert torch.equal(a.X[2 + j], b.X[j]) and torch.equal(a.W0[2 + j], b.W0[j])
    assert not torch.equal(a.X[2], a.X[3])  # realizations differ


@pytest.mark.parametrize("activation,eta", [("softplus", 0.15), ("relu", 0.1)])
def test_batched_gd_equals_single_network_training_step_by_step(problems, activation, eta):
    steps = 60
    res = train_ensemble(problems, activation, eta, steps, history=True, dtype=torch.float64, progress=False,
                         compact_every=7, checkpoints=[0, 13, 60])
    assert res.n_buckets >= 1
    for b in range(len(problems)):
        ref = train_module(problems.X[b], problems.y[b], problems.W0[b], problems.v[b], activation, eta, steps,
                           history=True)
        np.testing.assert_allclose(res.history[b], ref["history"], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(res.W[b], ref["W"], rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(res.checkpoints[0][b], problems.W0[b])
        torch.testing.assert_close(res.checkpoints[60][b], ref["W"], rtol=1e-10, atol=1e-10)


def test_bucketing_and_chunking_do_not_change_the_result(problems):
    kw = {"dtype": torch.float64, "progress": False}
    a = train_ensemble(problems, "softplus", 0.15, 40, bucket_overhead=1e12, **kw)  # one padded bucket
    b = train_ensemble(problems, "softplus", 0.15, 40, bucket_overhead=0.0, max_batch_elements=1, **kw)
    assert a.n_buckets == 1 and b.n_chunks == len(problems)
    for wa, wb in zip(a.W, b.W):
        torch.testing.assert_close(wa, wb, rtol=1e-12, atol=1e-12)


def test_early_stopping_stops_each_network_at_its_own_step():
    p = sphere_problems(20, [(12, 6), (20, 8), (4, 3)], 3, seed=0)
    tol, eta, steps = 1.5e-1, 0.15, 1200
    res = train_ensemble(p, "softplus", eta, steps, stop="relative", tol=tol, dtype=torch.float64, progress=False,
                         compact_every=50)
    hits = res.hit_step[res.success]
    assert res.success.sum() >= 3 and np.unique(hits).size >= 2  # different networks, different steps
    assert not res.success.all()  # (4, 3): 12 parameters for 20 samples cannot interpolate
    for b in range(len(p)):
        ref = train_module(p.X[b], p.y[b], p.W0[b], p.v[b], "softplus", eta, steps, stop="relative", tol=tol)
        assert ref["hit_step"] == res.hit_step[b]
        assert res.steps_run[b] == (ref["hit_step"] if ref["hit_step"] >= 0 else steps)
        torch.testing.assert_close(res.W[b], ref["W"], rtol=1e-9, atol=1e-9)
        if res.success[b]:
            assert res.final_rel[b] < tol
            assert res.success_at(int(res.hit_step[b])).tolist()[b]
            assert not res.success_at(int(res.hit_step[b]) - 1).tolist()[b]


def test_a_diverging_network_is_frozen_and_leaves_its_batch_untouched():
    p = sphere_problems(30, [(10, 1), (10, 8), (12, 6)], 2, seed=5)  # d = 1 is unstable at eta = 3
    eta = torch.tensor([3.0, 3.0, 0.15, 0.15, 0.15, 0.15], dtype=torch.float64)
    kw = {"stop": "relative", "tol": 2.5e-3, "dtype": torch.float64, "progress": False, "bucket_overhead": 1e12}
    res = train_ensemble(p, "softplus", eta, 150, **kw)  # all six in one padded batch
    assert res.n_chunks == 1
    assert res.diverged[:2].all() and not res.diverged[2:].any()
    assert not res.success[:2].any()
    for b in range(2):
        assert torch.isfinite(res.W[b]).all()
        assert res.steps_run[b] < 150
        ref = train_module(p.X[b], p.y[b], p.W0[b], p.v[b], "softplus", 3.0, 150, stop="relative", tol=2.5e-3)
        assert ref["diverged"] and ref["steps_run"] == res.steps_run[b]
        torch.testing.assert_close(res.W[b], ref["W"], rtol=1e-10, atol=1e-10)
    for b in range(2, 6):  # the others are exactly what they would be alone
        ref = train_module(p.X[b], p.y[b], p.W0[b], p.v[b], "softplus", 0.15, 150, stop="relative", tol=2.5e-3)
        assert ref["hit_step"] == res.hit_step[b]
        torch.testing.assert_close(res.W[b], ref["W"], rtol=1e-10, atol=1e-10)


def test_sgd_equals_single_network_replay(problems):
    steps, bsz, seed = 50, 2, 11
    res = train_ensemble(problems, "softplus", 0.2, steps, batch_size=bsz, sgd_scale="sum", eval_every=5,
                         seed=seed, dtype=torch.float64, progress=False, history=True, track_path=True)
    idx = sgd_indices(problems.n, len(problems), steps, bsz, seed=seed)
    for b in range(len(problems)):
        ref = train_module(problems.X[b], problems.y[b], problems.W0[b], problems.v[b], "softplus", 0.2, steps,
                           sgd_scale="sum", sample_indices=idx[:, b], eval_every=5, history=True)
        torch.testing.assert_close(res.W[b], ref["W"], rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(res.history[b], ref["history"], rtol=1e-10)
    assert (res.path_length >= np.array([(w - w0).norm().item() for w, w0 in zip(res.W, problems.W0)]) - 1e-12).all()


def test_plan_buckets_covers_every_network_once():
    k = np.repeat(np.arange(1, 26), 25)
    d = np.tile(np.arange(1, 26), 25)
    buckets = plan_buckets(k, d, 100)
    allidx = np.sort(np.concatenate(buckets))
    assert np.array_equal(allidx, np.arange(k.size)) and len(buckets) > 1
    padded = sum(b.size * k[b].max() * (d[b].max() + 8) for b in buckets)
    assert padded < 0.6 * k.size * 25 * 33  # far less than padding everything to (25, 25)


def test_feature_problems_use_the_leading_columns_on_the_sphere():
    rng = np.random.default_rng(0)
    feats = rng.standard_normal((300, 10))
    p = feature_problems(feats, 40, [(4, 3), (4, 10)], 2, seed=0)
    assert p.X[0].shape == (40, 3) and p.X[2].shape == (40, 10)
    assert torch.allclose(p.X[1].norm(dim=1), torch.ones(40, dtype=torch.float64))


def test_problems_reject_mixed_sample_counts():
    a = sphere_problems(10, [(2, 2)], 1)
    b = sphere_problems(12, [(2, 2)], 1)
    with pytest.raises(ValueError, match="share the sample count"):
        Problems.concat([a, b])


def test_phase_boundary_fit_recovers_a_planted_hyperbola():
    rng = np.random.default_rng(0)
    n, c_true, slope = 100, 1.6, 6.0
    rows = []
    for k in range(1, 26):
        for d in range(1, 26):
            p = 1 / (1 + np.exp(-slope * (np.log(k * d / n) - np.log(c_true))))
            rows += [{"k": k, "d": d, "success": rng.random() < p} for _ in range(10)]
    df = pd.DataFrame(rows)
    fit = fit_phase_boundary(df.k, df.d, n, df.success, n_boot=100, seed=0)
    assert fit.c_lo < c_true < fit.c_hi
    assert abs(np.log(fit.c / c_true)) < 0.1
    assert fit.ratio_lo < 1 < fit.ratio_hi  # kd, not k or d alone
    assert fit.ratio_at(0.9) > fit.c


@pytest.mark.parametrize("dtype,rtol", [(torch.float64, 1e-11), (torch.float32, 2e-4)])
def test_softplus_product_forward_equals_the_sum_of_logs(problems, dtype, rtol):
    """The fast softplus forward pass (two products and one log per sample, ``fast=True``) against the plain
    sum of K logs (``fast=False``): same trajectories to round-off, same stopping steps."""
    p = sphere_problems(24, CELLS + [(5, 3), (25, 2)], 2, seed=4, dtype=dtype)
    kw = {"stop": "relative", "tol": 1e-1, "dtype": dtype, "progress": False, "history": True, "compact_every": 9}
    a = train_ensemble(p, "softplus", 0.15, 80, fast=True, **kw)
    b = train_ensemble(p, "softplus", 0.15, 80, fast=False, **kw)
    np.testing.assert_array_equal(a.hit_step, b.hit_step)
    np.testing.assert_allclose(a.history, b.history, rtol=rtol, atol=rtol * 1e-2)
    for wa, wb in zip(a.W, b.W):
        torch.testing.assert_close(wa, wb, rtol=rtol, atol=rtol)


def test_product_forward_is_stable_for_huge_preactivations():
    """Huge pre-activations: a naive product of the sigmoid(-z) would underflow, the sum of logs overflow to
    inf beyond z = 709 (float64); the product form of factors max(s, 1 - s) must still agree with
    single-network training (F.softplus)."""
    p = sphere_problems(16, [(24, 6), (6, 3)], 2, seed=2)
    p.W0 = [w * 200.0 for w in p.W0]  # z ~ N(0, 200²): Π_{v>0} sigmoid(-z) ~ e^-960 for k = 24, below 1e-308
    Z = p.X[0] @ p.W0[0].T
    assert float(torch.sigmoid(-Z[:, :12]).prod(1).min()) < 1e-300  # the product form would underflow
    res = train_ensemble(p, "softplus", 1e-6, 20, history=True, dtype=torch.float64, progress=False)
    assert not res.diverged.any()
    for b in range(len(p)):
        ref = train_module(p.X[b], p.y[b], p.W0[b], p.v[b], "softplus", 1e-6, 20, history=True)
        np.testing.assert_allclose(res.history[b], ref["history"], rtol=1e-10)
        torch.testing.assert_close(res.W[b], ref["W"], rtol=1e-10, atol=1e-10)


def test_units_with_zero_output_weight_keep_their_initial_weights():
    p = sphere_problems(12, [(1, 3), (5, 4)], 1, seed=0)  # k = 1: v = 0; k = 5: middle unit has v = 0
    res = train_ensemble(p, "relu", 0.1, 30, dtype=torch.float64, progress=False)
    torch.testing.assert_close(res.W[0], p.W0[0], rtol=0, atol=0)
    assert res.final_rel[0] == pytest.approx(1.0)
    assert torch.equal(res.W[1][4], p.W0[1][4]) and not torch.equal(res.W[1][:4], p.W0[1][:4])
    ref = train_module(p.X[1], p.y[1], p.W0[1], p.v[1], "relu", 0.1, 30)
    torch.testing.assert_close(res.W[1], ref["W"], rtol=1e-10, atol=1e-10)


def test_unbalanced_output_weights_use_the_general_path():
    p = sphere_problems(20, [(6, 5)], 2, seed=1)
    p.v = [torch.linspace(-0.4, 0.5, 6, dtype=torch.float64) for _ in p.v]  # not ±c: no product form
    res = train_ensemble(p, "softplus", 0.1, 40, dtype=torch.float64, progress=False)
    for b in range(len(p)):
        ref = train_module(p.X[b], p.y[b], p.W0[b], p.v[b], "softplus", 0.1, 40)
        torch.testing.assert_close(res.W[b], ref["W"], rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------------------ shared inputs (input groups)
def test_shared_input_problems_share_x_within_a_realization_only():
    p = sphere_problems(12, [(2, 3), (5, 3), (4, 6)], 2, seed=2, shared_inputs=True)
    # rows: (2,3,r0) (2,3,r1) (5,3,r0) (5,3,r1) (4,6,r0) (4,6,r1)
    assert p.X[0] is p.X[2] and p.X[1] is p.X[3]          # same d and realization: one tensor
    assert not torch.equal(p.X[0], p.X[1])                 # realizations differ
    assert not torch.equal(p.y[0], p.y[2])                 # labels are drawn per network
    assert torch.allclose(p.X[4].norm(dim=1), torch.ones(12, dtype=torch.float64))
    q = sphere_problems(12, [(5, 3)], 2, seed=2, shared_inputs=True)  # independent of the other cells
    assert torch.equal(q.X[0], p.X[2]) and torch.equal(q.W0[1], p.W0[3]) and torch.equal(q.y[0], p.y[2])


def _record_chunk_shapes(monkeypatch):
    from overparam.train import two_layer_kernels as two_layer

    shapes = []
    init = two_layer._Chunk.__init__

    def spy(self, groups, *a, **kw):
        init(self, groups, *a, **kw)
        shapes.append((self.G, self.C))

    monkeypatch.setattr(two_layer._Chunk, "__init__", spy)
    return shapes


@pytest.mark.parametrize("activation,eta", [("softplus", 0.4), ("relu", 0.3)])
def test_grouped_inputs_equal_separate_networks_step_by_step(monkeypatch, activation, eta):
    """One product per input group against one per network, in float64: the same histories, stopping
    steps, divergence and weights, through early stops at different steps, odd and k = 1 widths, a
    diverging member and compactions that leave dummy slots."""
    cells = [(1, 2), (3, 2), (4, 2), (7, 8), (10, 8), (16, 8)]
    p = sphere_problems(24, cells, 2, seed=4, shared_inputs=True)
    etas = torch.full((len(p),), eta, dtype=torch.float64)
    etas[5] = 6.0  # (4, 2) realization 1: far past the stability limit, diverges inside its group
    kw = {"stop": "relative", "tol": 0.05, "dtype": torch.float64, "progress": False, "history": True,
          "compact_every": 5, "bucket_overhead": 1e12, "checkpoints": [0, 30]}
    shapes = _record_chunk_shapes(monkeypatch)
    grouped = train_ensemble(p, activation, etas, 600, **kw)
    assert any(C > 1 for _, C in shapes)  # the grouped path really ran
    alone = train_ensemble(p, activation, etas, 600, share_inputs=False, **kw)
    assert grouped.diverged[5] and np.unique(grouped.hit_step[grouped.success]).size >= 3
    assert grouped.success.any() and not grouped.success.all()
    np.testing.assert_array_equal(grouped.hit_step, alone.hit_step)
    np.testing.assert_array_equal(grouped.diverged, alone.diverged)
    np.testing.assert_array_equal(grouped.steps_run, alone.steps_run)
    np.testing.assert_allclose(grouped.history, alone.history, rtol=1e-12, atol=1e-14)
    for a, b in zip(grouped.W, alone.W):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    for a, b in zip(grouped.checkpoints[30], alone.checkpoints[30]):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    for b in (0, 6, 9):  # and the plain autograd baseline
        ref = train_module(p.X[b], p.y[b], p.W0[b], p.v[b], activation, float(etas[b]), 600, stop="relative", tol=0.05)
        assert ref["hit_step"] == grouped.hit_step[b]
        torch.testing.assert_close(grouped.W[b], ref["W"], rtol=1e-9, atol=1e-9)


def test_grouped_inputs_respect_the_memory_bound(monkeypatch):
    p = sphere_problems(16, [(k, 4) for k in (2, 4, 6, 8)], 3, seed=0, shared_inputs=True)
    shapes = _record_chunk_shapes(monkeypatch)
    res = train_ensemble(p, "relu", 0.1, 20, progress=False, bucket_overhead=1e12, max_batch_elements=1)
    assert res.n_chunks == 3 and all(G == 1 and C == 4 for G, C in shapes)  # one group per chunk, never split
    ref = train_ensemble(p, "relu", 0.1, 20, progress=False, share_inputs=False)
    for a, b in zip(res.W, ref.W):
        torch.testing.assert_close(a, b)


def test_realization_bootstrap_widens_intervals_when_realizations_are_correlated():
    """A planted hyperbola with a shared random effect per (d, realization), as shared inputs create: the
    binomial bootstrap ignores the correlation; resampling whole realizations does not."""
    rng = np.random.default_rng(1)
    n, c_true, slope, R = 100, 1.6, 6.0, 10
    u = rng.normal(0.0, 1.5, size=(26, R))  # one latent difficulty per (d, r), shared by every k
    rows = []
    for k in range(1, 26):
        for d in range(1, 26):
            for r in range(R):
                p = 1 / (1 + np.exp(-(slope * (np.log(k * d / n) - np.log(c_true)) + u[d, r])))
                rows.append({"k": k, "d": d, "r": r, "success": rng.random() < p})
    df = pd.DataFrame(rows)
    naive = fit_phase_boundary(df.k, df.d, n, df.success, n_boot=100, seed=0)
    grouped = fit_phase_boundary(df.k, df.d, n, df.success, n_boot=100, seed=0, realization=df.r)
    assert grouped.c == naive.c  # the point estimate does not depend on the resampling
    assert grouped.c_lo < c_true < grouped.c_hi
    assert (grouped.c_hi - grouped.c_lo) > 1.3 * (naive.c_hi - naive.c_lo)
    with pytest.raises(ValueError, match="same realizations"):
        fit_phase_boundary(df.k[1:], df.d[1:], n, df.success[1:], n_boot=5, realization=df.r[1:])
