"""The primer's experiments (Du et al. 2019) at tiny widths: shapes, limits, and the numbers they record
against the same quantities measured by hand."""

import math

import numpy as np
import pytest
import torch

from overparam.experiments import ntk_primer as ex
from overparam.kernels import relu_ntk_infinite
from overparam.measure import probes
from overparam.nets import TwoLayerNet
from overparam.runtime import generator_for
from overparam.theory import du2019
from overparam.train import train

SEED = 7


@pytest.fixture(scope="module")
def sphere():
    return ex.sphere_problem(12, 5, 0.3, rng=np.random.default_rng(3))


def test_sphere_problem(sphere):
    assert sphere.X.shape == (12, 5) and sphere.y.shape == (12,) and (sphere.n, sphere.d) == (12, 5)
    assert sphere.X.dtype == torch.float64
    assert torch.allclose(sphere.X.norm(dim=1), torch.ones(12, dtype=torch.float64))
    assert set(sphere.y.tolist()) <= {-1.0, 1.0}
    assert torch.cdist(sphere.X, sphere.X).add(torch.eye(12) * 9).min() >= 0.3
    again = ex.sphere_problem(12, 5, 0.3, rng=np.random.default_rng(3))
    assert torch.equal(again.X, sphere.X) and torch.equal(again.y, sphere.y)


def test_digits_problem():
    p = ex.digits_problem(20, seed=1, dtype=torch.float32)
    assert p.X.shape == (20, 64) and p.X.dtype == torch.float32
    assert torch.allclose(p.X.norm(dim=1), torch.ones(20), atol=1e-6)
    assert set(p.y.tolist()) <= {-1.0, 1.0}


def test_limit_spectrum(sphere):
    spec = ex.limit_spectrum(sphere)
    eigs = torch.linalg.eigvalsh(relu_ntk_infinite(sphere.X))
    assert spec.lambda0 == pytest.approx(float(eigs[0])) and spec.lambda_max == pytest.approx(float(eigs[-1]))
    assert spec.floor == pytest.approx(ex.ROUNDOFF * spec.lambda_max)
    assert spec.lambda0 > spec.floor and spec.separation >= 0.3
    # Theorem 3.1 needs no two parallel inputs: with a repeated one, lambda0 falls to round-off
    X = torch.cat([sphere.X, sphere.X[:1]])
    twin = ex.limit_spectrum(ex.Problem(X, torch.cat([sphere.y, sphere.y[:1]])))
    assert twin.separation == 0 and twin.lambda0 < twin.floor


def test_gram_concentration_shapes_and_streams(sphere):
    gram = ex.gram_concentration(sphere, [4, 8, 16], repeats=2, seed=SEED, progress=False)
    assert len(gram.runs) == 6 and list(gram.by_width.index) == [4, 8, 16]
    assert {"m", "repeat", "rel_frobenius_error", "spectral_error", "lambda_min"} <= set(gram.runs.columns)
    assert (gram.runs["rel_frobenius_error"] > 0).all() and gram.fit.n_points == 3
    # network (m, r) is drawn from generator_for(seed, m, r): the same seed gives the same table
    again = ex.gram_concentration(sphere, [4, 8, 16], repeats=2, seed=SEED, progress=False)
    assert again.runs.equals(gram.runs)
    other = ex.gram_concentration(sphere, [4, 8, 16], repeats=2, seed=SEED + 1, progress=False)
    assert not other.runs["rel_frobenius_error"].equals(gram.runs["rel_frobenius_error"])


def test_gram_error_is_small_at_huge_width(sphere):
    """Lemma 3.1: each entry of H(0) averages m bounded terms, so the error is O(m^(-1/2))."""
    gram = ex.gram_concentration(sphere, [16, 64, 2**15], repeats=1, seed=SEED, progress=False)
    err = gram.by_width["rel_frobenius_error"]
    assert err.loc[2**15] < 0.02 and err.loc[2**15] < err.loc[16] / 10
    lambda0 = ex.limit_spectrum(sphere).lambda0
    assert gram.by_width["lambda_min"].loc[2**15] >= 0.75 * lambda0  # the lemma's lambda_min(H(0)) >= 3/4 lambda0


def test_gd_convergence_obeys_the_envelope(sphere):
    spec = ex.limit_spectrum(sphere)
    eta = 1.0 / spec.lambda_max
    gd = ex.gd_convergence(sphere, [32, 2048], eta=eta, lambda0=spec.lambda0, steps=3000, seed=SEED,
                           tol=1e-10 * sphere.n, progress=False)
    assert gd.widest == 2048 and gd.eta == eta and gd.rho_theory == du2019.rate_bound(eta, spec.lambda0)
    assert list(gd.runs["m"]) == [32, 2048] and gd.runs["converged"].all()
    curve = gd.curves[gd.curves["m"] == 2048]
    assert list(curve["step"]) == list(range(len(curve)))
    assert np.allclose(curve["envelope"], du2019.loss_bound(curve["loss"].iloc[0], eta, spec.lambda0, len(curve) - 1))
    assert gd.envelope_ratio == pytest.approx((curve["loss"] / curve["envelope"]).max())
    assert 1.0 <= gd.envelope_ratio <= 1 + 1e-9  # exactly 1 at k = 0, below the envelope afterwards
    assert gd.widest_fit.hi <= gd.rho_theory


@pytest.fixture(scope="module")
def lazy(sphere):
    spec = ex.limit_spectrum(sphere)
    return ex.lazy_training(sphere, [64, 128, 256], repeats=2, seed=SEED, eta=1.0 / spec.lambda_max,
                            lambda0=spec.lambda0, steps=2000, progress=False)


def test_lazy_training_converges_and_stays_within_lemma_radius(lazy):
    runs = lazy.runs
    assert len(runs) == 6 and list(lazy.by_width.index) == [64, 128, 256]
    assert runs["converged"].all() and (runs["final_loss_ratio"] <= 1e-4).all()
    assert (runs["neuron_distance"] >= 0).all() and (runs["flips"] >= 0).all()
    assert ((runs["rate"] > 0) & (runs["rate"] < 1)).all()
    assert np.allclose(runs["R_ratio"], runs["neuron_distance"] / runs["R_prime"])
    assert 0 < lazy.max_R_ratio <= 1 and lazy.narrowest_converged == 64


def test_lazy_training_records_what_the_probes_measure_on_a_model_trained_by_hand(sphere, lazy):
    spec = ex.limit_spectrum(sphere)
    m, r = 128, 1
    net = TwoLayerNet(sphere.d, m, generator=generator_for(SEED, m, r), dtype=torch.float64)
    dist, flips = probes.max_neuron_distance(net), probes.activation_flips(net, sphere.X)
    W0 = net.W.detach().clone()
    with torch.no_grad():
        loss0 = 0.5 * float(((net(sphere.X) - sphere.y) ** 2).sum())
    log = train(net, sphere.X, sphere.y, eta=1.0 / spec.lambda_max, steps=2000, loss="half_sum",
                stop="absolute", tol=1e-4 * loss0, progress=False)
    row = lazy.runs.set_index(["m", "repeat"]).loc[(m, r)]
    assert row["steps"] == log.steps_run and row["loss0"] == pytest.approx(loss0, rel=1e-12)
    assert row["neuron_distance"] == pytest.approx(dist(net), rel=1e-12)
    assert row["neuron_distance"] == pytest.approx(float((net.W.detach() - W0).norm(dim=1).max()), rel=1e-12)
    assert row["flips"] == pytest.approx(flips(net), rel=1e-12)
    residual0 = math.sqrt(2 * loss0)
    assert row["R_prime"] == pytest.approx(4 * math.sqrt(sphere.n) * residual0 / (math.sqrt(m) * spec.lambda0))


def test_replicate_reuses_the_steps():
    digits = ex.digits_problem(16, seed=2)
    real = ex.replicate(digits, gram_widths=[8, 16, 32], sweep_widths=[64, 128, 256], gram_repeats=1,
                        sweep_repeats=1, steps=3000, seed=SEED, progress=False)
    assert real.spectrum == ex.limit_spectrum(digits) and real.eta == 1.0 / real.spectrum.lambda_max
    assert real.rho_theory == du2019.rate_bound(real.eta, real.spectrum.lambda0)
    assert len(real.gram.runs) == 3 and len(real.lazy.runs) == 3
    assert real.worst_rate == real.lazy.runs.loc[real.lazy.runs["m"] == 256, "rate"].max()


def test_width_requirements_table():
    table = ex.width_requirements({"a": (10, 0.5, 64), "b": (20, 0.1, None)}, p_fail=0.1)
    assert list(table.index) == ["a", "b"]
    assert table.loc["a", "Thm 4.1 width n⁶/(λ0⁴p³)"] == du2019.width_requirement(10, 0.5, 0.1)
    assert table.loc["b", "Lemma 3.1 width n²log(n/p)/λ0²"] == du2019.gram_concentration_width(20, 0.1, 0.1)
    assert table.loc["a", "narrowest width trained (all seeds converged)"] == 64
