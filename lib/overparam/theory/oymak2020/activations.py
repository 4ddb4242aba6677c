"""The activation's constants in Oymak & Soltanolkotabi (2020): Hermite coefficients, mu_phi, B, M.

Every bound of the paper sees the activation phi only through a few numbers of a standard Gaussian
g ~ N(0, 1): the bounds B on |φ'| and M on |φ''| (Theorems 2.1 and 6.2 take M = B), the
coefficient μ_φ = E[g φ'(g)] of Lemma 6.4, and more generally the Hermite coefficients μ_r(f) of
Appendix H, whose squares weigh the Khatri-Rao powers of X in Σ(X) (Lemma H.1) and Σ~(X)
(Lemma H.2).

The paper's two activations are supported: ``"softplus"``, φ(z) = log(1 + e^z) (Section 4,
Corollary 2.2), and ``"relu"``, φ(z) = max(0, z) with the generalized derivative φ'(z) = 1{z ≥ 0}
(Section 1.2).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["activation_constants", "hermite_coefficients", "mu_phi"]


def _fn(activation: str, derivative: bool) -> Callable[[np.ndarray], np.ndarray]:
    """φ or φ' of a named activation as a NumPy function (ReLU's φ'(z) = 1{z ≥ 0}, Section 1.2)."""
    if activation == "softplus":
        return (lambda z: 1 / (1 + np.exp(-z))) if derivative else (lambda z: np.logaddexp(0, z))
    if activation == "relu":
        return (lambda z: (z >= 0).astype(float)) if derivative else (lambda z: np.maximum(z, 0))
    raise ValueError(f"unknown activation {activation!r}; valid: relu, softplus")


def hermite_coefficients(activation: str, R: int, derivative: bool = True,
                         nodes: int = 200) -> np.ndarray:
    """The Hermite coefficients μ_0(f), ..., μ_R(f) of Appendix H, of f = φ' (default) or f = φ.

    Appendix H defines, for g ~ N(0, 1),

        μ_r(f) = E[f(g) h_r(g)],
        h_r(x) = (-1)^r e^{x²/2} (d^r/dx^r) e^{-x²/2} / sqrt(r!) = He_r(x) / sqrt(r!),

    with He_r the probabilists' Hermite polynomial. Lemma 6.4's constants are special cases:
    μ~_φ = E[φ'(g)] = μ_0(φ') and μ_φ = E[g φ'(g)] = μ_1(φ') (Appendix H prints μ_0(φ) and μ_1(φ),
    a slip: Lemma 6.4 defines both through φ'). Lemma H.1 bounds λ(X) ≥ μ_r²(φ') σ_min²(X^{*(r+1)}),
    Lemma H.2 bounds λ~(X) ≥ μ_r²(φ) σ_min²(X^{*r}), and Theorem 3.2's
    γ_φ = E[φ(g)(g² - 1)] / sqrt(2) is μ_2(φ).

    How each is computed: φ' of ReLU is the step 1{z ≥ 0}, whose coefficients are exact,
    μ_0 = 1/2 and μ_r = ϕ(0) He_{r-1}(0) / sqrt(r!) for r ≥ 1 (ϕ the standard normal density);
    φ = ReLU by adaptive quadrature (``scipy.integrate.quad``) on [0, ∞), where it is smooth;
    softplus and its derivative (the sigmoid) by ``nodes``-point Gauss-Hermite quadrature.

    Parameters
    ----------
    activation : str
        ``"relu"`` or ``"softplus"``.
    R : int
        Highest order r returned.
    derivative : bool
        True for the coefficients of φ' (Lemma H.1, Σ(X)), False for those of φ (Lemma H.2,
        Σ~(X)).
    nodes : int
        Gauss-Hermite nodes for softplus; ReLU does not use quadrature nodes.

    Returns
    -------
    numpy.ndarray
        ``R + 1`` floats, μ_r(f) for r = 0..R.

    Raises
    ------
    ValueError
        If ``activation`` is neither ``"relu"`` nor ``"softplus"``.
    """
    if activation == "relu" and derivative:
        out = np.zeros(R + 1)
        out[0] = 0.5
        he = np.polynomial.hermite_e.hermeval
        for r in range(1, R + 1):
            c = np.zeros(r)
            c[-1] = 1.0
            out[r] = he(0.0, c) / math.sqrt(2 * math.pi) / math.sqrt(math.factorial(r))
        return out
    f = _fn(activation, derivative)
    if activation == "relu":  # φ = ReLU vanishes below 0: integrate its smooth part on [0, ∞)
        from scipy import integrate

        out = []
        for r in range(R + 1):
            c = np.zeros(r + 1)
            c[-1] = 1.0
            g = lambda z, c=c: (z * np.polynomial.hermite_e.hermeval(z, c) * np.exp(-z * z / 2)
                                / math.sqrt(2 * math.pi))
            out.append(integrate.quad(g, 0, np.inf)[0] / math.sqrt(math.factorial(r)))
        return np.array(out)
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    fz = f(z)
    out = []
    for r in range(R + 1):
        c = np.zeros(r + 1)
        c[-1] = 1.0
        out.append(float((w * fz * np.polynomial.hermite_e.hermeval(z, c)).sum())
                   / math.sqrt(math.factorial(r)))
    return np.array(out)


def mu_phi(activation: str) -> float:
    """The constant μ_φ = E[g φ'(g)], g ~ N(0, 1), of Theorem 2.1 and Lemma 6.4.

    Lemma 6.4 (6.5) bounds λ(X) ≥ μ_φ² σ_min²(X * X), which turns Theorems 6.2 and 6.3 into
    Theorems 2.1 and 2.3. It is the first Hermite coefficient μ_1(φ') of Appendix H: about 0.2066
    for softplus (Appendix E rounds it to 0.207) and exactly 1/sqrt(2π) for ReLU (Section 6.3:
    μ_φ² = 1/(2π)).

    Parameters
    ----------
    activation : str
        ``"relu"`` or ``"softplus"``.

    Returns
    -------
    float
        μ_φ.

    Raises
    ------
    ValueError
        If ``activation`` is neither ``"relu"`` nor ``"softplus"``.
    """
    return float(hermite_coefficients(activation, 1)[1])


def activation_constants(activation: str) -> dict[str, float | None]:
    """The activation's constants that the bounds of Sections 2 and 6 take, for g ~ N(0, 1).

    * B = sup |φ'| (Theorems 2.1, 6.2; Lemmas 6.6, 6.7, 6.12): 1 for both activations.
    * M = sup |φ''| (Lemma 6.8): 1/4 for softplus (the sigmoid's slope at 0; Appendix E uses the
      looser M = 1), None for ReLU, whose φ'' does not exist (Theorem 6.3 replaces Lemma 6.8 by
      the perturbation Lemma 6.9).
    * μ_φ = E[g φ'(g)] (Lemma 6.4), from :func:`mu_phi`.
    * E[φ'(g)²], the diagonal entry of Σ(X) for unit-norm rows and hence an upper bound on λ(X)
      (6.16): λ(X) ≤ e_1^T Σ(X) e_1 = E[φ'(g)²] ≤ B². It is 1/2 for ReLU.
    * Var φ(g), the initial misfit per unit of label norm: with the balanced v of Theorem 2.1
      (1^T v = 0), E‖φ(X W_0^T) v‖² = ‖y‖² Var φ(g) (step (d) in the proof of Lemma 6.12). It is
      1/2 - 1/(2π) for ReLU.

    Softplus's E[φ'(g)²] and Var φ(g) come from 200-point Gauss-Hermite quadrature.

    Parameters
    ----------
    activation : str
        ``"relu"`` or ``"softplus"``.

    Returns
    -------
    dict
        ``{"B", "M", "mu_phi", "E_dphi_sq", "var_phi"}`` as above (``"M"`` is None for ReLU).

    Raises
    ------
    ValueError
        If ``activation`` is neither ``"relu"`` nor ``"softplus"``.
    """
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()
    if activation == "softplus":
        B, M = 1.0, 0.25
        d2 = float((w * _fn("softplus", True)(z) ** 2).sum())
        f = _fn("softplus", False)(z)
        var = float((w * f**2).sum() - (w * f).sum() ** 2)
    elif activation == "relu":
        B, M = 1.0, None
        d2 = 0.5
        var = 0.5 - 1 / (2 * math.pi)
    else:
        raise ValueError(f"unknown activation {activation!r}; valid: relu, softplus")
    return {"B": B, "M": M, "mu_phi": mu_phi(activation), "E_dphi_sq": d2, "var_phi": var}
