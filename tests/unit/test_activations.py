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
