"""The float32 path the chapters run: every trainer in float32 against the same run in float64 and against
the single-model loop in float32.

Tolerances. float32 has a unit round-off of 6e-8. Over the 30-300 steps below the trajectories are stable
(contracting GD, no stopping boundary crossed within round-off), so round-off accumulates to ~1e-6
(measured: at most 9e-6, the relative error history of the ReLU ensemble, and 3e-6 on the losses of the
deep ensemble); 1e-4 leaves a factor of 10 or more and still catches what these tests are for: a float64
constant or an uncast tensor on the float32 path (a run that silently computes in float64 would agree with
the float64 run to ~1e-15, and one in the wrong precision or with a wrong step to O(1e-2) or worse).
"""

import numpy as np
import pytest
import torch

from overparam.nets import DeepEnsemble, DeepFCNet
from overparam.nets.two_layer import TwoLayerModule
from overparam.train import sphere_problems, train, train_module
from overparam.train import train_two_layer_ensemble as train_two_layer
from overparam.train.deep_ensemble import train_ensemble as train_deep

pytestmark = pytest.mark.usefixtures("one_thread")

TOL = 1e-4
ALPHAS = [-2.0, -1.0, 0.0, 0.3]


def test_the_default_dtype_is_torchs_own():
    assert torch.get_default_dtype() == torch.float32  # the suite no longer forces float64 on everything


def _data(n=12, p=4):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, p, generator=g, dtype=torch.float64)
    return X / X.norm(dim=1, keepdim=True), torch.randn(n, generator=g, dtype=torch.float64)


def _deep_pair():
    """The same four networks in float64 and rounded to float32 (``DeepEnsemble.guo(dtype=float32)`` draws
    its initialisation in float32, a different stream)."""
    e64 = DeepEnsemble.guo(4, 64, 3, ALPHAS, seeds=[0, 1, 2, 3], dtype=torch.float64)
    e32 = DeepEnsemble(e64.A.float(), [w.float() for w in e64.W], e64.B.float(), ALPHAS)
    return e32, e64


@pytest.mark.parametrize("batch_size", [None, 5])
def test_deep_ensemble_in_float32_follows_float64_and_the_loop(batch_size):
    X, y = _data()
    e32, e64 = _deep_pair()
    kw = {"eta": 2e-3, "steps": 30, "loss": "sum", "batch_size": batch_size, "sgd_scale": "sum"}
    l32 = train_deep(e32, X.float(), y.float(), generator=torch.Generator().manual_seed(1), **kw)
    l64 = train_deep(e64, X, y, generator=torch.Generator().manual_seed(1), **kw)
    assert all(w.dtype == torch.float32 for w in e32.W) and not l32.diverged.any()
    rows = l32.steps
    np.testing.assert_allclose(l32.loss[rows], l64.loss[rows], rtol=TOL)
    assert 1e-9 < np.max(np.abs(l32.loss[rows] - l64.loss[rows]) / l64.loss[rows])  # really float32
    for w32, w64 in zip(e32.W, e64.W):
        torch.testing.assert_close(w32.detach().double(), w64.detach(), rtol=TOL, atol=TOL)
    for k, a in enumerate(ALPHAS):
        mdl = DeepFCNet.guo(4, 64, 3, alpha=a, generator=torch.Generator().manual_seed(k), dtype=torch.float64)
        mdl = mdl.float()
        ref = train(mdl, X.float(), y.float(), progress=False, generator=torch.Generator().manual_seed(1), **kw)
        np.testing.assert_allclose(l32.loss[rows, k], ref.loss[rows], rtol=TOL)
        torch.testing.assert_close(e32.W[0][k].detach(), mdl.hidden[0].detach(), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("activation,eta", [("softplus", 0.15), ("relu", 0.1)])
@pytest.mark.parametrize("batch_size", [None, 2])
def test_two_layer_ensemble_in_float32_follows_float64_and_the_loop(activation, eta, batch_size):
    cells = [(3, 3), (8, 4), (16, 6), (24, 8)]
    p32 = sphere_problems(12, cells, 2, seed=7, dtype=torch.float32)
    p64 = sphere_problems(12, cells, 2, seed=7, dtype=torch.float64)
    kw = {"stop": "relative", "tol": 0.15, "progress": False, "history": True, "batch_size": batch_size,
          "sgd_scale": "sum", "seed": 3}
    a = train_two_layer(p32, activation, eta, 300, dtype=torch.float32, **kw)
    b = train_two_layer(p64, activation, eta, 300, dtype=torch.float64, **kw)
    assert a.W[0].dtype == torch.float32 and not a.diverged.any()
    np.testing.assert_array_equal(a.hit_step, b.hit_step)
    if batch_size is None:
        assert np.unique(a.hit_step[a.success]).size >= 3  # the comparison runs through stops
    np.testing.assert_allclose(a.history, b.history, rtol=TOL)
    assert np.nanmax(np.abs(a.history - b.history) / b.history) > 1e-9  # really float32
    for w32, w64 in zip(a.W, b.W):
        torch.testing.assert_close(w32.double(), w64, rtol=TOL, atol=TOL)
    if batch_size is not None:
        return  # the SGD replay against the loop is tested in float64 (test_train_ensembles.py)
    for i in range(len(p32)):
        ref = train_module(p32.X[i], p32.y[i], p32.W0[i], p32.v[i], activation, eta, 300, stop="relative", tol=0.15)
        assert ref["hit_step"] == a.hit_step[i]
        torch.testing.assert_close(a.W[i], ref["W"], rtol=TOL, atol=TOL)
        model = TwoLayerModule(p32.W0[i], p32.v[i], activation)
        log = train(model, p32.X[i], p32.y[i], eta=eta, steps=300, stop="relative", tol=0.15, progress=False)
        assert log.steps_run == a.steps_run[i]
        torch.testing.assert_close(a.W[i], model.W.detach(), rtol=TOL, atol=TOL)


def test_single_model_loop_in_float32_follows_float64():
    X, y = _data(n=10)
    m64 = DeepFCNet.guo(4, 32, 2, alpha=0.1, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    m32 = DeepFCNet.guo(4, 32, 2, alpha=0.1, generator=torch.Generator().manual_seed(5), dtype=torch.float64).float()
    l64 = train(m64, X, y, eta=5e-3, steps=150, loss="half_sum", progress=False)
    l32 = train(m32, X.float(), y.float(), eta=5e-3, steps=150, loss="half_sum", progress=False)
    assert next(m32.parameters()).dtype == torch.float32
    np.testing.assert_allclose(l32.loss, l64.loss, rtol=TOL)
    assert np.max(np.abs(l32.loss - l64.loss) / l64.loss) > 1e-9  # really float32
