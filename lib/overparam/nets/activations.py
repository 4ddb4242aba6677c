"""Activation functions of the five papers, each with its derivative.

The derivative is returned explicitly (not by autograd) because the closed-form kernels and Jacobians
need sigma'(z) as a tensor; at the kink we take the right derivative (sigma'(0) = slope for z >= 0),
the convention of Allen-Zhu et al. (D has 1 where the pre-activation is >= 0).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

__all__ = ["relu", "leaky_relu_scaled", "softplus", "get", "NAMES", "ACTIVATIONS", "activation_pair", "activation_value"]

Fn = Callable[[torch.Tensor], torch.Tensor]



def relu(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp_min(x, 0.0)


def _check_alpha(alpha: float) -> None:
    if not (alpha < 1.0):
        raise ValueError(
            f"leaky ReLU slope alpha must be < 1 (Guo et al. 2024); got alpha={alpha}. "
            "alpha > 1 is the same network as 1/alpha with the weights negated."
        )


def leaky_relu_scaled(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """Guo et al.'s rescaled leaky ReLU: sigma_alpha(x) / sqrt(1 + alpha^2).

    The rescaling keeps E[sigma(z)^2] = 1/2 for z ~ N(0, 1) for every alpha, so the He
    initialisation N(0, 2/m) preserves forward norms. alpha = 0 is ReLU, alpha = -1 is |x|/sqrt(2).
    """
    _check_alpha(alpha)
    scale = 1.0 / math.sqrt(1.0 + alpha * alpha)
    return torch.where(x >= 0, x, alpha * x) * scale


def _leaky_relu_scaled_derivative(x: torch.Tensor, alpha: float) -> torch.Tensor:
    scale = 1.0 / math.sqrt(1.0 + alpha * alpha)
    return torch.where(x >= 0, torch.ones_like(x), torch.full_like(x, alpha)) * scale


def softplus(x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.softplus(x)


def get(name: str, alpha: float | None = None) -> tuple[Fn, Fn]:
    """Return (sigma, sigma') for an activation name.

    Names: "relu", "leaky_relu" (rescaled, needs alpha), "abs" (leaky_relu at alpha=-1, i.e. |x|/sqrt 2),
    "softplus", "tanh", "linear".
    """
    if name == "relu":
        return relu, lambda x: (x >= 0).to(x.dtype)
    if name in ("leaky_relu", "abs"):
        a = -1.0 if name == "abs" else alpha
        if a is None:
            raise ValueError("activation 'leaky_relu' needs alpha (a float < 1)")
        _check_alpha(a)
        return (lambda x: leaky_relu_scaled(x, a)), (lambda x: _leaky_relu_scaled_derivative(x, a))
    if name == "softplus":
        return softplus, torch.sigmoid
    if name == "tanh":
        return torch.tanh, lambda x: 1.0 - torch.tanh(x) ** 2
    if name == "linear":
        return (lambda x: x), torch.ones_like
    raise ValueError(f"unknown activation {name!r}; valid: {', '.join(NAMES)}")


NAMES = ("relu", "leaky_relu", "abs", "softplus", "tanh", "linear")


ACTIVATIONS = ("relu", "softplus")
def activation_pair(z: torch.Tensor, activation: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(phi(z), phi'(z)) for the paper's activations.

    softplus: phi = log(1 + e^z) (``F.softplus``, exact up to its linear branch beyond z = 20), phi' = sigmoid.
    relu: phi = max(0, z), phi' = 1{z >= 0}.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    sigma, sigma_prime = get(activation)
    return sigma(z), sigma_prime(z)


def activation_value(z: torch.Tensor, activation: str) -> torch.Tensor:
    if activation == "softplus":
        return F.softplus(z)
    if activation == "relu":
        return torch.relu(z)
    raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")

