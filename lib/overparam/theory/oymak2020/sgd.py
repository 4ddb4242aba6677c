"""Stochastic gradient descent in Oymak & Soltanolkotabi (2020): the step size, rate and event
probability of Theorem 2.6 (Section 2.3).

The SGD update is (2.9), W_{τ+1} = W_τ + η (y_γ - f(x_γ; W_τ)) ∇f(x_γ; W_τ) with γ drawn
uniformly from {1, ..., n}: the plain gradient of one sample's ½(f(x_γ) - y_γ)², not rescaled by n.
Theorem 2.6 is stated in terms of σ_min²(X * X) and μ_φ; its proof (Appendix F) follows Theorem
2.1's, where μ_φ² σ_min²(X * X) enters only as the lower bound (6.5) on λ(X), so the meta-theorem
form passes λ(X) / μ_φ² as ``kr_sigma_min_sq``.
"""

from __future__ import annotations

import math

__all__ = ["sgd_event_probability", "sgd_rate", "sgd_step"]


def sgd_step(n: int, y_norm: float, X_norm: float, mu: float, kr_sigma_min_sq: float,
             B: float = 1.0, nu: float = 3.0, eta_bar: float = 1.0) -> float:
    """The step size of Theorem 2.6: η = μ_φ² / (9 ν B⁴) · n / ‖y‖² · σ_min²(X * X) / ‖X‖² · η̄.

    Parameters
    ----------
    n : int
        Number of samples.
    y_norm : float
        ‖y‖.
    X_norm : float
        ‖X‖.
    mu : float
        μ_φ = E[g φ'(g)] (:func:`mu_phi`).
    kr_sigma_min_sq : float
        σ_min²(X * X); or λ(X) / μ_φ² for the meta-theorem form.
    B : float
        The bound on |φ'| and |φ''|.
    nu : float
        ν ≥ 3, the step's safety factor (it also sets the event probability).
    eta_bar : float
        η̄ ≤ 1.

    Returns
    -------
    float
        η.
    """
    return mu**2 / (9 * nu * B**4) * n / y_norm**2 * kr_sigma_min_sq / X_norm**2 * eta_bar


def sgd_rate(n: int, X_norm: float, mu: float, kr_sigma_min_sq: float, B: float = 1.0,
             nu: float = 3.0, eta_bar: float = 1.0) -> float:
    """The per-step factor of (2.10): 1 - (η̄ / (144 n)) (μ_φ⁴ / (ν B⁴)) σ_min⁴(X * X) / ‖X‖².

    Theorem 2.6's (2.10) bounds E[‖f(W_τ) - y‖² 1_E] ≤ ρ^τ ‖f(W_0) - y‖², a factor on the *squared*
    residual in expectation on the event E (:func:`sgd_event_probability`), at the step of
    :func:`sgd_step`. It is 1 - η α² / (2n) with α² = ‖y‖² μ_φ² σ_min²(X * X) / (8n), the α² of
    Theorem 6.2's proof.

    Parameters
    ----------
    n : int
        Number of samples.
    X_norm : float
        ‖X‖.
    mu : float
        μ_φ.
    kr_sigma_min_sq : float
        σ_min²(X * X); or λ(X) / μ_φ².
    B : float
        The bound on |φ'| and |φ''|.
    nu : float
        ν ≥ 3, as in :func:`sgd_step`.
    eta_bar : float
        η̄ ≤ 1, as in :func:`sgd_step`.

    Returns
    -------
    float
        ρ, the per-step factor of E[‖f(W_τ) - y‖² 1_E].
    """
    return 1 - eta_bar / (144 * n) * mu**4 / (nu * B**4) * kr_sigma_min_sq**2 / X_norm**2


def sgd_event_probability(k: int, d: int, X_norm: float, mu: float, kr_sigma_min_sq: float,
                          B: float = 1.0, nu: float = 3.0) -> float:
    """The lower bound of Theorem 2.6 on P(E), the probability of the event on which (2.10) holds.

        P(E) ≥ 1 - (4/ν) (3B ‖X‖ / (μ_φ σ_min(X * X)))^{1/(kd)}.

    E is over the SGD draws for a fixed W_0. As kd grows the bound tends to 1 - 4/ν, which is ≤ 0
    (vacuous) for ν ≤ 4, although Theorem 2.6 allows ν ≥ 3.

    Parameters
    ----------
    k : int
        Number of hidden units.
    d : int
        Input dimension.
    X_norm : float
        ‖X‖.
    mu : float
        μ_φ.
    kr_sigma_min_sq : float
        σ_min²(X * X) (its square root enters the bound); or λ(X) / μ_φ².
    B : float
        The bound on |φ'| and |φ''|.
    nu : float
        ν ≥ 3, as in :func:`sgd_step`.

    Returns
    -------
    float
        The bound on P(E) (it can be negative, i.e. vacuous).
    """
    base = 3 * B * X_norm / (mu * math.sqrt(kr_sigma_min_sq))
    return 1 - 4 / nu * base ** (1 / (k * d))
