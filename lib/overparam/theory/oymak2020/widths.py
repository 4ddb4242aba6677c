"""The over-parameterization that Oymak & Soltanolkotabi (2020) ask of gradient descent: the width
requirements of Theorems 2.1, 2.3, 2.5, 6.2, 6.3 and Corollaries 2.2, 2.4.

Where the proof pins the hidden constant down the default is that value; where the paper leaves it
unspecified the default is 1, which makes the requirement a *lower bound* on what the theorem asks.
The probability slack δ of the concentration steps (Lemma 6.12) is ``delta``; in Theorem 2.5, where
δ is the data separation, the slack is ν (``nu``).
"""

from __future__ import annotations

import math

from .gd import kappa_tilde

__all__ = [
    "RELU_C_EXPLICIT",
    "relu_separation_width_requirement",
    "relu_width_requirement",
    "relu_width_requirement_sphere",
    "smooth_width_requirement",
    "smooth_width_requirement_sphere",
]

# (6.3)'s constant as the proof of Thm 6.3 (Section 6.7) fixes it: the radius bound
# 12 (1 + delta) sqrt(2n / lambda) <= sqrt(k) lambda^{3/2} / (2 * 200^{3/2} ||X||^3)
# gives C = 2 * 24^2 * 200^3 ≈ 9.2e9.
RELU_C_EXPLICIT = 2 * 24**2 * 200**3


def smooth_width_requirement(n: int, d: int, X_norm: float, lam: float, B: float = 1.0,
                             delta: float = 1.0, c: float | None = None) -> dict[str, float]:
    """The over-parameterization of Theorem 6.2, (6.2): sqrt(kd) ≥ c B² (1 + δ) κ~(X) n.

    Here κ~(X) = sqrt(d/n) ‖X‖ / λ(X) (:func:`kappa_tilde`). The theorem leaves c unspecified;
    ``c=None`` uses the explicit form the proof derives, (6.18),

        sqrt(kd) ≥ 32 B (1 + (1 + δ) B) κ~(X) n,

    the condition under which (6.13), α²/(4L) ≥ ‖f(W_0) - y‖, holds with the initial misfit of
    Lemma 6.12; its prefactor is 96 at B = δ = 1. With λ(X) = μ_φ² σ_min²(X * X) (Lemma 6.4),
    κ~(X) = κ(X) / μ_φ² and (6.2) is Theorem 2.1's (2.2), sqrt(kd) ≥ c (B²/μ_φ²) (1 + δ) κ(X) n.

    Parameters
    ----------
    n : int
        Number of samples.
    d : int
        Input dimension.
    X_norm : float
        ‖X‖.
    lam : float
        λ(X) (Definition 6.1), or μ_φ² σ_min²(X * X) for Theorem 2.1.
    B : float
        The bound on |φ'| and |φ''|.
    delta : float
        δ, the slack of Lemma 6.12 (the theorem holds with probability at least
        1 - 1/n - e^{-δ² n / (2‖X‖²)}).
    c : float or None
        The numerical constant of (6.2); None for the proof's explicit (6.18).

    Returns
    -------
    dict
        ``"kd"`` (the required number of trained parameters), ``"k"`` (= kd / d), ``"sqrt_kd"``,
        ``"kappa_tilde"`` (κ~(X)) and ``"prefactor"`` (c B² (1 + δ), or 32 B (1 + (1 + δ) B)).
        All are ``inf`` (the prefactor excepted) when λ(X) ≤ 0.
    """
    kt = kappa_tilde(n, d, X_norm, lam)
    pref = 32 * B * (1 + (1 + delta) * B) if c is None else c * B**2 * (1 + delta)
    kd = (pref * kt * n) ** 2
    return {"kd": kd, "k": kd / d, "sqrt_kd": pref * kt * n, "kappa_tilde": kt, "prefactor": pref}


def smooth_width_requirement_sphere(n: int, d: int, C: float = 1.0) -> dict[str, float]:
    """The over-parameterization of Corollary 2.2, (2.3): sqrt(kd) ≥ C n, i.e. kd ≥ C² n².

    Corollary 2.2 is Theorem 2.1 for softplus on n points drawn uniformly from the unit sphere of
    R^d, d ≤ n ≤ c d², where ‖X‖ ≤ 2 sqrt(n/d) and σ_min(X * X) ≥ c with high probability
    (Appendix E), so κ(X) is a constant. C is unspecified in the paper; C = 1 is a floor.

    Parameters
    ----------
    n : int
        Number of samples.
    d : int
        Input dimension.
    C : float
        The numerical constant of (2.3).

    Returns
    -------
    dict
        ``"kd"`` (= C² n²) and ``"k"`` (= kd / d).
    """
    kd = (C * n) ** 2
    return {"kd": kd, "k": kd / d}


def relu_width_requirement(n: int, X_norm: float, lam: float, delta: float = 1.0,
                           C: float = RELU_C_EXPLICIT) -> dict[str, float]:
    """The over-parameterization of Theorem 6.3, (6.3): k ≥ C (1 + δ)² n ‖X‖⁶ / λ⁴(X).

    C defaults to the value the proof fixes (Section 6.7), 2 · 24² · 200³ ≈ 9.2e9
    (``RELU_C_EXPLICIT``): the radius R ≤ 12 (1 + δ) sqrt(2n / λ(X)) must fit inside the ball
    ‖W - W_0‖ ≤ m_0³ / (2k) = sqrt(k) λ^{3/2}(X) / (2 · 200^{3/2} ‖X‖³) of Lemma 6.9. With
    λ(X) = σ_min²(X * X) / (2π) (Lemma 6.4 for ReLU) it is the square of Theorem 2.3's (2.6),
    sqrt(kd) ≥ C' (1 + δ) (n²/d) κ³(X) σ_min²(X * X), with C'² = (2π)⁴ C.

    Parameters
    ----------
    n : int
        Number of samples.
    X_norm : float
        ‖X‖.
    lam : float
        λ(X) (Definition 6.1).
    delta : float
        δ, the slack of Lemma 6.12 (the theorem holds with probability at least
        1 - 2/n - e^{-δ² n / ‖X‖²}).
    C : float
        The numerical constant of (6.3).

    Returns
    -------
    dict
        ``"k"`` (the required width; ``inf`` when λ(X) ≤ 0) and ``"C"`` (the constant used).
    """
    k = math.inf if lam <= 0 else C * (1 + delta) ** 2 * n * X_norm**6 / lam**4
    return {"k": k, "C": C}


def relu_width_requirement_sphere(n: int, d: int, C: float = 1.0) -> dict[str, float]:
    """The over-parameterization of Corollary 2.4, (2.7): sqrt(kd) ≥ C n² / d, i.e. k ≥ C² n⁴ / d³.

    Corollary 2.4 is Theorem 2.3 on n points drawn uniformly from the unit sphere of R^d,
    d ≤ n ≤ c d². C is unspecified in the paper; C = 1 is a floor.

    Parameters
    ----------
    n : int
        Number of samples.
    d : int
        Input dimension.
    C : float
        The numerical constant of (2.7).

    Returns
    -------
    dict
        ``"k"`` (= C² n⁴ / d³) and ``"kd"`` (= k d).
    """
    k = C**2 * n**4 / d**3
    return {"k": k, "kd": k * d}


def relu_separation_width_requirement(n: int, X_norm: float, delta_sep: float, nu: float = 1.0,
                                      C: float = 1.0) -> dict[str, float]:
    """The over-parameterization of Theorem 2.5, (2.8): k ≥ C (1 + ν)² n⁹ ‖X‖⁶ / δ⁴.

    Theorem 2.5 is Theorem 6.3 for δ-separated data (Assumption 1:
    min(‖x_i - x_j‖, ‖x_i + x_j‖) ≥ δ), through λ(X) ≥ δ / (100 n²) (Corollary I.2, (I.4)); ν is the
    probability slack (the theorem holds with probability ≥ 1 - 2/n - e^{-ν² n / ‖X‖²}). C is
    unspecified in the statement; C = 1 is a floor. Carried through (6.3) with the proof's constant,
    C would be 100⁴ · ``RELU_C_EXPLICIT``.

    Parameters
    ----------
    n : int
        Number of samples.
    X_norm : float
        ‖X‖.
    delta_sep : float
        δ, the separation of Assumption 1.
    nu : float
        ν, the probability slack.
    C : float
        The numerical constant of (2.8).

    Returns
    -------
    dict
        ``"k"``, the required width.
    """
    return {"k": C * (1 + nu) ** 2 * n**9 * X_norm**6 / delta_sep**4}
