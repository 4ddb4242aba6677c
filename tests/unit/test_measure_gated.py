"""Measurements on the gated network: Lemma 1's identity, overlaps, spectra, gradient change, probes."""

import math

import numpy as np
import pytest
import torch

from overparam.measure import gated as mg
from overparam.nets.gated import GatedNet, per_example_grads


def _net(d_x=6, m=32, depth=3, d_y=2, seed=0, mode="grelu"):
    return GatedNet.paper_init(d_x, m, depth, d_y, generator=torch.Generator().manual_seed(seed), mode=mode)


def _x(n, d, seed=1):
    X = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return X / X.norm(dim=1, keepdim=True)


def test_lemma1_exact_for_grelu_and_not_for_relu_when_gates_flip():
    X, Y = _x(4, 6), torch.randn(4, 2, dtype=torch.float64)
    g = mg.lemma1_residual(_net(), X, Y, eta=1e-3)
    assert g["residual"] < 1e-12 and g["flips"] == 0 and g["higher_share"] > 1e-6
    half = mg.lemma1_residual(_net(), X, Y, eta=5e-4)
    assert half["higher_share"] / g["higher_share"] == pytest.approx(0.5, rel=0.1)  # eta^2 Delta / (eta first)
    r = mg.lemma1_residual(_net(mode="relu"), X, Y, eta=5e-2)
    assert r["flips"] > 0 and r["residual"] > 1e-3


def test_per_example_matrices_give_the_outputs():
    net = _net()
    X = _x(5, 6)
    M = mg.per_example_matrices(net, X)
    assert torch.allclose(torch.einsum("nyd,nd->ny", M, X), net(X), atol=1e-12)


def test_gate_overlap_and_arccos():
    mask = torch.tensor([[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 1, 1]], dtype=torch.bool)
    # pairs: (0,1) 1, (0,2) 0, (1,2) 1 -> mean 2/3 / 4
    assert mg.gate_overlap(mask) == pytest.approx((2 / 3) / 4)
    assert mg.arccos_cosine(0.0) == pytest.approx(1 / math.pi)
    assert mg.arccos_cosine(1.0) == pytest.approx(1.0)


def test_spectra_shapes_and_first_block():
    net = _net(d_x=4, m=256, depth=2, d_y=1)
    X = _x(3, 4)
    s = mg.subnetwork_spectra(net, X)
    assert s["G"].shape == (2, 3, 4) and s["F"].shape == (2, 3, 1)
    D0 = (X @ net.C.T > 0).double()
    G0 = D0[0][:, None] * net.C
    want = np.linalg.eigvalsh((G0.T @ G0).numpy()) / (256 / 4)
    assert np.allclose(s["G"][0, 0], want)


def test_gradient_change_zero_at_init_and_matches_dense():
    net, net0 = _net(), _net()
    X = _x(4, 6)
    assert mg.gradient_change(net, net0, X) < 1e-12
    with torch.no_grad():
        net.W[1].add_(0.1)
    d1, h1 = per_example_grads(net, X)
    d0, h0 = per_example_grads(net0, X)
    dense = []
    for i in range(4):
        num = sum(((torch.einsum("pm,k->pmk", a[:, i], ha[i]) - torch.einsum("pm,k->pmk", b[:, i], hb[i])) ** 2).sum()
                  for a, b, ha, hb in zip(d1, d0, h1, h0))
        den = sum((torch.einsum("pm,k->pmk", b[:, i], hb[i]) ** 2).sum() for b, hb in zip(d0, h0))
        dense.append(math.sqrt(num / den))
    assert mg.gradient_change(net, net0, X) == pytest.approx(max(dense), rel=1e-9)


def test_probes():
    net = _net(mode="relu")
    X, Y = _x(6, 6), torch.randn(6, 2, dtype=torch.float64)
    ham, td = mg.hamming_probe(X), mg.temporal_difference_probe(X, Y)
    assert math.isnan(ham(net)) and math.isnan(td(net))
    assert ham(net) == 0 and td(net) == 0
    with torch.no_grad():
        net.W[0].mul_(-1)
    assert ham(net) > 0 and td(net) > 0
