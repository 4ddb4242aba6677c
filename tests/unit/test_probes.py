import math

import torch

from overparam.measure import probes
from overparam.nets import DeepFCNet, TwoLayerNet


def test_probes_are_zero_at_init(gen):
    X = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    net = DeepFCNet.guo(4, 16, depth=2, generator=gen)
    assert probes.distance_from_init(net)(net) == 0.0
    assert probes.activation_flips(net, X)(net) == 0.0


def test_flips_and_distance_match_brute_force(gen):
    X = torch.randn(30, 3, generator=gen, dtype=torch.float64)
    net = TwoLayerNet(3, 20, generator=gen)
    dist, flips, radius = probes.distance_from_init(net), probes.activation_flips(net, X), probes.max_neuron_distance(net)
    W0 = net.W.detach().clone()
    with torch.no_grad():
        net.W.add_(0.3 * torch.randn(20, 3, generator=gen, dtype=torch.float64))
    changed = ((X @ W0.T >= 0) != (X @ net.W.T >= 0)).double().mean()
    assert math.isclose(flips(net), float(changed))
    assert math.isclose(dist(net), float((net.W.detach() - W0).norm()), rel_tol=1e-12)
    assert math.isclose(radius(net), float((net.W.detach() - W0).norm(dim=1).max()), rel_tol=1e-12)
    assert math.isclose(probes.distance_from_init(net, relative=True)(net), 0.0)


def test_gradient_norm_matches_autograd(gen):
    X = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(5, generator=gen, dtype=torch.float64)
    net = TwoLayerNet(3, 8, generator=gen)
    (g,) = torch.autograd.grad(0.5 * ((net(X) - y) ** 2).sum(), net.W)
    assert math.isclose(probes.gradient_norm(X, y)(net), float(g.norm()), rel_tol=1e-12)


def test_activation_flips_equal_sign_flip_fraction_on_a_two_layer_net(gen):
    X = torch.randn(40, 5, generator=gen, dtype=torch.float64)
    net = TwoLayerNet(5, 25, generator=gen)
    W0 = net.W.detach().clone()
    flips = probes.activation_flips(net, X)
    for scale in (0.0, 0.05, 0.5, 3.0):
        with torch.no_grad():
            net.W.copy_(W0 + scale * torch.randn(25, 5, generator=gen, dtype=torch.float64))
        assert flips(net) == probes.sign_flip_fraction(net.W.detach(), W0, X)


def test_activation_flips_pool_every_layer(gen):
    X = torch.randn(10, 4, generator=gen, dtype=torch.float64)
    net = DeepFCNet.guo(4, 12, depth=3, generator=gen)
    flips = probes.activation_flips(net, X)
    signs0 = [g >= 0 for g in net.preactivations(X)]
    with torch.no_grad():
        net.hidden[1].add_(0.5 * torch.randn(12, 12, generator=gen, dtype=torch.float64))
    changed = sum(int(((g >= 0) != s).sum()) for g, s in zip(net.preactivations(X), signs0))
    assert flips(net) == changed / (3 * 10 * 12)
    assert flips(net) > 0


def test_probes_in_float32(gen):
    """The chapters train in float32: the probes follow the model's dtype."""
    X = torch.randn(8, 4, generator=gen, dtype=torch.float32)
    net = DeepFCNet.guo(4, 16, depth=2, generator=gen, dtype=torch.float32)
    flips, dist = probes.activation_flips(net, X), probes.distance_from_init(net)
    assert flips(net) == 0.0 and dist(net) == 0.0
    step = torch.randn(16, 16, generator=gen, dtype=torch.float32)
    with torch.no_grad():
        net.hidden[0].add_(step)
    assert 0.0 < flips(net) <= 1.0
    assert math.isclose(dist(net), float(step.norm()), rel_tol=1e-5)
