"""SGD against GD (Theorem 2.6).

Oymak & Soltanolkotabi (2020), Theorem 2.6: SGD with one uniformly drawn sample per step (eq. 2.9, the
plain gradient of that sample's loss) converges linearly to zero training error; on an event E,
E[||r_t||^2 1_E] <= (1 - rate)^t ||r_0||^2 (2.10) at the theorem's step. Both methods run on the same
softplus problems; the relative error is recorded once per epoch (n SGD steps, one GD step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ...kernels.two_layer import lambda_x
from ...measure.fit import RateFit, linear_rate
from ...measure.two_layer_jacobian import jacobian_gram
from ...runtime import derive_seed
from ...theory import oymak2020 as th
from ...train import sphere_problems
from ._train import train_networks

__all__ = ["SGDStudy", "sgd_against_gd"]


def _per_epoch_rate(H: np.ndarray) -> RateFit:
    """Per-epoch factor of the geometric mean over realizations, fitted over the second half."""
    h = np.exp(np.log(H).mean(0))
    return linear_rate(h, start=len(h) // 2)


@dataclass(frozen=True)
class SGDStudy:
    """GD, SGD at a practical step and SGD at Theorem 2.6's step on the same problems.

    Attributes
    ----------
    gd, sgd, sgd_theorem : numpy.ndarray, shape (realizations, epochs + 1)
        Relative errors ||f - y|| / ||y|| once per epoch.
    eta_gd, eta_sgd, eta_theorem : numpy.ndarray
        Per realization: 1 / lambda_max(J0 J0^T), 1 / max_i ||grad f(x_i; W0)||^2 and Theorem 2.6's step.
    bound_sq : numpy.ndarray, shape (epochs + 1,)
        The bound (2.10) on E||r_t||^2 / ||y||^2, averaged over realizations.
    event_probability : numpy.ndarray
        Theorem 2.6's lower bound on P(E) per realization.
    n, d, k : int
    nu : float
    """

    gd: np.ndarray
    sgd: np.ndarray
    sgd_theorem: np.ndarray
    eta_gd: np.ndarray
    eta_sgd: np.ndarray
    eta_theorem: np.ndarray
    bound_sq: np.ndarray
    event_probability: np.ndarray
    n: int
    d: int
    k: int
    nu: float

    @property
    def epochs(self) -> np.ndarray:
        return np.arange(self.gd.shape[1])

    @property
    def sgd_rate(self) -> RateFit:
        return _per_epoch_rate(self.sgd)

    @property
    def gd_rate(self) -> RateFit:
        return _per_epoch_rate(self.gd)

    @property
    def worst_drop(self) -> float:
        """Largest final / initial relative error of SGD over the realizations."""
        return float(np.max(self.sgd[:, -1] / self.sgd[:, 0]))

    @property
    def log_rate_ratio(self) -> float:
        """log(SGD's per-epoch factor) / log(GD's per-step factor): 1 when an epoch of SGD does what a GD step does."""
        return math.log(self.sgd_rate.rate) / math.log(self.gd_rate.rate)

    @property
    def mean_sq(self) -> np.ndarray:
        """Mean over realizations of the squared relative error at Theorem 2.6's step."""
        return (self.sgd_theorem**2).mean(0)

    @property
    def bound_excess(self) -> float:
        """max over epochs of mean_sq / bound_sq ((2.10) holds where this is <= 1)."""
        return float(np.max(self.mean_sq / self.bound_sq))

    def quotes(self) -> dict[str, float]:
        """The numbers the chapter's prose quotes."""
        return {"sgd_rate": self.sgd_rate.rate, "gd_rate": self.gd_rate.rate, "sgd_ratio": self.log_rate_ratio,
                "sgd_eta_thm": float(np.mean(self.eta_theorem)), "sgd_eta": float(np.mean(self.eta_sgd)),
                "sgd_step_factor": float(np.mean(self.eta_sgd) / np.mean(self.eta_theorem)),
                "sgd_pE": float(np.mean(self.event_probability)),
                "sgd_thm_final": float(np.sqrt(self.mean_sq[-1]))}


def sgd_against_gd(n: int, d: int, k: int, realizations: int, epochs: int, *, seed: int,
                   nu: float = 5.0) -> SGDStudy:
    """Train softplus networks by GD and by single-sample SGD (eq. 2.9) on the same sphere problems.

    Theorem 2.6 of Oymak & Soltanolkotabi (2020). Practical steps: eta_GD = 1 / lambda_max(J0 J0^T) and
    eta_SGD = 1 / max_i ||grad f(x_i; W0)||^2 (the largest step at which a single-sample update cannot
    overshoot at initialisation); and SGD at the theorem's step with ``nu`` and lambda(X) / mu_phi^2 in
    place of sigma_min^2(X * X). SGD uses the plain gradient of the drawn sample's loss (no n/b factor).

    Parameters
    ----------
    n, d, k : int
        Samples, input dimension, width.
    realizations : int
        Independent problems.
    epochs : int
        GD steps, and SGD steps / n.
    seed : int
        Root of the streams "problems", "sgd" and "sgd_theorem_step".
    nu : float
        Theorem 2.6's nu (>= 3).

    Returns
    -------
    SGDStudy
    """
    problems = sphere_problems(n, [(k, d)], realizations, seed=derive_seed(seed, "problems"))
    mu = th.mu_phi("softplus")
    eta_gd, eta_sgd, eta_thm, rate_thm, p_event = [], [], [], [], []
    for b in range(realizations):
        X, y, W0, v = problems.X[b], problems.y[b], problems.W0[b], problems.v[b]
        G = jacobian_gram(W0, X, v, "softplus")
        eta_gd.append(1 / float(torch.linalg.eigvalsh(G)[-1]))
        eta_sgd.append(1.0 / float(torch.diagonal(G).max()))
        X_norm = float(torch.linalg.matrix_norm(X, 2))
        s2_eff = lambda_x(X, "softplus", method="quadrature") / mu**2
        eta_thm.append(th.sgd_step(n, float(y.norm()), X_norm, mu, s2_eff, nu=nu))
        rate_thm.append(th.sgd_rate(n, X_norm, mu, s2_eff, nu=nu))
        p_event.append(th.sgd_event_probability(k, d, X_norm, mu, s2_eff, nu=nu))
    common = {"dtype": torch.float64, "device": "cpu", "history": True}
    gd = train_networks(problems, "softplus", torch.tensor(eta_gd), epochs, **common)
    sgd = train_networks(problems, "softplus", torch.tensor(eta_sgd), epochs * n, batch_size=1,
                         seed=derive_seed(seed, "sgd"), **common)
    thm = train_networks(problems, "softplus", torch.tensor(eta_thm), epochs * n, batch_size=1,
                         seed=derive_seed(seed, "sgd_theorem_step"), **common)
    t = np.arange(epochs + 1)
    bound_sq = np.array([thm.history[b, 0] ** 2 * rate_thm[b] ** (t * n) for b in range(realizations)]).mean(0)
    return SGDStudy(gd.history, sgd.history, thm.history, np.array(eta_gd), np.array(eta_sgd), np.array(eta_thm),
                    bound_sq, np.array(p_event), int(n), int(d), int(k), float(nu))
