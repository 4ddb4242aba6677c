"""The paper's figures and tables rebuilt: Figure 2a (the "lower trainability bound" on the Ackley-like
set), Figures 2b/2c, 4 and 5 (training dynamics on SGEMM or its stand-in), Figure 3a / Table 2 and
Figures 3b/3c (GReLU against ReLU MLPs and the GReLU -> ReLU switch, on CIFAR-10 or digits)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...data import noy2021 as dn
from ...measure.gated import hamming_probe, temporal_difference_probe
from ...nets.gated import GatedNet, grelu_to_relu
from ...theory import noy2021 as th
from ...train import DivergenceError, train
from ._common import lambda_range, run_gd, tensor

__all__ = ["figure2a", "figure3bc", "table2", "tabular_dynamics"]


def figure2a(widths, *, n: int, d: int, depth: int, steps: int, n_seeds: int, seed: int, device="cpu") -> pd.DataFrame:
    """Figure 2a on the Ackley-like set (n, d): GReLU and ReLU at the given widths, ``n_seeds`` seeds, full-batch
    GD on 1/2 sum ||f - y||^2 for ``steps`` steps under two protocols: (A) one fixed step for every width,
    the proof's 1/(beta^2 L) at the widest (the paper's single learning rate; stable there), and (B) the
    proof's step at each width. Rows: final relative loss ell_T / ell_0 and the final mean squared error."""
    X, y = dn.ackley_like(n, d, seed=seed)
    X, y = tensor(X, device=device), tensor(y, device=device)
    fixed = th.eta_theory(max(widths), depth, d)
    rows = []
    for m in widths:
        for s in range(n_seeds):
            for kind in ("grelu", "relu"):
                for protocol, eta in (("A: fixed step", fixed), ("B: step per width", th.eta_theory(m, depth, d))):
                    net = GatedNet.paper_init(d, m, depth, generator=torch.Generator().manual_seed(seed + 17 * s + m),
                                              device=device, mode=kind)
                    r = run_gd(net, X, y, eta, steps)
                    rows.append({"m": m, "seed": s, "net": kind, "protocol": protocol, "eta": eta,
                                 "rel_loss": r["rel_loss"], "mse": 2 * r["log"].final_loss / n,
                                 "diverged": r["diverged"]})
    return pd.DataFrame(rows)


def _data_tabular(source: str, n_train: int, n_val: int, seed: int, root=None):
    if source == "sgemm":
        return dn.load_sgemm(n_train, n_val, seed=seed, root=root)
    return dn.tabular_split(n_train, n_val, seed=seed)


def tabular_dynamics(*, source: str, n_train: int, n_val: int, width: int, depth: int, steps: int, record_every: int,
                     eta_factors, n_seeds: int, seed: int, root=None, device="cpu") -> pd.DataFrame:
    """Figures 2b, 2c, 4 and 5: GReLU and ReLU (same C, W, B) trained by full-batch GD on 1/2 sum ||f - y||^2,
    at steps eta = factor / lambda_max(K_0) of the GReLU network (one step for both nets of a seed). Every
    ``record_every`` steps ("epochs"): the training loss per example, the temporal difference of the
    full-batch gradient ||g_t - g_prev|| (2b) and the fraction of ReLU patterns on the validation inputs that
    changed (2c). Rows per (factor, seed, net, epoch)."""
    X, y, Xv, _ = _data_tabular(source, n_train, n_val, seed, root)
    X, y, Xv = tensor(X, device=device), tensor(y, device=device), tensor(Xv, device=device)
    rows = []
    for s in range(n_seeds):
        base = GatedNet.paper_init(X.shape[1], width, depth, generator=torch.Generator().manual_seed(seed + s),
                                   device=device)
        _, lmax = lambda_range(base, X)
        for f in eta_factors:
            for kind in ("grelu", "relu"):
                net = base.twin("relu") if kind == "relu" else GatedNet(base.C, base.B, list(base.W), base.Psi)
                probes = {"grad_diff": temporal_difference_probe(X, y), "hamming": hamming_probe(Xv)}
                try:
                    log = train(net, X, y, eta=f / lmax, steps=steps, loss="half_sum", probes=probes,
                                probe_every=record_every, progress=False)
                    diverged = False
                except DivergenceError as err:
                    log, diverged = err.log, True
                for i, t in enumerate(log.probe_steps):
                    rows.append({"factor": f, "seed": s, "net": kind, "step": int(t), "epoch": int(t) // record_every,
                                 "mse": 2 * log.loss[t] / X.shape[0], "grad_diff": log.probes["grad_diff"][i],
                                 "hamming": log.probes["hamming"][i], "diverged": diverged})
    return pd.DataFrame(rows)


def _digits(n_train, n_test, seed, source, root, device):
    if source == "cifar10":
        from ...data.cifar import load_cifar  # the book's CIFAR loader; paper profile only

        Xtr, ytr = (t.numpy() for t in load_cifar("cifar10", root=root, split="train"))
        Xte, yte = (t.numpy() for t in load_cifar("cifar10", root=root, split="test"))
        Xtr, Xte = Xtr.reshape(len(Xtr), -1)[:n_train].astype(np.float64), Xte.reshape(len(Xte), -1)[:n_test].astype(np.float64)
        center = Xtr.mean(0)
        Xtr, Xte = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in (Xtr - center, Xte - center)]
        Ytr, Yte = np.eye(10)[ytr[:n_train]], np.eye(10)[yte[:n_test]]
    else:
        Xtr, Ytr, Xte, Yte = dn.digits_split(n_train, n_test, seed=seed)
    return [tensor(a, device=device) for a in (Xtr, Ytr, Xte, Yte)]


def _mse(net, X, Y) -> float:
    with torch.no_grad():
        return float(((net(X) - Y) ** 2).sum(1).mean())


def table2(configs, *, n_train: int, n_test: int, epochs: int, batch: int, eta_factor: float, n_seeds: int, seed: int,
           source: str = "digits", root=None, device="cpu") -> pd.DataFrame:
    """Figure 3a / Table 2: GReLU and ReLU MLPs (same C, W, B) at each (depth, width) of ``configs`` trained by
    SGD (batches of ``batch``, the batch sum's gradient times n/b) on 1/2 sum ||f - y||^2 against one-hot
    targets, with eta = eta_factor / lambda_max(K_0) of the GReLU net at that seed. Rows: per-example train
    and test MSE (the paper's "MSE" read as a mean) after every epoch."""
    Xtr, Ytr, Xte, Yte = _digits(n_train, n_test, seed, source, root, device)
    rows = []
    for depth, width in configs:
        for s in range(n_seeds):
            base = GatedNet.paper_init(Xtr.shape[1], width, depth, 10, generator=torch.Generator().manual_seed(seed + s),
                                       device=device)
            _, lmax = lambda_range(base, Xtr[: min(256, n_train)])
            eta = eta_factor / lmax * min(256, n_train) / n_train
            for kind in ("grelu", "relu"):
                net = base.twin("relu") if kind == "relu" else GatedNet(base.C, base.B, list(base.W), base.Psi)
                g = torch.Generator().manual_seed(seed + 7 * s)
                for ep in range(epochs + 1):
                    rows.append({"depth": depth, "width": width, "seed": s, "net": kind, "epoch": ep,
                                 "train_mse": _mse(net, Xtr, Ytr), "test_mse": _mse(net, Xte, Yte)})
                    if ep < epochs:
                        train(net, Xtr, Ytr, eta=eta, steps=max(1, n_train // batch), loss="half_sum",
                              batch_size=batch, generator=g, progress=False)
    return pd.DataFrame(rows)


def figure3bc(*, n_train: int, n_test: int, width: int, depth: int, epochs: int, switch: int, batch: int,
              eta_factor: float, n_seeds: int, seed: int, source: str = "digits", root=None, device="cpu") -> pd.DataFrame:
    """Figures 3b/3c: a GReLU MLP trained by SGD for ``switch`` epochs, transformed into its ReLU network on the
    training inputs (Theorem 2, corrected; float64), then trained as that ReLU network to ``epochs``; beside
    it the ReLU MLP with the same C, W, B trained throughout. Rows per (seed, net, epoch) with train and
    test MSE; the switch epoch has two rows for the GReLU run (before, after: ``stage``)."""
    Xtr, Ytr, Xte, Yte = _digits(n_train, n_test, seed, source, root, device)
    rows = []
    for s in range(n_seeds):
        base = GatedNet.paper_init(Xtr.shape[1], width, depth, 10, generator=torch.Generator().manual_seed(seed + s),
                                   device=device)
        _, lmax = lambda_range(base, Xtr[: min(256, n_train)])
        eta = eta_factor / lmax * min(256, n_train) / n_train
        for kind in ("grelu→relu", "relu"):
            net = base.twin("relu") if kind == "relu" else GatedNet(base.C, base.B, list(base.W), base.Psi)
            g = torch.Generator().manual_seed(seed + 7 * s)
            for ep in range(epochs + 1):
                if kind != "relu" and ep == switch:
                    rows.append({"seed": s, "net": kind, "epoch": ep, "stage": "before",
                                 "train_mse": _mse(net, Xtr, Ytr), "test_mse": _mse(net, Xte, Yte)})
                    net, _ = grelu_to_relu(net, Xtr)
                rows.append({"seed": s, "net": kind, "epoch": ep, "stage": "after" if ep == switch else "",
                             "train_mse": _mse(net, Xtr, Ytr), "test_mse": _mse(net, Xte, Yte)})
                if ep < epochs:
                    train(net, Xtr, Ytr, eta=eta, steps=max(1, n_train // batch), loss="half_sum", batch_size=batch,
                          generator=g, progress=False)
    return pd.DataFrame(rows)
