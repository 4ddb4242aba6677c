"""Du, Zhai, Póczos & Singh (ICLR 2019): two-layer ReLU network, only the input layer trained.

Setting: f(W, x) = sum_r v_r relu(w_r^T x) with w_r(0) ~ N(0, I_d) trained and v_r = ±1/sqrt(m) fixed,
inputs on the unit sphere, loss 1/2 ||u - y||^2 minimised by gradient descent with step eta.

Notation: n samples, m hidden units, lambda0 = lambda_min(H∞), p_fail the failure probability over the
initialisation (Du et al. call it delta; the book keeps delta for the data separation). Hidden constants
(the paper's Omega/O) are keyword arguments defaulting to 1.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "gram_concentration_width",
    "loss_bound",
    "neuron_radius_bound",
    "rate_bound",
    "stability_radius",
    "step_size_bound",
    "width_requirement",
]


def rate_bound(eta: float, lambda0: float) -> float:
    """The per-step loss factor of Theorem 4.1: ||u(k) - y||^2 <= (1 - eta lambda0 / 2)^k ||u(0) - y||^2.

    Parameters
    ----------
    eta : float
        Step size of gradient descent.
    lambda0 : float
        lambda_min(H∞).

    Returns
    -------
    float
        1 - eta lambda0 / 2.
    """
    return 1.0 - eta * lambda0 / 2.0


def loss_bound(loss0: float, eta: float, lambda0: float, steps: int) -> np.ndarray:
    """The envelope of Theorem 4.1 along a run: loss0 (1 - eta lambda0 / 2)^k for k = 0..steps.

    Parameters
    ----------
    loss0 : float
        The loss at initialisation (any multiple of ||u(0) - y||^2: the bound is linear in it).
    eta : float
        Step size.
    lambda0 : float
        lambda_min(H∞).
    steps : int
        Last step of the envelope.

    Returns
    -------
    numpy.ndarray
        ``steps + 1`` values, the bound on the loss before step k.
    """
    rho = rate_bound(eta, lambda0)
    return np.array([loss0 * rho**k for k in range(int(steps) + 1)], dtype=float)


def step_size_bound(n: int, lambda0: float, C: float = 1.0) -> float:
    """The step size Theorem 4.1 allows, eta = O(lambda0 / n^2).

    Parameters
    ----------
    n : int
        Number of samples.
    lambda0 : float
        lambda_min(H∞).
    C : float
        The hidden constant.

    Returns
    -------
    float
        C lambda0 / n^2.
    """
    return C * lambda0 / n**2


def width_requirement(n: int, lambda0: float, p_fail: float, C: float = 1.0) -> float:
    """The width Theorem 4.1 asks for, m = Omega(n^6 / (lambda0^4 p_fail^3)).

    Parameters
    ----------
    n : int
        Number of samples.
    lambda0 : float
        lambda_min(H∞).
    p_fail : float
        Failure probability over the initialisation.
    C : float
        The hidden constant.

    Returns
    -------
    float
        C n^6 / (lambda0^4 p_fail^3).
    """
    return C * n**6 / (lambda0**4 * p_fail**3)


def gram_concentration_width(n: int, lambda0: float, p_fail: float, C: float = 1.0) -> float:
    """The width of Lemma 3.1, m = Omega(n^2 log(n / p_fail) / lambda0^2), at which, with probability at
    least 1 - p_fail, ||H(0) - H∞||_2 <= lambda0 / 4 and lambda_min(H(0)) >= 3 lambda0 / 4.

    Parameters
    ----------
    n : int
        Number of samples.
    lambda0 : float
        lambda_min(H∞).
    p_fail : float
        Failure probability over the initialisation.
    C : float
        The hidden constant.

    Returns
    -------
    float
        C n^2 log(n / p_fail) / lambda0^2.
    """
    return C * n**2 * math.log(n / p_fail) / lambda0**2


def neuron_radius_bound(n: int, m: int, residual0: float, lambda0: float) -> float:
    """Lemma 4.1's R' = 4 sqrt(n) ||y - u(0)||_2 / (sqrt(m) lambda0): no neuron moves farther than this.

    Parameters
    ----------
    n : int
        Number of samples.
    m : int
        Width.
    residual0 : float
        ||y - u(0)||_2, the residual norm at initialisation (sqrt(2 loss0) for the loss 1/2 ||u - y||^2).
    lambda0 : float
        lambda_min(H∞).

    Returns
    -------
    float
        The radius R'.
    """
    return 4.0 * math.sqrt(n) * residual0 / (math.sqrt(m) * lambda0)


def stability_radius(n: int, lambda0: float, p_fail: float, c: float = 1.0) -> float:
    """Lemma 3.2's R = c p_fail lambda0 / n^2: within it every neuron keeps lambda_min(H) >= lambda0 / 2.

    Parameters
    ----------
    n : int
        Number of samples.
    lambda0 : float
        lambda_min(H∞).
    p_fail : float
        Failure probability over the initialisation.
    c : float
        The hidden constant.

    Returns
    -------
    float
        c p_fail lambda0 / n^2.
    """
    return c * p_fail * lambda0 / n**2
