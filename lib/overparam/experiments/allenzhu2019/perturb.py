"""Step 3 (Theorem 4, semi-smoothness, E9) and Step 4 (Lemma 8.2 / Claim 8.3, few sign changes, E7)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import torch
from torch.func import jvp

from ...data.allenzhu2019 import padded_sphere
from ...measure.perturbations import random_perturbation, rank_one_adversarial, sign_flips
from ...nets.allen_zhu_stack import AllenZhuEnsemble
from ._common import exponent_over_seeds
from .gd import stacked_forward

__all__ = ["flips_one_layer", "forward_stability", "semi_smoothness"]


def semi_smoothness(n: int, depth: int, widths, seeds, *, c_eta: float, d_free: int, data_seed: int) -> SimpleNamespace:
    """Theorem 4 (E9): the loss change of one GD step against its first-order and Gauss-Newton predictions.

    At W^(0), the step W' = -eta grad F with eta = c / lambda_max(G_0); R = F(W + W') - F(W) - <grad F, W'> is the
    remainder Theorem 4 bounds, R_GN = sum_i (J_i W')^2 / 2 its Gauss-Newton part (a JVP), and
    kappa = |R - R_GN| / (eta ||grad F||^2) the part a twice-differentiable model would not have, relative to the
    first-order decrease. The section 11 form of Theorem 4 with omega ~ m^(-1/2) bounds kappa by m^(-1/6).
    Float64. Returns kappa (seeds x widths), its width exponent and R / (eta ||grad F||^2).
    """
    rng = np.random.default_rng(data_seed)
    X, _ = padded_sphere(n, d_free, rng)
    X = torch.as_tensor(X)
    y = torch.as_tensor(rng.choice([-1.0, 1.0], size=n))
    kappa = np.zeros((len(seeds), len(widths)))
    rel = np.zeros_like(kappa)
    for j, m in enumerate(widths):
        ens = AllenZhuEnsemble.allen_zhu(X.shape[1], int(m), depth, seeds=list(seeds))
        A, B = ens.A.detach(), ens.B.detach()
        Ws = [w.detach().clone().requires_grad_(True) for w in ens.W]
        F = lambda W, A=A, B=B: 0.5 * ((stacked_forward(X, A, W, B) - y) ** 2).sum(1)
        F0 = F(Ws)
        grads = torch.autograd.grad(F0.sum(), Ws)
        eta = c_eta / torch.linalg.eigvalsh(ens.ntk(X))[:, -1]
        step = [-eta[:, None, None] * g for g in grads]
        W0 = [w.detach() for w in Ws]
        with torch.no_grad():
            F1 = F([w + s for w, s in zip(W0, step)])
        lin = sum((g * s).sum((1, 2)) for g, s in zip(grads, step))
        _, jv = jvp(lambda *W, A=A, B=B: stacked_forward(X, A, W, B), tuple(W0), tuple(step))
        R = F1 - F0.detach() - lin
        R_gn = 0.5 * (jv ** 2).sum(1)
        g2 = sum((g ** 2).sum((1, 2)) for g in grads)
        kappa[:, j] = ((R - R_gn).abs() / (eta * g2)).numpy()
        rel[:, j] = (R / (eta * g2)).numpy()
    return SimpleNamespace(widths=np.asarray(widths), kappa=kappa, rel=rel, fit=exponent_over_seeds(widths, kappa))


def flips_one_layer(width: int, omegas, seeds, *, d_free: int, seed: int) -> SimpleNamespace:
    """Claim 8.3 / Lemma 8.2 (E7): signs flipped by a perturbation of spectral norm omega of one layer.

    The layer is the input layer g = A x (entries N(0, 2/m), one padded input): its pre-activations have the law
    of every layer's in Lemma 8.2, N(0, 2 ||h||^2 / m). Two perturbations of spectral norm omega:
    ``measure.perturbations.rank_one_adversarial`` (flips the smallest |g_k| first, the worst case) and
    ``random_perturbation`` (a Gaussian direction). Returns the flip fractions (seeds x omegas) and their omega
    exponents with seed-bootstrap intervals; [ours] the adversary's count is ~ (3/pi)^(1/3) m omega^(2/3) and a
    random direction's ~ m omega / (pi sqrt 2).
    """
    rng = np.random.default_rng(seed)
    x = torch.as_tensor(padded_sphere(1, d_free, rng)[0][0])
    adv = np.zeros((len(seeds), len(omegas)))
    rnd = np.zeros_like(adv)
    for i, s in enumerate(seeds):
        g = torch.Generator().manual_seed(int(s))
        A = torch.randn(width, x.shape[0], generator=g, dtype=torch.float64) * math.sqrt(2.0 / width)
        pre = A @ x
        for j, om in enumerate(omegas):
            adv[i, j] = sign_flips(pre, pre + rank_one_adversarial(pre, x, float(om)) @ x)
            rnd[i, j] = sign_flips(pre, pre + random_perturbation((width, x.shape[0]), float(om), g) @ x)
    om = np.asarray(omegas, float)
    return SimpleNamespace(omegas=om, adversarial=adv, random=rnd, width=width,
                           fit_adv=exponent_over_seeds(om, adv), fit_rand=exponent_over_seeds(om, rnd),
                           pred_adv=(3 / math.pi) ** (1 / 3) * om ** (2 / 3), pred_rand=om / (math.pi * math.sqrt(2)))


def forward_stability(width: int, depth: int, omegas, seeds, *, d_free: int, seed: int) -> SimpleNamespace:
    """Lemma 8.2(c) / Claim 11.2 (E8): ||h_L(W + W') - h_L(W)|| against omega and the depth, for random W'.

    Every hidden layer of a depth-``depth`` network (one padded input) is perturbed by omega V_l with V_l a
    Gaussian matrix of spectral norm 1 (``measure.perturbations.random_perturbation``), the same direction for
    every omega; h_l for l = 1..depth is read off one forward pass (h_l depends on the first l layers only).
    Returns the ratios ||Delta h_l|| / omega (seeds x omegas x layers), the omega exponent at the last layer and
    the depth exponent at the smallest omega (seed bootstrap). Claim 11.2 bounds the ratio by O(L^1.5).
    """
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(padded_sphere(1, d_free, rng)[0])
    ens = AllenZhuEnsemble.allen_zhu(X.shape[1], width, depth, seeds=list(seeds))
    g = torch.Generator().manual_seed(int(seed) % 2**62)
    V = [random_perturbation(tuple(w.shape), 1.0, g) for w in ens.W]
    base = torch.stack(ens.features(X)[1:], 1)[:, :, 0]                 # (K, L, m)
    W0 = [w.detach().clone() for w in ens.W]
    ratio = np.zeros((len(seeds), len(omegas), depth))
    for j, om in enumerate(omegas):
        for w, w0, v in zip(ens.W, W0, V):
            w.data.copy_(w0 + float(om) * v)
        pert = torch.stack(ens.features(X)[1:], 1)[:, :, 0]
        ratio[:, j] = ((pert - base).norm(dim=-1) / float(om)).numpy()
    for w, w0 in zip(ens.W, W0):
        w.data.copy_(w0)
    om = np.asarray(omegas, float)
    layers = np.arange(1, depth + 1)
    change = ratio * om[None, :, None]
    return SimpleNamespace(omegas=om, layers=layers, ratio=ratio, width=width,
                           fit_omega=exponent_over_seeds(om, change[:, :, -1]),
                           fit_depth=exponent_over_seeds(layers, ratio[:, 0, :]))
