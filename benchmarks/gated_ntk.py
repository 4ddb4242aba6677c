"""Benchmark: Noy et al.'s gated (GReLU) network.

Part ``ntk``: the NTK Gram over the trained layers W_1..W_L by its closed form
(``overparam.nets.gated.ntk_gram``: the per-example gradient of each layer is rank one, so the Gram is
sum_k (delta_k delta_k^T) * (h_{k-1} h_{k-1}^T), O(L (n m^2 + n^2 m))) against the generic route, per-sample
Jacobians by ``torch.func.jacrev`` contracted layer by layer (O(n^2 L m^2) and n L m^2 memory). Both in float64,
their largest relative difference reported beside the times.

Part ``step``: one full-batch GD step (forward, backward, update) of a GReLU network with its gates computed
once and cached (Section 4.4's lookup table; dense masked products) against the ReLU network of the same
size (same C, W, B), float32, alternating after a warm-up. Section 4.4 claims a 2x shorter iteration.

All timings are medians of ``--repeats`` runs in one process; the ratios are what to read (absolute times
on a shared machine are inflated).

Run:  python benchmarks/gated_ntk.py [--n 64] [--width 256] [--depth 3] [--d-x 32] [--repeats 5]
             [--step-n 512] [--step-width 1024] [--threads 2] [--device cpu]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.func import functional_call, jacrev

from overparam.experiments.noy2021 import step_cost
from overparam.nets.gated import GatedNet, ntk_gram


def _jacrev_gram(net: GatedNet, X: torch.Tensor) -> torch.Tensor:
    params = {k: v.detach() for k, v in net.named_parameters()}
    J = jacrev(lambda p: functional_call(net, p, (X,)))(params)
    K = torch.zeros(X.shape[0] * net.B.shape[0], X.shape[0] * net.B.shape[0], dtype=X.dtype)
    for k in params:
        Jk = J[k].permute(1, 0, 2, 3).reshape(K.shape[0], -1)
        K += Jk @ Jk.T
    return K


def _median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--d-x", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--step-n", type=int, default=512)
    ap.add_argument("--step-width", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    net = GatedNet.paper_init(a.d_x, a.width, a.depth, generator=torch.Generator().manual_seed(0))
    X = torch.randn(a.n, a.d_x, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    X = X / X.norm(dim=1, keepdim=True)
    Kc, Kj = ntk_gram(net, X), _jacrev_gram(net, X)
    err = float((Kc - Kj).abs().max() / Kj.abs().max())
    tc = _median_time(lambda: ntk_gram(net, X), a.repeats)
    tj = _median_time(lambda: _jacrev_gram(net, X), a.repeats)
    print(f"ntk   n={a.n} m={a.width} L={a.depth}: closed form {tc * 1e3:.1f} ms, torch.func jacrev {tj * 1e3:.1f} ms, "
          f"ratio jacrev/closed = {tj / tc:.1f}x, max relative difference {err:.1e}")
    c = step_cost(n=a.step_n, width=a.step_width, depth=a.depth, d_x=a.d_x, repeats=a.repeats, seed=0,
                  device=a.device)
    print(f"step  n={a.step_n} m={a.step_width} L={a.depth} float32: GReLU {c['grelu_s'] * 1e3:.1f} ms, "
          f"ReLU {c['relu_s'] * 1e3:.1f} ms, ratio GReLU/ReLU = {c['ratio']:.2f} (Section 4.4 claims 0.5); "
          f"active gates {c['active_fraction']:.1%}")


if __name__ == "__main__":
    main()
