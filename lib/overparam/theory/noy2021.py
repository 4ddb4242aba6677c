"""Noy, Xu, Aflalo, Zelnik-Manor & Jin (2021): the bounds, step sizes and constants as plain functions.

Theorem 5's constants alpha_x = m/(12 d_x), alpha_y = m/(12 d_y), beta_x = 27m/(4 d_x), beta_y = 27m/(4 d_y);
alpha^2 = alpha_x alpha_y, beta^2 = beta_x beta_y, beta^2/alpha^2 = 81^2. The proof of Theorem 1 uses the
step 1/(beta^2 L) (Section 10.4, "the learning rate is therefore 1/(beta^2 L)"); Theorem 1 prints
d_x/(n^4 L^3 d_y), which equals it up to 729/16 only at m = n^2 L d_y. Table 1 compares prior width, iteration
and step bounds; every hidden constant is 1 here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "C_T", "TABLE1", "alpha2", "arccos_overlap", "beta2", "ell0_bound", "eta_printed", "eta_theory",
    "g_correlation_prediction", "lemma3_min_width", "overlap_recursion", "rate_guarantee", "steps_theory",
    "table1", "tau_bound_eq5", "tau_max_eq50", "width_thm1", "zou_gu_imagenet_log10_params",
]

#: Theorem 1's iteration constant c_T = 2 * 81^2 (eq. 46).
C_T = 2 * 81 ** 2


def alpha2(m: float, d_x: int, d_y: int = 1) -> float:
    """alpha^2 = alpha_x alpha_y = m^2 / (144 d_x d_y) (Theorem 5's lower eigenvalue bounds)."""
    return m ** 2 / (144 * d_x * d_y)


def beta2(m: float, d_x: int, d_y: int = 1) -> float:
    """beta^2 = beta_x beta_y = 729 m^2 / (16 d_x d_y) (Theorem 5's upper eigenvalue bounds)."""
    return 729 * m ** 2 / (16 * d_x * d_y)


def eta_theory(m: float, depth: int, d_x: int, d_y: int = 1) -> float:
    """The proof's step 1/(beta^2 L) = 16 d_x d_y / (729 m^2 L) (Section 10.4, before eq. 46)."""
    return 1.0 / (beta2(m, d_x, d_y) * depth)


def eta_printed(n: int, depth: int, d_x: int, d_y: int = 1) -> float:
    """Theorem 1's printed step d_x / (n^4 L^3 d_y)."""
    return d_x / (n ** 4 * depth ** 3 * d_y)


def rate_guarantee(eta: float, m: float, depth: int, d_x: int, d_y: int = 1) -> float:
    """Lemma 3, eq. (19): the guaranteed per-step factor 1 - eta alpha^2 L / 2 (1 - 1/13122 at eta_theory)."""
    return 1.0 - eta * alpha2(m, d_x, d_y) * depth / 2


def steps_theory(ell0: float, eps: float) -> float:
    """Eq. (46): T = c_T log(ell_0 / eps), c_T = 13122."""
    return C_T * math.log(ell0 / eps)


def ell0_bound(m: float, n: int, d_x: int) -> float:
    """Eq. (43): the initial loss ell_0 <= 4 m n / d_x (with Assumption 2 on the labels)."""
    return 4 * m * n / d_x


def width_thm1(n: int, depth: int, d_y: int = 1) -> int:
    """Theorem 1's width n^2 L d_y, hidden constants and logarithms set to 1."""
    return n ** 2 * depth * d_y


def tau_max_eq50(depth: int, theta: float = 0.25) -> float:
    """Condition (50) of Theorem 5 solved for tau: L tau 3 sqrt(12 L) e^(2 theta) theta^(-1/2) <= 1/9."""
    return 1.0 / (9 * depth * 3 * math.sqrt(12 * depth) * math.exp(2 * theta) / math.sqrt(theta))


def tau_bound_eq5(m: float, depth: int, ell0: float, eps: float, d_x: int, d_y: int = 1) -> float:
    """Bound (5) with the proof's constants (Section 10.4, step 3): tau <= 2 beta sqrt(2 ell_0) log(ell_0/eps)
    / (alpha^2 L) = 1944 sqrt(2 d_x d_y ell_0) log(ell_0/eps) / (m L); at ell_0 = 4mn/d_x this is
    5498.5 sqrt(n d_y / m) log(ell_0/eps) / L."""
    return 2 * math.sqrt(beta2(m, d_x, d_y)) * math.sqrt(2 * ell0) * math.log(ell0 / eps) / (alpha2(m, d_x, d_y) * depth)


def lemma3_min_width(depth: int, theta: float = 0.2) -> float:
    """Lemma 3's probability 1 - L^2 sqrt(m) exp(-theta m/(4L) + 6 sqrt(m)) is positive only if
    theta m / (4L) > 6 sqrt(m), i.e. m > (24 L / theta)^2 (theta < 1/5)."""
    return (24 * depth / theta) ** 2


def arccos_overlap(rho: float) -> float:
    """Expected |I^i cap I^j| / m of two ReLU gates [Psi u]_+, [Psi v]_+ at cos(u, v) = rho: (pi - arccos rho)/(2 pi)."""
    return (math.pi - math.acos(min(max(rho, -1.0), 1.0))) / (2 * math.pi)


def overlap_recursion(depth: int, rho0: float = 0.0) -> pd.DataFrame:
    """The gating stream's cosines rho_k = cos(z^i_k, z^j_k) (arc-cosine recursion from rho_{-1} = rho0 at the
    input) and the predicted overlap q_k of D_k, k = 0..depth (Lemma 4 assumes |cos| <= 1/3 at every layer)."""
    rows, rho = [], rho0
    for k in range(depth + 1):
        q = arccos_overlap(rho)
        rho_next = (math.sqrt(1 - rho ** 2) + (math.pi - math.acos(rho)) * rho) / math.pi
        rows.append({"k": k, "gate_input_cos": rho, "overlap": q})
        rho = rho_next
    return pd.DataFrame(rows)


def g_correlation_prediction(depth: int, rho0: float = 0.0) -> np.ndarray:
    """<G^j_k x_j, G^i_k x_i> / (m/d_x) at initialisation for inputs at cos rho0, k = 0..depth: the first
    layer gives E[relu(u) relu(v)] * 2 = arccos-kernel value (1/pi at rho0 = 0, no D_0 dropped), and each
    layer k >= 1 multiplies by 2 q_k (independent W_k, gates of overlap q_k)."""
    rec = overlap_recursion(depth, rho0)
    c0 = (math.sqrt(1 - rho0 ** 2) + (math.pi - math.acos(rho0)) * rho0) / math.pi
    out = [c0]
    for k in range(1, depth + 1):
        out.append(out[-1] * 2 * rec.overlap[k])
    return np.asarray(out)


#: Table 1 of the paper: width, iterations and step of each prior result as functions of n and L.
TABLE1 = {
    "Zou [2018]": {"width": lambda n, L: n ** 26 * L ** 38, "iters": lambda n, L: n ** 8 * L ** 9,
                   "step": lambda n, L: 1 / (n ** 29 * L ** 47), "width_text": "n^26 L^38",
                   "iters_text": "n^8 L^9", "step_text": "1/(n^29 L^47)"},
    "Allen-Zhu [2019]": {"width": lambda n, L: n ** 24 * L ** 12, "iters": lambda n, L: n ** 6 * L ** 2,
                         "step": lambda n, L: 1 / (n ** 28 * L ** 14), "width_text": "n^24 L^12",
                         "iters_text": "n^6 L^2 log(1/ε)", "step_text": "1/(n^28 log^5 m L^14)"},
    "Zou & Gu [2019]": {"width": lambda n, L: n ** 8 * L ** 12, "iters": lambda n, L: n ** 2 * L ** 2,
                        "step": lambda n, L: 1 / (n ** 8 * L ** 14), "width_text": "n^8 L^12",
                        "iters_text": "n^2 L^2 log(1/ε)", "step_text": "1/(n^8 L^14)"},
    "Noy et al. (ours)": {"width": lambda n, L: n ** 2 * L, "iters": lambda n, L: math.log(n ** 3 * L),
                          "step": lambda n, L: 1 / (n ** 4 * L ** 3), "width_text": "n^2 L",
                          "iters_text": "log(n^3 L/(d_x ε))", "step_text": "d_x/(n^4 L^3 d_y)"},
}


def table1(n: int, depth: int) -> pd.DataFrame:
    """Table 1 (Du et al.'s row needs lambda_0 and is left out) evaluated at (n, L), with d_x = d_y = eps = 1
    and every hidden constant 1: log10 of the width, iterations (log factors dropped) and step."""
    rows = []
    for name, row in TABLE1.items():
        rows.append({"work": name, "width": row["width_text"], "iterations": row["iters_text"],
                     "step": row["step_text"], "log10 width": math.log10(row["width"](n, depth)),
                     "log10 iterations": math.log10(row["iters"](n, depth)),
                     "log10 step": math.log10(row["step"](n, depth))})
    return pd.DataFrame(rows).set_index("work")


def zou_gu_imagenet_log10_params(n: float = 1.28e6, depth: int = 1001) -> float:
    """Introduction: Zou & Gu's width n^8 L^12 for a 1001-layer net on ImageNet (n = 1.28M) has m^2 L
    parameters; the paper says Omega(10^172)."""
    return 2 * (8 * math.log10(n) + 12 * math.log10(depth)) + math.log10(depth)
