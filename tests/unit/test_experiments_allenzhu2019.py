"""Allen-Zhu, Li & Song: the network of Definition 2.3, its batched form and Gram, the inputs, the samplers and
the experiment functions at tiny sizes, against brute force and closed forms."""

import math

import numpy as np
import pytest
import torch

from overparam.data.allenzhu2019 import padded_pairs, padded_sphere
from overparam.experiments import allenzhu2019 as ex
from overparam.experiments.allenzhu2019._common import exponent_over_seeds, sample_layer
from overparam.measure.ntk import empirical_ntk_gram
from overparam.nets import DeepFCNet
from overparam.nets.allen_zhu_stack import AllenZhuEnsemble

torch.set_num_threads(1)


def test_deepfcnet_allen_zhu_is_definition_2_3():
    net = DeepFCNet.allen_zhu(6, 4000, 2, d_out=3, generator=torch.Generator().manual_seed(0))
    assert net.input_layer == "relu" and net.alpha == 0.0
    assert net.A.var().item() == pytest.approx(2 / 4000, rel=0.05)          # fan-out m, not d_in
    assert net.hidden[0].var().item() == pytest.approx(2 / 4000, rel=0.01)
    assert net.B.var().item() == pytest.approx(1 / 3, rel=0.05)              # output dimension d
    assert [n for n, _ in net.named_parameters()] == ["hidden.0", "hidden.1"]  # A, B fixed; no biases
    x = torch.randn(5, 6, dtype=torch.float64)
    h0 = torch.relu(x @ net.A.T)
    y = torch.relu(torch.relu(h0 @ net.hidden[0].T) @ net.hidden[1].T) @ net.B.T
    assert torch.allclose(net(x), y)


def test_ensemble_equals_single_networks_and_its_gram_is_exact():
    X = torch.as_tensor(padded_sphere(5, 3, np.random.default_rng(0))[0])
    ens = AllenZhuEnsemble.allen_zhu(4, 24, 3, seeds=[3, 4])
    G = ens.ntk(X)
    GL = ens.ntk(X, layers="last")
    for k, s in enumerate([3, 4]):
        net = DeepFCNet.allen_zhu(4, 24, 3, generator=torch.Generator().manual_seed(s))
        assert torch.allclose(net(X), ens(X)[k, :, 0], atol=1e-14)
        assert torch.allclose(ens.to_model(k)(X), net(X), atol=1e-14)
        assert torch.allclose(G[k], empirical_ntk_gram(net, X), atol=1e-12)
        J = torch.autograd.functional.jacobian(
            lambda W, net=net: torch.relu(torch.relu(torch.relu(torch.relu(X @ net.A.T) @ net.hidden[0].T) @ net.hidden[1].T)
                                 @ W.T) @ net.B.T, net.hidden[2].detach())[:, 0]
        J = J.reshape(5, -1)
        assert torch.allclose(GL[k], J @ J.T, atol=1e-12)
        assert torch.all(torch.linalg.eigvalsh(G[k] - GL[k]) > -1e-10)     # G_L is a block: G >= G_L


def test_padded_inputs():
    X, delta = padded_sphere(10, 4, np.random.default_rng(1))
    assert np.allclose(np.linalg.norm(X, axis=1), 1) and np.allclose(X[:, -1], 1 / math.sqrt(2))
    assert (X @ X.T).min() >= -1e-12                     # (<u_i, u_j> + 1)/2 >= 0: no antipodal pairs
    d = np.linalg.norm(X[:, None] - X[None], axis=-1) + 9 * np.eye(10)
    assert delta == pytest.approx(d.min())
    P = padded_pairs([0.01, 0.2, 1.0], 5, np.random.default_rng(2))
    assert np.allclose(np.linalg.norm(P[:, 0] - P[:, 1], axis=1), [0.01, 0.2, 1.0])
    assert np.allclose(P[:, :, -1], 1 / math.sqrt(2))


def test_sample_layer_has_the_law_of_a_gaussian_layer():
    H = torch.tensor([[1.0, 0.0, 0.5], [0.2, 0.9, 0.1]], dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    Z = sample_layer(H.expand(4000, 2, 3), 50, 2.0 / 50, g)           # (4000, 2, 50)
    emp = torch.einsum("bim,bjm->ij", Z, Z) / (4000 * 50)
    assert torch.allclose(emp, (2.0 / 50) * H @ H.T, rtol=0.03, atol=1e-4)


def test_allen_zhu_kernel_is_the_limit_of_the_empirical_gram():
    X = torch.as_tensor(padded_sphere(4, 5, np.random.default_rng(3))[0])
    K = ex.allen_zhu_kernel(X, 2)
    assert torch.allclose(torch.diagonal(K), torch.full((4,), 1.0, dtype=torch.float64))    # L/(2d)
    G = AllenZhuEnsemble.allen_zhu(6, 3000, 2, seeds=[0, 1, 2, 3]).ntk(X).mean(0) / 3000
    assert torch.linalg.matrix_norm(G - K) / torch.linalg.matrix_norm(K) < 0.03
    # Guo et al.'s kernel on the raw inputs is a different architecture's: visibly different here
    from overparam.kernels.deep import infinite_width_ntk
    Kguo = infinite_width_ntk(X, 2, 0.0, trained="hidden")[0]
    assert torch.linalg.matrix_norm(Kguo - K) / torch.linalg.matrix_norm(K) > 0.05


def test_fact_7_2_mean_against_the_chain():
    m = 64
    rng = np.random.default_rng(0)
    k = rng.binomial(m, 0.5, size=400_000)
    k = k[k > 0]
    logs = np.log(2.0 / m * rng.chisquare(k))
    assert ex.log_norm_mean_per_layer(m) == pytest.approx(logs.mean(), abs=4 * logs.std() / math.sqrt(k.size))
    assert -4 / m <= ex.log_norm_mean_per_layer(m) <= 0


def test_exponent_over_seeds_recovers_a_power_law():
    x = np.array([1.0, 2, 4, 8])
    Y = np.exp(np.random.default_rng(0).normal(0, 0.05, (6, 4))) * x ** -0.5
    e = exponent_over_seeds(x, Y)
    assert e.lo <= e.slope <= e.hi and abs(e.slope + 0.5) < 0.05 and e.n_seeds == 6


def test_experiments_at_tiny_sizes():
    f = ex.forward_norms([64], 3, 30, d_free=3, m_direct=32, seed=0)
    assert f.logs.shape == (30, 4) and np.all(np.isfinite(f.sd))
    p = ex.layer_products(32, 4, [1, 2, 4], [0, 1], d_free=3)
    assert p.norms.shape == (2, 3) and np.all(p.norms > 0)
    s = ex.separation(0.3, 3, 256, 4, d_free=3, seed=0)
    assert s.s.shape == (4, 4) and np.all(np.abs(s.s / s.s_inf - 1) < 0.5)
    gl = ex.last_layer_gram_vs_delta([0.1, 0.4], 2, 512, 6, d_free=3, seed=0)
    assert np.all(gl.lam > 0) and gl.lam.mean(0)[1] > gl.lam.mean(0)[0]
    fl = ex.flips_one_layer(2000, [1e-2, 1e-1], [0, 1], d_free=3, seed=0)
    assert np.all(fl.adversarial >= fl.random)


def test_gd_sgd_and_ce_runs_at_tiny_sizes():
    gd = ex.gd_widths(4, 2, [32, 64, 128], [0, 1], c_eta=1.0, steps=300, d_free=3, data_seed=0)
    t = gd.table
    assert t[t.width == 128].converged.all() and np.all(t.minnorm > 0) and np.all((t.flips >= 0) & (t.flips <= 1))
    assert np.all(t[t.converged].decade_ratio > 0) and t[~t.converged].decade_ratio.isna().all()
    sgd = ex.sgd_batches(4, 2, 64, [1, 4], [0, 1], c_eta=1.0, steps=1500, d_free=3, data_seed=0)
    full = sgd.table[sgd.table.b == 4]
    assert (full.increases == 0).all()          # b = n is GD: monotone
    ce = ex.cross_entropy_fit(6, 3, 2, 64, [0, 1], c_eta=1.0, max_steps=2000, d_free=3, data_seed=0)
    assert np.all(np.isfinite(ce.steps_to_100))
    sm = ex.semi_smoothness(4, 2, [32, 64, 128], [0, 1], c_eta=1.0, d_free=3, data_seed=0)
    assert np.all(sm.kappa >= 0) and np.all(np.abs(sm.rel) < 1)


def test_sgd_width_from_proof_matches_the_closed_form():
    from overparam.theory import allenzhu2019 as th
    for b in (1, 3, 8):
        assert ex.sgd_width_from_proof(8, 3, 0.1, b) == pytest.approx(th.sgd_width_derived(8, 3, 0.1, b), rel=1e-6)


def test_width_threshold_stops_at_the_first_lazy_width():
    thr = ex.width_threshold([4], 2, [16, 64, 256], [0, 1], c_eta=1.0, steps=400, d_free=3, data_seed=0,
                             max_flips=0.2, max_gram_change=0.5, min_share=0.5)
    t = thr.table
    assert len(t) <= 3 and thr.mstar[0] == t.width.iloc[-1] and t.lazy_share.iloc[-1] >= 0.5
    assert (t.lazy_share.iloc[:-1] < 0.5).all()
    assert thr.theory[0] > 1e20


def test_forward_stability_is_linear_in_omega_at_tiny_omega():
    st = ex.forward_stability(64, 4, [1e-6, 1e-5], [0, 1], d_free=3, seed=5)
    assert st.ratio.shape == (2, 2, 4) and np.all(st.ratio > 0)
    # no sign flips at these omega: h is linear in omega, so the ratio does not depend on omega
    assert np.allclose(st.ratio[:, 0], st.ratio[:, 1], rtol=1e-4)
    assert abs(st.fit_omega.slope - 1) < 1e-3


def test_residual_ensemble_forward_and_gram_against_autograd():
    from overparam.nets.allen_zhu_stack import ResidualEnsemble

    X = torch.as_tensor(padded_sphere(5, 3, np.random.default_rng(0))[0])
    res = ResidualEnsemble.from_plain(AllenZhuEnsemble.allen_zhu(4, 16, 3, seeds=[1, 2]), 0.3)
    G = res.ntk(X)
    for k in range(2):
        A, B = res.A[k].detach(), res.B[k].detach()

        def f(W1, W2, W3, A=A, B=B):
            h = torch.relu(X @ A.T)
            h = torch.relu(h + 0.3 * h @ W1.T)
            h = torch.relu(h + 0.3 * h @ W2.T)
            return (torch.relu(h @ W3.T) @ B.T)[:, 0]

        Ws = tuple(w[k].detach() for w in res.W)
        assert torch.allclose(f(*Ws), res(X)[k, :, 0], atol=1e-14)
        J = torch.cat([j.reshape(5, -1) for j in torch.autograd.functional.jacobian(f, Ws)], 1)
        assert torch.allclose(G[k], J @ J.T, atol=1e-12)
        assert len(res.preactivations(X)) == 3 and torch.allclose(res.features(X)[-1][k], torch.relu(
            res.preactivations(X)[-1][k]))
