"""Oymak & Soltanolkotabi (2020), *Toward moderate overparameterization*: the bounds as plain functions.

Setting (Section 1.1 and eq. 2.1): f(x; W) = v^T phi(W x), W in R^{k x d} trained from W0 ~ N(0, 1) entries,
v fixed and balanced (±||y|| / sqrt(kn)), ||x_i|| = 1, loss ½ Σ (f(x_i) - y_i)² (a sum), GD with step eta.

Hidden constants are keyword arguments. Where the proofs pin a constant down the default is that value
(marked "explicit" below); where the paper leaves it unspecified the default is 1, which makes the
requirement a *lower bound* on what the theorem actually asks. Where a printed statement has a typo the
docstring says so and uses the corrected form.

Symbols: n samples, d input dimension, k hidden units, ||X|| the spectral norm of the n x d data matrix,
lam = lambda(X) = lambda_min(Sigma(X)) (Def. 6.1), B the bound on |phi'| (and |phi''|), delta the
probability slack of the concentration steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "RELU_C_EXPLICIT",
    "MetaBounds",
    "activation_constants",
    "certificate",
    "hermite_coefficients",
    "jacobian_lipschitz_bound",
    "jacobian_norm_bound",
    "kappa",
    "kappa_tilde",
    "lemma67_width",
    "meta_theorem",
    "mu_phi",
    "random_features_width",
    "relu_rate",
    "relu_separation_width_requirement",
    "relu_step",
    "relu_width_requirement",
    "relu_width_requirement_sphere",
    "sgd_event_probability",
    "sgd_rate",
    "sgd_step",
    "smooth_rate",
    "smooth_step",
    "smooth_width_requirement",
    "smooth_width_requirement_sphere",
]

# (6.3)'s constant as the proof of Thm 6.3 (Section 6.7) fixes it: the radius bound
# 12 (1 + delta) sqrt(2n / lambda) <= sqrt(k) lambda^{3/2} / (2 * 200^{3/2} ||X||^3) gives C = 2 * 24^2 * 200^3 ≈ 9.2e9.
RELU_C_EXPLICIT = 2 * 24**2 * 200**3


# ------------------------------------------------------------------------------------ activation constants
def _fn(activation: str, derivative: bool):
    if activation == "softplus":
        return (lambda z: 1 / (1 + np.exp(-z))) if derivative else (lambda z: np.logaddexp(0, z))
    if activation == "relu":
        return (lambda z: (z >= 0).astype(float)) if derivative else (lambda z: np.maximum(z, 0))
    raise ValueError(f"unknown activation {activation!r}; valid: relu, softplus")


def hermite_coefficients(activation: str, R: int, derivative: bool = True, nodes: int = 200) -> np.ndarray:
    """mu_r(f) = E[f(g) He_r(g)] / sqrt(r!) for r = 0..R, g ~ N(0, 1), with f = phi' (default) or phi.

    Gauss-Hermite quadrature for softplus; exact formulas for ReLU (phi' = step: mu_0 = 1/2,
    mu_r = varphi(0) He_{r-1}(0) / sqrt(r!); phi = ReLU by quadrature on the half line)."""
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
    if activation == "relu":  # phi = ReLU: integrate on [0, inf) with Gauss-Laguerre-free quadrature
        from scipy import integrate

        out = []
        for r in range(R + 1):
            c = np.zeros(r + 1)
            c[-1] = 1.0
            g = lambda z, c=c: z * np.polynomial.hermite_e.hermeval(z, c) * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
            out.append(integrate.quad(g, 0, np.inf)[0] / math.sqrt(math.factorial(r)))
        return np.array(out)
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    fz = f(z)
    out = []
    for r in range(R + 1):
        c = np.zeros(r + 1)
        c[-1] = 1.0
        out.append(float((w * fz * np.polynomial.hermite_e.hermeval(z, c)).sum()) / math.sqrt(math.factorial(r)))
    return np.array(out)


def mu_phi(activation: str) -> float:
    """mu_phi = E[g phi'(g)] (Lemma 6.4): 0.2066 for softplus, 1/sqrt(2 pi) for ReLU."""
    return float(hermite_coefficients(activation, 1)[1])


def activation_constants(activation: str) -> dict:
    """B (sup|phi'|), M (sup|phi''|, None for ReLU), mu_phi, E[phi'(g)^2] (the diagonal of Sigma and an upper
    bound on lambda(X), eq. 6.16), Var phi(g) (initial misfit: E||f(W0)||^2 = ||y||^2 Var phi(g))."""
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


# ------------------------------------------------------------------------------------------ data quantities
def kappa(n: int, d: int, X_norm: float, kr_sigma_min_sq: float) -> float:
    """kappa(X) = sqrt(d/n) ||X|| / sigma_min^2(X * X) (eq. 2.2); inf when sigma_min(X * X) = 0."""
    return math.inf if kr_sigma_min_sq <= 0 else math.sqrt(d / n) * X_norm / kr_sigma_min_sq


def kappa_tilde(n: int, d: int, X_norm: float, lam: float) -> float:
    """kappa~(X) = sqrt(d/n) ||X|| / lambda(X) (eq. 6.2)."""
    return math.inf if lam <= 0 else math.sqrt(d / n) * X_norm / lam


# ------------------------------------------------------------------------------------------- GD: smooth/ReLU
def smooth_step(n: int, y_norm: float, X_norm: float, B: float = 1.0, eta_bar: float = 1.0) -> float:
    """Thm 2.1 / 6.2 step size eta = n eta_bar / (2 B^2 ||y||^2 ||X||^2), eta_bar <= 1."""
    return n * eta_bar / (2 * B**2 * y_norm**2 * X_norm**2)


def relu_step(n: int, y_norm: float, X_norm: float, eta_bar: float = 1.0) -> float:
    """Thm 2.3 / 6.3 step size eta = n eta_bar / (3 ||y||^2 ||X||^2), eta_bar <= 1."""
    return n * eta_bar / (3 * y_norm**2 * X_norm**2)


def smooth_rate(lam: float, X_norm: float, B: float = 1.0, eta_bar: float = 1.0,
                conservative: bool = False) -> float:
    """Per-step contraction factor of ||f(W_t) - y|| in Thm 6.2: 1 - eta_bar lam / (32 B^2 ||X||^2) as printed.
    With ``conservative=True`` 1/64 instead of 1/32: Theorem 6.10 gives the 1/32 factor for the *squared*
    residual, hence 1/64 for the residual itself (Theorem 6.2 states 1/32 for the residual). With lam = mu_phi^2 sigma_min^2(X*X)
    this is Thm 2.1's rate."""
    return 1 - eta_bar * lam / ((64 if conservative else 32) * B**2 * X_norm**2)


def relu_rate(lam: float, X_norm: float, eta_bar: float = 1.0) -> float:
    """Per-step contraction factor of ||f(W_t) - y|| in Thm 6.3: 1 - eta_bar lam / (24 ||X||^2)."""
    return 1 - eta_bar * lam / (24 * X_norm**2)


def smooth_width_requirement(n: int, d: int, X_norm: float, lam: float, B: float = 1.0, delta: float = 1.0,
                             c: float | None = None) -> dict:
    """Thm 6.2's over-parameterization sqrt(kd) >= c B^2 (1 + delta) kappa~(X) n (eq. 6.2).

    c=None uses the explicit form inside the proof (6.18), sqrt(kd) >= 32 n B (1 + (1 + delta) B) kappa~(X)
    (prefactor 96 at B = delta = 1). Returns the required kd and k (= kd / d)."""
    kt = kappa_tilde(n, d, X_norm, lam)
    pref = 32 * B * (1 + (1 + delta) * B) if c is None else c * B**2 * (1 + delta)
    kd = (pref * kt * n) ** 2
    return {"kd": kd, "k": kd / d, "sqrt_kd": pref * kt * n, "kappa_tilde": kt, "prefactor": pref}


def smooth_width_requirement_sphere(n: int, d: int, C: float = 1.0) -> dict:
    """Corollary 2.2 (softplus, uniform sphere data, d <= n <= c d^2): sqrt(kd) >= C n, i.e. kd >= C^2 n^2.
    C is unspecified in the paper; C = 1 is a floor."""
    kd = (C * n) ** 2
    return {"kd": kd, "k": kd / d}


def relu_width_requirement(n: int, X_norm: float, lam: float, delta: float = 1.0,
                           C: float = RELU_C_EXPLICIT) -> dict:
    """Thm 6.3: k >= C (1 + delta)^2 n ||X||^6 / lambda(X)^4 (eq. 6.3). C defaults to the value the proof
    fixes, 2 * 24^2 * 200^3 ≈ 9.2e9 (``RELU_C_EXPLICIT``)."""
    k = math.inf if lam <= 0 else C * (1 + delta) ** 2 * n * X_norm**6 / lam**4
    return {"k": k, "C": C}


def relu_width_requirement_sphere(n: int, d: int, C: float = 1.0) -> dict:
    """Corollary 2.4 (ReLU, sphere data): sqrt(kd) >= C n^2 / d, i.e. k >= C^2 n^4 / d^3."""
    k = C**2 * n**4 / d**3
    return {"k": k, "kd": k * d}


def relu_separation_width_requirement(n: int, X_norm: float, delta_sep: float, nu: float = 1.0,
                                      C: float = 1.0) -> dict:
    """Thm 2.5 (ReLU, delta-separated data): k >= C (1 + nu)^2 n^9 ||X||^6 / delta^4 (eq. 2.8)."""
    return {"k": C * (1 + nu) ** 2 * n**9 * X_norm**6 / delta_sep**4}


def lemma67_width(n: int, X_norm: float, lam: float, B: float = 1.0) -> float:
    """Lemma 6.7 for balanced v: sigma_min(J(W0)) >= ||v|| sqrt(lam / 2) w.p. >= 1 - 1/n once
    k >= 20 log(n) B^2 ||X||^2 / lam."""
    return math.inf if lam <= 0 else 20 * math.log(n) * B**2 * X_norm**2 / lam


def jacobian_norm_bound(k: int, v_inf: float, X_norm: float, B: float = 1.0) -> float:
    """Lemma 6.6: ||J(W)|| <= sqrt(k) B ||v||_inf ||X|| for every W."""
    return math.sqrt(k) * B * v_inf * X_norm


def jacobian_lipschitz_bound(v_inf: float, X_norm: float, M: float) -> float:
    """Lemma 6.8: ||J(W~) - J(W)|| <= M ||v||_inf ||X|| ||W~ - W||_F when |phi''| <= M."""
    return M * v_inf * X_norm


# ------------------------------------------------------------------------------- the meta-theorem (Thm 6.10)
@dataclass(frozen=True)
class MetaBounds:
    """Theorem 6.10 for min ½||f(theta) - y||² with alpha <= sigma_min(J) <= ||J|| <= beta on B(theta0, R) and an
    L-Lipschitz Jacobian:

    eta_max = min(1, alpha^2 / (L r0)) / (2 beta^2);  R = 4 r0 / alpha;
    ||r_t||^2 <= (1 - eta alpha^2 / 2)^t r0^2  (6.9)  -> per-step factor of ||r_t||: sqrt(1 - eta alpha^2 / 2);
    alpha/4 ||theta_t - theta0|| + ||r_t|| <= r0  (6.10);  Σ_t ||theta_{t+1} - theta_t|| <= 4 r0 / alpha  (6.11)."""

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

    def residual_bound(self, t) -> np.ndarray:
        return self.r0 * self.residual_rate ** np.asarray(t, float)

    def potential(self, distance, residual) -> np.ndarray:
        """alpha/4 ||theta_t - theta0|| + ||r_t||, to be compared with r0."""
        return self.alpha / 4 * np.asarray(distance) + np.asarray(residual)


def meta_theorem(alpha: float, beta: float, L: float, r0: float, eta: float) -> MetaBounds:
    """The conclusions of Theorem 6.10 (from the companion paper [10]) for given Jacobian bounds."""
    eta_max = min(1.0, alpha**2 / (L * r0) if L > 0 else math.inf) / (2 * beta**2)
    rate = math.sqrt(max(0.0, 1 - eta * alpha**2 / 2))
    return MetaBounds(alpha, beta, L, r0, eta, eta_max, eta <= eta_max * (1 + 1e-12), 4 * r0 / alpha, rate,
                      4 * r0 / alpha)


def certificate(sigma_min_J0: float, r0: float, v_inf: float, X_norm: float, M: float) -> dict:
    """Corollary 6.11 on one instance: with alpha = sigma_min(J(W0)) / 2 and L from Lemma 6.8, the conclusions
    of Thm 6.10 hold if alpha^2 / (4 L) >= ||f(W0) - y|| (6.13). Returns the quantities and the verdict."""
    alpha = sigma_min_J0 / 2
    L = jacobian_lipschitz_bound(v_inf, X_norm, M)
    margin = alpha**2 / (4 * L)
    return {"alpha": alpha, "L": L, "margin": margin, "r0": r0, "certified": margin >= r0}


# ----------------------------------------------------------------------------------------- SGD (Thm 2.6)
def sgd_step(n: int, y_norm: float, X_norm: float, mu: float, kr_sigma_min_sq: float, B: float = 1.0,
             nu: float = 3.0, eta_bar: float = 1.0) -> float:
    """Thm 2.6 step: eta = mu^2 / (9 nu B^4) * n / ||y||^2 * sigma_min^2(X * X) / ||X||^2 * eta_bar, nu >= 3.
    ``kr_sigma_min_sq`` may be replaced by lambda(X) / mu^2 (the meta-theorem form)."""
    return mu**2 / (9 * nu * B**4) * n / y_norm**2 * kr_sigma_min_sq / X_norm**2 * eta_bar


def sgd_rate(n: int, X_norm: float, mu: float, kr_sigma_min_sq: float, B: float = 1.0, nu: float = 3.0,
             eta_bar: float = 1.0) -> float:
    """Per-step factor of E[||f(W_t) - y||^2 1_E] in (2.10): 1 - eta_bar mu^4 sigma_min^4(X*X) / (144 n nu B^4 ||X||^2)."""
    return 1 - eta_bar / (144 * n) * mu**4 / (nu * B**4) * kr_sigma_min_sq**2 / X_norm**2


def sgd_event_probability(k: int, d: int, X_norm: float, mu: float, kr_sigma_min_sq: float, B: float = 1.0,
                          nu: float = 3.0) -> float:
    """P(E) >= 1 - (4 / nu) (3 B ||X|| / (mu sigma_min(X * X)))^{1/(kd)}; tends to 1 - 4/nu, vacuous for
    nu <= 4, although Theorem 2.6 allows nu >= 3."""
    base = 3 * B * X_norm / (mu * math.sqrt(kr_sigma_min_sq))
    return 1 - 4 / nu * base ** (1 / (k * d))


def random_features_width(n: int, lam_tilde: float, C: float = 1.0) -> float:
    """Thm 3.2: training only v interpolates once k >= C log^2(n) n / lambda~(X)."""
    return C * math.log(n) ** 2 * n / lam_tilde
