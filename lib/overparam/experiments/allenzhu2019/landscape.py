"""Figures 1-7 of Allen-Zhu, Li & Song (2019): the training objective near the SGD trajectory, read out.

The paper trains VGG19-BN, ResNet-32 and ResNet-110 on CIFAR-10, CIFAR-100 and CIFAR-10 with 20 % noisy
labels (164 epochs, SGD with momentum, a step schedule; Remark 4) and draws F around W_t at six epochs,
along the gradient and along "the most negatively curved direction of the Hessian after smoothing
(approximately found by Oja's method)". Its observation (l.218): "the (negative) gradient direction
sufficiently decreases the training objective, and it is not needed to use second-order method to find
negative curvature". The paper prints no number; ``panel`` measures, per snapshot (the claims map, §3):

* ‖g‖ = ‖∇F(W_t)‖ and the unit u = η_t ‖g‖, the length of one plain SGD step at the epoch's rate;
* ρ, the spectral radius (power iteration: λ_max wherever the top eigenvalue dominates), and Oja's
  estimate λ̂_min of the smoothed Hessian, with its convergence;
* ΔF_g(r) = F(W_t) − min_{0 < a ≤ r} F(W_t − a ĝ) and ΔF_v(r) = F(W_t) − min_{|b| ≤ r} F(W_t + b v̂) at radii
  r = radii · u (v̂ is Oja's direction made orthogonal to ĝ);
* r*, the smallest radius with ΔF_v(r) ≥ ΔF_g(r) (interpolated in log r between the radii; the largest
  radius when the lines never cross), in units of u. The observation predicts r* > 10 u at every panel
  (the nearest wrong answer, r* ≤ one SGD step, says a second-order step would beat the gradient on the
  scale training moves); a pass at r ≪ u would be automatic and is not the test.

F is the mean cross-entropy over a fixed un-augmented training subset, BatchNorm in eval mode, without the
weight decay; the 2-D picture is F on a grid spanning ±span·u along −ĝ and along v̂. ``run`` trains one
network with ``train_classifier`` and takes the panels from its ``on_epoch`` callback; ``landscapes`` runs
every (architecture, data set) pair of a profile's sizes (``landscape_sizes.SIZES``).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data.cifar import crop_flip, label_noise, load_cifar, normalize_cifar
from ...data.mnist import load_mnist
from ...measure.hessian import Objective, landscape_grid, oja_min, power_max
from ...nets.cifar_nets import cifar_net
from ...runtime import derive_seed, generator_for
from ...runtime.progress import progress as show_progress
from ...train.classifier import train_classifier
from ...train.schedules import scale_schedule

__all__ = ["Landscapes", "Panel", "Run", "crossover", "landscapes", "load_data", "panel", "readout", "readouts", "run"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass(frozen=True)
class Panel:
    """One snapshot's read-out (``row``), its 2-D picture ``Z`` on ``axis`` x ``axis`` (units of u; rows
    along −ĝ, columns along v̂) and its lines (``dF_g``, ``dF_v`` at ``radii`` · u)."""

    row: dict
    Z: np.ndarray
    axis: np.ndarray
    radii: np.ndarray
    dF_g: np.ndarray
    dF_v: np.ndarray


def crossover(radii, dF_g, dF_v) -> tuple[float, bool]:
    """The smallest radius where ΔF_v ≥ ΔF_g, interpolated in log r; the largest radius when never.

    Returns
    -------
    (float, bool)
        r* in the radii's units, and whether it is censored (the lines never cross: r* > radii[-1]).
    """
    r, D = np.asarray(radii, float), np.asarray(dF_v, float) - np.asarray(dF_g, float)
    hit = np.nonzero(D >= 0)[0]
    if hit.size == 0:
        return float(r[-1]), True
    k = int(hit[0])
    if k == 0:
        return float(r[0]), False
    t = D[k - 1] / (D[k - 1] - D[k])
    return float(np.exp(np.log(r[k - 1]) + t * (np.log(r[k]) - np.log(r[k - 1])))), False


def panel(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, *, lr: float, cfg: dict, seed: int) -> Panel:
    """Read out the landscape of F around a copy of ``model`` (see the module docstring).

    Parameters
    ----------
    model : torch.nn.Module
        The network at W_t (not modified: a copy is evaluated, in eval mode, in ``cfg`` dtype).
    X, y : torch.Tensor
        The fixed training subset F is taken on (its first ``landscape_n_hvp`` rows for H v).
    lr : float
        η_t, the learning rate of the epoch that produced W_t.
    cfg : dict
        The ``landscape_*`` sizes of the profile (grid, span, radii, Oja and smoothing parameters).
    seed : int
        Seed of the panel's random vectors (Oja's start, the power iteration's start, the smoothing).

    Returns
    -------
    Panel
    """
    dtype = _DTYPES[cfg["landscape_dtype"]]
    net = copy.deepcopy(model).to(dtype)
    Xd = X.to(dtype)
    F = Objective(net, Xd, y, chunk=cfg["landscape_chunk"])
    Fh = Objective(net, Xd[:cfg["landscape_n_hvp"]], y[:cfg["landscape_n_hvp"]], chunk=cfg["landscape_chunk"])
    theta, method = F.theta0, cfg["landscape_hvp_method"]
    gen = torch.Generator().manual_seed(seed)
    rand = lambda: torch.randn(F.dim, generator=gen, dtype=torch.float64).to(theta)
    f0, g = F.value(theta), F.grad(theta)
    gnorm = float(g.norm())
    gh = g / gnorm
    rho = power_max(lambda v: Fh.hvp(theta, v, method), rand(), cfg["landscape_power_steps"])
    r_s = cfg["landscape_smooth"] * float(theta.norm())
    xis = [rand() for _ in range(cfg["landscape_oja_steps"])]
    smoothed = lambda v, k: Fh.hvp(theta + r_s * xis[k] / xis[k].norm(), v, method)
    oja = oja_min(smoothed, rand(), steps=cfg["landscape_oja_steps"], lam_max=rho,
                  eta=cfg["landscape_oja_eta"], window=cfg["landscape_oja_window"], tol=cfg["landscape_oja_tol"],
                  hvp_exact=lambda v: Fh.hvp(theta, v, method))
    v = oja.vector - (oja.vector @ gh) * gh
    vh = v / v.norm()
    u = lr * gnorm
    radii = np.asarray(cfg["landscape_radii"], float)
    line = lambda d: landscape_grid(F.value, theta, d, torch.zeros_like(d), radii * u, [0.0])[:, 0]
    Fg, Fv = line(-gh), np.minimum(line(vh), line(-vh))
    dF_g, dF_v = f0 - np.minimum.accumulate(Fg), f0 - np.minimum.accumulate(Fv)
    r_star, censored = crossover(radii, dF_g, dF_v)
    axis = np.linspace(-cfg["landscape_span"], cfg["landscape_span"], cfg["landscape_grid"])
    Z = landscape_grid(F.value, theta, -gh * u, vh * u, axis, axis)
    lam_v = float(vh @ Fh.hvp(theta, vh, method))
    row = {"F": f0, "grad_norm": gnorm, "lr": lr, "u": u, "rho": rho, "lam_min": oja.value,
           "lam_v": lam_v, "oja_rel_change": oja.rel_change, "oja_residual": oja.residual,
           "oja_converged": oja.converged, "oja_valid": bool(oja.converged and oja.value < 0),
           "dF_g_max": float(dF_g[-1]), "dF_v_max": float(dF_v[-1]),
           "dF_g_span": float(np.interp(cfg["landscape_span"], radii, dF_g)),
           "dF_v_span": float(np.interp(cfg["landscape_span"], radii, dF_v)),
           "r_star": r_star, "r_star_censored": censored, "weight_norm": float(theta.norm()), "smooth_r": r_s}
    return Panel(row, Z, axis, radii, dF_g, dF_v)


def load_data(dataset: str, cfg: dict, *, seed: int, root=None) -> tuple:
    """(X, y, X_test, y_test, classes) for a run: "mnist"/"mnist_noisy" (the bundled 5,000-image subset,
    28x28, MNIST's mean and std) or "cifar10"/"cifar100"/"cifar10_noisy" (``load_cifar``, [58]'s
    normalisation). A "_noisy" set changes ``landscape_noise`` of the training labels to other classes."""
    base, noisy = dataset.removesuffix("_noisy"), dataset.endswith("_noisy")
    if base == "mnist":
        X, y, Xt, yt = load_mnist(cfg["landscape_n_train"], cfg["landscape_n_test"], source="bundled",
                                  normalization="mnist_stats", seed=derive_seed(seed, "landscape", "split"))
        X, Xt = (torch.from_numpy(a).reshape(-1, 1, 28, 28) for a in (X, Xt))
        y, yt, classes = torch.from_numpy(y), torch.from_numpy(yt), 10
    elif base in ("cifar10", "cifar100"):
        X, y = load_cifar(base, root, "train")
        Xt, yt = load_cifar(base, root, "test")
        rng = np.random.default_rng(derive_seed(seed, "landscape", "split"))
        if cfg["landscape_n_train"] is not None:
            idx = torch.from_numpy(np.sort(rng.permutation(X.shape[0])[:cfg["landscape_n_train"]]))
            X, y = X[idx], y[idx]
        if cfg["landscape_n_test"] is not None:
            Xt, yt = Xt[:cfg["landscape_n_test"]], yt[:cfg["landscape_n_test"]]
        X, Xt, classes = normalize_cifar(X), normalize_cifar(Xt), (10 if base == "cifar10" else 100)
    else:
        raise ValueError(f"unknown data set {dataset!r}; valid: mnist, cifar10, cifar100 (each with _noisy)")
    if noisy:
        y, _ = label_noise(y, cfg["landscape_noise"], classes, seed=derive_seed(seed, "landscape", "noise", base))
    return X, y, Xt, yt, classes


@dataclass(frozen=True)
class Run:
    """One training run: its panels' read-outs (``frame``, one row per snapshot), the panels themselves,
    the training log (``log``: epoch, losses, accuracies) and the scaled schedule."""

    arch: str
    dataset: str
    frame: pd.DataFrame
    panels: dict
    log: pd.DataFrame
    schedule: dict


def run(arch: str, dataset: str, cfg: dict, *, seed: int, device: torch.device | str = "cpu", root=None,
        data: tuple | None = None) -> Run:
    """Train ``arch`` on ``dataset`` with the profile's recipe and read out a panel at each snapshot epoch.

    The schedule is the paper's (164 epochs, decays at 81 and 122, panels at 5, 40, 90, 120, 130, 160)
    scaled to ``landscape_epochs`` in proportion (``scale_schedule``). ``data`` overrides ``load_data``.
    """
    device = torch.device(device)
    X, y, Xt, yt, classes = data if data is not None else load_data(dataset, cfg, seed=seed, root=root)
    X, y, Xt, yt = X.to(device), y.to(device), Xt.to(device), yt.to(device)
    sched = scale_schedule(cfg["landscape_epochs"])
    wd = cfg["landscape_wd"]
    wd = wd[arch] if isinstance(wd, dict) else wd
    model = cifar_net(arch, classes, in_channels=X.shape[1], width=cfg["landscape_width"],
                      generator=generator_for(seed, "landscape", arch, dataset, "init")).to(device)
    n_eval = cfg["landscape_n_eval"]
    gen = generator_for(seed, "landscape", arch, dataset, "sgd")
    aug = (lambda xb: crop_flip(xb, gen)) if cfg["landscape_augment"] else None
    panels = {}
    bar = show_progress(total=len(sched["snapshots"]), desc=f"landscape {arch} {dataset}")

    def snapshot(epoch: int, net: torch.nn.Module, lr_e: float) -> None:
        if epoch in sched["snapshots"]:
            panels[epoch] = panel(net, X[:n_eval], y[:n_eval], lr=lr_e, cfg=cfg,
                                  seed=derive_seed(seed, "landscape", arch, dataset, "panel", epoch))
            bar.update(1)

    log = train_classifier(model, X, y, Xt, yt, lr=cfg["landscape_lr"], epochs=cfg["landscape_epochs"],
                           batch_size=cfg["landscape_batch"], loss="ce", generator=gen,
                           momentum=cfg["landscape_momentum"], weight_decay=wd, milestones=sched["milestones"],
                           augment=aug, on_epoch=snapshot, eval_train_max=n_eval)
    bar.close()
    frame = pd.DataFrame([{"arch": arch, "dataset": dataset, "epoch": e, **p.row} for e, p in panels.items()])
    frame["r_star_over_u"] = frame.r_star  # radii are in units of u already
    return Run(arch, dataset, frame.drop(columns="r_star"), panels, pd.DataFrame(dict(log)), sched)


@dataclass(frozen=True)
class Landscapes:
    """Every run of a profile (``runs``) and their panels' read-outs in one table (``frame``)."""

    runs: list
    frame: pd.DataFrame


def landscapes(cfg: dict, *, seed: int, device: torch.device | str = "cpu", root=None) -> Landscapes:
    """Figures 1-7's runs: every (architecture, data set) of ``cfg`` (``landscape_archs`` x
    ``landscape_datasets``), each trained once with its panels read out (``run``)."""
    runs = [run(a, d, cfg, seed=seed, device=device, root=root)
            for a in cfg["landscape_archs"] for d in cfg["landscape_datasets"]]
    return Landscapes(runs, pd.concat([r.frame for r in runs], ignore_index=True))


def readout(frame: pd.DataFrame, rule: float) -> dict:
    """The numbers the check decides on, over a set of panels (one run's, or every run's).

    Returns
    -------
    dict
        ``min_ratio`` (the smallest r*/u over the panels; the observation predicts > ``rule``), ``worst``
        (the run and epoch where it is attained), ``n_panels``, ``n_valid`` (panels whose Oja estimate
        converged to a negative value), ``n_converged``, ``n_negative``, ``n_censored`` (panels whose lines
        never crossed), ``oja_scale`` (the median of rho / |Oja's lambda_min|: about the number of shifted
        power steps per e-fold when the gap below the bulk near 0 is |lambda_min|) and ``rule``.
    """
    i = int(np.argmin(frame.r_star_over_u.to_numpy()))
    ratio = float(frame.r_star_over_u.iloc[i])
    worst = frame.iloc[i]
    return {"min_ratio": ratio if math.isfinite(ratio) else float("nan"),
            "worst": f"{worst.arch} on {worst.dataset}, epoch {int(worst.epoch)}",
            "n_panels": len(frame), "n_valid": int(frame.oja_valid.sum()),
            "n_converged": int(frame.oja_converged.sum()), "n_negative": int((frame.lam_min < 0).sum()),
            "n_censored": int(frame.r_star_censored.sum()),
            "oja_scale": float(np.median(frame.rho / frame.lam_min.abs())), "rule": float(rule)}


def readouts(result: Landscapes, rule: float) -> pd.DataFrame:
    """``readout`` per run, one row each (architecture, data set and the numbers)."""
    return pd.DataFrame([{"arch": r.arch, "dataset": r.dataset, **readout(r.frame, rule)} for r in result.runs])
