"""Both ensembles under every option of the convention, against the single-model loops, in float64.

The deep ensemble against ``train`` (SGD with both scalings, both stopping rules, every squared loss); the
two-layer ensemble against ``train_module`` (its autograd replay) and against ``train`` itself; and the
divergence rule in both: a member with a too-large step is flagged and frozen at its finite weights of the
step before, and the other members' trajectories are bitwise those of a run without it.
"""

import numpy as np
import pytest
import torch

from overparam.nets import DeepEnsemble, DeepFCNet
from overparam.nets.two_layer import TwoLayerModule
from overparam.train import sgd_indices, sphere_problems, train, train_module
from overparam.train import train_two_layer_ensemble as train_two_layer
from overparam.train.deep_ensemble import train_ensemble as train_deep

pytestmark = pytest.mark.usefixtures("float64", "one_thread")

ALPHAS = [-2.0, -1.0, 0.0, 0.3]


def _data(n=12, p=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, p, generator=g, dtype=torch.float64)
    return X / X.norm(dim=1, keepdim=True), torch.randn(n, generator=g, dtype=torch.float64)


def _core(alpha, seed):
    return DeepFCNet.guo(4, 16, 3, alpha=alpha, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------------------------------- deep ensemble
@pytest.mark.parametrize("loss", ["half_sum", "sum", "mean"])
@pytest.mark.parametrize("sgd_scale", ["unbiased", "sum"])
def test_deep_sgd_equals_the_loop_for_both_scalings(loss, sgd_scale):
    X, y = _data(n=16)
    eta, b, steps = 2e-3, 5, 12
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=7)
    log = train_deep(ens, X, y, eta=eta, steps=steps, loss=loss, batch_size=b, sgd_scale=sgd_scale,
                     generator=torch.Generator().manual_seed(11), record_every=3)
    for k, a in enumerate(ALPHAS):
        mdl = _core(a, 7)
        ref = train(mdl, X, y, eta=eta, steps=steps, loss=loss, batch_size=b, sgd_scale=sgd_scale,
                    generator=torch.Generator().manual_seed(11), progress=False)
        np.testing.assert_allclose(log.loss[log.steps, k], ref.loss[log.steps], rtol=1e-10)
        for ell in range(3):
            torch.testing.assert_close(ens.W[ell][k], mdl.hidden[ell].detach(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("stop,tol", [("absolute", 2.0), ("relative", 0.45)])
def test_deep_stopping_rules_equal_the_loop(stop, tol):
    """Each network stops at the step the loop stops at, with the loop's weights; the run goes on for the
    others and ends once none is left."""
    X, y = _data()
    eta, steps = 5e-3, 400
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=[0, 1, 2, 3])
    log = train_deep(ens, X, y, eta=eta, steps=steps, loss="sum", stop=stop, tol=tol)
    assert log.converged.all() and np.unique(log.converged_at).size >= 2
    assert log.steps.max() == log.converged_at.max() and np.isnan(log.loss[log.converged_at.max() + 1:]).all()
    for k, a in enumerate(ALPHAS):
        mdl = _core(a, k)
        ref = train(mdl, X, y, eta=eta, steps=steps, loss="sum", stop=stop, tol=tol, progress=False)
        assert ref.converged and ref.steps_run == log.converged_at[k] == log.steps_run[k]
        for ell in range(3):
            torch.testing.assert_close(ens.W[ell][k], mdl.hidden[ell].detach(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_size", [None, 4])
def test_deep_divergence_keeps_the_weights_of_the_last_check(batch_size):
    """GD: the weights of the step before. SGD (checked every record step): those of the previous check."""
    X, y = _data()
    etas, safe = [1e-3, 0.3, 1e-3], [1e-3, 1e-3, 1e-3]
    kw = {"loss": "sum", "batch_size": batch_size, "sgd_scale": "sum", "record_every": 2}

    def run(eta, steps):
        ens = DeepEnsemble.guo(4, 16, 3, [0.0, 0.3, -0.5], seeds=[0, 1, 2])
        return ens, train_deep(ens, X, y, eta=eta, steps=steps, generator=torch.Generator().manual_seed(3), **kw)

    ens, log = run(etas, 12)
    assert list(log.diverged) == [False, True, False]
    before, _ = run(etas, int(log.steps_run[1]))
    clean, _ = run(safe, 12)
    for W, Wb, Wc in zip(ens.W, before.W, clean.W):
        assert torch.isfinite(W[1]).all() and torch.equal(W[1], Wb[1])
        assert torch.equal(W[0], Wc[0]) and torch.equal(W[2], Wc[2])


# ------------------------------------------------------------------------------------ two-layer ensemble
@pytest.fixture(scope="module")
def problems():
    return sphere_problems(20, [(2, 3), (5, 4), (8, 6)], 2, seed=7)


@pytest.mark.parametrize("loss,eta", [("half_sum", 0.1), ("sum", 0.05), ("mean", 2.0)])
def test_two_layer_gd_equals_the_loop_for_every_loss(problems, loss, eta):
    res = train_two_layer(problems, "softplus", eta, 40, loss=loss, dtype=torch.float64, progress=False)
    for b in range(len(problems)):
        model = TwoLayerModule(problems.W0[b], problems.v[b], "softplus")
        train(model, problems.X[b], problems.y[b], eta=eta, steps=40, loss=loss, progress=False)
        torch.testing.assert_close(res.W[b], model.W.detach(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("loss", ["half_sum", "sum", "mean"])
@pytest.mark.parametrize("sgd_scale", ["unbiased", "sum"])
@pytest.mark.parametrize("batch_size", [1, 3])
def test_two_layer_sgd_equals_the_replay(problems, loss, sgd_scale, batch_size):
    steps, seed, eta = 32, 4, 0.02
    res = train_two_layer(problems, "relu", eta, steps, loss=loss, batch_size=batch_size, sgd_scale=sgd_scale,
                          eval_every=4, seed=seed, dtype=torch.float64, progress=False, history=True)
    idx = sgd_indices(problems.n, len(problems), steps, batch_size, seed=seed)
    assert all(len(set(row)) == batch_size for row in idx.reshape(-1, batch_size).tolist())
    for b in range(len(problems)):
        ref = train_module(problems.X[b], problems.y[b], problems.W0[b], problems.v[b], "relu", eta, steps,
                           loss=loss, sgd_scale=sgd_scale, sample_indices=idx[:, b], eval_every=4, history=True)
        torch.testing.assert_close(res.W[b], ref["W"], rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(res.history[b], ref["history"], rtol=1e-10)


def test_two_layer_absolute_stopping_equals_the_loop(problems):
    tol, eta = 0.05, 0.15
    res = train_two_layer(problems, "softplus", eta, 2000, stop="absolute", tol=tol, dtype=torch.float64,
                          progress=False, compact_every=7)
    assert res.success.sum() >= 2 and not res.success.all()
    for b in range(len(problems)):
        model = TwoLayerModule(problems.W0[b], problems.v[b], "softplus")
        log = train(model, problems.X[b], problems.y[b], eta=eta, steps=2000, stop="absolute", tol=tol,
                    progress=False)
        assert res.hit_step[b] == (log.steps_run if log.converged else -1)
        assert res.steps_run[b] == log.steps_run
        torch.testing.assert_close(res.W[b], model.W.detach(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("activation", ["softplus", "relu"])
@pytest.mark.parametrize("batch_size", [None, 2])
def test_two_layer_divergence_keeps_the_weights_of_the_last_check(activation, batch_size):
    """A member with a too-large step: flagged, frozen at its finite weights of the last check (the step
    before, under GD); the other members bitwise as in a run where it trains with a safe step."""
    p = sphere_problems(30, [(10, 1), (10, 8), (12, 6)], 2, seed=5)
    eta = torch.full((6,), 0.1, dtype=torch.float64)
    eta[1] = 4.0 if batch_size is None else 40.0
    kw = {"stop": "relative", "tol": 1e-3, "dtype": torch.float64, "progress": False, "bucket_overhead": 1e12,
          "compact_every": 10_000, "batch_size": batch_size, "sgd_scale": "sum",
          "eval_every": None if batch_size is None else 3}
    res = train_two_layer(p, activation, eta, 120, **kw)
    assert res.diverged.tolist() == [False, True, False, False, False, False]
    assert torch.isfinite(res.W[1]).all() and np.isfinite(res.final_rel[1])
    before = train_two_layer(p, activation, eta, int(res.steps_run[1]), **kw)
    assert torch.equal(res.W[1], before.W[1]) and res.final_rel[1] == before.final_rel[1]
    safe = eta.clone()
    safe[1] = 0.1
    clean = train_two_layer(p, activation, safe, 120, **kw)
    for b in (0, 2, 3, 4, 5):
        assert torch.equal(res.W[b], clean.W[b]) and res.hit_step[b] == clean.hit_step[b]

