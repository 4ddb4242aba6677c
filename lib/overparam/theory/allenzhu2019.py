"""Allen-Zhu, Li & Song (ICML 2019): the paper's bounds as plain functions, and the closed forms of its errata.

Every O/Omega/Theta constant is set to 1 (keyword ``c`` where it matters): the paper gives none. Notation of the
book: n samples, L trained hidden layers, delta separation of the padded inputs, d the OUTPUT dimension (the
paper's input dimension is a fraktur d, and its results do not depend on it), m width, b batch size.

Sources (line numbers of ``../shared/papers/allen-zhu-li-song-2019.txt``): the explicit GD choice (l.1189),
the printed SGD choice (l.1232), Claim 7.6 and its printed closed form (l.588-626), Claim 9.5 (l.923),
Appendix A's classification bullet (l.1396).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

__all__ = [
    "PAPER_EXAMPLE", "claim76_exact", "claim76_monte_carlo", "claim76_printed", "claim76_quadrature",
    "claim76_series", "claim95_probability", "gd_iterations", "gd_step", "gd_width", "separation_infinite_width",
    "sgd_width_derived", "sgd_width_printed", "softmax_probability_gradient", "solve_log_width",
]

#: The sizes at which the chapter quotes the paper's bounds (claims map, section 0).
PAPER_EXAMPLE = {"n": 8, "L": 3, "delta": 0.1, "d": 1}


def solve_log_width(poly: float, power: float = 5.0) -> float:
    """The smallest m with m >= poly * ln(m)^power, by fixed-point iteration (poly >= e^power).

    Parameters
    ----------
    poly : float
        The polynomial factor (n^24 L^12 d / delta^8 for Theorem 1).
    power : float
        The power of ln m.

    Returns
    -------
    float
        m (as a float: it overflows int64 for the paper's sizes).
    """
    m = max(float(poly), math.e)
    for _ in range(200):
        new = poly * math.log(m) ** power
        if abs(new - m) <= 1e-12 * m:
            break
        m = new
    return m


def gd_width(n: int, L: int, delta: float, d: int = 1, c: float = 1.0) -> float:
    """Theorem 1's width, l.1189: m >= c n^24 L^12 d log^5 m / delta^8 (returns the smallest such m)."""
    return solve_log_width(c * float(n) ** 24 * float(L) ** 12 * d / delta ** 8)


def gd_step(n: int, L: int, delta: float, m: float, d: int = 1, c: float = 1.0) -> float:
    """Theorem 1's step, l.1189: eta = c d delta / (n^4 L^2 m) (for the half-sum loss)."""
    return c * d * delta / (float(n) ** 4 * L ** 2 * m)


def gd_iterations(n: int, L: int, delta: float, eps: float, c: float = 1.0) -> float:
    """Theorem 1's iterations, l.1189: T = c n^6 L^2 / delta^2 log(1/eps)."""
    return c * float(n) ** 6 * L ** 2 / delta ** 2 * math.log(1.0 / eps)


def sgd_width_printed(n: int, L: int, delta: float, b: int, d: int = 1) -> float:
    """Theorem 2's width as printed in its proof, l.1232: n^24 L^12 b d log^5 m / delta^8 (b in the numerator)."""
    return solve_log_width(float(n) ** 24 * float(L) ** 12 * b * d / delta ** 8)


def sgd_width_derived(n: int, L: int, delta: float, b: int, d: int = 1) -> float:
    """Theorem 2's width re-derived from (13.1) and step 3 of (13.2) (claims map, E-T2b).

    The radius omega = n^3.5 sqrt(d) log m / (delta sqrt(b m)) must satisfy
    omega^(1/3) <= delta / (n^3 L^2 sqrt(log m)): m >= n^25 L^12 d log^5 m / (b delta^8), decreasing in b, as
    l.196 and l.1210 state (m >= Omega~(poly d / b)).
    """
    return solve_log_width(float(n) ** 25 * float(L) ** 12 * d / (b * delta ** 8))


def claim76_exact(alpha, delta):
    """E[(phi(g1) - phi(alpha g1 + delta g2))^2] for g1, g2 ~ N(0, 2) independent, in closed form [ours].

    E phi(g1)^2 = 1, E phi(alpha g1 + delta g2)^2 = alpha^2 + delta^2 and the cross moment is the arc-cosine
    kernel: 1 + alpha^2 + delta^2 - (2/pi)(delta + alpha (pi - atan2(delta, alpha))).
    """
    a, dl = np.asarray(alpha, float), np.asarray(delta, float)
    return 1.0 + a * a + dl * dl - (2.0 / math.pi) * (dl + a * (math.pi - np.arctan2(dl, a)))


def claim76_printed(alpha, delta):
    """The proof's closed form of Claim 7.6 as printed (l.623, the second equality; alpha > 0)."""
    a, dl = np.asarray(alpha, float), np.asarray(delta, float)
    return (dl * (-2 * a * a + a - 2 * dl * dl) / (math.pi * (a * a + dl * dl))
            + (1 - 2 * a) * np.arctan(a / dl) / math.pi + (a - 1) * a + dl * dl + 0.5)


def claim76_series(alpha, delta, terms: int = 200):
    """The printed series form (l.625): (alpha - 1)^2 + delta^2 + (2/pi) sum_k (-1)^k (alpha+k) delta^(2k+1) /
    ((2k+1) alpha^(2k+1)), summed to ``terms`` terms (it converges for delta < alpha)."""
    a, dl = float(alpha), float(delta)
    k = np.arange(1, terms + 1)
    s = np.sum((-1.0) ** k * (a + k) * (dl / a) ** (2 * k + 1) / (2 * k + 1))
    return (a - 1) ** 2 + dl * dl + (2 / math.pi) * s


def claim76_quadrature(alpha: float, delta: float) -> float:
    """Claim 7.6's expectation by two-dimensional quadrature (scipy), independent of any closed form."""
    def f(g2, g1):
        dens = math.exp(-(g1 * g1 + g2 * g2) / 4.0) / (4.0 * math.pi)
        return (max(g1, 0.0) - max(alpha * g1 + delta * g2, 0.0)) ** 2 * dens

    val, _ = integrate.dblquad(f, -30, 30, -30, 30, epsabs=1e-13, epsrel=1e-11)
    return float(val)


def claim76_monte_carlo(alpha: float, delta: float, samples: int, rng: np.random.Generator) -> tuple[float, float]:
    """Claim 7.6's expectation by Monte Carlo: (mean, standard error)."""
    g = rng.normal(0.0, math.sqrt(2.0), size=(2, samples))
    v = (np.maximum(g[0], 0) - np.maximum(alpha * g[0] + delta * g[1], 0)) ** 2
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(samples))


def claim95_probability() -> dict[str, float]:
    """Claim 9.5: P(|N(0,1)| >= 1) (what the proof needs) against P(|N(0,1)| <= 1) and the printed 0.68."""
    above = float(special.erfc(1.0 / math.sqrt(2.0)))
    return {"P(|g| >= 1)": above, "P(|g| <= 1)": 1.0 - above, "printed": 0.68}


def softmax_probability_gradient(z, y: int) -> dict[str, float]:
    """Appendix A's printed "cross-entropy" f(z; y) = e^{z_y} / sum_j e^{z_j} (the softmax probability) at z.

    Returns the probability p_y, the norm of its gradient in z, the true cross-entropy -log p_y and the norm
    of its gradient ||p - e_y||, and whether z classifies y correctly.
    """
    z = np.asarray(z, float)
    p = np.exp(z - z.max())
    p /= p.sum()
    e = np.zeros_like(p)
    e[y] = 1.0
    grad_p = p[y] * (e - p)
    return {"p_y": float(p[y]), "grad_p_norm": float(np.linalg.norm(grad_p)), "ce": float(-math.log(p[y])),
            "grad_ce_norm": float(np.linalg.norm(p - e)), "correct": bool(np.argmax(z) == y)}


def separation_infinite_width(delta: float, depth: int) -> np.ndarray:
    """Lemma 7.5's separation ||(I - h_i h_i^T/||h_i||^2) h_j|| at layers 0..L, at infinite width [ours].

    Two padded inputs at distance delta have correlation rho = 1 - delta^2/2; every ReLU layer of variance 2/m
    (A included) maps it by the arc-cosine kernel rho -> (sqrt(1-rho^2) + (pi - arccos rho) rho)/pi and keeps
    the norms at 1, so the separation is sqrt(1 - rho_l^2).
    """
    rho = 1.0 - delta * delta / 2.0
    out = []
    for _ in range(depth + 1):
        rho = min(1.0, (math.sqrt(max(0.0, 1 - rho * rho)) + (math.pi - math.acos(rho)) * rho) / math.pi)
        out.append(math.sqrt(max(0.0, 1 - rho * rho)))
    return np.asarray(out)
