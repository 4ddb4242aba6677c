"""lambda(X) for softplus and ReLU (Lemma 6.4), and the widths the theorems ask for (Section 7 of the chapter).

Oymak & Soltanolkotabi (2020), Definition 6.1: lambda(X) = lambda_min(Sigma(X)) with
Sigma(X) = E_w[phi'(Xw) phi'(Xw)^T] ⊙ XX^T. ReLU has a closed form; softplus is computed by 2-D
Gauss-Hermite quadrature, and both are compared with a Monte Carlo estimate. Lemma 6.4:
lambda(X) >= mu_phi^2 sigma_min^2(X * X) with mu_phi = E[g phi'(g)].
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from ...kernels.two_layer import (
    expected_gram_mc,
    expected_gram_quadrature,
    khatri_rao_sigma_min_sq,
    relu_expected_gram,
)
from ...runtime import generator_for
from ...theory import oymak2020 as th
from .jacobian import sphere_inputs

__all__ = ["LambdaStudy", "lambda_study", "requirements_vs_practice"]

ACTIVATIONS = ("softplus", "relu")


@dataclass(frozen=True)
class LambdaStudy:
    """lambda(X) on one sphere data set, exact and by Monte Carlo, against Lemma 6.4's lower bound.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per activation: ``λ(X) exact`` (quadrature or closed form), ``λ(X) Monte Carlo`` with its
        ``MC standard error``, ``MC z-score``, ``MC agreement`` (see ``lambda_study``), the
        ``Lemma 6.4 bound μ²σ²min(X*X)`` and the upper bound ``E[φ'(g)²] (6.16)``.
    X : torch.Tensor
        The inputs (n x d, float64).
    X_norm : float
        ||X|| (spectral norm).
    kr_sigma_min_sq : float
        sigma_min^2(X * X) (Khatri-Rao square).
    mc_samples : int
    """

    table: pd.DataFrame
    X: torch.Tensor
    X_norm: float
    kr_sigma_min_sq: float
    mc_samples: int

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    def lam(self, activation: str) -> float:
        """The exact lambda(X) of ``activation``."""
        return float(self.table.loc[activation, "λ(X) exact"])

    def quotes(self) -> dict[str, float]:
        """The numbers the chapter's prose quotes."""
        t = self.table
        return {"lam_sp": self.lam("softplus"), "lam_sp_mc": float(t.loc["softplus", "λ(X) Monte Carlo"]),
                "lam_sp_se": float(t.loc["softplus", "MC standard error"]), "lam_relu": self.lam("relu"),
                "lam_ratio": self.lam("relu") / self.lam("softplus"), "s2_kr": self.kr_sigma_min_sq,
                "d_l": self.d}


def lambda_study(n: int, d: int, mc_samples: int, *, seed: int) -> LambdaStudy:
    """lambda(X) for softplus and ReLU on n uniform sphere points in R^d, three ways, against Lemma 6.4.

    Lemma 6.4 and Definition 6.1 of Oymak & Soltanolkotabi (2020). The Monte Carlo estimate of
    lambda_min of a mean is biased low by O(1/M); it agrees with the exact value when it lies within 4 of
    its standard errors, or within the entrywise error propagated to the eigenvalue (Weyl:
    |Δλ| <= ||ΔΣ|| <= n max entry error, with 4 entrywise standard errors). ``MC agreement`` is the smaller
    of |z| / 4 and |Δλ| / (4 n entry_se): at most 1 when the two agree by either rule.

    Parameters
    ----------
    n, d : int
        Samples and input dimension.
    mc_samples : int
        Monte Carlo draws of w.
    seed : int
        Root of the streams "inputs" and ("mc", activation).

    Returns
    -------
    LambdaStudy
    """
    X = sphere_inputs(n, d, generator_for(seed, "inputs"))
    X_norm = float(torch.linalg.matrix_norm(X, 2))
    s2 = khatri_rao_sigma_min_sq(X, 2)
    exact = {"softplus": float(torch.linalg.eigvalsh(expected_gram_quadrature(X, "softplus"))[0]),
             "relu": float(torch.linalg.eigvalsh(relu_expected_gram(X))[0])}
    rows = []
    for a in ACTIVATIONS:
        mc = expected_gram_mc(X, a, samples=mc_samples, generator=generator_for(seed, "mc", a))
        z = (mc.lam - exact[a]) / mc.lam_se
        rows.append({
            "activation": a, "λ(X) exact": exact[a],
            "method": "2-D Gauss–Hermite quadrature" if a == "softplus" else "closed form",
            "λ(X) Monte Carlo": mc.lam, "MC standard error": mc.lam_se, "MC entrywise error": mc.entry_se,
            "MC z-score": z, "MC agreement": min(abs(z) / 4, abs(mc.lam - exact[a]) / (n * 4 * mc.entry_se)),
            "Lemma 6.4 bound μ²σ²min(X*X)": th.mu_phi(a) ** 2 * s2,
            "upper bound E[φ'(g)²] (6.16)": th.activation_constants(a)["E_dphi_sq"],
        })
    return LambdaStudy(pd.DataFrame(rows).set_index("activation"), X, X_norm, s2, int(mc_samples))


def requirements_vs_practice(lam: LambdaStudy, needed_kd: dict[str, float]) -> pd.DataFrame:
    """Each theorem's parameter count kd on one data set, beside the kd at which GD actually succeeded.

    Theorems 6.2 and 6.3, Corollaries 2.2 and 2.4 and Lemma 6.7 of Oymak & Soltanolkotabi (2020), with the
    constants the proofs fix (96 for Theorem 6.2, 2 * 24^2 * 200^3 for Theorem 6.3) or 1 where the paper
    leaves them open (then the requirement is a floor).

    Parameters
    ----------
    lam : LambdaStudy
        The data set (n, d, ||X||) and its lambda(X) for softplus and ReLU.
    needed_kd : dict
        activation -> the kd at which GD fits random labels with probability 0.9 (Figure 2's fit).

    Returns
    -------
    pandas.DataFrame
        Index ``requirement``; columns ``activation``, ``parameters kd required``,
        ``kd trained to 90% success`` and ``required / trained``.
    """
    n, d, Xn = lam.n, lam.d, lam.X_norm
    sp, relu = lam.lam("softplus"), lam.lam("relu")
    req = {
        "Thm 6.2, smooth (proof's constant 96)": ("softplus", th.smooth_width_requirement(n, d, Xn, sp)["kd"]),
        "Cor 2.2, smooth on the sphere (√(kd) ≥ n, constant 1)":
            ("softplus", th.smooth_width_requirement_sphere(n, d)["kd"]),
        "Lemma 6.7 alone, softplus (σmin(J0) ≥ ‖v‖√(λ/2))": ("softplus", th.lemma67_width(n, Xn, sp) * d),
        "Thm 6.3, ReLU (proof's constant 9.2e9)": ("relu", th.relu_width_requirement(n, Xn, relu)["k"] * d),
        "Thm 6.3, ReLU (constant 1)": ("relu", th.relu_width_requirement(n, Xn, relu, C=1.0)["k"] * d),
        "Cor 2.4, ReLU on the sphere (k ≥ n⁴/d³, constant 1)":
            ("relu", th.relu_width_requirement_sphere(n, d)["kd"]),
        "Lemma 6.7 alone, ReLU": ("relu", th.lemma67_width(n, Xn, relu) * d),
    }
    return pd.DataFrame([{"requirement": name, "activation": a, "parameters kd required": kd,
                          "kd trained to 90% success": needed_kd[a], "required / trained": kd / needed_kd[a]}
                         for name, (a, kd) in req.items()]).set_index("requirement")
