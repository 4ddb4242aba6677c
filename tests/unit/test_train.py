import math

import numpy as np
import pytest
import torch

from overparam.measure import probes
from overparam.nets import TwoLayerNet
from overparam.train import DivergenceError, loss_value, train

pytestmark = pytest.mark.usefixtures("float64")


class Linear(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(d))

    def forward(self, X):
        return X @ self.w


def test_gd_on_linear_model_matches_closed_form(gen):
    X = torch.randn(8, 3, generator=gen)
    y = torch.randn(8, generator=gen)
    model, eta, steps = Linear(3), 0.02, 25
    log = train(model, X, y, eta=eta, steps=steps, progress=False)
    w = torch.zeros(3)
    for _ in range(steps):
        w = w - eta * X.T @ (X @ w - y)  # gradient of 1/2 ||Xw - y||^2
    assert torch.allclose(model.w.detach(), w, atol=1e-12)
    assert log.steps_run == steps and len(log.loss) == steps + 1
    assert math.isclose(log.loss[-1], float(0.5 * ((X @ w - y) ** 2).sum()), rel_tol=1e-10)


def test_sgd_with_full_batch_is_gd(gen):
    X = torch.randn(10, 4, generator=gen)
    y = torch.randn(10, generator=gen)
    a, b = Linear(4), Linear(4)
    train(a, X, y, eta=0.01, steps=10, progress=False)
    train(b, X, y, eta=0.01, steps=10, batch_size=10, generator=torch.Generator().manual_seed(0), progress=False)
    assert torch.allclose(a.w, b.w, atol=1e-12)


def test_sgd_gradient_is_unbiased(gen):
    # The average SGD step over many batches equals the GD step (n/b rescaling of the sum loss).
    X = torch.randn(6, 3, generator=gen)
    y = torch.randn(6, generator=gen)
    w0 = torch.randn(3, generator=gen)
    full = X.T @ (X @ w0 - y)
    g = torch.Generator().manual_seed(1)
    steps = []
    for _ in range(4000):
        m = Linear(3)
        m.w.data = w0.clone()
        train(m, X, y, eta=1.0, steps=1, batch_size=2, generator=g, progress=False)
        steps.append(w0 - m.w.detach())
    assert torch.allclose(torch.stack(steps).mean(0), full, atol=0.1 * float(full.norm()))


def test_divergence_stops_and_keeps_the_log(gen):
    X = torch.randn(20, 5, generator=gen)
    y = torch.randn(20, generator=gen)
    net = TwoLayerNet(5, 32, generator=gen)
    with pytest.raises(DivergenceError, match="lower eta") as info:
        train(net, X, y, eta=50.0, steps=200, probes={"g": probes.gradient_norm(X, y)}, progress=False)
    log = info.value.log
    assert len(log.loss) >= 1 and np.all(np.isfinite(log.loss))
    assert len(log.probes["g"]) >= 1


def test_tolerance_stops_early_and_probes_last_step(gen):
    X = torch.randn(5, 5, generator=gen)
    y = torch.randn(5, generator=gen)
    net = TwoLayerNet(5, 256, generator=gen)
    log = train(net, X, y, eta=0.5, steps=5000, stop="absolute", tol=1e-6, probe_every=1000,
                probes={"d": probes.distance_from_init(net)}, progress=False)
    assert log.converged and log.steps_run < 5000
    assert log.loss[-1] <= 1e-6 < log.loss[-2]
    assert log.probe_steps[-1] == log.steps_run


@pytest.mark.parametrize("kw,msg", [({"eta": -1.0}, "step size"), ({"eta": float("nan")}, "step size"),
                                    ({"steps": -3}, "steps"), ({"loss": "l1"}, "unknown loss"),
                                    ({"batch_size": 0}, "batch_size")])
def test_bad_arguments(kw, msg, gen):
    X = torch.randn(4, 2, generator=gen)
    args = {"eta": 0.1, "steps": 3, **kw}
    with pytest.raises(ValueError, match=msg):
        train(Linear(2), X, torch.zeros(4), progress=False, **args)


def test_loss_normalisations():
    p, y = torch.tensor([1.0, 3.0]), torch.tensor([0.0, 1.0])
    assert float(loss_value(p, y, "sum")) == 5.0
    assert float(loss_value(p, y, "half_sum")) == 2.5
    assert float(loss_value(p, y, "mean")) == 2.5


def test_plain_batch_sum_option(gen):
    # sgd_scale="sum": the step is the gradient of the batch sum, b/n of the unbiased one on average.
    X = torch.randn(4, 3, generator=gen)
    y = torch.randn(4, generator=gen)
    a, b = Linear(3), Linear(3)
    train(a, X, y, eta=0.01, steps=1, batch_size=2, generator=torch.Generator().manual_seed(5), progress=False)
    train(b, X, y, eta=0.01, steps=1, batch_size=2, sgd_scale="sum",
          generator=torch.Generator().manual_seed(5), progress=False)
    assert torch.allclose(a.w, 2 * b.w, atol=1e-14)
    with pytest.raises(ValueError, match="sgd_scale"):
        train(Linear(3), X, y, eta=0.1, steps=1, sgd_scale="mean", progress=False)
