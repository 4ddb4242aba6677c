"""Zou, Cao, Zhou & Gu (2020): the bounds, the book's own predictions, and the parameter ladder (T1).

Notation: n samples, L trained layers of width m (M = max width), separation phi, bias coordinate mu,
step eta, batch B, confidence delta; the loss exponent p and alpha0 of Assumption 3.2. Every O(.) and
Omega(.) becomes a constant 1 unless a keyword says otherwise, and log factors hidden by O~ are dropped:
the numbers are orders of magnitude, never predictions of a run.

Most displays of the paper's text are lost. A formula rebuilt from the visible exponents and proof
steps (the reading notes' [R]) says **reconstructed** in its docstring and in ``ladder``'s ``tag``
column; one visible verbatim says "verbatim". Three predictions are the book's own derivations, not the
paper's: ``worst_case_flip_fraction``, ``expected_near_zero`` and ``norm_deviation_std``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from ..kernels.deep import kappa

__all__ = [
    "TOY",
    "effective_phi",
    "eps_dependence",
    "expected_near_zero",
    "ladder",
    "lemma_a4_lower",
    "norm_deviation_bound",
    "norm_deviation_std",
    "separation_recursion",
    "sgd_over_gd",
    "tau_window",
    "width_gd",
    "width_sgd",
    "worst_case_flip_fraction",
]

#: The toy case of the ladder (notes T1): n = 20, L = 2, phi = 0.3, logistic loss, batch 1.
TOY = {"n": 20, "L": 2, "phi": 0.3, "p": 1.0, "alpha0_finite": True, "B": 1, "delta": 0.05}


def effective_phi(phi: float, L: int, mu: float, c: float = 0.5) -> float:
    """phi_eff = min(phi, c/L, c mu): Theorem 5.1 needs phi <= C min(1/L, mu) (verbatim, C unknown).

    A smaller phi is still a valid separation, so data with a larger phi stay admissible with phi_eff.
    """
    return float(min(phi, c / L, c * mu))


def separation_recursion(phi: float, L: int) -> np.ndarray:
    """Infinite-width distance of the normalised features of two unit inputs phi apart, layers 0..L.

    Book's own reference for Theorem 5.1(ii): the ReLU arc-cosine map rho -> kappa(rho) of the
    correlation (``kernels.deep.kappa`` at alpha = 0), distance sqrt(2 - 2 rho_l).

    Returns
    -------
    numpy.ndarray
        (L + 1,) distances, the first being phi.
    """
    rho = torch.tensor([1 - phi**2 / 2], dtype=torch.float64)
    out = [phi]
    for _ in range(L):
        rho = kappa(rho, 0.0).clamp(-1.0, 1.0)
        out.append(math.sqrt(max(2 - 2 * float(rho), 0.0)))
    return np.array(out)


def lemma_a4_lower(phi: float, L: int) -> np.ndarray:
    """Lemma A.4 (verbatim): ||x_bar_l - x_bar_l'|| >= [1 - log(2)/(2L)]^l phi >= phi/2, l = 0..L."""
    return phi * (1 - math.log(2) / (2 * L)) ** np.arange(L + 1)


def norm_deviation_bound(n: int, L: int, m, delta: float = 0.05):
    """Theorem 5.1(i) (verbatim) with C' = 1: | ||x_l|| - 1 | <= L sqrt(log(nL/delta)/m)."""
    L = np.asarray(L, dtype=float)
    return L * np.sqrt(np.log(n * L / delta) / np.asarray(m, dtype=float))


def norm_deviation_std(L: int, m):
    """Book's own: the standard deviation of ||x_L|| at init, about (1/2) sqrt(5 L / m).

    Each layer multiplies ||x||^2 by a factor of mean 1 and variance 5/m (fan-out He initialisation), so
    the log-norm does a random walk of L steps.
    """
    return 0.5 * np.sqrt(5 * L / np.asarray(m, dtype=float))


def expected_near_zero(m, beta):
    """Book's own: E|{j : |<w_j, x>| <= beta}| ~ m^{3/2} beta / sqrt(pi) for ||x|| = 1 (pre ~ N(0, 2/m)).

    Theorem 5.1(iv) bounds it by 2 m^{3/2} beta (verbatim).
    """
    return np.asarray(m, dtype=float) ** 1.5 * np.asarray(beta, dtype=float) / math.sqrt(math.pi)


def worst_case_flip_fraction(tau):
    """Book's own: the fraction of signs a rank-one perturbation of spectral norm tau flips at one unit input.

    With pre ~ N(0, 2/m) (fan-out initialisation, ||x|| = 1), flipping the smallest fraction f of the
    |pre_k| costs ||Delta pre||^2 = (pi/3) f^3 (to leading order in f), so f = (3 tau^2 / pi)^{1/3}: the
    tau^{2/3} of Theorem 5.3(iii) is attained, for any m. ``measure.perturbations.rank_one_adversarial``
    builds that perturbation.
    """
    return (3 * np.asarray(tau, dtype=float) ** 2 / math.pi) ** (1 / 3)


def tau_window(m: int, L: int, n: int, phi: float | None = None, delta: float = 0.05) -> tuple[float, float]:
    """The radii where Theorem 5.3 speaks, with constants 1 (claims map, H-win).

    tau_hi = min{L^-11 (log M)^-3/2, phi^{3/2} n^-3 L^-2} (Theorem 5.3, verbatim; the phi-term is dropped
    when ``phi`` is None, as Lemma B.1's per-input condition has none); tau_lo is where the predicted
    number of flips L^{4/3} tau^{2/3} m reaches log(nL/delta) (Lemma A.7's condition).

    Returns
    -------
    tuple of float
        (tau_lo, tau_hi).
    """
    hi = L**-11 * math.log(m) ** -1.5
    if phi is not None:
        hi = min(hi, phi**1.5 * n**-3 * L**-2)
    lo = (math.log(n * L / delta) / (L ** (4 / 3) * m)) ** 1.5
    return lo, hi


def _E(p: float, eps: float) -> float:
    # E_p(eps): 1 for p < 1/2, log(1/eps) at p = 1/2, eps^(1 - 2p) for p > 1/2 (reconstructed)
    if p < 0.5:
        return 1.0
    if p == 0.5:
        return math.log(1 / eps)
    return eps ** (1 - 2 * p)


def eps_dependence(p: float, eps):
    """Reconstructed E_p(eps), the eps-factor of K eta in Lemma 5.4: eps^{1-2p}, log(1/eps) or 1.

    Logistic (p = 1) gives eps^-1, squared hinge (p = 1/2) log(1/eps): the remark's "from O~(eps^-1) to
    O~(1)" (verbatim) with the log at p = 1/2 (reconstructed).
    """
    return np.array([_E(p, float(e)) for e in np.atleast_1d(eps)])


def width_gd(n: int, L: int, phi: float, eps: float, p: float = 1.0, alpha0_finite: bool = True) -> float:
    """Reconstructed Theorem 4.1 width: n^{26-2p} L^38 phi^-8 E_p(eps) (+ n^26 L^38 phi^-8 if alpha0 < inf)."""
    m = n ** (26 - 2 * p) * L**38 * phi**-8 * _E(p, eps)
    return m + (n**26 * L**38 * phi**-8 if alpha0_finite else 0.0)


def width_sgd(n: int, L: int, phi: float, eps: float, p: float = 1.0, alpha0_finite: bool = True) -> float:
    """Reconstructed Theorem 4.5 width: n^{30-4p} L^38 phi^-8 E_p(eps)^2 (+ n^28 L^38 phi^-8 if alpha0 < inf)."""
    m = n ** (30 - 4 * p) * L**38 * phi**-8 * _E(p, eps) ** 2
    return m + (n**28 * L**38 * phi**-8 if alpha0_finite else 0.0)


def sgd_over_gd(n: int, p: float = 1.0) -> float:
    """Reconstructed: the factor n^{4-2p} between the leading terms of SGD's and GD's widths (and iterations
    for B = O(1)), "worse by a factor ranging from O(n^2) to O(n^4)" (verbatim) as p runs from 1 to 0."""
    return float(n ** (4 - 2 * p))


def ladder(n: int = 20, L: int = 2, phi: float = 0.3, *, p: float = 1.0, alpha0_finite: bool = True,
           B: int = 1, eps: float | None = None) -> pd.DataFrame:
    """The parameter ladder of the proofs (notes T1), every constant 1 and every log factor dropped.

    eps defaults to log(2) / (2n), the loss below which every sample is classified correctly for the
    logistic loss (Corollary 4.3's reduction, reconstructed). Step sizes: every version the paper prints
    is listed (they disagree, notes 7.2 #1); the products "eta m" are shown, the 1/m being common to all.

    Returns
    -------
    pandas.DataFrame
        Columns ``quantity``, ``source``, ``formula``, ``value``, ``tag`` ("verbatim" or "reconstructed").
    """
    eps = math.log(2) / (2 * n) if eps is None else eps
    E = _E(p, eps)
    tau = n**-9 * L**-17 * phi**3
    m_gd = width_gd(n, L, phi, eps, p, alpha0_finite)
    rows = [
        ("tau", "Lemmas 5.4, 5.6", "n^-9 L^-17 phi^3", tau, "verbatim"),
        ("tau_hi (Thm 5.3)", "Theorem 5.3", "min(L^-11 (log M)^-3/2, phi^1.5 n^-3 L^-2)",
         tau_window(int(m_gd), L, n, phi)[1], "verbatim"),
        ("beta", "Lemma B.3", "L^(4/3) tau^(2/3) m^-1/2 (at the GD width)",
         L ** (4 / 3) * tau ** (2 / 3) * m_gd**-0.5, "verbatim"),
        ("s / m", "Theorem 5.3(iii)", "L^(4/3) tau^(2/3)", L ** (4 / 3) * tau ** (2 / 3), "verbatim"),
        ("T (GD)", "Lemma 5.5", "L^-4 n^-3 tau^2 phi", L**-4 * n**-3 * tau**2 * phi, "verbatim"),
        ("eta m (GD)", "Theorem 4.1 statement", "n^-3 L^-9", n**-3 * L**-9, "verbatim"),
        ("eta m (GD)", "Lemma 5.4 and proof of 4.1 (used)", "n^-3 L^-9 phi", n**-3 * L**-9 * phi, "verbatim"),
        ("eta m (SGD)", "Theorem 4.5 statement", "n^-3 L^-9", n**-3 * L**-9, "verbatim"),
        ("eta m (SGD)", "Lemma 5.6", "B n^-4 L^-9 phi", B * n**-4 * L**-9 * phi, "verbatim"),
        ("eta m (SGD)", "Lemma 5.7", "phi n^(2p-7) L^-8 B^2", phi * n ** (2 * p - 7) * L**-8 * B**2, "verbatim"),
        ("eta m (SGD)", "proof of Theorem 4.5", "phi n^(2p-7) L^-9 B^2", phi * n ** (2 * p - 7) * L**-9 * B**2,
         "verbatim"),
        ("eta M (SGD)", "Appendix D.1", "phi n^(2p-5)", phi * n ** (2 * p - 5), "verbatim"),
        ("m (GD)", "Theorem 4.1 / Cor. 4.3", "n^(26-2p) L^38 phi^-8 E_p (+ n^26 L^38 phi^-8)", m_gd,
         "reconstructed"),
        ("K (GD)", "Theorem 4.1 / Cor. 4.3", "n^(8-2p) L^9 phi^-2 E_p (+ n^8 L^9 phi^-2)",
         n ** (8 - 2 * p) * L**9 * phi**-2 * E + (n**8 * L**9 * phi**-2 if alpha0_finite else 0.0),
         "reconstructed"),
        ("m (SGD)", "Theorem 4.5 / Cor. 4.6", "n^(30-4p) L^38 phi^-8 E_p^2 (+ n^28 L^38 phi^-8)",
         width_sgd(n, L, phi, eps, p, alpha0_finite), "reconstructed"),
        ("K (SGD)", "Theorem 4.5 / Cor. 4.6", "n^(12-4p) L^9 B^-2 phi^-2 E_p (+ n^(12-2p) L^9 B^-2 phi^-2)",
         n ** (12 - 4 * p) * L**9 * B**-2 * phi**-2 * E
         + (n ** (12 - 2 * p) * L**9 * B**-2 * phi**-2 if alpha0_finite else 0.0), "reconstructed"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "source", "formula", "value", "tag"])
