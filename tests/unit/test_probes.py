import math

import torch

from overparam.measure import probes
from overparam.nets import DeepFCNet, TwoLayerNet


def test_probes_are_zero_at_init(gen):
    X = torch.randn(6, 4, generator=gen)
    net = DeepFCNet.guo(4, 16, depth=2, generator=gen)
    assert probes.distance_from_init(net)(net) == 0.0
    assert probes.activation_flips(net, X)(net) == 0.0


def test_flips_and_distance_match_brute_force(gen):
    X = torch.randn(30, 3, generator=gen)
    net = TwoLayerNet(3, 20, generator=gen)
    dist, flips, radius = probes.distance_from_init(net), probes.activation_flips(net, X), probes.max_neuron_distance(net)
    W0 = net.W.detach().clone()
    with torch.no_grad():
        net.W.add_(0.3 * torch.randn(20, 3, generator=gen))
    changed = ((X @ W0.T >= 0) != (X @ net.W.T >= 0)).double().mean()
    assert math.isclose(flips(net), float(changed))
    assert math.isclose(dist(net), float((net.W.detach() - W0).norm()), rel_tol=1e-12)
    assert math.isclose(radius(net), float((net.W.detach() - W0).norm(dim=1).max()), rel_tol=1e-12)
    assert math.isclose(probes.distance_from_init(net, relative=True)(net), 0.0)


def test_gradient_norm_matches_autograd(gen):
    X = torch.randn(5, 3, generator=gen)
    y = torch.randn(5, generator=gen)
    net = TwoLayerNet(3, 8, generator=gen)
    (g,) = torch.autograd.grad(0.5 * ((net(X) - y) ** 2).sum(), net.W)
    assert math.isclose(probes.gradient_norm(X, y)(net), float(g.norm()), rel_tol=1e-12)
