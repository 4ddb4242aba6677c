"""Benchmark: one landscape panel of Figures 1-7 (Oja's method on Hessian-vector products), two HVP routes.

A panel of ``overparam.experiments.allenzhu2019.landscape`` spends its Hessian-vector products in the power
iteration for lambda_max and in Oja's shifted power iteration for lambda_min. ``overparam.measure.hessian``
forms H v two ways:

* ``func``            torch.func.jvp of torch.func.grad: forward-over-reverse, one forward-mode pass through
                      the backward graph (the route the issue asks for);
* ``double_backward`` autograd's gradient of <grad F, v> with create_graph=True: reverse-over-reverse, the
                      baseline.

For each architecture (default: the quick stand-in, ResNet-8 of width 8 on 28x28 inputs, and ResNet-32 on
32x32 CIFAR-shaped inputs) this times, in one process after a warm-up and alternating the two routes
``--repeats`` times: one H v on ``--n`` images (the median), and a whole Oja estimate (``--power`` power steps
+ ``--oja`` Oja steps + 1) by each route from the same start. It prints the ratio double_backward / func
(> 1: torch.func is faster) and the agreement: ||Hv_func - Hv_db|| / ||Hv_db|| for one product and the
relative difference of the two lambda_min estimates. The dtype is float64 by default (the paper profile's
panels), ``--dtype float32`` for the quick profile's.

Run:  python benchmarks/oja_landscape.py [--archs resnet8 resnet32] [--n 64] [--power 6] [--oja 12]
             [--repeats 5] [--threads 2] [--dtype float64] [--device cpu] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))


def _sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _net(arch, device, dtype):
    import torch

    from overparam.nets.cifar_nets import cifar_net

    g = torch.Generator().manual_seed(0)
    if arch == "resnet8":
        net, shape = cifar_net("resnet8", 10, in_channels=1, width=8, generator=g), (1, 28, 28)
    else:
        net, shape = cifar_net(arch, 10, generator=g), (3, 32, 32)
    # running statistics from a few train-mode passes, so that eval mode is a trained-looking network
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(64, *shape, generator=g))
    return net.to(device=device, dtype=dtype), shape


def bench(arch, n, power, oja, repeats, device, dtype):
    import torch

    from overparam.measure.hessian import Objective, oja_min, power_max

    net, shape = _net(arch, device, dtype)
    g = torch.Generator().manual_seed(1)
    X = torch.randn(n, *shape, generator=g).to(device=device, dtype=dtype)
    y = torch.randint(0, 10, (n,), generator=g).to(device)
    F = Objective(net, X, y, chunk=n)
    theta = F.theta0
    v0 = torch.randn(F.dim, generator=g, dtype=torch.float64).to(theta)
    hv = {m: F.hvp(theta, v0, m) for m in ("func", "double_backward")}  # warm-up
    agree = float((hv["func"] - hv["double_backward"]).norm() / hv["double_backward"].norm())
    one = {"func": [], "double_backward": []}
    for _ in range(repeats):
        for m, times in one.items():
            _sync(device)
            t = time.perf_counter()
            F.hvp(theta, v0, m)
            _sync(device)
            times.append(time.perf_counter() - t)
    est, whole = {}, {}
    for m in ("func", "double_backward"):
        _sync(device)
        t = time.perf_counter()
        lmax = power_max(lambda v, m=m: F.hvp(theta, v, m), v0, power)
        res = oja_min(lambda v, k, m=m: F.hvp(theta, v, m), v0, steps=oja, lam_max=abs(lmax), window=min(4, oja - 1))
        _sync(device)
        whole[m], est[m] = time.perf_counter() - t, (lmax, res.value)
    med = {m: statistics.median(ts) for m, ts in one.items()}
    return {"arch": arch, "params": F.dim, "n": n, "dtype": str(dtype).removeprefix("torch."),
            "hvp_s": med, "hvp_ratio_db_over_func": med["double_backward"] / med["func"],
            "panel_oja_s": whole, "panel_ratio_db_over_func": whole["double_backward"] / whole["func"],
            "hvp_rel_diff": agree,
            "lam_min": est["func"][1], "lam_max": est["func"][0],
            "lam_min_rel_diff": abs(est["func"][1] - est["double_backward"][1]) / abs(est["double_backward"][1])}


def main(argv=None):
    import torch

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--archs", nargs="+", default=["resnet8", "resnet32"])
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--power", type=int, default=6)
    p.add_argument("--oja", type=int, default=12)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    p.add_argument("--device", default="cpu")
    p.add_argument("--json")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    device, dtype = torch.device(a.device), getattr(torch, a.dtype)
    rows = [bench(arch, a.n, a.power, a.oja, a.repeats, device, dtype) for arch in a.archs]
    print(f"device {device}, {a.threads} threads, {a.dtype}, n = {a.n} images, {a.power} power + {a.oja} Oja steps")
    print(f"{'arch':>9} {'params':>9} {'H v func':>10} {'H v dbl':>10} {'dbl/func':>9} {'panel func':>11} "
          f"{'panel dbl':>10} {'dbl/func':>9} {'|dHv|/|Hv|':>11} {'d lam_min':>10}")
    for r in rows:
        print(f"{r['arch']:>9} {r['params']:>9,} {r['hvp_s']['func']:>9.4f}s {r['hvp_s']['double_backward']:>9.4f}s "
              f"{r['hvp_ratio_db_over_func']:>9.2f} {r['panel_oja_s']['func']:>10.3f}s "
              f"{r['panel_oja_s']['double_backward']:>9.3f}s {r['panel_ratio_db_over_func']:>9.2f} "
              f"{r['hvp_rel_diff']:>11.2e} {r['lam_min_rel_diff']:>10.2e}")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
