"""Step 1 of Allen-Zhu, Li & Song's proof, at random initialisation: Lemma 7.1, Fact 7.2, Lemma 7.3, Lemma 7.5."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import torch
from scipy import special, stats

from ...data.allenzhu2019 import padded_pairs, padded_sphere
from ...nets.allen_zhu_stack import AllenZhuEnsemble
from ...theory.allenzhu2019 import separation_infinite_width
from ._common import exponent_over_seeds, sample_layer

__all__ = ["forward_norms", "layer_products", "log_norm_mean_per_layer", "separation"]


def log_norm_mean_per_layer(m: int) -> float:
    """Fact 7.2's exact E[log Delta] of one ReLU layer, Delta = ||phi(W h)||^2 / ||h||^2 = (2/m) chi^2_{Bin(m,1/2)}.

    Summed over k ~ Bin(m, 1/2) with E log chi^2_k = digamma(k/2) + log 2 (the k = 0 term, probability 2^-m,
    is the event h = 0 and is left out, as Lemma 7.1's high-probability statement does). Lemma 7.1's proof
    (7.1) bounds it in [-4/m, 0].
    """
    k = np.arange(1, m + 1)
    w = stats.binom.pmf(k, m, 0.5)
    return float(math.log(2.0 / m) + np.sum(w * (special.digamma(k / 2) + math.log(2))) / w.sum())


def forward_norms(widths, depth: int, draws: int, *, d_free: int, m_direct: int, seed: int) -> SimpleNamespace:
    """Lemma 7.1 (E1): ||h_l|| stays near 1 at every layer and width.

    ``per_layer``: Fact 7.2's exact per-layer mean of log ||h_l||^2 at each width (the bound (7.1) is
    [-4/m, 0]). ``sd``: the standard deviation of log ||h_l||^2 over ``draws`` networks of width ``m_direct``
    (real weight matrices, one padded input), at layers l = 0..depth, with its depth exponent (the
    concentration e^{-Omega(m eps^2 / L)} gives sd ~ sqrt(L / m), exponent 1/2; a layer-by-layer error would
    give 1) and the prediction sqrt(5 (l + 1) / m) [ours].
    """
    per_layer = {int(m): log_norm_mean_per_layer(int(m)) for m in widths}
    rng = np.random.default_rng(seed)
    X, _ = padded_sphere(1, d_free, rng)
    X = torch.as_tensor(X)
    net_seeds = rng.integers(0, 2**62, size=draws).tolist()
    logs = []
    for start in range(0, draws, 25):
        ens = AllenZhuEnsemble.allen_zhu(X.shape[1], m_direct, depth, seeds=net_seeds[start:start + 25])
        logs.append(torch.stack([2 * torch.log(h.norm(dim=-1)[:, 0]) for h in ens.features(X)], 1))
    logs = torch.cat(logs).numpy()                       # (draws, depth + 1): layers 0..L
    layers = np.arange(depth + 1)
    sd_fit = _sd_exponent(layers + 1, logs, seed)
    return SimpleNamespace(per_layer=per_layer, logs=logs, layers=layers, sd=logs.std(0, ddof=1),
                           sd_predicted=np.sqrt(5 * (layers + 1) / m_direct), mean=logs.mean(0),
                           mean_predicted=-2.5 * (layers + 1) / m_direct, fit=sd_fit, m=m_direct)


def _sd_exponent(x, logs, seed, level=0.95, n_boot=2000):
    """Exponent of the sd of log ||h_l||^2 in (l + 1), with a bootstrap over the networks."""
    lx = np.log(x)
    fit = lambda L: np.polyfit(lx, np.log(L.std(0, ddof=1)), 1)[0]
    idx = np.random.default_rng(seed).integers(0, logs.shape[0], size=(n_boot, logs.shape[0]))
    boots = np.array([fit(logs[i]) for i in idx])
    a = (1 - level) / 2
    return SimpleNamespace(slope=float(fit(logs)), lo=float(np.quantile(boots, a)),
                           hi=float(np.quantile(boots, 1 - a)))


def layer_products(width: int, depth: int, lengths, seeds, *, d_free: int) -> SimpleNamespace:
    """Lemma 7.3 (E2): ||W_b D_{b-1} ... D_a W_a||_2 <= O(sqrt L), not exponential in the length.

    One network of ``depth`` layers per seed, the masks D from a forward pass of one padded input; the
    products start at a = 1 and have the lengths k in ``lengths``. Returns their spectral norms (seeds x k)
    and the exponent of the seed-mean norm in k (bootstrap over seeds).
    """
    lengths = sorted(int(k) for k in lengths)
    norms = np.zeros((len(seeds), len(lengths)))
    for s_i, s in enumerate(seeds):
        rng = np.random.default_rng(int(s))
        X = torch.as_tensor(padded_sphere(1, d_free, rng)[0])
        ens = AllenZhuEnsemble.allen_zhu(X.shape[1], width, depth, seeds=int(s))
        g = ens.preactivations(X)
        P = None
        for ell in range(max(lengths)):
            W = ens.W[ell][0].detach()
            P = W if P is None else W @ (g[ell - 1][0, 0] >= 0)[:, None].to(W.dtype).mul(P)
            if ell + 1 in lengths:
                norms[s_i, lengths.index(ell + 1)] = float(torch.linalg.matrix_norm(P, ord=2))
    return SimpleNamespace(lengths=np.asarray(lengths), norms=norms,
                           fit=exponent_over_seeds(lengths, norms), width=width)


def separation(delta: float, depth: int, width: int, n_seeds: int, *, d_free: int, seed: int) -> SimpleNamespace:
    """Lemma 7.5 (E3): ||(I - h_i h_i^T / ||h_i||^2) h_j|| >= delta/2 at every layer, for a pair at distance delta.

    Layers are sampled exactly from the Gaussian law of W H^T given the pair's representations
    (``_common.sample_layer``), so long, wide networks cost O(m) per layer; each seed is one network.
    Returns s_l (seeds x layers 0..L), the infinite-width recursion s_inf and the fraction of seeds whose
    minimum over layers falls below delta/2.
    """
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(padded_pairs([delta], d_free, rng)[0])      # (2, p)
    g = torch.Generator().manual_seed(seed)
    H = X.expand(n_seeds, 2, X.shape[1]).contiguous()
    s = np.zeros((n_seeds, depth + 1))
    for ell in range(depth + 1):
        H = torch.clamp_min(sample_layer(H, width, 2.0 / width, g), 0.0)
        hi, hj = H[:, 0], H[:, 1]
        proj = (hi * hj).sum(-1, keepdim=True) / (hi * hi).sum(-1, keepdim=True) * hi
        s[:, ell] = (hj - proj).norm(dim=-1).numpy()
    s_inf = separation_infinite_width(delta, depth)
    below = float(np.mean(s.min(1) < delta / 2))
    ratio = float(np.median(s[:, -1]) / s_inf[-1])
    return SimpleNamespace(delta=delta, depth=depth, width=width, s=s, s_inf=s_inf, below_half=below,
                           median_ratio=ratio, layers=np.arange(depth + 1))
