"""The worst case of a gradient norm over non-negative loss weights: a QP on the simplex.

Zou, Cao, Zhou & Gu (2020), Theorem 5.3(vii) / Lemma B.5 bound ||grad_{W_L} L_S||_F^2 from below by
C m phi n^-5 (sum_i l'_i)^2 whatever the loss weights a_i = |l'(y_i y_hat_i)| >= 0 are (a cone, not an
eigenvalue). With G the last layer's Gram (``nets.zou.ZouEnsemble.last_layer_gram``),
||grad_{W_L} L_S||_F^2 = (m/n^2) a^T G a, so the bound's constant is governed by

    gamma_min = min { a^T G a : a >= 0, sum_i a_i = 1 },

and the bound reads gamma_min >= C phi / n^3. G is positive semi-definite, so this is a convex QP. It is
solved by accelerated projected gradient (FISTA with restarts) onto the simplex (the sort-based projection
of Duchi et al. 2008), and every answer comes with a certified lower bound, the Frank-Wolfe bound
2 min_j (G a)_j - a^T G a <= gamma_min, so the gap is known, not assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SimplexQP", "project_simplex", "simplex_qp"]


@dataclass(frozen=True)
class SimplexQP:
    """The answer of ``simplex_qp``.

    Attributes
    ----------
    value : float
        a^T G a at the returned a (an upper bound on gamma_min).
    lower : float
        A certified lower bound on gamma_min (Frank-Wolfe); value - lower is the duality gap.
    a : numpy.ndarray
        (n,) the minimiser found, on the simplex.
    iterations : int
    """

    value: float
    lower: float
    a: np.ndarray
    iterations: int


def project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection of v onto {a >= 0, sum a = 1} (sort-based, Duchi et al. 2008).

    Parameters
    ----------
    v : numpy.ndarray
        (n,).

    Returns
    -------
    numpy.ndarray
        (n,).
    """
    v = np.asarray(v, dtype=np.float64)
    u = np.sort(v)[::-1]
    css = np.cumsum(u)
    k = np.arange(1, len(v) + 1)
    rho = np.nonzero(u * k > css - 1)[0][-1]
    theta = (css[rho] - 1) / (rho + 1)
    return np.maximum(v - theta, 0.0)


def simplex_qp(G, *, tol: float = 1e-5, max_iter: int = 20_000) -> SimplexQP:
    """min a^T G a over the probability simplex, for a symmetric positive semi-definite G.

    Parameters
    ----------
    G : array-like
        (n, n) symmetric PSD (symmetrised here; float64).
    tol : float
        Stop when the certified gap is at most tol * max(value, tiny).
    max_iter : int

    Returns
    -------
    SimplexQP
    """
    G = np.asarray(G, dtype=np.float64)
    G = (G + G.T) / 2
    n = G.shape[0]
    lip = 2 * max(np.linalg.eigvalsh(G)[-1], 1e-300)
    a = np.full(n, 1.0 / n)
    z, t = a.copy(), 1.0
    f_prev = float(a @ G @ a)
    best = (f_prev, a)
    lower = -np.inf
    it = 0
    for it in range(1, max_iter + 1):
        a_new = project_simplex(z - 2 * (G @ z) / lip)
        f = float(a_new @ G @ a_new)
        if f > f_prev:                       # restart the momentum (O'Donoghue & Candes 2015)
            z, t = a.copy(), 1.0
            continue
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        z = a_new + ((t - 1) / t_new) * (a_new - a)
        a, t, f_prev = a_new, t_new, f
        Ga = G @ a
        lower = max(lower, float(2 * Ga.min() - f))
        if f < best[0]:
            best = (f, a)
        if best[0] - lower <= tol * max(best[0], 1e-300):
            break
    return SimplexQP(value=best[0], lower=lower, a=best[1], iterations=it)
