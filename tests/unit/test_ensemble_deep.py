"""overparam.train.deep_ensemble: stacked training equals single-network training step by step (float64)."""

import math

import numpy as np
import pytest
import torch
from torch.func import functional_call, jacrev, vmap

from overparam.measure.ntk import guo_empirical_ntk
from overparam.nets import DeepEnsemble, DeepFCNet
from overparam.train import train
from overparam.train.deep_ensemble import train_ensemble

pytestmark = pytest.mark.usefixtures("float64")

ALPHAS = [-2.0, -1.0, 0.0, 0.3]


def _data(n=12, p=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, p, generator=g, dtype=torch.float64)
    X = X / X.norm(dim=1, keepdim=True)
    y = torch.randn(n, generator=g, dtype=torch.float64)
    return X, y


def _core(alpha, seed, p=4, m=16, L=3, d=1):
    return DeepFCNet.guo(p, m, L, d_out=d, alpha=alpha, generator=torch.Generator().manual_seed(seed))


def test_init_and_forward_equal_core_models():
    X, _ = _data()
    seeds = [3, 4, 5, 6]
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=seeds)
    out = ens(X)
    for k, (a, s) in enumerate(zip(ALPHAS, seeds)):
        mdl = _core(a, s)
        assert torch.equal(ens.A[k], mdl.A) and torch.equal(ens.B[k], mdl.B)
        assert torch.allclose(out[k, :, 0], mdl(X), atol=1e-13)
    back = ens.to_model(2)
    assert torch.allclose(back(X), out[2, :, 0], atol=1e-13)
    ens2 = DeepEnsemble.from_models([_core(a, s) for a, s in zip(ALPHAS, seeds)])
    assert torch.allclose(ens2(X), out, atol=1e-13)


@pytest.mark.parametrize("loss", ["sum", "half_sum", "mean"])
def test_gd_equals_core_train_step_by_step(loss):
    X, y = _data()
    seeds = [0, 1, 2, 3]
    eta = 2e-3
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=seeds)
    log = train_ensemble(ens, X, y, eta=eta, steps=25, loss=loss)
    for k, (a, s) in enumerate(zip(ALPHAS, seeds)):
        mdl = _core(a, s)
        ref = train(mdl, X, y, eta=eta, steps=25, loss=loss, progress=False)
        assert np.allclose(log.loss[:, k], ref.loss, rtol=1e-10, atol=1e-12)
        for ell in range(3):
            assert torch.allclose(ens.W[ell][k], mdl.hidden[ell], atol=1e-12)
    assert log.loss[-1].mean() < log.loss[0].mean()  # and it trains


def test_sgd_unbiased_equals_core_train():
    X, y = _data(n=16)
    eta, b = 1e-3, 5
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=7)
    log = train_ensemble(ens, X, y, eta=eta, steps=15, loss="sum", batch_size=b, sgd_scale="unbiased",
                         generator=torch.Generator().manual_seed(11))
    for k, a in enumerate(ALPHAS):
        mdl = _core(a, 7)
        ref = train(mdl, X, y, eta=eta, steps=15, loss="sum", batch_size=b, progress=False,
                    generator=torch.Generator().manual_seed(11))
        assert np.allclose(log.loss[-1, k], ref.loss[-1], rtol=1e-10)
        assert torch.allclose(ens.W[0][k], mdl.hidden[0], atol=1e-12)


def _single_reference(alpha, seed, X, y, eta, steps, trained, batches=None, loss="sum"):
    """Plain autograd loop on one network (the reference the stacked code must equal)."""
    mdl = _core(alpha, seed)
    A, B = mdl.A.clone(), mdl.B.clone()
    Ws = [w.detach().clone() for w in mdl.hidden]
    params = Ws + ([A, B] if trained == "all" else [])
    for p in params:
        p.requires_grad_(True)
    s = 1 / math.sqrt(1 + alpha * alpha)

    def f(Xb):
        h = Xb @ A.T
        for W in Ws:
            g = h @ W.T
            h = torch.where(g >= 0, g, alpha * g) * s
        return (h @ B.T)[:, 0]

    for t in range(steps):
        idx = batches[t] if batches is not None else slice(None)
        lv = ((f(X[idx]) - y[idx]) ** 2).sum()
        grads = torch.autograd.grad(lv, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= eta * g
    with torch.no_grad():
        return float(((f(X) - y) ** 2).sum()), [p.detach() for p in params]


def test_all_layers_trained_and_paper_sgd_equal_reference():
    X, y = _data(n=10)
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=[0, 1, 2, 3], trained="all")
    log = train_ensemble(ens, X, y, eta=1e-3, steps=12, loss="sum")
    for k, a in enumerate(ALPHAS):
        ref, ps = _single_reference(a, k, X, y, 1e-3, 12, "all")
        assert log.loss[-1, k] == pytest.approx(ref, rel=1e-10)
        assert torch.allclose(ens.A[k], ps[3], atol=1e-12) and torch.allclose(ens.B[k], ps[4], atol=1e-12)
    # Algorithm 3: fresh batch each step, gradient of the batch sum (no n/b factor)
    gen = torch.Generator().manual_seed(5)
    batches = [torch.randperm(10, generator=gen)[:4] for _ in range(9)]
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=[0, 1, 2, 3])
    log = train_ensemble(ens, X, y, eta=1e-3, steps=9, loss="sum", batch_size=4, sgd_scale="sum",
                         generator=torch.Generator().manual_seed(5))
    for k, a in enumerate(ALPHAS):
        ref, _ = _single_reference(a, k, X, y, 1e-3, 9, "hidden", batches=batches)
        assert log.loss[-1, k] == pytest.approx(ref, rel=1e-10)


def test_epoch_mode_and_private_batches():
    X, y = _data(n=10)
    gen = torch.Generator().manual_seed(2)
    perm = torch.randperm(10, generator=gen)
    batches = [perm[i:i + 4] for i in range(0, 10, 4)]  # 4, 4, 2: last partial batch kept
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS[:2], seeds=[0, 1])
    log = train_ensemble(ens, X, y, eta=1e-3, steps=1, loss="sum", batch_size=4, sgd_scale="sum", epochs=True,
                         generator=torch.Generator().manual_seed(2))
    for k, a in enumerate(ALPHAS[:2]):
        ref, _ = _single_reference(a, k, X, y, 1e-3, 3, "hidden", batches=batches)
        assert log.loss[-1, k] == pytest.approx(ref, rel=1e-10)
    # private batch sequences: two identical networks end up different
    ens = DeepEnsemble.guo(4, 16, 3, [0.0, 0.0], seeds=0)
    train_ensemble(ens, X, y, eta=1e-3, steps=5, loss="sum", batch_size=3, sgd_scale="sum", shared_batches=False,
                   generator=torch.Generator().manual_seed(0))
    assert not torch.allclose(ens.W[0][0], ens.W[0][1])


def test_alpha_inverse_alpha_duality_whole_trajectory():
    X, y = _data(n=20)
    ens = DeepEnsemble.guo(4, 32, 3, [-2.0, -0.5, -0.5], seeds=9, negate=[False, True, False])
    log = train_ensemble(ens, X, y, eta=2e-3, steps=60, loss="sum")
    assert np.allclose(log.loss[:, 0], log.loss[:, 1], rtol=1e-12, atol=0)
    assert not np.allclose(log.loss[:, 0], log.loss[:, 2], rtol=1e-3)  # without W -> -W: different
    for ell in range(3):
        assert torch.allclose(ens.W[ell][0], -ens.W[ell][1], atol=1e-12)


def test_evenness_at_minus_one():
    X, y = _data()
    ens = DeepEnsemble.guo(4, 16, 3, [-1.0, 0.0], seeds=1)
    train_ensemble(ens, X, y, eta=1e-3, steps=5)
    with torch.no_grad():
        diff = (ens(X) - ens(-X)).abs().amax((1, 2))
    assert float(diff[0]) < 1e-12 and float(diff[1]) > 1e-3


def test_ntk_matches_closed_form_and_jacrev():
    X, _ = _data(n=6)
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=[0, 1, 2, 3])
    th = ens.ntk(X)
    for k, a in enumerate(ALPHAS):
        ref = guo_empirical_ntk(X, ens.A[k], [w[k] for w in ens.W], ens.B[k], a)
        assert torch.allclose(th[k], ref, atol=1e-10)
    ens = DeepEnsemble.guo(4, 16, 3, ALPHAS, seeds=[0, 1, 2, 3], trained="all")
    th = ens.ntk(X)
    for k, a in enumerate(ALPHAS):
        mdl = ens.to_model(k)
        params = {"A": mdl.A, **{f"hidden.{i}": w for i, w in enumerate(mdl.hidden)}, "B": mdl.B}

        def f(ps, x, mdl=mdl):
            return functional_call(mdl, ps, (x[None],))[0]

        J = vmap(jacrev(f), in_dims=(None, 0))(params, X)
        ref = sum(j.reshape(6, -1) @ j.reshape(6, -1).T for j in J.values())
        assert torch.allclose(th[k], ref, atol=1e-10)


def test_divergent_network_is_frozen_others_unaffected():
    """A network with a too-large step diverges, is flagged and keeps its (finite) weights of the step
    before; the others are bitwise what they are when it trains with a safe step."""
    X, y = _data()
    ens = DeepEnsemble.guo(4, 16, 3, [0.0, 0.0, -0.5], seeds=[0, 1, 2])
    log = train_ensemble(ens, X, y, eta=[1e-3, 0.3, 1e-3], steps=10, loss="sum")
    t = int(log.diverged_at[1])
    assert list(log.diverged) == [False, True, False] and t > 1 and log.steps_run[1] == t - 1
    assert np.isnan(log.loss[t:, 1]).all() and np.isfinite(log.loss[:t, 1]).all()
    assert np.isfinite(log.loss[-1, [0, 2]]).all()
    safe = DeepEnsemble.guo(4, 16, 3, [0.0, 0.0, -0.5], seeds=[0, 1, 2])
    train_ensemble(safe, X, y, eta=[1e-3, 1e-3, 1e-3], steps=10, loss="sum")
    before = DeepEnsemble.guo(4, 16, 3, [0.0, 0.0, -0.5], seeds=[0, 1, 2])
    train_ensemble(before, X, y, eta=[1e-3, 0.3, 1e-3], steps=t - 1, loss="sum")
    for W, Ws, Wb in zip(ens.W, safe.W, before.W):
        assert torch.isfinite(W[1]).all() and torch.equal(W[1], Wb[1])
        assert torch.equal(W[0], Ws[0]) and torch.equal(W[2], Ws[2])
    ref = train(_core(0.0, 0), X, y, eta=1e-3, steps=10, loss="sum", progress=False)
    assert log.loss[-1, 0] == pytest.approx(ref.loss[-1], rel=1e-10)


def test_losses_metrics_and_probes():
    X, _ = _data(n=9)
    labels = torch.arange(9) % 3
    ens = DeepEnsemble.guo(4, 16, 2, [0.0, -1.0], d_out=3, seeds=[0, 1])
    log = train_ensemble(ens, X, labels, eta=1e-2, steps=0, loss="ce", X_test=X, y_test=labels)
    mdl = _core(0.0, 0, L=2, d=3)
    ce = torch.nn.functional.cross_entropy(mdl(X), labels).detach()
    assert log.loss[0, 0] == pytest.approx(float(ce)) and log.train["ce"][0, 0] == pytest.approx(float(ce))
    assert log.test["acc"][0, 0] == pytest.approx(float((mdl(X).argmax(1) == labels).double().mean()))
    Xr, y = _data(n=9)
    ens = DeepEnsemble.guo(4, 16, 2, [0.0], seeds=0)
    log = train_ensemble(ens, Xr, y, eta=1e-3, steps=0, loss="exp", exp_lambda=0.5)
    f0 = _core(0.0, 0, L=2)(Xr).detach()
    assert log.loss[0, 0] == pytest.approx(float(0.5 * torch.exp(0.5 * (f0 - y) ** 2).sum()))
    ens = DeepEnsemble.guo(4, 32, 2, [0.0, -1.0], seeds=0)
    log = train_ensemble(ens, Xr, y, eta=5e-3, steps=30, record_every=10,
                         probes=("distance", "spectral", "flips", "ntk"))
    assert list(log.steps) == [0, 10, 20, 30]
    for key in ("distance", "spectral", "flips", "ntk_drift"):
        assert np.all(log.probes[key][0] == 0) and np.all(log.probes[key][-1] > 0)
    assert np.all(log.probes["spectral"] <= log.probes["distance"] + 1e-12)
    with pytest.raises(ValueError):
        train_ensemble(ens, Xr, y, eta=1e-3, steps=1, probes=("bogus",))


def test_run_grid_and_log_frame():
    from overparam.train.deep_ensemble import log_frame, run_grid

    X, y = _data(n=10)
    log, idx = run_grid(X, y, [-1.0, 0.0], [3, 4], width=16, depth=3, eta=1e-3, steps=4, record_every=2,
                        dtype=torch.float64, X_test=X, y_test=y, loss="sum")
    assert list(idx.alpha) == [-1.0, 0.0, -1.0, 0.0] and list(idx.seed) == [3, 3, 4, 4]
    ref = train(_core(0.0, 4), X, y, eta=1e-3, steps=4, loss="sum", progress=False)
    assert log.loss[-1, 3] == pytest.approx(ref.loss[-1], rel=1e-10)
    df = log_frame(log, idx)
    assert len(df) == 3 * 4 and set(df.step) == {0, 2, 4}
    assert np.allclose(df.query("step == 4").test_mse, df.query("step == 4").train_mse)
