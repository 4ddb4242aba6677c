"""Activation functions of the five papers, each with its derivative, defined once for the library.

Every network, kernel and Jacobian of the book takes its activation from here by name, so that "ReLU"
means one function with one derivative convention everywhere. The derivative is returned explicitly
(not by autograd) because the closed-form Jacobians and the Monte Carlo kernels need sigma'(z) as a
tensor. At the kink we take the right derivative, sigma'(0) = the slope for z >= 0: the convention of
Allen-Zhu, Li & Song (2019), Definition 2.2 (D has 1 where the pre-activation is >= 0), and of Guo, Li &
Lerman (2024), eq. (2) and the matrices D_{i,l} of their Appendix B.1.

Two entry points:

* ``get(name, alpha)`` returns (sigma, sigma') for every name in ``NAMES``; the networks of
  ``nets.feedforward`` use it.
* ``activation_pair`` / ``activation_value`` serve Oymak & Soltanolkotabi's (2020) one-hidden-layer
  network, whose paper uses only softplus and ReLU (Section 4); they accept exactly ``ACTIVATIONS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = ["ACTIVATIONS", "NAMES", "activation_pair", "activation_value", "get", "leaky_relu_scaled", "relu", "softplus"]

Fn = Callable[[torch.Tensor], torch.Tensor]

NAMES = ("relu", "leaky_relu", "abs", "softplus", "tanh", "linear")
"""Every activation name ``get`` accepts."""

ACTIVATIONS = ("relu", "softplus")
"""The activations of Oymak & Soltanolkotabi (2020), Section 4: what ``activation_pair`` accepts."""


def relu(x: torch.Tensor) -> torch.Tensor:
    """ReLU, max(0, x), elementwise.

    Parameters
    ----------
    x : torch.Tensor
        Pre-activations.

    Returns
    -------
    torch.Tensor
        max(0, x), same shape and dtype. Its autograd derivative is 1{x >= 0}, the convention of ``get``.
    """
    return torch.clamp_min(x, 0.0)


def _check_alpha(alpha: float) -> None:
    if not (alpha < 1.0):
        raise ValueError(
            f"leaky ReLU slope alpha must be < 1 (Guo et al. 2024); got alpha={alpha}. "
            "alpha > 1 is the same network as 1/alpha with the weights negated."
        )


def _leaky_scale(alpha: float) -> float:
    # 1 / sqrt(1 + alpha^2): Guo et al.'s rescaling, shared by the function and its derivative
    return 1.0 / math.sqrt(1.0 + alpha * alpha)


def leaky_relu_scaled(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """Guo, Li & Lerman's rescaled leaky ReLU sigma~_alpha(x) = sigma_alpha(x) / sqrt(1 + alpha^2).

    Guo et al. (2024), Algorithm 1, eq. (2): x / sqrt(1 + alpha^2) for x >= 0, alpha x / sqrt(1 + alpha^2)
    for x < 0. The rescaling keeps E[sigma~(z)^2] = 1/2 for z ~ N(0, 1) for every alpha, so the He
    initialisation W ~ N(0, 2/m) preserves forward norms. alpha = 0 is ReLU, alpha = -1 is |x|/sqrt(2).

    Parameters
    ----------
    x : torch.Tensor
        Pre-activations.
    alpha : float
        The negative-side slope, alpha < 1 (the paper's range; alpha > 1 is the network at 1/alpha).

    Returns
    -------
    torch.Tensor
        sigma~_alpha(x), same shape and dtype as ``x``.

    Raises
    ------
    ValueError
        If alpha >= 1.
    """
    _check_alpha(alpha)
    return torch.where(x >= 0, x, alpha * x) * _leaky_scale(alpha)


def _leaky_relu_scaled_derivative(x: torch.Tensor, alpha: float) -> torch.Tensor:
    return torch.where(x >= 0, torch.ones_like(x), torch.full_like(x, alpha)) * _leaky_scale(alpha)


def softplus(x: torch.Tensor) -> torch.Tensor:
    """Softplus, log(1 + e^x), elementwise (Oymak & Soltanolkotabi 2020, Corollary 2.2).

    Parameters
    ----------
    x : torch.Tensor
        Pre-activations.

    Returns
    -------
    torch.Tensor
        ``torch.nn.functional.softplus(x)``: exact up to its linear branch beyond x = 20.
    """
    return torch.nn.functional.softplus(x)


def get(name: str, alpha: float | None = None) -> tuple[Fn, Fn]:
    """The activation sigma and its derivative sigma' for a name.

    Parameters
    ----------
    name : str
        One of ``NAMES``: "relu", "leaky_relu" (Guo et al.'s rescaled leaky ReLU, needs ``alpha``), "abs"
        (the rescaled leaky ReLU at alpha = -1, i.e. |x|/sqrt(2)), "softplus", "tanh", "linear".
    alpha : float, optional
        The leaky ReLU slope (alpha < 1); used only by "leaky_relu".

    Returns
    -------
    sigma, sigma_prime : callable
        Elementwise functions of a tensor. sigma' is the right derivative at a kink (1{x >= 0} for
        ReLU), the sign-matrix convention of Allen-Zhu et al. (2019), Definition 2.2.

    Raises
    ------
    ValueError
        For an unknown name, for "leaky_relu" without ``alpha``, or for alpha >= 1.
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


def _check_oymak_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")


def activation_pair(z: torch.Tensor, activation: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(phi(z), phi'(z)) for Oymak & Soltanolkotabi's activations, evaluated together.

    softplus: phi = log(1 + e^z) (``F.softplus``, exact up to its linear branch beyond z = 20),
    phi' = sigmoid. relu: phi = max(0, z), phi' = 1{z >= 0}. These are the phi and phi' of the paper's
    Jacobian (Section 6.1) and of its kernels Sigma(X) (Definition 6.1) and Sigma~(X) (Definition 3.1).

    Parameters
    ----------
    z : torch.Tensor
        Pre-activations, e.g. X W^T.
    activation : {"relu", "softplus"}
        One of ``ACTIVATIONS``.

    Returns
    -------
    phi, phi_prime : torch.Tensor
        Same shape and dtype as ``z``.

    Raises
    ------
    ValueError
        If ``activation`` is not in ``ACTIVATIONS``.
    """
    _check_oymak_activation(activation)
    sigma, sigma_prime = get(activation)
    return sigma(z), sigma_prime(z)


def activation_value(z: torch.Tensor, activation: str) -> torch.Tensor:
    """phi(z) alone, for the forward pass of a network trained by autograd.

    The values equal ``activation_pair(z, activation)[0]``. It is kept separate because it uses
    ``torch.relu``, whose autograd derivative at exactly z = 0 is 0 (where ``activation_pair`` says 1):
    the single-network baseline ``nets.two_layer.TwoLayerModule`` has always trained with it.

    Parameters
    ----------
    z : torch.Tensor
        Pre-activations.
    activation : {"relu", "softplus"}
        One of ``ACTIVATIONS``.

    Returns
    -------
    torch.Tensor
        phi(z), same shape and dtype as ``z``.

    Raises
    ------
    ValueError
        If ``activation`` is not in ``ACTIVATIONS``.
    """
    if activation == "softplus":
        return F.softplus(z)
    if activation == "relu":
        return torch.relu(z)
    raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
