import math

import numpy as np
import pytest
import torch

from overparam.nets import DeepFCNet, TwoLayerNet


def test_two_layer_forward_matches_formula(gen):
    net = TwoLayerNet(5, 64, generator=gen)
    X = torch.randn(7, 5, generator=gen)
    expected = torch.stack([sum(net.v[r] * torch.relu(net.W[r] @ x) for r in range(64)) for x in X])
    assert torch.allclose(net(X), expected)
    assert set(dict(net.named_parameters())) == {"W"}
    assert torch.allclose(net.v.abs(), torch.full((64,), 1 / 8.0))


def test_deep_init_variances_and_trained_set(gen):
    m = 512
    net = DeepFCNet.allen_zhu(10, m, depth=2, generator=gen)
    assert abs(float(net.hidden[0].detach().var()) - 2 / m) < 0.05 * 2 / m
    assert abs(float(net.A.var()) - 2 / m) < 0.1 * 2 / m
    guo = DeepFCNet.guo(10, m, depth=2, alpha=-1.0, generator=gen)
    assert abs(float(guo.A.var()) - 1 / m) < 0.1 / m
    assert [n for n, _ in guo.named_parameters()] == ["hidden.0", "hidden.1"]


def test_deep_forward_norm_preserved(gen):
    # He initialisation with the rescaled activation keeps ||h_L|| ~ ||h_0|| for every alpha.
    X = torch.nn.functional.normalize(torch.randn(20, 10, generator=gen), dim=1)
    for alpha in (-1.0, 0.0, 0.3):
        net = DeepFCNet.guo(10, 2048, depth=4, alpha=alpha, generator=gen)
        h = X @ net.A.T
        for W in net.hidden:
            h = net.sigma(h @ W.T)
        ratio = float(h.detach().norm(dim=1).mean())
        assert 0.8 < ratio < 1.2


@pytest.mark.parametrize("bad", [-4, 0])
def test_bad_sizes_fail_before_allocation(bad):
    with pytest.raises(ValueError, match="width m must be >= 1"):
        TwoLayerNet(3, bad)
    with pytest.raises(ValueError, match="depth L must be >= 1"):
        DeepFCNet(3, 8, bad)


def test_non_integer_size():
    with pytest.raises(TypeError, match="integer"):
        TwoLayerNet(3, 10.5)
    TwoLayerNet(3, np.int64(4))  # numpy integers are fine


def test_same_seed_same_network():
    a = TwoLayerNet(4, 16, generator=torch.Generator().manual_seed(3))
    b = TwoLayerNet(4, 16, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.W, b.W) and torch.equal(a.v, b.v)
    assert math.isclose(float(a.W.detach().std()), float(b.W.detach().std()))
