"""Section 4.4's cost claim (E12): one GD step of a GReLU network (cached gates, dense masked products)
against one of the ReLU network of the same size, timed in one process; and the active fraction of gates."""

from __future__ import annotations

import time

import numpy as np
import torch

from ...nets.gated import GatedNet
from ._common import gaussian_unit

__all__ = ["step_cost"]


def _step(net, X, y, eta):
    loss = 0.5 * ((net(X) - y) ** 2).sum()
    grads = torch.autograd.grad(loss, list(net.W))
    with torch.no_grad():
        for p, g in zip(net.W, grads):
            p.sub_(eta * g)


def step_cost(*, n: int, width: int, depth: int, d_x: int, repeats: int, seed: int, dtype=torch.float32,
              device="cpu") -> dict:
    """Median wall time of one full-batch GD step, GReLU (gates computed once and cached, as Section 4.4's
    lookup table) and ReLU, interleaved over ``repeats`` rounds after a warm-up; and the fraction of active
    gates (the "about 50 % of the FLOPS" of Section 4.4). The ratio is GReLU / ReLU."""
    X, y = gaussian_unit(n, d_x, seed, device)
    X, y = X.to(dtype), y.to(dtype)
    g = GatedNet.paper_init(d_x, width, depth, generator=torch.Generator().manual_seed(seed), dtype=dtype, device=device)
    r = g.twin("relu")
    active = float(np.mean([mk.float().mean().item() for mk in g.gates(X)[1:]]))
    times = {"grelu": [], "relu": []}
    cuda = torch.device(device).type == "cuda"
    for _ in range(2):
        _step(g, X, y, 1e-9)
        _step(r, X, y, 1e-9)
    for _ in range(repeats):
        for name, net in (("grelu", g), ("relu", r)):
            if cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            _step(net, X, y, 1e-9)
            if cuda:
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - t0)
    tg, tr = float(np.median(times["grelu"])), float(np.median(times["relu"]))
    return {"grelu_s": tg, "relu_s": tr, "ratio": tg / tr, "active_fraction": active}
