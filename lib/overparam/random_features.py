"""Random features: train only the output layer (Oymak & Soltanolkotabi 2020, Section 3, Theorem 3.2).

With W fixed at its random initialisation (i.i.d. N(0, 1) entries), fitting v in f(x) = v^T phi(W x) is the
least-squares problem min_v ½||Phi v - y||² with the feature matrix Phi = phi(X W^T) in R^{n x k}. It
interpolates as soon as Phi has full *row* rank (the paper's "column rank" is a typo, notes §7.1 item 8),
which needs k >= n. Theorem 3.2 quantifies it through the output-feature covariance (Def. 3.1)

    Sigma~(X) = E_{w ~ N(0, I_d)} [ phi(X w) phi(X w)^T ],      lambda~(X) = lambda_min(Sigma~(X)),

since E[Phi Phi^T] = k Sigma~(X): once k >= C log^2(n) n / lambda~(X), lambda_min(Phi Phi^T) >= k lambda~ / 2
(up to an n^-100 term). Entrywise Sigma~_ij = K~(rho_ij) with rho_ij = x_i^T x_j and
K~(rho) = E[phi(u) phi(v)], corr(u, v) = rho:

* ReLU: the arc-cosine kernel of order 1, K~(rho) = (sqrt(1 - rho^2) + (pi - arccos rho) rho) / (2 pi)
  (Cho & Saul), in closed form;
* softplus: no closed form; 2-D Gauss-Hermite quadrature (``pair_kernel_quadrature``), or Monte Carlo.

Also here: the data set of experiment E10 (uniform points on the sphere plus one near-duplicate pair at a
prescribed separation delta), used to probe Theorem 2.5 / Theorem I.1.

Conventions. Everything is float64 and takes unit-norm rows of X. An eigenvalue of a positive semi-definite
matrix M is treated as *numerical zero* when it is below ``NUMERICAL_ZERO * ||M||`` (``NUMERICAL_ZERO`` =
1e-10, the notes' §7.3 convention): float64 round-off in forming and diagonalising M is ~1e-16 ||M|| per
entry, ~1e-14 ||M|| for n = 100, so 1e-10 leaves four orders of margin on either side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .data import normalize_rows, sphere_points
from .ensemble.two_layer import activation_pair
from .jacobian import pair_kernel_quadrature

__all__ = [
    "NUMERICAL_ZERO",
    "numerical_zero_floor",
    "arccos1_kernel",
    "relu_feature_gram",
    "feature_gram_quadrature",
    "feature_gram_mc",
    "output_feature_gram",
    "lambda_tilde",
    "random_features",
    "RFFit",
    "random_features_fit",
    "near_duplicate_sphere",
]

NUMERICAL_ZERO = 1e-10


def _t(a) -> torch.Tensor:
    return torch.as_tensor(a).to(torch.float64)


def numerical_zero_floor(M) -> float:
    """The level below which an eigenvalue of the PSD matrix M counts as zero: NUMERICAL_ZERO * ||M||."""
    M = _t(M)
    return NUMERICAL_ZERO * float(torch.linalg.matrix_norm(M, 2)) if M.numel() else 0.0


def _rho(X) -> torch.Tensor:
    X = _t(X)
    return (X @ X.T).clamp(-1.0, 1.0)


# ------------------------------------------------------------------------------------ Sigma~(X): closed form
def arccos1_kernel(rho) -> torch.Tensor:
    """E[relu(u) relu(v)] for standard normal u, v with correlation rho:
    (sqrt(1 - rho^2) + (pi - arccos rho) rho) / (2 pi). Equals 1/2 at rho = 1 and 0 at rho = -1."""
    r = _t(rho).clamp(-1.0, 1.0)
    return (torch.sqrt(1 - r**2) + (math.pi - torch.arccos(r)) * r) / (2 * math.pi)


def relu_feature_gram(X) -> torch.Tensor:
    """Sigma~(X) for ReLU in closed form (arc-cosine kernel of order 1 at rho_ij = x_i^T x_j)."""
    return arccos1_kernel(_rho(X))


# ---------------------------------------------- Sigma~(X): quadrature (``jacobian.pair_kernel_quadrature``)
def feature_gram_quadrature(X, activation: str, nodes: int = 64) -> torch.Tensor:
    """Sigma~(X) = E[phi(Xw) phi(Xw)^T] by 2-D Gauss-Hermite quadrature (for smooth phi: softplus)."""
    return pair_kernel_quadrature(_rho(X), lambda z: activation_pair(z, activation)[0], nodes=nodes)


def feature_gram_mc(X, activation: str, samples: int = 100_000, generator: torch.Generator | None = None,
                    chunk: int = 8192) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo Sigma~(X) over ``samples`` draws w ~ N(0, I_d): returns (mean, entrywise standard error)."""
    X = _t(X)
    n, d = X.shape
    S1 = torch.zeros(n, n, dtype=torch.float64)
    S2 = torch.zeros(n, n, dtype=torch.float64)
    done = 0
    while done < samples:
        m = min(chunk, samples - done)
        Wm = torch.randn(m, d, generator=generator, dtype=torch.float64)
        P = activation_pair(X @ Wm.T, activation)[0]  # n x m
        S1 += P @ P.T
        S2 += (P**2) @ (P**2).T
        done += m
    mean = S1 / samples
    var = (S2 / samples - mean**2).clamp_min(0)
    return mean, (var / samples).sqrt()


def output_feature_gram(X, activation: str, method: str = "auto", **kw) -> torch.Tensor:
    """Sigma~(X) (Def. 3.1). method: "closed" (ReLU), "quadrature" (smooth phi), "mc" (mean only), or
    "auto" (closed form for ReLU, quadrature otherwise)."""
    if method == "auto":
        method = "closed" if activation == "relu" else "quadrature"
    if method == "closed":
        if activation != "relu":
            raise ValueError(f"no closed form for {activation!r}; use method='quadrature' or 'mc'")
        return relu_feature_gram(X)
    if method == "quadrature":
        return feature_gram_quadrature(X, activation, **kw)
    if method == "mc":
        return feature_gram_mc(X, activation, **kw)[0]
    raise ValueError(f"unknown method {method!r}; valid: auto, closed, quadrature, mc")


def lambda_tilde(X, activation: str, method: str = "auto", **kw) -> float:
    """lambda~(X) = lambda_min(Sigma~(X)), the quantity of Theorem 3.2."""
    return float(torch.linalg.eigvalsh(output_feature_gram(X, activation, method, **kw))[0])


# ------------------------------------------------------------------------------------ the random-features fit
def random_features(X, k: int, activation: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """Phi = phi(X W^T) in R^{n x k} with W in R^{k x d} i.i.d. N(0, 1) (the paper's initialisation)."""
    X = _t(X)
    W = torch.randn(k, X.shape[1], generator=generator, dtype=torch.float64)
    return activation_pair(X @ W.T, activation)[0]


@dataclass(frozen=True)
class RFFit:
    """One random-features least-squares fit (Theorem 3.2).

    lam_min_over_k: lambda_min(Phi Phi^T) / k, to compare with lambda~(X) (E[Phi Phi^T] = k Sigma~(X)).
    lam_min: lambda_min(Phi Phi^T) as computed (round-off, possibly slightly negative, when rank < n).
    floor: the numerical-zero level NUMERICAL_ZERO * ||Phi Phi^T||; full_rank: lam_min > floor.
    rel_residual: ||Phi v^ - y|| / ||y|| for the minimum-norm solution v^ = Phi^T (Phi Phi^T)^+ y, the
    pseudo-inverse cutting eigenvalues at ``floor``; 0 up to round-off exactly when full_rank.
    """

    n: int
    k: int
    lam_min: float
    lam_min_over_k: float
    floor: float
    full_rank: bool
    rel_residual: float
    v_norm: float


def random_features_fit(X, y, k: int, activation: str, generator: torch.Generator | None = None) -> RFFit:
    """Draw W (k x d, i.i.d. N(0, 1)), form Phi = phi(X W^T) and fit the output layer by minimum-norm least
    squares. Returns lambda_min(Phi Phi^T) / k and the relative training residual (see ``RFFit``)."""
    X, y = _t(X), _t(y)
    n = X.shape[0]
    Phi = random_features(X, k, activation, generator)
    G = Phi @ Phi.T
    ev, U = torch.linalg.eigh(G)
    floor = NUMERICAL_ZERO * float(ev[-1].abs()) if n else 0.0
    keep = ev > floor
    coef = (U[:, keep].T @ y) / ev[keep]
    v = Phi.T @ (U[:, keep] @ coef)
    res = float((Phi @ v - y).norm() / y.norm())
    return RFFit(n, k, float(ev[0]), float(ev[0]) / k, floor, bool(ev[0] > floor), res, float(v.norm()))


# ------------------------------------------------------------------------- E10: a pair at separation delta
def near_duplicate_sphere(n: int, d: int, delta: float, rng: np.random.Generator | None = None) -> np.ndarray:
    """n points on S^{d-1}: n - 1 i.i.d. uniform points (``data.sphere_points``) and, as the last row, a
    near-duplicate of the first point at Euclidean distance exactly ``delta``:
    x' = cos(theta) x_0 + sin(theta) u with u a uniform unit vector orthogonal to x_0 and
    theta = 2 arcsin(delta / 2), so ||x' - x_0|| = 2 sin(theta / 2) = delta.

    The draws come from ``rng`` in a fixed order (the n - 1 points, then u) that does not depend on delta:
    with a fresh generator of the same seed for each delta, only the pair's separation changes across a
    sweep. The data set's separation in the sense of Assumption 1 is ``data.min_separation(X, antipodal=True)``,
    which equals delta once delta is below the other pairs' separations."""
    if n < 2:
        raise ValueError(f"need n >= 2 for a pair, got n={n}")
    if d < 2:
        raise ValueError(f"need d >= 2 for a near-duplicate on the sphere, got d={d}")
    if not 0 < delta < 2:
        raise ValueError(f"delta must lie in (0, 2), got {delta}")
    rng = rng if rng is not None else np.random.default_rng(0)
    base = sphere_points(n - 1, d, rng=rng)
    x0 = base[0]
    u = rng.standard_normal(d)
    u = u - (u @ x0) * x0
    u = u / np.linalg.norm(u)
    theta = 2 * math.asin(delta / 2)
    xp = math.cos(theta) * x0 + math.sin(theta) * u
    return normalize_rows(np.vstack([base, xp]))
