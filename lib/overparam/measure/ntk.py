"""Empirical neural tangent kernels: the Gram matrix of the output Jacobian at given weights.

``empirical_ntk_gram`` works for any ``nn.Module`` (torch.func jacrev or a per-sample loop, chunked so
memory stays bounded); ``two_layer_gram`` is the closed form for Du et al.'s two-layer ReLU network;
``deep_hidden_ntk`` is the closed form of the deep network's NTK restricted to its hidden layers, for
weights given as plain tensors (the stacked ensemble's or a ``DeepFCNet``'s).
"""

from __future__ import annotations

import math

import torch
from torch.func import functional_call, jacrev, vmap

# The deep (any depth, any leaky slope) infinite-width kernels live in their own module; this is the
# one place a reader looks for "a kernel", so it is re-exported here.
from ..kernels.deep import _as_f64, _check_alpha

__all__ = ["model_jacobian", "empirical_ntk_gram", "two_layer_gram", "guo_empirical_ntk"]



def _split(model):
    params = {k: p.detach() for k, p in model.named_parameters() if p.requires_grad}
    buffers = {k: b for k, b in model.named_buffers()}
    return params, buffers


def _scalar_fn(model, params, buffers):
    def f(p, x):
        out = functional_call(model, (p, buffers), (x.unsqueeze(0),))
        if out.numel() != 1:
            raise ValueError("empirical_ntk_gram needs a scalar-output model (d_out = 1)")
        return out.reshape(())

    return f


def model_jacobian(model: torch.nn.Module, X: torch.Tensor, method: str = "jacrev") -> torch.Tensor:
    """Jacobian of the outputs f(x_i) with respect to all trained parameters, shape (n, P).

    method="jacrev": torch.func.vmap over jacrev (one batched reverse pass);
    method="loop": one backward pass per sample (the slow obvious reference).
    """
    params, buffers = _split(model)
    if method == "jacrev":
        f = _scalar_fn(model, params, buffers)
        jac = vmap(jacrev(f), in_dims=(None, 0))(params, X)
        return torch.cat([jac[k].reshape(X.shape[0], -1) for k in params], dim=1)
    if method == "loop":
        trained = [p for p in model.parameters() if p.requires_grad]
        rows = []
        for i in range(X.shape[0]):
            out = model(X[i : i + 1]).reshape(())
            grads = torch.autograd.grad(out, trained)
            rows.append(torch.cat([g.reshape(-1) for g in grads]))
        return torch.stack(rows)
    raise ValueError(f"unknown method {method!r}; valid: jacrev, loop")


def empirical_ntk_gram(
    model: torch.nn.Module,
    X: torch.Tensor,
    method: str = "jacrev",
    chunk_size: int = 64,
    max_elements: int = 2**26,
) -> torch.Tensor:
    """G_ij = <df(x_i)/dtheta, df(x_j)/dtheta> over the trained parameters theta, float64, (n, n).

    Memory stays bounded: when the whole (n, P) Jacobian has more than ``max_elements`` entries the
    Gram is accumulated block by block from Jacobians of ``chunk_size`` rows, recomputing the column
    blocks instead of storing them.
    """
    n = X.shape[0]
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    chunks = [slice(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size)]

    def jac(sl):
        return model_jacobian(model, X[sl], method).to(torch.float64)

    if n * n_params <= max_elements:
        J = torch.cat([jac(sl) for sl in chunks])
        return J @ J.T
    G = torch.empty(n, n, dtype=torch.float64, device=X.device)
    for a, sa in enumerate(chunks):
        Ja = jac(sa)
        G[sa, sa] = Ja @ Ja.T
        for sb in chunks[a + 1 :]:
            block = Ja @ jac(sb).T
            G[sa, sb] = block
            G[sb, sa] = block.T
    return G


def two_layer_gram(model, X: torch.Tensor) -> torch.Tensor:
    """Closed-form Jacobian Gram of ``TwoLayerNet`` (input weights trained), any activation.

    df(x_i)/dw_r = v_r sigma'(w_r^T x_i) x_i, hence G = (X X^T) ∘ (S S^T) with S_ir = v_r sigma'(w_r^T x_i).
    This is an (n, m) computation instead of an (n, m d) Jacobian.
    """
    X64 = X.to(torch.float64)
    with torch.no_grad():
        P = X64 @ model.W.detach().to(torch.float64).T
        v = model.v.to(torch.float64)
        if model.activation_name == "relu" and model.m < 2**24 and bool(torch.all(v**2 == v[0] ** 2)):
            # Fast path, exact: sigma' is 0/1 and v_r^2 = 1/m for all r, so S S^T = v^2 * (A A^T) with A the
            # 0/1 activation pattern. A A^T counts co-activations (integers < 2^24), which float32
            # matrix multiplication computes exactly, at about twice the float64 speed.
            A = (P >= 0).to(torch.float32)
            SS = (A @ A.T).to(torch.float64) * v[0] ** 2
        else:
            S = model.sigma_prime(P) * v
            SS = S @ S.T
    return (X64 @ X64.T) * SS



def guo_empirical_ntk(X, A: torch.Tensor, weights, B: torch.Tensor, alpha: float) -> torch.Tensor:
    """Exact empirical NTK Gram of the papers' network (only the hidden W_l trained), scalar output.

    Uses the rank-one structure of each layer's Jacobian: df/dW_l = delta_l h_{l-1}^T, so
    Theta = sum_l (H_{l-1} H_{l-1}^T) * (Delta_l Delta_l^T), with Delta_L = B * sigma~'(G_L) and
    Delta_{l-1} = (Delta_l W_l) * sigma~'(G_{l-1}). Cost O(L (n m^2 + n^2 m)) instead of O(n^2 L m^2).
    A is (m, p), weights a list of (m, m), B is (1, m). Returns (n, n) float64 (not divided by m).
    """
    alpha = _check_alpha(alpha)
    if B.shape[0] != 1:
        raise ValueError("guo_empirical_ntk handles a scalar output (B of shape (1, m))")
    X = _as_f64(X).to(A.device)
    s = 1.0 / math.sqrt(1.0 + alpha * alpha)
    A, B = A.to(torch.float64), B.to(torch.float64)
    Ws = [W.detach().to(torch.float64) for W in weights]
    h = X @ A.T
    Hs, Gs = [h], []
    for W in Ws:
        g = h @ W.T
        Gs.append(g)
        h = torch.where(g >= 0, g, alpha * g) * s
        Hs.append(h)

    def dact(g):
        return torch.where(g >= 0, torch.full_like(g, s), torch.full_like(g, alpha * s))

    delta = B * dact(Gs[-1])  # (n, m)
    theta = torch.zeros(X.shape[0], X.shape[0], dtype=torch.float64, device=X.device)
    for ell in range(len(Ws), 0, -1):
        H = Hs[ell - 1]
        theta += (H @ H.T) * (delta @ delta.T)
        if ell > 1:
            delta = (delta @ Ws[ell - 1]) * dact(Gs[ell - 2])
    return 0.5 * (theta + theta.T)


