"""What every Noy et al. experiment shares: unit-norm Gaussian data, one GD run of a gated network with
the paper's loss (1/2 sum, eq. 2), and paired margins over seeds with a t-interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ...measure.fit import mean_interval
from ...nets.gated import GatedNet, ntk_gram
from ...train import DivergenceError, train

__all__ = ["Paired", "gaussian_unit", "lambda_range", "paired", "run_gd", "tensor"]


def tensor(a, dtype=torch.float64, device="cpu") -> torch.Tensor:
    return torch.as_tensor(np.asarray(a), dtype=dtype, device=device)


def gaussian_unit(n: int, d: int, seed: int, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """x ~ N(0, I_d) normalised to ||x|| = 1 and y ~ N(0, 1) (the reading notes' default data), float64."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.randn(n, 1, generator=g, dtype=torch.float64)
    return (X / X.norm(dim=1, keepdim=True)).to(device), y.to(device)


def lambda_range(net: GatedNet, X: torch.Tensor) -> tuple[float, float]:
    """(lambda_min, lambda_max) of the NTK Gram K_0 of ``net`` on ``X`` (float64)."""
    ev = torch.linalg.eigvalsh(ntk_gram(net, X))
    return float(ev[0]), float(ev[-1])


def run_gd(net: GatedNet, X, y, eta: float, steps: int, eps: float | None = None, probes=None,
           probe_every: int = 1) -> dict:
    """Full-batch GD on 1/2 sum ||f - y||^2 (Noy et al., eq. 2) from ``net`` (trained in place), stopping
    when loss <= eps * loss_0 (``eps=None``: every step). A divergence is recorded, not raised."""
    with torch.no_grad():
        ell0 = 0.5 * float(((net(X) - y) ** 2).sum())
    kw = {"stop": "absolute", "tol": eps * ell0} if eps is not None else {}
    try:
        log = train(net, X, y, eta=eta, steps=steps, loss="half_sum", probes=probes, probe_every=probe_every,
                    progress=False, **kw)
        diverged = False
    except DivergenceError as err:
        log, diverged = err.log, True
    return {"log": log, "ell0": ell0, "diverged": diverged,
            "steps": log.steps_run if log.converged else None, "rel_loss": log.final_loss / ell0}


@dataclass(frozen=True)
class Paired:
    """A paired margin over seeds: mean, 95 % t-interval, seeds and how many were positive."""

    mean: float
    lo: float
    hi: float
    n: int
    positive: int

    @property
    def interval(self) -> tuple[float, float]:
        return (self.lo, self.hi)

    def text(self, fmt: str = ".3g") -> str:
        return (f"mean {self.mean:{fmt}}, 95 % t-interval [{self.lo:{fmt}}, {self.hi:{fmt}}], "
                f"{self.positive}/{self.n} seeds positive")


def paired(margins) -> Paired:
    """Mean of per-seed margins with its two-sided 95 % t-interval (>= 2 seeds)."""
    a = np.asarray(margins, float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        raise ValueError("a paired margin needs at least 2 finite seeds")
    mean, lo, hi = mean_interval(a)
    return Paired(mean, lo, hi, int(a.size), int((a > 0).sum()))
