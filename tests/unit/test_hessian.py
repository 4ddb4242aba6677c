"""Hessian-vector products, Oja's method and the landscape grid against closed forms and brute force."""

import numpy as np
import pytest
import torch
from torch import nn

from overparam.measure.hessian import Objective, landscape_grid, oja_min, power_max


def _tiny(seed=0, bn=False):
    torch.manual_seed(seed)
    layers = [nn.Conv2d(1, 3, 3, padding=1)] + ([nn.BatchNorm2d(3)] if bn else []) + [
        nn.Tanh(), nn.Flatten(), nn.Linear(3 * 4 * 4, 3)]
    net = nn.Sequential(*layers).double()
    if bn:  # non-trivial running statistics, so that eval mode is not the identity
        net.train()
        with torch.no_grad():
            net(torch.randn(16, 1, 4, 4, dtype=torch.float64) * 2 + 0.5)
    X = torch.randn(10, 1, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed + 1))
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    return net, X, y


@pytest.mark.parametrize("bn", [False, True])
def test_objective_is_the_models_mean_cross_entropy_in_eval_mode(bn):
    net, X, y = _tiny(bn=bn)
    F = Objective(net, X, y, chunk=3)
    with torch.no_grad():
        ref = float(nn.functional.cross_entropy(net.eval()(X), y))
    assert F.value(F.theta0) == pytest.approx(ref, rel=1e-12)
    t = F.theta0.clone().requires_grad_(True)
    g_ref = torch.autograd.grad(sum(F._chunk_sum(t, X[i:i + 3], y[i:i + 3]) for i in range(0, 10, 3)) / 10, t)[0]
    assert torch.allclose(F.grad(F.theta0), g_ref, atol=1e-12)


@pytest.mark.parametrize("method", ["func", "double_backward"])
@pytest.mark.parametrize("bn", [False, True])
def test_hvp_equals_the_explicit_hessian(method, bn):
    net, X, y = _tiny(bn=bn)
    F = Objective(net, X, y, chunk=4, weight_decay=0.01)
    f = lambda t: sum(F._chunk_sum(t, X[i:i + 4], y[i:i + 4]) for i in range(0, 10, 4)) / 10 + F._wd(t)
    H = torch.func.hessian(f)(F.theta0)
    v = torch.randn(F.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    assert torch.allclose(F.hvp(F.theta0, v, method), H @ v, atol=1e-10, rtol=1e-9)


def test_hvp_matches_a_central_finite_difference_of_the_gradient():
    net, X, y = _tiny(seed=2)
    F = Objective(net, X, y)
    v = torch.randn(F.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    h = 1e-5
    fd = (F.grad(F.theta0 + h * v) - F.grad(F.theta0 - h * v)) / (2 * h)
    hv = F.hvp(F.theta0, v)
    assert float((hv - fd).norm() / hv.norm()) < 1e-6


def test_func_and_double_backward_agree_in_float32():
    net, X, y = _tiny(seed=5)
    net = net.float()
    F = Objective(net, X.float(), y)
    v = torch.randn(F.dim, generator=torch.Generator().manual_seed(6))
    a, b = F.hvp(F.theta0, v, "func"), F.hvp(F.theta0, v, "double_backward")
    assert float((a - b).norm() / b.norm()) < 1e-4
    with pytest.raises(ValueError, match="valid: func, double_backward"):
        F.hvp(F.theta0, v, "finite_difference")


def _sym(n, eigs, seed):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return torch.tensor(Q @ np.diag(eigs) @ Q.T)


def test_oja_finds_the_most_negative_eigenvalue_of_a_symmetric_matrix():
    eigs = np.array([-2.0, -0.5, 0.0, 0.3, 1.0, 4.0, 7.0, 10.0])
    A = _sym(8, eigs, seed=0)
    lam_ref = torch.linalg.eigvalsh(A)
    v0 = torch.randn(8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    lmax = power_max(lambda v: A @ v, v0, 200)
    assert lmax == pytest.approx(float(lam_ref[-1]), rel=1e-6)
    res = oja_min(lambda v, k: A @ v, v0, steps=400, lam_max=lmax, window=10, tol=1e-8)
    B = _sym(8, np.array([-5.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.5]), seed=4)  # |lambda_min| dominates
    assert power_max(lambda v: B @ v, v0, 400) == pytest.approx(5.0, rel=1e-8)
    assert res.value == pytest.approx(float(lam_ref[0]), abs=1e-8)
    assert res.converged and res.residual < 1e-6
    w = torch.linalg.eigh(A).eigenvectors[:, 0]
    assert abs(float(res.vector @ w)) == pytest.approx(1.0, abs=1e-8)


def test_oja_reports_non_convergence_when_the_gap_is_tiny():
    A = _sym(50, np.r_[-1e-3, np.linspace(0, 10, 49)], seed=2)
    v0 = torch.randn(50, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    res = oja_min(lambda v, k: A @ v, v0, steps=12, lam_max=10.0, window=4, tol=0.05)
    assert not res.converged and res.value > -1e-3 + 1e-5  # a Rayleigh quotient: never below lambda_min
    with pytest.raises(ValueError, match="lam_max must be positive"):
        oja_min(lambda v, k: A @ v, v0, steps=12, lam_max=-1.0)


def test_smoothed_oja_on_a_tiny_net_finds_its_lambda_min():
    net, X, y = _tiny(seed=7)
    F = Objective(net, X, y)
    H = torch.func.hessian(lambda t: sum(F._chunk_sum(t, X[i:i + 512], y[i:i + 512]) for i in (0,)) / 10)(F.theta0)
    lam = torch.linalg.eigvalsh(H)
    assert lam[0] < 0  # a net at its initialisation has negative curvature
    gen = torch.Generator().manual_seed(8)
    v0 = torch.randn(F.dim, dtype=torch.float64, generator=gen)
    lmax = power_max(lambda v: F.hvp(F.theta0, v, "double_backward"), v0, 300)
    xis = [torch.randn(F.dim, dtype=torch.float64, generator=gen) for _ in range(800)]
    r = 1e-6  # smoothing far below the Hessian's scale of change: the smoothed minimum is H's
    res = oja_min(lambda v, k: F.hvp(F.theta0 + r * xis[k] / xis[k].norm(), v, "double_backward"), v0, steps=800,
                  lam_max=lmax,
                  window=50, tol=1e-4, hvp_exact=lambda v: F.hvp(F.theta0, v))
    assert res.value == pytest.approx(float(lam[0]), rel=1e-3)
    assert res.converged


def test_landscape_grid_is_f_on_the_grid():
    f = lambda t: float((t ** 2).sum() + t[0])
    theta = torch.tensor([1.0, 2.0], dtype=torch.float64)
    d1, d2 = torch.tensor([1.0, 0.0], dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64)
    a, b = np.array([-1.0, 0.0, 0.5]), np.array([0.0, 2.0])
    Z = landscape_grid(f, theta, d1, d2, a, b)
    ref = np.array([[(1 + ai) ** 2 + (2 + bj) ** 2 + (1 + ai) for bj in b] for ai in a])
    assert Z.dtype == np.float64 and np.allclose(Z, ref, atol=1e-12)
