import math

import pytest
import torch

from overparam.nets import activations


def test_leaky_relu_scaled_special_cases():
    x = torch.linspace(-3, 3, 101)
    assert torch.allclose(activations.leaky_relu_scaled(x, 0.0), torch.relu(x))
    assert torch.allclose(activations.leaky_relu_scaled(x, -1.0), x.abs() / math.sqrt(2))
    a = 0.2
    expected = torch.where(x >= 0, x, a * x) / math.sqrt(1 + a * a)
    assert torch.allclose(activations.leaky_relu_scaled(x, a), expected)


@pytest.mark.parametrize("alpha", [-10.0, -1.0, -0.5, 0.0, 0.05, 0.5])
def test_rescaling_preserves_second_moment(alpha, gen):
    # E[sigma_alpha(z)^2] = 1/2 for z ~ N(0,1): the reason for the 1/sqrt(1+alpha^2) factor.
    z = torch.randn(400_000, generator=gen)
    m2 = float((activations.leaky_relu_scaled(z, alpha) ** 2).mean())
    assert abs(m2 - 0.5) < 5 * 0.5 * math.sqrt(2 / z.numel())


@pytest.mark.parametrize("name,alpha", [("relu", None), ("leaky_relu", -0.3), ("abs", None),
                                        ("softplus", None), ("tanh", None), ("linear", None)])
def test_derivative_matches_autograd(name, alpha, gen):
    f, df = activations.get(name, alpha)
    x = torch.randn(1000, generator=gen).requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    assert torch.allclose(df(x.detach()), g, atol=1e-12)


def test_bad_alpha_and_name():
    with pytest.raises(ValueError, match="alpha must be < 1"):
        activations.leaky_relu_scaled(torch.zeros(2), 1.5)
    with pytest.raises(ValueError, match="needs alpha"):
        activations.get("leaky_relu")
    with pytest.raises(ValueError, match="unknown activation"):
        activations.get("gelu2")


@pytest.mark.parametrize("name", activations.ACTIVATIONS)
def test_oymak_pair_and_value_agree_with_get(name, gen):
    z = torch.randn(500, generator=gen)
    phi, dphi = activations.activation_pair(z, name)
    f, df = activations.get(name)
    assert torch.equal(phi, f(z)) and torch.equal(dphi, df(z))
    assert torch.equal(activations.activation_value(z, name), phi)


def test_oymak_activations_reject_other_names():
    for fn in (activations.activation_pair, activations.activation_value):
        with pytest.raises(ValueError, match="valid: relu, softplus"):
            fn(torch.zeros(2), "tanh")


def test_kink_convention_is_the_right_derivative():
    # sigma'(0) = the slope for z >= 0 (Allen-Zhu et al., Definition 2.2; Guo et al., eq. (2))
    zero = torch.zeros(1, dtype=torch.float64)
    assert float(activations.get("relu")[1](zero)) == 1.0
    assert math.isclose(float(activations.get("leaky_relu", -0.5)[1](zero)), 1 / math.sqrt(1.25))
