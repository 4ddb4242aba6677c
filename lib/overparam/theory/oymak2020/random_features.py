"""Training only the output layer in Oymak & Soltanolkotabi (2020): Theorem 3.2's width (Section 3).

With W fixed at its random draw, fitting v is least squares in the random features Φ = φ(X W^T)
(3.1), which interpolates once Φ has full row rank. Theorem 3.2 says how wide the network must be
for that, in terms of the output feature eigenvalue λ~(X) = λ_min(Σ~(X)), Σ~(X) = E_w[φ(Xw) φ(Xw)^T]
(Definition 3.1). Appendix H bounds λ~(X) ≥ γ_φ² σ_min²(X * X) with γ_φ = E[φ(g)(g² - 1)] / sqrt(2),
which is ``hermite_coefficients(activation, 2, derivative=False)[2]`` (Lemma H.2 at r = 2).
"""

from __future__ import annotations

import math

__all__ = ["random_features_width"]


def random_features_width(n: int, lam_tilde: float, C: float = 1.0) -> float:
    """The width of Theorem 3.2: training only v interpolates once k ≥ C log²(n) n / λ~(X).

    Under it, λ_min(Φ Φ^T) ≥ ½ k (λ~(X) - 6B / n^100), so the least-squares fit of v has zero
    training error as long as λ~(X) ≥ 6B / n^100. C is unspecified in the paper; C = 1 is a floor.

    Parameters
    ----------
    n : int
        Number of samples.
    lam_tilde : float
        λ~(X) = λ_min(Σ~(X)), the output feature eigenvalue of Definition 3.1.
    C : float
        The numerical constant of the theorem.

    Returns
    -------
    float
        The required width k (not rounded).
    """
    return C * math.log(n) ** 2 * n / lam_tilde
