"""overparam.kernels.deep against its eager reference, Monte Carlo, closed forms and empirical NTKs
(torch.func); the deep empirical NTK (measure.ntk.guo_empirical_ntk) and the stacked networks' activation
and flip probe against their single-network counterparts."""

import math

import pytest
import torch
from torch.func import jacrev, vmap

from overparam.kernels.deep import (
    _reference_infinite_width_ntk,
    infinite_width_ntk,
    kappa,
    kappa_dot,
    leaky_coefficients,
    nonlinearity_weight,
)
from overparam.measure.ntk import guo_empirical_ntk
from overparam.measure.probes import activation_flips
from overparam.nets import DeepEnsemble, activations
from overparam.nets.deep_stack import stacked_leaky_relu

ALPHAS = [-10.0, -2.0, -1.0, -0.5, 0.0, 0.05, 0.5, 0.9]


def _unit(n, p, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, p, generator=g, dtype=torch.float64)
    return X / X.norm(dim=1, keepdim=True)


def _act(z, alpha):
    return torch.where(z >= 0, z, alpha * z) / math.sqrt(1 + alpha * alpha)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_coefficients_closed_form(alpha):
    a, b = leaky_coefficients(alpha)
    z = torch.linspace(-3, 3, 61, dtype=torch.float64)
    assert torch.allclose(a * z + b * z.abs(), _act(z, alpha), atol=1e-14)
    assert a * a + b * b == pytest.approx(0.5)
    assert nonlinearity_weight(alpha) == pytest.approx(2 * b * b)


def _rel(a, b):
    return float((a - b).abs().max() / b.abs().max())


def _mixed_inputs():
    """Unit and non-unit norms, a zero row: the fused code factors the norms out, the reference does not."""
    g = torch.Generator().manual_seed(12)
    X = torch.randn(37, 6, generator=g, dtype=torch.float64) * torch.rand(37, 1, generator=g, dtype=torch.float64)
    X[4] = 0.0
    X[:10] /= X[:10].norm(dim=1, keepdim=True).clamp_min(1e-300)
    return X


@pytest.mark.parametrize("trained", ["all", "hidden"])
@pytest.mark.parametrize("depth", [1, 2, 5])
def test_fused_equals_eager_reference(trained, depth):
    """The tiled in-place recursion equals the eager whole-matrix one to 1e-12 (NTK and NNGP), for tiles
    that do and do not divide n."""
    X = _mixed_inputs()
    for alpha in [-3.0, -1.0, -0.5, 0.0, 0.5]:
        ref = _reference_infinite_width_ntk(X, depth, alpha, trained, d_out=2, pin_diagonal=True)
        for block in [None, 8]:
            new = infinite_width_ntk(X, depth, alpha, trained, d_out=2, block=block)
            for a, b in zip(new, ref):
                assert _rel(a, b) <= 1e-12
                assert torch.equal(a, a.T)
            assert torch.equal(new[0][4], torch.zeros(37, dtype=torch.float64))


def test_same_kernel_on_one_thread_and_several():
    """The tiles are spread over torch.get_num_threads() Python threads; every tile is independent, so
    the result is bitwise the same on one thread."""
    X = _mixed_inputs()
    threads = torch.get_num_threads()
    many = infinite_width_ntk(X, 3, -0.5, "hidden", block=8)
    try:
        torch.set_num_threads(1)
        one = infinite_width_ntk(X, 3, -0.5, "hidden", block=8)
    finally:
        torch.set_num_threads(threads)
    assert all(torch.equal(a, b) for a, b in zip(many, one))


def test_old_reference_differs_only_by_its_diagonal_rounding():
    """The old code's diagonal correlation K_ii / sqrt(K_ii)^2 may round to 1 - 2^-53, where kappa_dot
    (slope infinite at 1) moves by ~sqrt(2^-52): off the diagonal the kernels agree to 1e-12."""
    X = _unit(40, 5, 13)
    off = ~torch.eye(40, dtype=torch.bool)
    for trained in ["all", "hidden"]:
        new, old = infinite_width_ntk(X, 5, -0.5, trained)[0], _reference_infinite_width_ntk(X, 5, -0.5, trained)[0]
        assert float(((new - old).abs() / old.abs())[off].max()) <= 1e-12
        assert float(((new - old).abs() / old.abs()).max()) <= 1e-7


def test_float32_inputs_give_the_float64_kernel():
    X = _unit(20, 4, 14)
    for a, b in zip(infinite_width_ntk(X.float(), 3, 0.0, "hidden"), infinite_width_ntk(X.float().double(), 3, 0.0, "hidden")):
        assert a.dtype == torch.float64 and torch.equal(a, b)


@pytest.mark.parametrize("alpha", [-2.0, -1.0, 0.0, 0.5])
def test_layer_maps_match_monte_carlo(alpha):
    g = torch.Generator().manual_seed(0)
    N = 2_000_000
    u = torch.randn(N, generator=g, dtype=torch.float64)
    w = torch.randn(N, generator=g, dtype=torch.float64)
    s = 1 / math.sqrt(1 + alpha * alpha)
    for rho in [-0.95, -0.5, 0.0, 0.3, 0.9]:
        v = rho * u + math.sqrt(1 - rho * rho) * w
        mc = 2 * (_act(u, alpha) * _act(v, alpha)).mean()
        du = torch.where(u >= 0, s, alpha * s)
        dv = torch.where(v >= 0, s, alpha * s)
        mc_dot = 2 * (du * dv).mean()
        r = torch.tensor(rho, dtype=torch.float64)
        assert float(kappa(r, alpha)) == pytest.approx(float(mc), abs=4e-3)
        assert float(kappa_dot(r, alpha)) == pytest.approx(float(mc_dot), abs=4e-3)


def test_relu_closed_forms_and_du_gram():
    rho = torch.linspace(-1, 1, 41, dtype=torch.float64)
    arc = torch.acos(rho)
    assert torch.allclose(kappa(rho, 0.0), (torch.sqrt(1 - rho**2) + (math.pi - arc) * rho) / math.pi)
    assert torch.allclose(kappa_dot(rho, 0.0), 1 - arc / math.pi)
    # depth 1, papers' architecture, ReLU: NTK/m = Du et al.'s H_inf = x.x'(pi - arccos x.x')/(2 pi)
    X = _unit(12, 4, 1)
    G = (X @ X.T).clamp(-1, 1)
    H_du = G * (math.pi - torch.acos(G)) / (2 * math.pi)
    ntk, nngp = infinite_width_ntk(X, 1, 0.0, trained="hidden")
    assert torch.allclose(ntk, H_du, atol=1e-12)
    assert torch.allclose(nngp, kappa(G, 0.0), atol=1e-12)


@pytest.mark.parametrize("trained", ["all", "hidden"])
def test_alpha_and_inverse_alpha_same_kernel(trained):
    X = _unit(15, 6, 2)
    for a in [-2.0, -10.0, -1.5]:
        k1 = infinite_width_ntk(X, 3, a, trained)
        k2 = infinite_width_ntk(X, 3, 1 / a, trained)
        assert torch.allclose(k1[0], k2[0], atol=1e-12) and torch.allclose(k1[1], k2[1], atol=1e-12)
    # and different c gives a different kernel (the test could fail)
    assert not torch.allclose(infinite_width_ntk(X, 3, 0.0, trained)[0],
                              infinite_width_ntk(X, 3, -1.0, trained)[0])


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_diagonal_values(depth):
    X = _unit(10, 3, 3)
    for alpha in ALPHAS:
        ntk, nngp = infinite_width_ntk(X, depth, alpha, trained="hidden", d_out=2)
        assert torch.allclose(torch.diagonal(ntk), torch.full((10,), depth / 4, dtype=torch.float64))
        assert torch.allclose(torch.diagonal(nngp), torch.full((10,), 0.5, dtype=torch.float64))
        # NT parameterisation with He weights: every layer contributes 2/d0 * (x.x) on the diagonal
        ntk_all, nngp_all = infinite_width_ntk(X, depth, alpha, trained="all")
        d0 = X.shape[1]
        assert torch.allclose(torch.diagonal(nngp_all), torch.full((10,), 2 / d0, dtype=torch.float64))
        assert torch.allclose(torch.diagonal(ntk_all),
                              torch.full((10,), (depth + 1) * 2 / d0, dtype=torch.float64))


def test_antipodal_pair_singular_only_at_minus_one():
    X = _unit(9, 4, 4)
    X = torch.cat([X, -X[:1]])  # x_9 = -x_0
    for trained in ["all", "hidden"]:
        lam = {a: float(torch.linalg.eigvalsh(infinite_width_ntk(X, 3, a, trained)[0])[0])
               for a in [-1.0, -0.8, 0.0]}
        assert abs(lam[-1.0]) < 1e-6  # sqrt(rounding) at rho = -1
        assert lam[-0.8] > 1e-3 and lam[0.0] > 1e-3


def _guo_params(m, p, depth, seed):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(m, p, generator=g, dtype=torch.float64) / math.sqrt(m)
    Ws = [torch.randn(m, m, generator=g, dtype=torch.float64) * math.sqrt(2 / m) for _ in range(depth)]
    B = torch.randn(1, m, generator=g, dtype=torch.float64)
    return A, Ws, B


def _jacrev_gram(params, forward, X):
    def f_single(ps, x):
        return forward(ps, x[None])[0, 0]

    J = vmap(jacrev(f_single), in_dims=(None, 0))(params, X)
    return sum(j.reshape(X.shape[0], -1) @ j.reshape(X.shape[0], -1).T for j in J.values())


@pytest.mark.parametrize("alpha", [-1.0, 0.0, 0.3])
def test_closed_form_empirical_ntk_equals_autograd(alpha):
    X = _unit(7, 5, 5)
    A, Ws, B = _guo_params(24, 5, 3, 0)

    def forward(ps, x):
        h = x @ A.T
        for k in range(3):
            h = _act(h @ ps[f"W{k}"].T, alpha)
        return h @ B.T

    params = {f"W{k}": W for k, W in enumerate(Ws)}
    ref = _jacrev_gram(params, forward, X)
    assert torch.allclose(guo_empirical_ntk(X, A, Ws, B, alpha), ref, atol=1e-10, rtol=1e-10)


def test_closed_form_all_layers_trained_equals_autograd():
    """trained="all": the A and B terms (df/dA = Delta_0 x^T, df/dB = h_L) added to the hidden ones."""
    X = _unit(6, 4, 15)
    A, Ws, B = _guo_params(12, 4, 2, 1)
    alpha = -0.5

    def forward(ps, x):
        h = x @ ps["A"].T
        for k in range(2):
            h = _act(h @ ps[f"W{k}"].T, alpha)
        return h @ ps["B"].T

    params = {"A": A, "W0": Ws[0], "W1": Ws[1], "B": B}
    ref = _jacrev_gram(params, forward, X)
    assert torch.allclose(guo_empirical_ntk(X, A, Ws, B, alpha, trained="all"), ref, atol=1e-10, rtol=1e-10)


def test_stacked_empirical_ntk_is_one_network_at_a_time():
    X = _unit(5, 4, 16)
    alphas = [-2.0, 0.0, 0.0, 0.4]
    nets = [_guo_params(10, 4, 3, s) for s in range(4)]
    A = torch.stack([n[0] for n in nets])
    Ws = [torch.stack([n[1][ell] for n in nets]) for ell in range(3)]
    B = torch.stack([n[2] for n in nets])
    for trained in ["hidden", "all"]:
        th = guo_empirical_ntk(X, A, Ws, B, alphas, trained=trained)
        for k, (Ak, Wk, Bk) in enumerate(nets):
            assert torch.equal(th[k], guo_empirical_ntk(X, Ak, Wk, Bk, alphas[k], trained=trained))
    with pytest.raises(ValueError):
        guo_empirical_ntk(X, A, Ws, B, alphas[:3])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_stacked_activation_is_the_shared_one_bit_for_bit(dtype):
    alphas = [-2.0, 0.05, 0.05, -1.0, 0.0, 0.3]
    g = torch.randn(6, 7, 9, generator=torch.Generator().manual_seed(17), dtype=dtype)
    g[0, 0, 0] = 0.0  # the kink: right derivative
    sigma, dsigma = stacked_leaky_relu(alphas, dtype)
    for k, a in enumerate(alphas):
        s, ds = activations.get("leaky_relu", a)
        assert torch.equal(sigma(g)[k], s(g[k])) and torch.equal(dsigma(g)[k], ds(g[k]))


def test_ensemble_flip_fraction_is_the_probe_per_network():
    X = _unit(8, 4, 18)
    ens = DeepEnsemble.guo(4, 16, 3, [-1.0, 0.0, 0.5], seeds=[0, 1, 2])
    pats = ens.activation_patterns(X)
    probes = [activation_flips(ens.to_model(k), X) for k in range(3)]
    with torch.no_grad():
        for W in ens.W:
            W.add_(0.3 * torch.randn(W.shape, generator=torch.Generator().manual_seed(19), dtype=W.dtype))
    fl = ens.activation_flips(X, pats)
    assert float(fl.min()) > 0
    for k in range(3):
        assert float(fl[k]) == pytest.approx(probes[k](ens.to_model(k)), abs=1e-15)


@pytest.mark.parametrize("alpha", [-1.0, 0.0, -3.0])
def test_empirical_ntk_converges_to_analytic_hidden(alpha):
    X = _unit(10, 5, 6)
    ntk, _ = infinite_width_ntk(X, 2, alpha, trained="hidden")

    def err(m):
        es = []
        for s in range(3):
            A, Ws, B = _guo_params(m, 5, 2, 10 + s)
            e = guo_empirical_ntk(X, A, Ws, B, alpha) / m
            es.append(float((e - ntk).norm() / ntk.norm()))
        return sum(es) / len(es)

    e_small, e_big = err(64), err(2048)
    assert e_big < 0.1
    assert e_big < 0.5 * e_small  # O(m^-1/2): a factor ~5.7 expected


def _nt_forward(depth, alpha, w_std):
    def forward(ps, x):
        h = x
        for k in range(depth):
            W = ps[f"W{k}"]
            h = _act(w_std * h @ W.T / math.sqrt(W.shape[1]), alpha)
        W = ps["out"]
        return w_std * h @ W.T / math.sqrt(W.shape[1])

    return forward


@pytest.mark.parametrize("alpha", [-1.0, 0.0])
def test_all_layers_trained_matches_ntk_parameterisation_network(alpha):
    """Every layer trained, NT parameterisation (the neural-tangents convention): Monte Carlo over
    initialisations of the empirical NTK (torch.func) and of f(x) f(x') converges to the analytic pair."""
    depth, w_std, p = 2, math.sqrt(2.0), 4
    X = _unit(6, p, 7)
    ntk, nngp = infinite_width_ntk(X, depth, alpha, trained="all", w_std=w_std)
    forward = _nt_forward(depth, alpha, w_std)

    def mc(m, reps, gram=True):
        errs, outs = [], []
        for s in range(reps):
            g = torch.Generator().manual_seed(100 + s)
            ps = {"W0": torch.randn(m, p, generator=g, dtype=torch.float64)}
            for k in range(1, depth):
                ps[f"W{k}"] = torch.randn(m, m, generator=g, dtype=torch.float64)
            ps["out"] = torch.randn(1, m, generator=g, dtype=torch.float64)
            if gram:
                emp = _jacrev_gram(ps, forward, X)
                errs.append(float((emp - ntk).norm() / ntk.norm()))
            outs.append(forward(ps, X)[:, 0])
        return sum(errs) / reps, outs

    e_small, _ = mc(16, 3)
    e_big, _ = mc(768, 3)
    assert e_big < 0.1 and e_big < 0.5 * e_small
    # NNGP: E[f(x) f(x')] over random networks (exact in expectation up to O(1/m) at depth 2)
    _, outs = mc(64, 400, gram=False)  # outputs only
    F = torch.stack(outs)
    cov = F.T @ F / F.shape[0]
    assert float((cov - nngp).norm() / nngp.norm()) < 0.15


def test_min_eigenvalue_tracks_r_on_lifted_inputs():
    """The chapter's claim: lambda_min of the Gram is close to const * r(alpha) away from alpha = -1."""
    g = torch.Generator().manual_seed(8)
    Z = torch.randn(60, 5, generator=g, dtype=torch.float64)
    X = torch.cat([Z, torch.ones(60, 1, dtype=torch.float64)], 1)
    X = X / X.norm(dim=1, keepdim=True)
    alphas = [-5.0, -2.0, -1.0, -0.3, 0.0, 0.3, 0.6]
    r = [(1 - a) ** 2 / (1 + a * a) for a in alphas]
    lam = [float(torch.linalg.eigvalsh(infinite_width_ntk(X, 3, a, "hidden")[0])[0]) for a in alphas]
    ratio = torch.tensor(lam) / torch.tensor(r)
    assert float(ratio.max() / ratio.min()) < 1.3


def test_rejects_bad_arguments():
    X = _unit(3, 2, 0)
    with pytest.raises(ValueError):
        infinite_width_ntk(X, 2, 1.0)
    with pytest.raises(ValueError):
        infinite_width_ntk(X, 0, 0.0)
    with pytest.raises(ValueError):
        infinite_width_ntk(X, 2, 0.0, trained="readout")


def test_linearized_loss_equals_explicit_iteration():
    from overparam.kernels.deep import linearized_loss

    X = _unit(12, 4, 9)
    ntk, nngp = infinite_width_ntk(X, 2, -0.5, "hidden")
    Theta = 50.0 * ntk
    y = torch.randn(12, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    eta = 0.4 / float(torch.linalg.eigvalsh(Theta)[-1])
    M = torch.eye(12, dtype=torch.float64) - 2 * eta * Theta
    expect = []
    Mt = torch.eye(12, dtype=torch.float64)
    for t in range(6):
        expect.append(float((Mt @ y).norm() ** 2 + torch.trace(Mt @ nngp @ Mt.T)))
        Mt = M @ Mt
    got = linearized_loss(Theta, nngp, y, eta, 5)
    assert got == pytest.approx(expect, rel=1e-10)
    half = linearized_loss(Theta, nngp, y, 2 * eta, [3], loss="half_sum")
    assert half[0] == pytest.approx(0.5 * expect[3], rel=1e-10)


def test_stable_eta_is_the_edge_of_stability_at_frac_one():
    from overparam.kernels.deep import stable_eta

    X = _unit(10, 3, 11)
    alphas = [-1.0, 0.0, 0.5]
    eta = stable_eta(X, 2, alphas, 64, frac=1.0)
    worst = max(float(torch.linalg.eigvalsh(64 * infinite_width_ntk(X, 2, a, "hidden")[0])[-1]) for a in alphas)
    assert 1 - 2 * eta * worst == pytest.approx(-1.0)  # the stiffest mode sits at the edge (factor -1)
    assert stable_eta(X, 2, alphas, 64, frac=0.5, loss="mean") == pytest.approx(10 * eta / 2)
