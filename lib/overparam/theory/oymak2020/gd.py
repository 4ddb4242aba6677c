"""Gradient descent in Oymak & Soltanolkotabi (2020): the data's condition numbers, the step sizes
and the per-step rates of Theorems 2.1, 2.3 (Section 2) and of the meta-theorems 6.2, 6.3 (Section
6.2).

The theorems of Section 2 are those of Section 6 with λ(X) replaced by its lower bound
μ_φ² σ_min²(X * X) (Lemma 6.4, (6.5)); the functions here take λ(X) and give Theorem 2.1's or 2.3's
form when passed ``lam = mu_phi(activation) ** 2 * sigma_min(X * X) ** 2``.
"""

from __future__ import annotations

import math

__all__ = ["kappa", "kappa_tilde", "relu_rate", "relu_step", "smooth_rate", "smooth_step"]


def kappa(n: int, d: int, X_norm: float, kr_sigma_min_sq: float) -> float:
    """The condition number κ(X) of Theorem 2.1, (2.2): κ(X) = sqrt(d/n) ‖X‖ / σ_min²(X * X).

    Parameters
    ----------
    n : int
        Number of samples.
    d : int
        Input dimension.
    X_norm : float
        ‖X‖, the spectral norm of the n x d data matrix.
    kr_sigma_min_sq : float
        σ_min²(X * X), the squared smallest singular value of the Khatri-Rao product (Section 1.2).

    Returns
    -------
    float
        κ(X); ``inf`` when σ_min(X * X) = 0 (``kr_sigma_min_sq <= 0``).
    """
    return math.inf if kr_sigma_min_sq <= 0 else math.sqrt(d / n) * X_norm / kr_sigma_min_sq


def kappa_tilde(n: int, d: int, X_norm: float, lam: float) -> float:
    """The condition number κ~(X) of Theorem 6.2, (6.2): κ~(X) = sqrt(d/n) ‖X‖ / λ(X).

    Parameters
    ----------
    n : int
        Number of samples.
    d : int
        Input dimension.
    X_norm : float
        ‖X‖.
    lam : float
        λ(X) = λ_min(Σ(X)), the neural network eigenvalue of Definition 6.1.

    Returns
    -------
    float
        κ~(X); ``inf`` when λ(X) ≤ 0.
    """
    return math.inf if lam <= 0 else math.sqrt(d / n) * X_norm / lam


def smooth_step(n: int, y_norm: float, X_norm: float, B: float = 1.0,
                eta_bar: float = 1.0) -> float:
    """The step size of Theorems 2.1 and 6.2: η = n η̄ / (2 B² ‖y‖² ‖X‖²), η̄ ≤ 1.

    It is 1 / (2β²) times η̄, with β = B ‖y‖ ‖X‖ / sqrt(n) the Jacobian bound (6.15) (Lemma 6.6 at
    the balanced v), the largest step Theorem 6.10 allows once (6.13) holds. Corollary 2.2 takes
    η̄ = 1.

    Parameters
    ----------
    n : int
        Number of samples.
    y_norm : float
        ‖y‖, the Euclidean norm of the label vector.
    X_norm : float
        ‖X‖.
    B : float
        The bound on |φ'| and |φ''|.
    eta_bar : float
        η̄ ≤ 1, the fraction of the largest step.

    Returns
    -------
    float
        η.
    """
    return n * eta_bar / (2 * B**2 * y_norm**2 * X_norm**2)


def relu_step(n: int, y_norm: float, X_norm: float, eta_bar: float = 1.0) -> float:
    """The step size of Theorems 2.3, 2.5 and 6.3: η = n η̄ / (3 ‖y‖² ‖X‖²), η̄ ≤ 1.

    It is 1 / (3β²) times η̄, with β = ‖y‖ ‖X‖ / sqrt(n) (Lemma 6.6, B = 1), the largest step of
    Theorem 6.13. Corollary 2.4 prints η = n / (‖y‖² ‖X‖²), without the 3 of the theorem it
    specialises; this function follows the theorem.

    Parameters
    ----------
    n : int
        Number of samples.
    y_norm : float
        ‖y‖.
    X_norm : float
        ‖X‖.
    eta_bar : float
        η̄ ≤ 1.

    Returns
    -------
    float
        η.
    """
    return n * eta_bar / (3 * y_norm**2 * X_norm**2)


def smooth_rate(lam: float, X_norm: float, B: float = 1.0, eta_bar: float = 1.0,
                conservative: bool = False) -> float:
    """The per-step contraction factor of ‖f(W_τ) - y‖ in Theorem 6.2: 1 - η̄ λ(X) / (32 B² ‖X‖²).

    Theorem 6.2 states ‖f(W_τ) - y‖ ≤ (1 - (η̄/32) λ(X) / (B² ‖X‖²))^τ ‖f(W_0) - y‖; with
    λ(X) = μ_φ² σ_min²(X * X) this is Theorem 2.1's factor
    1 - (η̄/32) (μ_φ²/B²) σ_min²(X * X) / ‖X‖². The proof goes through Theorem 6.10, whose (6.9)
    contracts the *squared* residual by 1 - η α²/2 = 1 - η̄ λ(X) / (32 B² ‖X‖²)
    (α = ‖y‖ sqrt(λ(X)) / (2 sqrt(2n)), η of :func:`smooth_step`), so the residual itself contracts
    by the square root of that, which is slower than the printed factor. ``conservative=True``
    returns 1 - η̄ λ(X) / (64 B² ‖X‖²), an upper bound on that square root (sqrt(1 - x) ≤ 1 - x/2),
    which the proof does support.

    Parameters
    ----------
    lam : float
        λ(X) (Definition 6.1), or μ_φ² σ_min²(X * X) for Theorem 2.1.
    X_norm : float
        ‖X‖.
    B : float
        The bound on |φ'| and |φ''|.
    eta_bar : float
        η̄ ≤ 1, as in :func:`smooth_step`.
    conservative : bool
        False for the printed constant 32, True for 64.

    Returns
    -------
    float
        The factor ρ with ‖f(W_τ) - y‖ ≤ ρ^τ ‖f(W_0) - y‖.
    """
    return 1 - eta_bar * lam / ((64 if conservative else 32) * B**2 * X_norm**2)


def relu_rate(lam: float, X_norm: float, eta_bar: float = 1.0) -> float:
    """The per-step contraction factor of ‖f(W_τ) - y‖ in Theorem 6.3: 1 - η̄ λ(X) / (24 ‖X‖²).

    It is Theorem 6.13's (6.20) factor 1 - η α² at α = ‖y‖ sqrt(λ(X)) / (2 sqrt(2n)) and the η of
    :func:`relu_step`. With λ(X) = σ_min²(X * X) / (2π) (μ_φ² for ReLU) it is Theorem 2.3's
    1 - (η̄ / (48π)) σ_min²(X * X) / ‖X‖².

    Parameters
    ----------
    lam : float
        λ(X), or σ_min²(X * X) / (2π) for Theorem 2.3.
    X_norm : float
        ‖X‖.
    eta_bar : float
        η̄ ≤ 1, as in :func:`relu_step`.

    Returns
    -------
    float
        The factor ρ with ‖f(W_τ) - y‖ ≤ ρ^τ ‖f(W_0) - y‖.
    """
    return 1 - eta_bar * lam / (24 * X_norm**2)
