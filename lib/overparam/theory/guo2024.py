"""Guo, Li & Lerman (AISTATS 2024): the bounds as plain functions, hidden constants explicit.

Every O(.), Omega(.) of the paper becomes a keyword constant (default 1). Notation: n samples,
d output dimension, L hidden layers, m width, delta separation, eta step, b batch, alpha the leaky
ReLU slope (alpha < 1). The whole alpha-dependence of the theory is the factor

    r(alpha) = (1 - alpha)^2 / (1 + alpha^2) = (sigma~'(0+) - sigma~'(0-))^2  in [0, 2],

largest (= 2) at alpha = -1, equal to 1 at ReLU, 0 at alpha = 1, and r(alpha) = r(1/alpha).
"""

from __future__ import annotations

import math

import numpy as np

# c(alpha) = r(alpha)/2, the weight of |z| in sigma~_alpha, lives once: with the kernels it weights
from ..kernels.deep import nonlinearity_weight

__all__ = [
    "PAPER_FIG2",
    "PAPER_SYNTHETIC",
    "PAPER_TABLE1",
    "burn_in_sgd",
    "calibrate_c_gamma",
    "canonical_alpha",
    "corollary_3_3",
    "derivative_gap",
    "eta_max_gd",
    "eta_max_sgd",
    "fig2_theory_curve",
    "gamma_gd",
    "gamma_hat",
    "gamma_sgd",
    "generalization_bound_gd",
    "generalization_terms_gd",
    "initial_loss_bound",
    "lemma_4_3",
    "min_width",
    "nonlinearity_weight",
    "omega_small_t",
    "omega_uniform",
    "r",
    "steps_to_eps",
    "width_required_gd",
    "width_required_sgd",
    "width_rhs_gd",
    "width_rhs_sgd",
]


def r(alpha):
    """r(alpha) = (1 - alpha)^2 / (1 + alpha^2); works on floats and numpy arrays."""
    a = np.asarray(alpha, dtype=float)
    out = (1.0 - a) ** 2 / (1.0 + a * a)
    return float(out) if out.ndim == 0 else out


def derivative_gap(alpha):
    """sigma~'_alpha(0+) - sigma~'_alpha(0-) = (1 - alpha)/sqrt(1 + alpha^2) = sqrt(r(alpha))."""
    a = np.asarray(alpha, dtype=float)
    out = (1.0 - a) / np.sqrt(1.0 + a * a)
    return float(out) if out.ndim == 0 else out


def canonical_alpha(alpha: float) -> tuple[float, bool]:
    """(alpha', negate): the same network written with alpha' in [-1, 1).

    sigma~_{1/alpha}(z) = sigma~_alpha(-z) for alpha < 0, so the net with alpha < -1 and weights W is the
    net with 1/alpha and weights -W (negate=True)."""
    if alpha < -1.0:
        return 1.0 / alpha, True
    return float(alpha), False


def gamma_gd(alpha, eta, delta, m, n, d=1, *, C=1.0):
    """Theorem 3.1, eq. (4): gamma = 1 - C r(alpha) eta delta m / (n d)."""
    return 1.0 - C * r(alpha) * eta * delta * m / (n * d)


def gamma_sgd(alpha, eta, b, delta, m, n, d=1, *, C=1.0):
    """Theorem 3.2, eq. (6): gamma = 1 - C r(alpha) eta b delta m / (n^2 d)."""
    return 1.0 - C * r(alpha) * eta * b * delta * m / (n * n * d)


def steps_to_eps(eps, loss0, gamma, *, C0=1.0):
    """T = ln(eps / (C0 L(W0))) / ln(gamma), eqs. (4) and (6) (C0 = 1 for GD)."""
    return np.log(eps / (C0 * loss0)) / np.log(gamma)


def width_rhs_gd(alpha, n, L, delta, d=1, *, C=1.0):
    """Theorem 3.1's width condition m / ln^4 m > C n^5 L^15 d / (r(alpha) delta^4): the right side."""
    return C * n**5 * L**15 * d / (r(alpha) * delta**4)


def width_rhs_sgd(alpha, n, L, delta, b, d=1, *, C=1.0):
    """Theorem 3.2's width condition m / ln^4 m > C n^8 L^15 d / (r(alpha)^4 b delta^5): the right side."""
    return C * n**8 * L**15 * d / (r(alpha) ** 4 * b * delta**5)


def min_width(rhs: float) -> float:
    """Smallest m with m / ln^4 m >= rhs (on the branch m > e^4, where m/ln^4 m increases)."""
    if rhs <= 0:
        raise ValueError("rhs must be positive")
    f = lambda lm: lm - 4.0 * math.log(lm) - math.log(rhs)
    lo, hi = 4.0, 4.0 + math.log(rhs) + 200.0
    if f(lo) >= 0:
        return math.exp(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return math.exp(hi)


def width_required_gd(alpha, n, L, delta, d=1, *, C=1.0):
    """Smallest width that satisfies Theorem 3.1's condition with hidden constant C."""
    return min_width(width_rhs_gd(alpha, n, L, delta, d, C=C))


def width_required_sgd(alpha, n, L, delta, b, d=1, *, C=1.0):
    """Smallest width that satisfies Theorem 3.2's condition with hidden constant C."""
    return min_width(width_rhs_sgd(alpha, n, L, delta, b, d, C=C))


def eta_max_gd(n, L, m, d=1, *, C=1.0):
    """Theorem 3.1: eta <= C d / (n L^2 m)."""
    return C * d / (n * L * L * m)


def eta_max_sgd(n, L, m, delta, d=1, *, C=1.0):
    """Theorem 3.2: eta <= C d delta / (m n^3 L^3 ln^2 m)."""
    return C * d * delta / (m * n**3 * L**3 * math.log(m) ** 2)


def burn_in_sgd(alpha, n, L, b, delta, m, *, C=1.0):
    """Theorem 3.2: t > C n^5 L^2 ln^2 m / (r(alpha)^2 b delta^2)."""
    return C * n**5 * L * L * math.log(m) ** 2 / (r(alpha) ** 2 * b * delta * delta)


def corollary_3_3(alphas, gamma_fn=None) -> dict:
    """Corollary 3.3 evaluated on a grid: argmin of gamma and its monotonicity on either side of -1.

    gamma_fn(alpha) defaults to Theorem 3.1's gamma with unit constants and eta delta m/(n d) = 1e-3.
    Returns argmin, whether gamma is decreasing on alpha < -1 and increasing on (-1, 1), and the number
    of consecutive grid pairs on either side that break the monotonicity (``violations_below``,
    ``violations_above``: 0 when it holds)."""
    alphas = np.sort(np.asarray(alphas, dtype=float))
    if gamma_fn is None:
        gamma_fn = lambda a: gamma_gd(a, 1e-3, 1.0, 1.0, 1.0)
    g = np.array([gamma_fn(a) for a in alphas])
    left, right = alphas < -1, alphas > -1
    bad_below = int(np.sum(np.diff(g[left | (alphas == -1)]) >= 0)) if left.sum() else 0
    bad_above = int(np.sum(np.diff(g[right | (alphas == -1)]) <= 0)) if right.sum() else 0
    return {"argmin": float(alphas[int(np.argmin(g))]), "decreasing_below": bad_below == 0,
            "increasing_above": bad_above == 0, "violations_below": bad_below, "violations_above": bad_above,
            "gamma": g, "alphas": alphas}


def omega_small_t(eta, t, n, m, d=1, *, C=1.0):
    """Distance from init after t GD steps, small-t bound: C eta t sqrt(n m ln m / d)."""
    return C * eta * t * math.sqrt(n * m * math.log(m) / d)


def omega_uniform(alpha, n, delta, m, loss0, d=1, *, C=1.0):
    """Lemma B.9's intermediate bound (111): C sqrt(1+a^2)/(1-a) sqrt(n d/(delta m)) sqrt(L(W0))."""
    return C * math.sqrt(n * d / (delta * m)) * math.sqrt(loss0) / derivative_gap(alpha)


def initial_loss_bound(n, m, *, C=1.0):
    """(108): L(W0) <= C n sqrt(ln m)."""
    return C * n * math.sqrt(math.log(m))


def generalization_terms_gd(alpha, t, *, n, L, m, d=1, delta, tau=0.1, loss0, gamma,
                            C1=1.0, C2=1.0, C3=1.0, C4=1.0, first_term="paper"):
    """The four terms of Theorem 3.4, eq. (7), each with its hidden constant.

    first_term="paper" uses gamma^t L(W0) as printed; "per_sample" uses gamma^t L(W0)/n as in
    Lemma 4.3 (whose first term is L(W)/n). Returns a dict train, complexity_1, complexity_2, data and total."""
    lm = math.log(m)
    t1 = gamma**t * loss0 / (n if first_term == "per_sample" else 1.0)
    t2 = C2 * min(d ** (1.5 + tau) * delta**tau * n ** (0.5 + tau) / (L ** (0.5 - tau) * lm),
                  derivative_gap(alpha) * d ** (1 / 3) * t ** (4 / 3) / (m ** (1 / 6) * n ** (2 / 3) * L ** (2 / 3)))
    t3 = C3 * min(math.sqrt(d * lm) * t / (n * L),
                  n ** (0.5 + tau) * L ** (2 + tau) * d ** (0.5 + tau) / (delta ** (0.5 - tau) * lm))
    t4 = C4 * d * math.sqrt(lm / n)
    t1 = C1 * t1
    return {"train": t1, "complexity_1": t2, "complexity_2": t3, "data": t4, "total": t1 + t2 + t3 + t4}


def generalization_bound_gd(alpha, t, **kw):
    """Theorem 3.4, eq. (7): R(W^(t)) <= sum of the four terms (see generalization_terms_gd)."""
    return generalization_terms_gd(alpha, t, **kw)["total"]


def lemma_4_3(alpha, loss_sum, *, n, L, m, omega, d=1, C2=1.0, C3=1.0, C4=1.0):
    """Lemma 4.3: R(W) <= L(W)/n + C2 gap d ln m sqrt(m) L^2 w^{4/3} + C3 d sqrt(m ln m / n) L w + C4 d sqrt(ln m / n)."""
    lm = math.log(m)
    return (loss_sum / n + C2 * derivative_gap(alpha) * d * lm * math.sqrt(m) * L * L * omega ** (4 / 3)
            + C3 * d * math.sqrt(m * lm / n) * L * omega + C4 * d * math.sqrt(lm / n))


def gamma_hat(losses, t1: int = 100, t2: int = 1000) -> float:
    """The paper's empirical rate (L^(t2) / L^(t1))^(1/(t2 - t1)) (Section 5.2; t1=100, t2=1000)."""
    losses = np.asarray(losses, dtype=float)
    if t2 >= len(losses):
        raise ValueError(f"need the loss at step {t2}; have {len(losses)} values")
    return float((losses[t2] / losses[t1]) ** (1.0 / (t2 - t1)))


def calibrate_c_gamma(gamma_hat_relu: float, C0: float = 1.0) -> float:
    """Eq. (17): C_gamma = C0 (1 - gamma_hat(0)); C0 = 1 (synthetic), 0.5 (California housing)."""
    return C0 * (1.0 - gamma_hat_relu)


def fig2_theory_curve(alpha, c_gamma: float):
    """Figure 2's calibrated curve gamma(alpha) = 1 - C_gamma r(alpha)."""
    return 1.0 - c_gamma * r(alpha)


# The paper's printed numbers (for side-by-side tables; never used to compute a verdict).
# Section 5.1's synthetic experiment: n points, L hidden layers, the reported separation and the width
# trained; with the batch of the paper's SGD runs on images (64, Section 5.2) for Theorem 3.2's condition.
PAPER_SYNTHETIC = {"n": 1000, "depth": 5, "delta": 0.21, "batch": 64, "width": 5000}
PAPER_FIG2 = {"synthetic": {"C0": 1.0, "C_gamma": 0.00143}, "california": {"C0": 0.5, "C_gamma": 0.000537}}
PAPER_TABLE1 = {
    # (metric, dataset): {alpha: (mean, std)}, 10 runs each (Table 1)
    ("train_final", "synthetic"): {-2: (0.039, 0.002), -1: (0.022, 0.002), 0: (0.197, 0.013), 0.05: (0.245, 0.022)},
    ("train_final", "fmnist"): {-2: (0.096, 0.009), -1: (0.076, 0.008), 0: (0.211, 0.018), 0.05: (0.229, 0.032)},
    ("train_final", "cifar10"): {-2: (0.019, 0.001), -1: (0.018, 0.001), 0: (0.024, 0.001), 0.05: (0.027, 0.001)},
    ("test_early", "synthetic"): {-2: (1.914, 0.067), -1: (1.775, 0.065), 0: (2.086, 0.173), 0.05: (2.313, 0.218)},
    ("test_early", "fmnist"): {-2: (2.371, 0.103), -1: (2.362, 0.053), 0: (2.442, 0.067), 0.05: (2.470, 0.092)},
    ("test_early", "cifar10"): {-2: (0.146, 0.004), -1: (0.143, 0.005), 0: (0.169, 0.012), 0.05: (0.173, 0.007)},
}
