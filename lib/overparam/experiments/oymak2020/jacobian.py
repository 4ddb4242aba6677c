"""The Jacobian at initialisation: its rank transition at kd = n and its concentration (Lemma 6.7).

Oymak & Soltanolkotabi (2020), Section 6: J(W0) is n x kd, so sigma_min(J(W0)) = 0 while the effective
number of parameters 2 floor(k/2) d is below n (an odd k has one unit with v_l = 0), and Lemma 6.7 gives
sigma_min^2(J(W0)) / ||v||^2 >= lambda(X) / 2 once k >= 20 log(n) ||X||^2 / lambda(X).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from ...kernels.two_layer import lambda_x
from ...measure.two_layer_jacobian import jacobian_singular_values
from ...nets import output_weights
from ...runtime import generator_for
from ...theory import oymak2020 as th

__all__ = ["JacobianScan", "jacobian_at_init", "sphere_inputs"]


def sphere_inputs(n: int, d: int, generator: torch.Generator) -> torch.Tensor:
    """n points i.i.d. uniform on the unit sphere of R^d (Gaussian rows, normalised), float64.

    Parameters
    ----------
    n, d : int
        Samples and input dimension.
    generator : torch.Generator
        The stream the Gaussian draws come from.

    Returns
    -------
    torch.Tensor, shape (n, d)
    """
    X = torch.randn(n, d, generator=generator, dtype=torch.float64)
    return X / X.norm(dim=1, keepdim=True)


@dataclass(frozen=True)
class JacobianScan:
    """sigma_min(J(W0)) against width on softplus networks (Lemma 6.7).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (d, k, seed): ``kd_eff`` = 2 floor(k/2) d, ``sigma_min``, ``sigma_max``, ``s`` =
        sigma_min^2 / ||v||^2, ``lam`` = lambda(X) (quadrature), ``k_lemma67`` (Lemma 6.7's width) and
        ``rel_sigma`` = sigma_min / sigma_max.
    lam : dict
        lambda(X) per input dimension d.
    n : int
    zero_below : float
        Largest sigma_min / sigma_max over the draws with kd_eff < n (numerical zero expected).
    pos_above : float
        Smallest sigma_min / sigma_max over the draws with kd_eff >= 2n (positive expected).
    wide : int
        Draws at or beyond Lemma 6.7's width.
    below_half : int
        Of those, how many have sigma_min^2 / ||v||^2 < lambda(X) / 2 (Lemma 6.7 says none, w.h.p.).
    conc_err : float
        At the largest k, the largest |sigma_min^2 / (||v||^2 lambda(X)) - 1|.
    """

    table: pd.DataFrame
    lam: dict[int, float]
    n: int
    zero_below: float
    pos_above: float
    wide: int
    below_half: int
    conc_err: float

    @property
    def k_max(self) -> int:
        """The largest width of the scan."""
        return int(self.table.k.max())

    @property
    def k_lemma67(self) -> float:
        """Lemma 6.7's width, the largest over the input dimensions."""
        return float(self.table.groupby("d").k_lemma67.first().max())

    def quotes(self) -> dict[str, float]:
        """The numbers the chapter's prose quotes."""
        return {"k_lemma67": self.k_lemma67, "conc_err": self.conc_err, "k_scan_max": self.k_max}


def jacobian_at_init(n: int, ds: Sequence[int], log2_widths: Sequence[int], draws: int, *, seed: int,
                     activation: str = "softplus") -> JacobianScan:
    """Singular values of J(W0) for widths k = 2^j on one sphere data set per input dimension d.

    The rank transition (J(W0) is n x kd) and Lemma 6.7 of Oymak & Soltanolkotabi (2020):
    sigma_min^2(J(W0)) / ||v||^2 >= lambda(X) / 2 beyond k = 20 log(n) ||X||^2 / lambda(X), and -> lambda(X)
    as k grows (E[J J^T] = ||v||^2 Sigma(X)).

    Parameters
    ----------
    n : int
        Samples.
    ds : sequence of int
        Input dimensions; each gets its own X (i.i.d. uniform on the sphere).
    log2_widths : sequence of int
        The widths k = 2^j.
    draws : int
        Independent W0 per (d, k).
    seed : int
        Root of the random streams (one per d: X, then every W0 in order).
    activation : str
        The activation (softplus: lambda(X) by quadrature).

    Returns
    -------
    JacobianScan
    """
    rows = []
    lam: dict[int, float] = {}
    for d in ds:
        g = generator_for(seed, "d", int(d))
        X = sphere_inputs(n, int(d), g)
        lam[int(d)] = lambda_x(X, activation, method="quadrature")
        X_norm = float(torch.linalg.matrix_norm(X, 2))
        k67 = th.lemma67_width(n, X_norm, lam[int(d)])
        for j in log2_widths:
            k = 2 ** int(j)
            v = output_weights(k, math.sqrt(n), n)
            vv = float((v**2).sum()) if k > 1 else 1.0  # k = 1: v = 0, the Jacobian is zero
            for s in range(draws):
                W0 = torch.randn(k, int(d), generator=g, dtype=torch.float64)
                sv = jacobian_singular_values(W0, X, v, activation)
                rows.append({"d": int(d), "k": k, "seed": s, "kd_eff": 2 * (k // 2) * int(d),
                             "sigma_min": float(sv[-1]), "sigma_max": float(sv[0]),
                             "s": float(sv[-1]) ** 2 / vv, "lam": lam[int(d)], "k_lemma67": k67})
    scan = pd.DataFrame(rows)
    scan["rel_sigma"] = scan.sigma_min / scan.sigma_max.where(scan.sigma_max > 0, 1.0)
    wide = scan[scan.k >= scan.k_lemma67]
    widest = scan[scan.k == scan.k.max()]
    return JacobianScan(
        table=scan, lam=lam, n=int(n),
        zero_below=float(scan[scan.kd_eff < n].rel_sigma.max()),
        pos_above=float(scan[scan.kd_eff >= 2 * n].rel_sigma.min()),
        wide=len(wide), below_half=int((wide.s < wide.lam / 2).sum()),
        conc_err=float((widest.s / widest.lam - 1).abs().max()),
    )
