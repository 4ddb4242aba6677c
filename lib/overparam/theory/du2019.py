"""Du, Zhai, Poczos & Singh (ICLR 2019): two-layer ReLU network, only the input layer trained.

Notation: n samples on the unit sphere, m hidden units, lambda0 = lambda_min(H∞), p_fail the failure
probability (Du et al. call it delta; the book keeps delta for the data separation).
"""

from __future__ import annotations

import math

__all__ = [
    "rate_bound",
    "loss_bound",
    "step_size_bound",
    "width_requirement",
    "gram_concentration_width",
    "neuron_radius_bound",
    "stability_radius",
]


def rate_bound(eta: float, lambda0: float) -> float:
    """Theorem 4.1: ||u(k) - y||^2 <= (1 - eta lambda0 / 2)^k ||u(0) - y||^2; the per-step factor."""
    return 1.0 - eta * lambda0 / 2.0


def loss_bound(loss0: float, eta: float, lambda0: float, steps: int):
    """The Theorem 4.1 envelope loss0 * (1 - eta lambda0/2)^k for k = 0..steps (a list)."""
    rho = rate_bound(eta, lambda0)
    return [loss0 * rho**k for k in range(steps + 1)]


def step_size_bound(n: int, lambda0: float, C: float = 1.0) -> float:
    """Theorem 4.1's step size eta = O(lambda0 / n^2)."""
    return C * lambda0 / n**2


def width_requirement(n: int, lambda0: float, p_fail: float, C: float = 1.0) -> float:
    """Theorem 4.1's width m = Omega(n^6 / (lambda0^4 p_fail^3))."""
    return C * n**6 / (lambda0**4 * p_fail**3)


def gram_concentration_width(n: int, lambda0: float, p_fail: float, C: float = 1.0) -> float:
    """Lemma 3.1: m = Omega(n^2 log(n/p_fail) / lambda0^2) gives ||H(0) - H∞||_2 <= lambda0/4."""
    return C * n**2 * math.log(n / p_fail) / lambda0**2


def neuron_radius_bound(n: int, m: int, residual0: float, lambda0: float) -> float:
    """Lemma 4.1's R' = 4 sqrt(n) ||y - u(0)||_2 / (sqrt(m) lambda0): no neuron moves farther than this."""
    return 4.0 * math.sqrt(n) * residual0 / (math.sqrt(m) * lambda0)


def stability_radius(n: int, lambda0: float, p_fail: float, c: float = 1.0) -> float:
    """Lemma 3.2's R = c p_fail lambda0 / n^2: within it every neuron keeps lambda_min(H) >= lambda0/2."""
    return c * p_fail * lambda0 / n**2
