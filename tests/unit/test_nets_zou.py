import math

import numpy as np
import pytest
import torch

from overparam.data import zou2020 as zd
from overparam.measure.perturbations import sign_flips
from overparam.nets.zou import ZouEnsemble, output_vector
from overparam.train import losses_margin as lm
from overparam.train.margin_ensemble import distances, train_margin


def _data(n=12, d=6, phi=0.3, seed=0):
    data = zd.phi_pairs(n, d, phi, np.random.default_rng(seed))
    return torch.from_numpy(data.X), torch.from_numpy(data.y)


def test_init_is_fan_out_with_a_fixed_balanced_output():
    ens = ZouEnsemble.init(8, 400, 2, seeds=[0, 1])
    assert [tuple(w.shape) for w in ens.W] == [(2, 8, 400), (2, 400, 400)]
    for w in ens.W:  # variance 2/m_l with m_l the *output* width, layer 1 included
        assert float(w.detach().var()) == pytest.approx(2 / 400, rel=0.05)
    assert ens.v.sum() == 0 and set(ens.v.tolist()) == {1.0, -1.0}
    assert not torch.equal(ens.W[0][0], ens.W[0][1])
    single = ZouEnsemble.init(8, 400, 2, seeds=[1])
    torch.testing.assert_close(single.W[1][0], ens.W[1][1])
    with pytest.raises(ValueError):
        output_vector(7)


def test_forward_matches_the_papers_formula_and_features_keep_norm_one():
    X, _ = _data()
    ens = ZouEnsemble.init(6, 2000, 3, seeds=[3])
    W = [w[0].detach() for w in ens.W]
    h = X
    for w in W:
        h = torch.relu(h @ w)
    torch.testing.assert_close(ens(X)[0], h @ ens.v)
    with torch.no_grad():
        feats = ens.layers(X)[1]
    for f in feats[1:]:
        assert float((f[0].norm(dim=1) - 1).abs().max()) < 0.15


@pytest.mark.parametrize("name", ["logistic", "squared_hinge", "exponential", "hinge"])
def test_loss_derivatives_match_autograd(name):
    t = torch.linspace(-3, 3, 61, dtype=torch.float64).requires_grad_(True)
    t = t[t != 1.0].detach().requires_grad_(True)  # the hinges' kink
    (g,) = torch.autograd.grad(lm.loss_value(t, name).sum(), t)
    torch.testing.assert_close(lm.loss_derivative(t, name), g)
    assert torch.all(lm.loss_derivative(t, name) <= 0)


def test_assumption_3_2_constants_hold_on_a_grid():
    t = torch.linspace(-5, 5, 2001, dtype=torch.float64)
    for name in ("logistic", "squared_hinge", "exponential"):
        c = lm.get(name)
        lhs = -lm.loss_derivative(t, name)
        rhs = torch.minimum(torch.full_like(t, c.alpha0), c.alpha1 * lm.loss_value(t, name) ** c.p)
        assert torch.all(lhs >= rhs - 1e-12), name
    assert [k for k, c in lm.LOSSES.items() if c.meets_assumptions] == ["logistic", "squared_hinge"]


def test_last_layer_gram_gives_the_gradient_norm_of_autograd():
    X, y = _data()
    ens = ZouEnsemble.init(6, 64, 2, seeds=[0, 5])
    out = ens(X)
    t = y * out
    L = lm.loss_value(t, "logistic").mean(1).sum()
    (gL,) = torch.autograd.grad(L, ens.W[-1])
    a = -lm.loss_derivative(t.detach(), "logistic")
    G = ens.last_layer_gram(X, y)
    quad = torch.einsum("ki,kij,kj->k", a, G, a) * ens.width / X.shape[0] ** 2
    torch.testing.assert_close(quad, (gL**2).sum(dim=(1, 2)))


def test_one_gd_step_of_the_ensemble_equals_the_single_networks():
    X, y = _data()
    ens = ZouEnsemble.init(6, 32, 2, seeds=[0, 1])
    singles = [ZouEnsemble.init(6, 32, 2, seeds=[s]) for s in (0, 1)]
    train_margin(ens, X, y, eta_bar=2.0, max_steps=1, stop_at_accuracy=False, eps=[1e-9])
    for k, s in enumerate(singles):
        train_margin(s, X, y, eta_bar=2.0, max_steps=1, stop_at_accuracy=False, eps=[1e-9])
        for w, ws in zip(ens.W, s.W):
            torch.testing.assert_close(w[k], ws[0])


def test_gd_reaches_full_accuracy_and_records_its_distance():
    X, y = _data(n=10)
    ens = ZouEnsemble.init(6, 128, 2, seeds=[0, 1, 2])
    W0 = ens.state()
    pre0 = ens.preactivations(X)
    log = train_margin(ens, X, y, eta_bar=4.0, max_steps=400)
    pre = ens.preactivations(X)  # frozen at the accuracy step: the flips it recorded are these
    for k in range(3):
        changed = sum(sign_flips(p0[k], p[k], count=True) for p0, p in zip(pre0, pre))
        assert log.flips[k] == pytest.approx(changed / sum(p0[k].numel() for p0 in pre0))
    assert np.all(log.acc_step >= 0) and not log.diverged.any()
    assert np.all((log.flips >= 0) & (log.flips < 0.5))
    assert np.all(log.dist_spectral <= log.dist_frobenius + 1e-12)
    assert log.eta == 4.0 / 128
    with torch.no_grad():  # frozen at the accuracy step: the weights are those it was measured at
        assert torch.all((y * ens(X)) > 0)
    spec, _ = distances(ens, W0)
    np.testing.assert_allclose(spec.numpy(), log.dist_spectral)


def test_sgd_uses_distinct_samples_and_trains():
    X, y = _data(n=10)
    ens = ZouEnsemble.init(6, 64, 1, seeds=[0, 1])
    log = train_margin(ens, X, y, eta_bar=2.0, max_steps=2000, batch_size=2, generator=torch.Generator().manual_seed(0))
    assert np.all(log.acc_step > 0)
    assert math.isfinite(float(log.loss[-1].max()))


def test_without_targets_every_network_runs_and_record_at_measures_there():
    X, y = _data(n=10)
    ens = ZouEnsemble.init(6, 32, 1, seeds=[0, 1])
    W0 = ens.state()
    log = train_margin(ens, X, y, eta_bar=2.0, max_steps=7, stop_at_accuracy=False)
    assert log.loss.shape == (8, 2)
    ens2 = ZouEnsemble.init(6, 32, 1, seeds=[0, 1])
    log2 = train_margin(ens2, X, y, eta_bar=2.0, max_steps=7, stop_at_accuracy=False, record_at=7)
    np.testing.assert_allclose(log2.dist_at, distances(ens, W0)[0].numpy())


def test_per_sample_gradient_spectral_norms_match_autograd():
    X, _ = _data(n=4)
    ens = ZouEnsemble.init(6, 16, 3, seeds=[0, 1])
    norms = ens.per_sample_gradient_spectral(X)
    for i in range(4):
        grads = torch.autograd.grad(ens(X[i:i + 1]).sum(), ens.W)
        for ell, g in enumerate(grads):
            torch.testing.assert_close(torch.linalg.matrix_norm(g, ord=2), norms[ell][:, i])
