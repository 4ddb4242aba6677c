import math

import numpy as np
import pytest
import torch

from overparam.nets import DeepFCNet, TwoLayerNet


def test_two_layer_forward_matches_formula(gen):
    net = TwoLayerNet(5, 64, generator=gen)
    X = torch.randn(7, 5, generator=gen, dtype=torch.float64)
    expected = torch.stack([sum(net.v[r] * torch.relu(net.W[r] @ x) for r in range(64)) for x in X])
    assert torch.allclose(net(X), expected)
    assert set(dict(net.named_parameters())) == {"W"}
    assert torch.allclose(net.v.abs(), torch.full((64,), 1 / 8.0, dtype=torch.float64))


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
    X = torch.nn.functional.normalize(torch.randn(20, 10, generator=gen, dtype=torch.float64), dim=1)
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


def test_deep_forward_is_the_read_out_of_the_last_preactivation(gen):
    X = torch.randn(9, 6, generator=gen, dtype=torch.float64)
    for net in (DeepFCNet.allen_zhu(6, 32, depth=3, generator=gen),
                DeepFCNet.guo(6, 32, depth=2, d_out=3, alpha=-0.4, generator=gen)):
        h = X @ net.A.T
        h = torch.relu(h) if net.input_layer == "relu" else h
        for W in net.hidden:
            h = net.sigma(h @ W.T)
        y = h @ net.B.T
        expected = y[:, 0] if net.d_out == 1 else y
        assert torch.allclose(net(X), expected, rtol=1e-13, atol=1e-13)
        pre = net.preactivations(X)
        assert len(pre) == net.depth and all(g.shape == (9, 32) for g in pre)


def test_two_layer_module_forward_and_bad_activation(gen):
    from overparam.nets import TwoLayerModule, output_weights

    W0 = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    v = output_weights(6, 2.0, 5)
    X = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    mod = TwoLayerModule(W0, v, "softplus")
    assert torch.allclose(mod(X), torch.nn.functional.softplus(X @ W0.T) @ v)
    assert [n for n, _ in mod.named_parameters()] == ["W"]
    with pytest.raises(ValueError, match="unknown activation"):
        TwoLayerModule(W0, v, "tanh")
