"""Noy et al.'s gated network: the GReLU/ReLU pair, the transforms both ways, the NTK closed form."""

import pytest
import torch
from torch.func import functional_call, jacrev

from overparam.nets.gated import GatedNet, eq49_as_printed, grelu_to_relu, ntk_gram, relu_to_grelu


def _net(d_x=8, m=32, depth=3, d_y=1, seed=0, mode="grelu"):
    return GatedNet.paper_init(d_x, m, depth, d_y, generator=torch.Generator().manual_seed(seed), mode=mode)


def _x(n, d, seed=1):
    X = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return X / X.norm(dim=1, keepdim=True)


def test_paper_init_variances_and_shared_weights():
    net = _net(d_x=64, m=512, depth=2, d_y=4)
    assert net.C.var().item() == pytest.approx(2 / 64, rel=0.05)
    assert net.B.var().item() == pytest.approx(2 / 4, rel=0.1)
    assert net.W[0].var().item() == pytest.approx(2 / 512, rel=0.05)
    twin = _net(d_x=64, m=512, depth=2, d_y=4, mode="relu")
    assert torch.equal(twin.W[1], net.W[1]) and torch.equal(twin.C, net.C) and torch.equal(twin.B, net.B)
    assert [n for n, p in net.named_parameters()] == ["W.0", "W.1"]


def test_grelu_is_a_per_example_linear_map_with_fixed_gates():
    net = _net()
    X = _x(5, 8)
    masks = net.gates(X)
    h = torch.relu(X @ net.C.T)
    for k, w in enumerate(net.W, start=1):
        h = (h @ w.T) * masks[k]
    assert torch.allclose(net(X), h @ net.B.T, rtol=0, atol=1e-13)
    assert (net(3 * X) - 3 * net(X)).abs().max() < 1e-12  # positively homogeneous
    assert (net.features(X)[0][2] < 0).any()               # GReLU features can be negative


def test_transform_exact_on_training_inputs_and_not_off_them():
    net = _net(m=64, depth=3)
    with torch.no_grad():
        for w in net.W:
            w.add_(0.05 * torch.randn(w.shape, dtype=w.dtype, generator=torch.Generator().manual_seed(3)))
    X, X_test = _x(16, 8), _x(16, 8, seed=9)
    relu, ranks = grelu_to_relu(net, X)
    assert ranks == [16, 16, 16]
    out = net(X)
    assert ((relu(X) - out).abs().max() / out.abs().max()) < 1e-12
    feats_g, _ = net.features(X)
    feats_r, _ = relu.features(X)
    assert (feats_r[-1] - feats_g[-1]).abs().max() < 1e-11      # u_L = z~_L (no final ReLU)
    assert ((relu(X_test) - net(X_test)).abs().max() / net(X_test).abs().max()) > 1e-3
    big, ranks = grelu_to_relu(net, _x(256, 8))                   # n > m: least squares only
    assert max(ranks) <= 64 and ((big(_x(256, 8)) - net(_x(256, 8))).abs().max() > 1e-3)


def test_eq49_as_printed_is_n_by_n():
    net = _net(m=32)
    M = eq49_as_printed(net, _x(6, 8))
    assert M.shape == (6, 6)
    with pytest.raises(RuntimeError):
        _ = M @ net.features(_x(6, 8))[0][0].T            # cannot act on m-dimensional features


def test_reverse_transform_exact_everywhere():
    relu = _net(mode="relu")
    grelu = relu_to_grelu(relu)
    X = torch.randn(50, 8, dtype=torch.float64)
    assert torch.equal(grelu(X), relu(X)) or (grelu(X) - relu(X)).abs().max() < 1e-14


@pytest.mark.parametrize("mode", ["grelu", "relu"])
def test_ntk_closed_form_against_torch_func(mode):
    net = _net(d_x=6, m=24, depth=3, d_y=2, mode=mode)
    X = _x(5, 6)
    params = {k: v.detach() for k, v in net.named_parameters()}
    J = jacrev(lambda p: functional_call(net, p, (X,)))(params)     # each (n, d_y, m, m)
    flat = torch.cat([J[k].permute(1, 0, 2, 3).reshape(2 * 5, -1) for k in params], dim=1)
    assert torch.allclose(ntk_gram(net, X), flat @ flat.T, rtol=1e-12, atol=1e-10)


def test_to_moves_and_casts_the_gating_layers_with_the_network():
    from overparam.nets.gated import GatedNet

    net = GatedNet.paper_init(5, 8, 2, generator=torch.Generator().manual_seed(0))
    X = torch.randn(4, 5, dtype=net.C.dtype, generator=torch.Generator().manual_seed(1))
    out = net(X)
    half = net.to(torch.float32)
    assert all(p.dtype == torch.float32 for p in half.Psi) and len(half.Psi) == 2
    assert "psi_0" in dict(half.named_buffers()) and "psi_0" not in dict(half.named_parameters())
    assert torch.allclose(half(X.float()).double(), out, rtol=1e-4, atol=1e-5)
