"""Theorem 5.1 of Zou, Cao, Zhou & Gu (2020) at the Gaussian initialisation (notes E1, E3, E10).

No training: draw networks, push phi-pair data through them, and measure (i) the feature norms, (ii) the
cross-label separation of the normalised features per layer, (iii) the outputs, and the per-sample
gradient norms of Theorem 5.3(viii) at tau = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import zou2020 as zd
from ...measure.fit import SlopeFit, loglog_slope
from ...nets.zou import ZouEnsemble
from ...runtime import derive_seed
from ...theory import zou2020 as th

__all__ = ["InitSweep", "Separation", "UpperBound", "assumption_comparison", "gradient_upper", "init_sweep", "near_zero_counts", "separation_by_layer",
           "separation_check"]

_MAX_FLOATS = 3e7  # weights held at once (a chunk of seeds), ~240 MB in float64


def _data(n: int, d: int, phi: float, mu: float, seed: int) -> tuple[torch.Tensor, torch.Tensor, float]:
    data = zd.phi_pairs(n, d, phi, np.random.default_rng(seed), mu=mu)
    return torch.from_numpy(data.X), torch.from_numpy(data.y), data.phi


def _chunks(seeds: list[int], floats_per_net: float) -> list[list[int]]:
    size = max(1, int(_MAX_FLOATS // max(floats_per_net, 1)))
    return [seeds[i:i + size] for i in range(0, len(seeds), size)]


def _min_cross(F: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # (K, n, m) features -> (K,) min distance of the normalised features over opposite-label pairs
    Fb = F / F.norm(dim=2, keepdim=True)
    y = y.to(F.device)
    D = torch.cdist(Fb[:, y > 0], Fb[:, y < 0])
    return D.amin(dim=(1, 2))


@dataclass(frozen=True)
class InitSweep:
    """Theorem 5.1 (i) and (iii) against the width, per depth.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (L, m, seed): ``dev`` = max_{l,i} | ||x_{l,i}|| - 1 |, ``y_max`` = max_i |y_hat_i|,
        ``bound`` (5.1(i) with C' = 1), ``std_pred`` (book's own).
    dev_fit, y_fit : dict of int -> SlopeFit
        log-log slopes in m of ``dev`` and ``y_max`` over all seeds, per L.
    """

    table: pd.DataFrame
    dev_fit: dict[int, SlopeFit]
    y_fit: dict[int, SlopeFit]


def init_sweep(*, n: int, d: int, phi: float, mu: float, widths, depths, seeds: int, delta: float,
               seed: int, device: str | torch.device = "cpu") -> InitSweep:
    """Feature norms, outputs and weight norms at initialisation against m, for each L (E1).

    Parameters
    ----------
    n, d, phi, mu : int, int, float, float
        The phi-pair data (one draw for the whole sweep).
    widths, depths : sequence of int
    seeds : int
        Networks per (L, m) cell.
    delta : float
        The confidence of the bound drawn beside the deviation.
    seed : int
        Root of the data and network seeds.

    Returns
    -------
    InitSweep
    """
    X, _, _ = _data(n, d, phi, mu, derive_seed(seed, "data"))
    rows = []
    for L in depths:
        for m in widths:
            net_seeds = [derive_seed(seed, "net", L, m, s) for s in range(seeds)]
            for chunk in _chunks(net_seeds, d * m + (L - 1) * m * m):
                ens = ZouEnsemble.init(d, m, L, chunk, device=device)
                with torch.no_grad():
                    _, feats = ens.layers(X)
                    dev = torch.stack([(f.norm(dim=2) - 1).abs().amax(1) for f in feats[1:]]).amax(0)
                    y_max = (feats[-1] @ ens.v).abs().amax(1)
                for k in range(len(chunk)):
                    rows.append({"L": L, "m": m, "dev": float(dev[k]), "y_max": float(y_max[k])})
    table = pd.DataFrame(rows)
    table["bound"] = th.norm_deviation_bound(n, table.L.to_numpy(), table.m.to_numpy(), delta)
    table["std_pred"] = th.norm_deviation_std(table.L.to_numpy(), table.m.to_numpy())
    dev_fit = {L: loglog_slope(g.m, g.dev) for L, g in table.groupby("L")}
    y_fit = {L: loglog_slope(g.m, g.y_max) for L, g in table.groupby("L")}
    return InitSweep(table, dev_fit, y_fit)


@dataclass(frozen=True)
class Separation:
    """Theorem 5.1(ii) at L = 1 in its hypotheses: per network, the smallest cross-label ratio.

    Attributes
    ----------
    ratios : numpy.ndarray
        (seeds,) min over opposite-label pairs of ||x_bar_1,i - x_bar_1,i'|| / phi.
    phi : float
        The measured phi.
    width_needed : float
        L^4 phi^-4 log(4 n^2 L / delta), Lemma A.4's width with C = 1.
    infinite : float
        The arc-cosine ratio at layer 1 (book's own reference).
    """

    ratios: np.ndarray
    phi: float
    width_needed: float
    infinite: float

    @property
    def violations(self) -> int:
        """Networks whose smallest ratio is below 1/2."""
        return int((self.ratios < 0.5).sum())

    @property
    def frequency(self) -> float:
        """The violation frequency."""
        return self.violations / len(self.ratios)


def separation_check(*, n: int, d: int, phi: float, mu: float, width: int, seeds: int, delta: float,
                     seed: int, device: str | torch.device = "cpu") -> Separation:
    """Minimum cross-label separation after one layer, over ``seeds`` networks (S20).

    Returns
    -------
    Separation
    """
    X, y, phi_m = _data(n, d, phi, mu, derive_seed(seed, "data"))
    ens = ZouEnsemble.init(d, width, 1, [derive_seed(seed, "net", s) for s in range(seeds)], device=device)
    with torch.no_grad():
        ratios = (_min_cross(ens.layers(X)[1][1], y) / phi_m).cpu().numpy()
    need = 1**4 * phi_m**-4 * np.log(4 * n**2 * 1 / delta)
    return Separation(ratios, phi_m, float(need), float(th.separation_recursion(phi_m, 1)[1] / phi_m))


def separation_by_layer(*, n: int, d: int, phis, mu: float, width: int, depth: int, seeds: int,
                        seed: int, device: str | torch.device = "cpu") -> pd.DataFrame:
    """The smallest cross-label ratio at every layer, for several phi, beside the arc-cosine recursion (E10).

    Returns
    -------
    pandas.DataFrame
        Rows (phi, layer): ``measured`` (mean over networks of the minimum ratio), ``lo``/``hi`` (its
        range), ``infinite`` (the recursion), ``lemma_a4`` (Lemma A.4's lower bound / phi), ``phi_eff``.
    """
    rows = []
    ens = ZouEnsemble.init(d, width, depth, [derive_seed(seed, "net", s) for s in range(seeds)], device=device)
    for phi in phis:
        X, y, phi_m = _data(n, d, phi, mu, derive_seed(seed, "data", repr(phi)))
        with torch.no_grad():
            feats = ens.layers(X)[1]
            r = torch.stack([_min_cross(f, y) / phi_m for f in feats]).cpu().numpy()  # (L+1, K)
        inf = th.separation_recursion(phi_m, depth) / phi_m
        a4 = th.lemma_a4_lower(phi_m, depth) / phi_m
        for ell in range(depth + 1):
            rows.append({"phi": phi_m, "layer": ell, "measured": r[ell].mean(), "lo": r[ell].min(),
                         "hi": r[ell].max(), "infinite": inf[ell], "lemma_a4": a4[ell],
                         "phi_eff": th.effective_phi(phi_m, depth, mu)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class UpperBound:
    """Theorem 5.3(viii) at tau = 0: U = max_{l,i} ||d y_hat_i / d W_l||_2 / sqrt(M) against L.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows (L, seed, layer): ``U``.
    fit : SlopeFit
        log-log slope in L of max_l U (all seeds).
    """

    table: pd.DataFrame
    fit: SlopeFit


def gradient_upper(*, n: int, d: int, phi: float, mu: float, width: int, depths, seeds: int,
                   seed: int, device: str | torch.device = "cpu") -> UpperBound:
    """Per-sample gradient spectral norms over sqrt(M), per layer, against the depth (E3).

    Returns
    -------
    UpperBound
    """
    X, _, _ = _data(n, d, phi, mu, derive_seed(seed, "data"))
    rows = []
    for L in depths:
        ens = ZouEnsemble.init(d, width, L, [derive_seed(seed, "net", L, s) for s in range(seeds)], device=device)
        norms = ens.per_sample_gradient_spectral(X)
        for ell, g in enumerate(norms, start=1):
            for k, u in enumerate((g.amax(1) / width**0.5).tolist()):
                rows.append({"L": L, "seed": k, "layer": ell, "U": u})
    table = pd.DataFrame(rows)
    top = table.groupby(["L", "seed"]).U.max().reset_index()
    return UpperBound(table, loglog_slope(top.L, top.U))


def assumption_comparison(*, ns, gamma: float, d: int, mu: float, seed: int) -> pd.DataFrame:
    """Margin data of growing n: the cross-label phi (Assumption 3.5) against the all-pairs delta (Allen-Zhu et al.).

    i.i.d. points at margin >= gamma from a hidden hyperplane: phi >= 2 gamma for every n, while the
    all-pairs separation shrinks as n grows (the paper's remark after Assumption 3.5).

    Returns
    -------
    pandas.DataFrame
        Rows n: ``phi`` (measured), ``delta`` (all pairs), ``two_gamma``.
    """
    rows = []
    for n in ns:
        data = zd.margin(n, d, gamma, np.random.default_rng(derive_seed(seed, "margin", n)), mu=mu)
        rows.append({"n": n, "phi": data.phi, "delta": data.delta, "two_gamma": 2 * gamma})
    return pd.DataFrame(rows)


def near_zero_counts(*, n: int, d: int, phi: float, mu: float, widths, depth: int, seeds: int, delta: float,
                     scale: float, seed: int, device: str | torch.device = "cpu") -> pd.DataFrame:
    """Theorem 5.1(iv): how many units sit within beta of zero, against the bound 2 m^{3/2} beta.

    beta is set at the edge of Lemma A.7's hypothesis, m^{3/2} beta = scale * log(nL/delta) (C = scale),
    so the expected count, m^{3/2} beta / sqrt(pi) (book's own), is a few units and the bound is not
    trivially far.

    Returns
    -------
    pandas.DataFrame
        Rows (m, seed): ``max_ratio`` = max_{l,i} count / (m^{3/2} beta), ``mean_ratio`` (over l, i),
        ``beta``.
    """
    X, _, _ = _data(n, d, phi, mu, derive_seed(seed, "data"))
    rows = []
    for m in widths:
        beta = scale * np.log(n * depth / delta) / m**1.5
        ens = ZouEnsemble.init(d, m, depth, [derive_seed(seed, "net", m, s) for s in range(seeds)], device=device)
        counts = torch.stack([(p.abs() <= beta).sum(-1) for p in ens.preactivations(X)])  # (L, K, n)
        ratio = (counts.double() / (m**1.5 * beta)).cpu()
        rows += [{"m": m, "seed": k, "beta": beta, "max_ratio": float(ratio[:, k].max()),
                  "mean_ratio": float(ratio[:, k].mean())} for k in range(seeds)]
    return pd.DataFrame(rows)
