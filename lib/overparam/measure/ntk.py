"""Empirical neural tangent kernels: the Gram matrix of the output Jacobian at given weights.

``empirical_ntk_gram`` works for any ``nn.Module`` (torch.func jacrev or a per-sample loop, chunked so
memory stays bounded); ``two_layer_gram`` is the closed form for Du et al.'s two-layer ReLU network;
``guo_empirical_ntk`` is the closed form for Guo et al.'s deep leaky-ReLU network, for weights given as
plain tensors (one network's or K stacked ones: ``nets.deep_stack.DeepEnsemble.ntk`` calls it). The
infinite-width limits are in ``overparam.kernels``.
"""

from __future__ import annotations

import torch
from torch.func import functional_call, jacrev, vmap

from ..nets.deep_ntk import guo_empirical_ntk

__all__ = ["empirical_ntk_gram", "guo_empirical_ntk", "model_jacobian", "two_layer_gram"]


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
    """Jacobian of the outputs f(x_i) with respect to all trained parameters.

    Parameters
    ----------
    model : torch.nn.Module
        A scalar-output model; its parameters with ``requires_grad`` are the trained ones.
    X : torch.Tensor
        (n, p) inputs.
    method : {"jacrev", "loop"}
        "jacrev": torch.func.vmap over jacrev (one batched reverse pass); "loop": one backward pass
        per sample (the slow obvious reference).

    Returns
    -------
    torch.Tensor
        (n, P) Jacobian in the model's dtype, the parameters flattened in ``named_parameters`` order.
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
    """The empirical NTK Gram G_ij = <df(x_i)/dtheta, df(x_j)/dtheta> over the trained parameters.

    Memory stays bounded: when the whole (n, P) Jacobian has more than ``max_elements`` entries the
    Gram is accumulated block by block from Jacobians of ``chunk_size`` rows, recomputing the column
    blocks instead of storing them.

    Parameters
    ----------
    model : torch.nn.Module
        A scalar-output model.
    X : torch.Tensor
        (n, p) inputs.
    method : {"jacrev", "loop"}
        How each Jacobian block is computed (``model_jacobian``).
    chunk_size : int
        Rows per Jacobian block when chunking.
    max_elements : int
        Largest (n x P) Jacobian held whole.

    Returns
    -------
    torch.Tensor
        (n, n) float64 Gram.
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


def two_layer_gram(model: torch.nn.Module, X: torch.Tensor) -> torch.Tensor:
    """Closed-form Jacobian Gram of ``TwoLayerNet`` (input weights trained), any activation.

    df(x_i)/dw_r = v_r sigma'(w_r^T x_i) x_i, hence G = (X X^T) ∘ (S S^T) with S_ir = v_r sigma'(w_r^T x_i)
    (Du et al. 2019, Section 3, the Gram H(t)). This is an (n, m) computation instead of an (n, m d)
    Jacobian.

    Parameters
    ----------
    model : overparam.nets.TwoLayerNet
        The network (its W trained, v fixed).
    X : torch.Tensor
        (n, d) inputs.

    Returns
    -------
    torch.Tensor
        (n, n) float64 Gram.
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
