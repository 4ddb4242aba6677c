"""The meta-theorem behind Oymak & Soltanolkotabi's (2020) gradient-descent results and the Jacobian
lemmas that feed it (Sections 6.4 to 6.6).

Theorem 6.10 (from the companion paper [10]) proves linear convergence of gradient descent on any
least-squares problem min ½‖f(θ) - y‖² whose Jacobian J is well conditioned, α ≤ σ_min(J) ≤ ‖J‖ ≤ β,
and L-Lipschitz near the start; Corollary 6.11 asks the lower bound only at θ_0. For the network,
θ = W, Lemma 6.6 gives β, Lemma 6.7 α and Lemma 6.8 L; Theorem 6.2 is the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "MetaBounds",
    "certificate",
    "jacobian_lipschitz_bound",
    "jacobian_norm_bound",
    "lemma67_width",
    "meta_theorem",
]


def lemma67_width(n: int, X_norm: float, lam: float, B: float = 1.0) -> float:
    """The width at which Lemma 6.7 applies to a balanced v: k ≥ 20 log(n) B² ‖X‖² / λ(X).

    Lemma 6.7 gives σ_min(J(W_0)) ≥ ‖v‖ sqrt(λ(X) / 2) with probability ≥ 1 - 1/n as long as
    ‖v‖ / ‖v‖_∞ ≥ sqrt(20 log n) B ‖X‖ / sqrt(λ(X)). With half the entries of v at ±‖y‖ / sqrt(kn)
    (Theorem 2.1), ‖v‖ / ‖v‖_∞ = sqrt(k), so the condition is the width above (Section 6.7 quotes it
    for ReLU, B = 1). For odd k one entry of v is zero and the ratio is sqrt(k - 1).

    Parameters
    ----------
    n : int
        Number of samples.
    X_norm : float
        ‖X‖.
    lam : float
        λ(X) (Definition 6.1).
    B : float
        The bound on |φ'|.

    Returns
    -------
    float
        The smallest k the lemma covers (not rounded); ``inf`` when λ(X) ≤ 0.
    """
    return math.inf if lam <= 0 else 20 * math.log(n) * B**2 * X_norm**2 / lam


def jacobian_norm_bound(k: int, v_inf: float, X_norm: float, B: float = 1.0) -> float:
    """The spectral-norm bound of Lemma 6.6: ‖J(W)‖ ≤ sqrt(k) B ‖v‖_∞ ‖X‖ for every W.

    At the balanced v of Theorem 2.1 (‖v‖_∞ = ‖y‖ / sqrt(kn)) this is (6.15)'s
    β = B ‖y‖ ‖X‖ / sqrt(n).

    Parameters
    ----------
    k : int
        Number of hidden units.
    v_inf : float
        ‖v‖_∞, the largest output weight in absolute value.
    X_norm : float
        ‖X‖.
    B : float
        The bound on |φ'|.

    Returns
    -------
    float
        sqrt(k) B ‖v‖_∞ ‖X‖.
    """
    return math.sqrt(k) * B * v_inf * X_norm


def jacobian_lipschitz_bound(v_inf: float, X_norm: float, M: float) -> float:
    """The Lipschitz constant of Lemma 6.8: ‖J(W~) - J(W)‖ ≤ M ‖v‖_∞ ‖X‖ ‖W~ - W‖_F when |φ''| ≤ M.

    At the balanced v of Theorem 2.1 this is (6.14)'s L = B ‖y‖ ‖X‖ / sqrt(kn), with M = B.

    Parameters
    ----------
    v_inf : float
        ‖v‖_∞.
    X_norm : float
        ‖X‖.
    M : float
        The bound on |φ''| (1/4 for softplus).

    Returns
    -------
    float
        L = M ‖v‖_∞ ‖X‖.
    """
    return M * v_inf * X_norm


@dataclass(frozen=True)
class MetaBounds:
    """The conclusions of Theorem 6.10 for one set of Jacobian bounds and one step size.

    For min ½‖f(θ) - y‖² with α ≤ σ_min(J(θ)) ≤ ‖J(θ)‖ ≤ β on the ball B(θ_0, R) (6.7) and an
    L-Lipschitz Jacobian (6.8), with r_0 = ‖f(θ_0) - y‖ and r_τ = ‖f(θ_τ) - y‖:

    * step: η ≤ η_max = min(1, α² / (L r_0)) / (2β²);
    * radius: R = 4 r_0 / α;
    * (6.9): r_τ² ≤ (1 - η α² / 2)^τ r_0², so r_τ contracts by sqrt(1 - η α² / 2) per step;
    * (6.10): α/4 ‖θ_τ - θ_0‖ + r_τ ≤ r_0;
    * (6.11): Σ_τ ‖θ_{τ+1} - θ_τ‖ ≤ 4 r_0 / α.

    Attributes
    ----------
    alpha, beta, L, r0, eta : float
        α, β, L, r_0 and η as given to :func:`meta_theorem`.
    eta_max : float
        η_max.
    step_ok : bool
        Whether η ≤ η_max (to a relative 1e-12, so that η = η_max computed another way passes).
    radius : float
        R = 4 r_0 / α.
    residual_rate : float
        sqrt(max(0, 1 - η α² / 2)), the per-step factor of r_τ.
    path_bound : float
        4 r_0 / α, the bound (6.11) on the path length.
    """

    alpha: float
    beta: float
    L: float
    r0: float
    eta: float
    eta_max: float
    step_ok: bool
    radius: float
    residual_rate: float
    path_bound: float

    def residual_bound(self, t: ArrayLike) -> np.ndarray | float:
        """The envelope of (6.9) on the residual: r_τ ≤ r_0 sqrt(1 - η α² / 2)^τ.

        Parameters
        ----------
        t : array_like
            Step indices τ.

        Returns
        -------
        numpy.ndarray or float
            r_0 ρ^τ for each τ (a NumPy scalar for scalar ``t``).
        """
        return self.r0 * self.residual_rate ** np.asarray(t, float)

    def potential(self, distance: ArrayLike, residual: ArrayLike) -> np.ndarray | float:
        """The left side of (6.10), α/4 ‖θ_τ - θ_0‖ + r_τ, which the theorem bounds by r_0.

        Parameters
        ----------
        distance : array_like
            ‖θ_τ - θ_0‖ along a run.
        residual : array_like
            r_τ = ‖f(θ_τ) - y‖ at the same steps.

        Returns
        -------
        numpy.ndarray or float
            α/4 ‖θ_τ - θ_0‖ + r_τ, elementwise (a NumPy scalar for scalar inputs).
        """
        return self.alpha / 4 * np.asarray(distance) + np.asarray(residual)


def meta_theorem(alpha: float, beta: float, L: float, r0: float, eta: float) -> MetaBounds:
    """The conclusions of Theorem 6.10 (from the companion paper [10]) for given Jacobian bounds.

    η_max = min(1, α² / (L r_0)) / (2β²) (with α² / (L r_0) = ∞ when L = 0), R = 4 r_0 / α, the
    residual factor sqrt(1 - η α² / 2) of (6.9) and the path bound 4 r_0 / α of (6.11); see
    :class:`MetaBounds`. Whether the hypotheses (6.7), (6.8) hold is not checked here.

    Parameters
    ----------
    alpha : float
        α > 0, the lower bound on σ_min(J) over the ball.
    beta : float
        β, the upper bound on ‖J‖.
    L : float
        L ≥ 0, the Lipschitz constant of J (6.8).
    r0 : float
        r_0 = ‖f(θ_0) - y‖.
    eta : float
        η, the step size used.

    Returns
    -------
    MetaBounds
        The step-size test, radius, rate and path bound.

    Raises
    ------
    ZeroDivisionError
        If α = 0 or β = 0 (no finite radius or step), or r_0 = 0 while L > 0.
    """
    eta_max = min(1.0, alpha**2 / (L * r0) if L > 0 else math.inf) / (2 * beta**2)
    rate = math.sqrt(max(0.0, 1 - eta * alpha**2 / 2))
    return MetaBounds(alpha, beta, L, r0, eta, eta_max, eta <= eta_max * (1 + 1e-12),
                      4 * r0 / alpha, rate, 4 * r0 / alpha)


def certificate(sigma_min_J0: float, r0: float, v_inf: float, X_norm: float,
                M: float) -> dict[str, float | bool]:
    """Corollary 6.11 on one instance: are the hypotheses of Theorem 6.10 certified at W_0?

    With α = σ_min(J(W_0)) / 2 (6.12) and L = M ‖v‖_∞ ‖X‖ from Lemma 6.8, the conclusions of
    Theorem 6.10 hold if (6.13), α² / (4L) ≥ ‖f(W_0) - y‖ = r_0.

    Parameters
    ----------
    sigma_min_J0 : float
        σ_min(J(W_0)), measured.
    r0 : float
        r_0 = ‖f(W_0) - y‖, measured.
    v_inf : float
        ‖v‖_∞.
    X_norm : float
        ‖X‖.
    M : float
        The bound on |φ''| (1/4 for softplus).

    Returns
    -------
    dict
        ``"alpha"`` (α), ``"L"``, ``"margin"`` (α² / (4L)), ``"r0"`` and ``"certified"``
        (margin ≥ r_0).

    Raises
    ------
    ZeroDivisionError
        If L = 0 (M, ‖v‖_∞ or ‖X‖ zero), where (6.13) holds trivially.
    """
    alpha = sigma_min_J0 / 2
    L = jacobian_lipschitz_bound(v_inf, X_norm, M)
    margin = alpha**2 / (4 * L)
    return {"alpha": alpha, "L": L, "margin": margin, "r0": r0, "certified": margin >= r0}
