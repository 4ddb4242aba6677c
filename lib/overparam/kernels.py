"""Neural tangent kernels: empirical (any model, by torch.func), closed form (two-layer), infinite width.

Everything returned here is float64: the smallest eigenvalue of a Gram matrix is the quantity every
paper's bound depends on, and it is often 1e-3..1e-6 of the largest one.
"""

from __future__ import annotations

import math

import torch
from torch.func import functional_call, jacrev, vmap

# The deep (any depth, any leaky slope) infinite-width kernels live in their own module; this is the
# one place a reader looks for "a kernel", so it is re-exported here.
from .deep_kernels import infinite_width_ntk

__all__ = [
    "infinite_width_ntk",
    "empirical_ntk_gram",
    "jacobian",
    "two_layer_gram",
    "relu_ntk_infinite",
    "gram_min_eigenvalue",
]


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


def jacobian(model: torch.nn.Module, X: torch.Tensor, method: str = "jacrev") -> torch.Tensor:
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
        return jacobian(model, X[sl], method).to(torch.float64)

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


def relu_ntk_infinite(X: torch.Tensor) -> torch.Tensor:
    """Du et al. (2019)'s H∞: E_w[x_i^T x_j 1{w^T x_i >= 0, w^T x_j >= 0}], w ~ N(0, I).

    = x_i^T x_j (pi - arccos(cos theta_ij)) / (2 pi), the limit of ``two_layer_gram`` for ReLU as m -> ∞.
    """
    X64 = X.to(torch.float64)
    inner = X64 @ X64.T
    norms = X64.norm(dim=1)
    cos = (inner / torch.outer(norms, norms)).clamp(-1.0, 1.0)
    return inner * (math.pi - torch.arccos(cos)) / (2 * math.pi)


def gram_min_eigenvalue(G: torch.Tensor) -> float:
    """Smallest eigenvalue of a symmetric Gram matrix, computed in float64."""
    G64 = G.detach().to(torch.float64)
    G64 = 0.5 * (G64 + G64.T)
    return float(torch.linalg.eigvalsh(G64)[0])
