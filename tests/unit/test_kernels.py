"""Two-layer kernels: the closed-form Jacobian Gram, the generic empirical NTK and H-infinity.

Every tensor is float64 explicitly (the library's default dtype is torch's float32).
"""

import math

import pytest
import torch

from overparam import kernels
from overparam.measure import ntk
from overparam.nets import DeepFCNet, TwoLayerNet

F64 = torch.float64


def _unit(n, d, gen):
    return torch.nn.functional.normalize(torch.randn(n, d, generator=gen, dtype=F64), dim=1)


@pytest.mark.parametrize("activation", ["relu", "softplus"])
def test_closed_form_gram_equals_autograd_jacobian_gram(activation, gen):
    X = _unit(12, 5, gen)
    net = TwoLayerNet(5, 256, activation, generator=gen)
    J = torch.stack([torch.autograd.grad(net(X[i : i + 1])[0], net.W)[0].reshape(-1) for i in range(12)])
    assert torch.allclose(ntk.two_layer_gram(net, X), J @ J.T, atol=1e-10, rtol=0)


def test_jacrev_loop_and_chunked_agree(gen):
    X = _unit(10, 4, gen)
    net = DeepFCNet.allen_zhu(4, 32, depth=2, generator=gen)
    G_loop = ntk.empirical_ntk_gram(net, X, method="loop")
    G_jac = ntk.empirical_ntk_gram(net, X, method="jacrev")
    G_chunk = ntk.empirical_ntk_gram(net, X, method="jacrev", chunk_size=3, max_elements=1)
    assert torch.allclose(G_loop, G_jac, atol=1e-10)
    assert torch.allclose(G_chunk, G_jac, atol=1e-10)
    assert torch.allclose(G_jac, G_jac.T)


def test_empirical_gram_of_two_layer_equals_closed_form(gen):
    X = _unit(9, 6, gen)
    net = TwoLayerNet(6, 128, generator=gen)
    assert torch.allclose(ntk.empirical_ntk_gram(net, X), ntk.two_layer_gram(net, X), atol=1e-10)


def test_finite_width_gram_converges_to_h_infinity(gen):
    # Monte Carlo: entries of H(m) are means of m i.i.d. terms bounded by 1, so the max error over
    # n^2 entries is within a few / sqrt(m) of H∞.
    X = _unit(15, 8, gen)
    H_inf = kernels.relu_ntk_infinite(X)
    m = 200_000
    H = ntk.two_layer_gram(TwoLayerNet(8, m, generator=gen), X)
    assert float((H - H_inf).abs().max()) < 5 / math.sqrt(m)
    assert torch.allclose(torch.diag(H_inf), torch.full((15,), 0.5, dtype=H_inf.dtype))


def test_h_infinity_closed_form_by_quadrature_in_2d():
    # In 2-D the expectation over w is an integral over the angle of w: check it by brute force.
    th = torch.tensor([0.0, 0.7, 2.0, 3.0], dtype=F64)
    X = torch.stack([torch.cos(th), torch.sin(th)], 1)
    phi = torch.linspace(0, 2 * math.pi, 200_001, dtype=F64)[:-1]
    Wdir = torch.stack([torch.cos(phi), torch.sin(phi)], 1)
    act = (X @ Wdir.T >= 0).double()
    brute = (X @ X.T) * (act @ act.T) / phi.numel()
    assert torch.allclose(kernels.relu_ntk_infinite(X), brute, atol=1e-4)


def test_gram_min_eigenvalue(gen):
    A = torch.randn(6, 6, generator=gen, dtype=F64)
    G = A @ A.T + 0.1 * torch.eye(6, dtype=F64)
    assert math.isclose(kernels.gram_min_eigenvalue(G), float(torch.linalg.eigvalsh(G)[0]), rel_tol=1e-12)
    assert kernels.gram_min_eigenvalue(G.float()) > 0


def test_parallel_inputs_make_lambda0_zero(gen):
    X = _unit(5, 3, gen)
    X[1] = X[0]
    assert abs(kernels.gram_min_eigenvalue(kernels.relu_ntk_infinite(X))) < 1e-12


def test_relu_fast_path_equals_generic_formula(gen):
    # two_layer_gram counts co-activations in float32 for ReLU; the float64 formula is the reference.
    X = _unit(40, 7, gen)
    net = TwoLayerNet(7, 3000, generator=gen)
    S = (X @ net.W.detach().T >= 0).double() * net.v
    # The float64 reference rounds each v_r^2 = 1/m product; the integer count does not. They agree
    # to a few ulps of the sum of m terms.
    assert torch.allclose(ntk.two_layer_gram(net, X), (X @ X.T) * (S @ S.T), atol=1e-12, rtol=0)
