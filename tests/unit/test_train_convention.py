"""The training convention's shared pieces (``overparam.train.convention``) and the single-model loop's
named options: batches without replacement, the SGD factor, the stopping rules, divergence on NaN, and the
deprecated keywords."""

import math

import numpy as np
import pytest
import torch

from overparam.nets import DeepEnsemble
from overparam.train import DivergenceError, train
from overparam.train.convention import (
    batch_indices_per_network,
    is_healthy,
    resolve_sgd_scale,
    resolve_stop,
    sgd_factor,
)
from overparam.train.deep_ensemble import train_ensemble as train_deep

pytestmark = pytest.mark.usefixtures("float64", "one_thread")


class Linear(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(d))

    def forward(self, X):
        return X @ self.w


@pytest.mark.parametrize("b", [1, 3, 16, 17, 40])
def test_batches_per_network_are_distinct_samples(b):
    idx = batch_indices_per_network(40, 500, b, torch.Generator().manual_seed(0))
    assert idx.shape == (500, b) and int(idx.min()) >= 0 and int(idx.max()) < 40
    assert all(len(set(row)) == b for row in idx.tolist())  # without replacement within a step


@pytest.mark.parametrize("n,b", [(10, 3), (40, 20)])  # Floyd's draws, and the argsort of uniforms
def test_batches_per_network_are_uniform(n, b):
    N = 20_000
    idx = batch_indices_per_network(n, N, b, torch.Generator().manual_seed(1))
    counts = np.bincount(idx.ravel().numpy(), minlength=n)
    # each index is in a batch with probability b/n: its count is Binomial(N, b/n); a 5-sigma band
    sd = math.sqrt(N * (b / n) * (1 - b / n))
    assert np.all(np.abs(counts - N * b / n) <= 5 * sd)


def test_single_sample_batches_are_the_plain_randint_draw():
    # b = 1 keeps the stream of torch.randint, so the one-sample SGD of eq. 2.9 is reproducible across versions
    a = batch_indices_per_network(50, 7, 1, torch.Generator().manual_seed(3))
    b = torch.randint(50, (7, 1), generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_sgd_factor():
    assert sgd_factor("half_sum", 10, 2, "unbiased") == 5.0
    assert sgd_factor("sum", 10, 2, "unbiased") == 5.0
    assert sgd_factor("mean", 10, 2, "unbiased") == 1.0  # a batch mean is already unbiased
    assert sgd_factor("ce", 10, 2, "unbiased") == 1.0
    assert sgd_factor("sum", 10, 2, "sum") == 1.0


def test_stop_and_scale_resolution():
    assert resolve_stop(None, None, legacy="absolute") is None
    assert resolve_stop("relative", 0.1, legacy="absolute") == "relative"
    with pytest.warns(DeprecationWarning, match="stop='absolute'"):
        assert resolve_stop(None, 0.1, legacy="absolute") == "absolute"
    with pytest.raises(ValueError, match="needs a finite tol"):
        resolve_stop("absolute", None, legacy="absolute")
    with pytest.raises(ValueError, match="unknown stop"):
        resolve_stop("loss", 0.1, legacy="absolute")
    with pytest.warns(DeprecationWarning, match="sgd_scale='sum'"):
        assert resolve_sgd_scale("unbiased", "none", {"none": "sum"}) == "sum"
    with pytest.raises(ValueError, match="unknown sgd_scale"):
        resolve_sgd_scale("none", None, {})


def test_healthy_means_finite_and_below_blowup():
    loss0 = torch.tensor([1.0, 1.0, 1.0, 0.0, 2.0])
    loss = torch.tensor([5.0, float("nan"), float("inf"), 0.0, 300.0])
    assert is_healthy(loss, loss0, 100.0).tolist() == [True, False, False, True, False]


def test_relative_stopping_rule(gen):
    X = torch.randn(6, 8, generator=gen)
    y = torch.randn(6, generator=gen)
    model = Linear(8)
    log = train(model, X, y, eta=0.05, steps=2000, stop="relative", tol=1e-3, progress=False)
    rel = float((X @ model.w.detach() - y).norm() / y.norm())
    assert log.converged and rel <= 1e-3
    again = Linear(8)
    train(again, X, y, eta=0.05, steps=log.steps_run - 1, progress=False)
    assert float((X @ again.w.detach() - y).norm() / y.norm()) > 1e-3  # the first step that met it


def test_deprecated_keywords_still_work(gen):
    X = torch.randn(6, 3, generator=gen)
    y = torch.randn(6, generator=gen)
    a, b = Linear(3), Linear(3)
    train(a, X, y, eta=0.01, steps=3, batch_size=2, sgd_scale="sum", generator=torch.Generator().manual_seed(0),
          progress=False)
    with pytest.warns(DeprecationWarning, match="batch_scale"):
        train(b, X, y, eta=0.01, steps=3, batch_size=2, batch_scale="sum",
              generator=torch.Generator().manual_seed(0), progress=False)
    assert torch.equal(a.w, b.w)
    with pytest.warns(DeprecationWarning, match="tol= without stop="):
        log = train(Linear(3), X, y, eta=0.01, steps=3, tol=1e9, progress=False)
    assert log.converged and log.steps_run == 0  # the old rule: absolute loss


class NaNAfter(torch.nn.Module):
    """A linear model whose gradient turns NaN once its weight passes a threshold."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, X):
        w = self.w
        return X[:, 0] * torch.where(w < 0.5, w, torch.sqrt(-w))  # NaN for w >= 0.5


def test_a_nan_gradient_is_a_divergence_never_a_zero():
    X, y = torch.ones(3, 1), torch.ones(3)
    with pytest.raises(DivergenceError) as info:
        train(NaNAfter(), X, y, eta=0.1, steps=50, progress=False)
    assert np.isfinite(info.value.log.loss).all()


def test_deep_ensemble_flags_a_nan_member_instead_of_cleaning_it():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(8, 3, generator=g)
    y = torch.randn(8, generator=g)
    ens = DeepEnsemble.guo(3, 8, 2, [0.0, 0.0], seeds=[0, 1])
    with torch.no_grad():
        ens.W[0][1, 0, 0] = float("nan")  # network 1 is broken from the start
    W0 = [w.detach().clone() for w in ens.W]
    log = train_deep(ens, X, y, eta=1e-3, steps=5, loss="sum")
    assert list(log.diverged) == [False, True] and log.diverged_at[1] == 0 and log.steps_run[1] == 0
    assert np.isfinite(log.loss[:, 0]).all()
    for w, w0 in zip(ens.W, W0):  # frozen where it was, its NaN kept and not spread
        assert torch.equal(w[1].isnan(), w0[1].isnan()) and not torch.equal(w[0], w0[0])
