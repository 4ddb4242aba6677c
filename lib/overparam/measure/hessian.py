"""Hessian-vector products, Oja's method for the most negative curvature, and loss landscapes on a grid.

What Allen-Zhu, Li & Song's Figures 1-7 draw: the training objective F near a point W of the SGD
trajectory, along the gradient direction and along "the most negatively curved direction of the Hessian
after smoothing (approximately found by Oja's method)". The pieces:

* ``Objective(model, X, y)``: F(theta) = the mean cross-entropy of ``model`` with its parameters replaced
  by the flat vector theta, over a fixed set (X, y), evaluated in chunks through ``torch.func
  .functional_call``. BatchNorm runs in eval mode (its running statistics are constants of F; train-mode
  statistics would make F depend on how the set is cut into batches). ``value``, ``grad`` and ``hvp``.
* ``Objective.hvp(theta, v, method=)``: H(theta) v by ``"func"`` (forward-over-reverse: ``torch.func.jvp``
  of ``torch.func.grad``, one forward-mode pass through the backward graph) or ``"double_backward"`` (the
  reverse-over-reverse baseline: the gradient with ``create_graph=True``, then the gradient of <g, v>).
* ``power_max``: the spectral radius (the largest |eigenvalue|) by power iteration: the scale of Oja's shift.
* ``oja_min``: the smallest eigenvalue and its direction by Oja's method, the shifted power iteration
  v <- normalise(v - (eta / lambda_max) H_k v) whose fixed point is the eigenvector of the most negative
  eigenvalue. "After smoothing" (the caption's words): H_k may be the Hessian at a random perturbation
  W + r xi_k, so that the iteration sees E_xi[H(W + r xi)], the Hessian of the Gaussian-smoothed F; the
  radius r is the caller's named parameter. Convergence is measured by the relative change of the
  Rayleigh quotient over the last ``window`` steps and the eigen-residual ||H v - lambda v|| / lambda_max.
* ``landscape_grid``: F(theta + a d1 + b d2) on a grid of (a, b).

Everything is float64-ready: pass a float64 model and data for identities (the unit tests do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, jvp

__all__ = ["HVP_METHODS", "Objective", "OjaResult", "landscape_grid", "oja_min", "power_max"]

#: The ways ``Objective.hvp`` forms a Hessian-vector product.
HVP_METHODS = ("func", "double_backward")


class Objective:
    """F(theta): mean cross-entropy of ``model`` at flat parameters ``theta`` over a fixed set.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits. It is put in eval mode (BatchNorm uses its running statistics, which F treats as
        constants); its own parameters are never changed.
    X, y : torch.Tensor
        The fixed (un-augmented) set F is evaluated on, and its integer labels.
    chunk : int
        Samples per forward pass (F, its gradient and H v are sums over chunks, divided by n).
    weight_decay : float
        Adds weight_decay / 2 * ||theta||^2 to F (0: the cross-entropy alone).

    Attributes
    ----------
    theta0 : torch.Tensor
        The model's parameters as one flat vector (a detached copy).
    dim : int
        Number of parameters.
    """

    def __init__(self, model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, chunk: int = 512,
                 weight_decay: float = 0.0):
        model.eval()
        self.model, self.X, self.y, self.chunk, self.weight_decay = model, X, y, int(chunk), float(weight_decay)
        self.names = [n for n, _ in model.named_parameters()]
        self.shapes = [p.shape for _, p in model.named_parameters()]
        self.sizes = [p.numel() for _, p in model.named_parameters()]
        self.buffers = {n: b for n, b in model.named_buffers()}
        self.theta0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()
        self.dim = int(self.theta0.numel())

    def unflatten(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        """The flat vector as the model's named parameters (views of ``theta``)."""
        return {n: t.view(s) for n, t, s in zip(self.names, torch.split(theta, self.sizes), self.shapes)}

    def _chunk_sum(self, theta: torch.Tensor, Xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        out = functional_call(self.model, ({**self.unflatten(theta), **self.buffers},), (Xb,))
        return torch.nn.functional.cross_entropy(out, yb, reduction="sum")

    def _chunks(self):
        for i in range(0, self.X.shape[0], self.chunk):
            yield self.X[i:i + self.chunk], self.y[i:i + self.chunk]

    def _wd(self, theta: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.weight_decay * (theta * theta).sum()

    def value(self, theta: torch.Tensor) -> float:
        """F(theta) as a Python float."""
        with torch.no_grad():
            tot = sum(float(self._chunk_sum(theta, Xb, yb)) for Xb, yb in self._chunks())
            return tot / self.X.shape[0] + float(self._wd(theta))

    def grad(self, theta: torch.Tensor) -> torch.Tensor:
        """The gradient of F at theta (flat)."""
        g = torch.zeros_like(theta)
        for Xb, yb in self._chunks():
            g += grad(self._chunk_sum)(theta, Xb, yb)
        return g / self.X.shape[0] + self.weight_decay * theta

    def hvp(self, theta: torch.Tensor, v: torch.Tensor, method: str = "func") -> torch.Tensor:
        """H(theta) v, the Hessian of F at theta times v.

        Parameters
        ----------
        theta, v : torch.Tensor
            Flat vectors of length ``dim``.
        method : {"func", "double_backward"}
            ``"func"``: ``torch.func.jvp`` of ``torch.func.grad`` (forward-over-reverse); ``"double_backward"``:
            autograd's gradient of <grad F, v> (reverse-over-reverse), the baseline.

        Returns
        -------
        torch.Tensor
        """
        if method not in HVP_METHODS:
            raise ValueError(f"unknown HVP method {method!r}; valid: {', '.join(HVP_METHODS)}")
        out = torch.zeros_like(theta)
        for Xb, yb in self._chunks():
            if method == "func":
                out += jvp(lambda t, Xb=Xb, yb=yb: grad(self._chunk_sum)(t, Xb, yb), (theta,), (v,))[1]
            else:
                t = theta.detach().requires_grad_(True)
                (g,) = torch.autograd.grad(self._chunk_sum(t, Xb, yb), t, create_graph=True)
                (hv,) = torch.autograd.grad(g @ v, t)
                out += hv
        return out / self.X.shape[0] + self.weight_decay * v


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm()


def power_max(hvp: Callable[[torch.Tensor], torch.Tensor], v0: torch.Tensor, steps: int) -> float:
    """The spectral radius (largest |eigenvalue|) of a symmetric operator, by ``steps`` power iterations.

    Parameters
    ----------
    hvp : callable
        v -> H v.
    v0 : torch.Tensor
        The starting vector (random).
    steps : int
        Iterations.

    Returns
    -------
    float
        ||H v|| for the last unit iterate v: it tends to max |lambda| from below whatever the signs (a
        Rayleigh quotient would stall between two eigenvalues of opposite sign and equal size). It is
        lambda_max when the largest eigenvalue dominates in magnitude, as on a trained network's Hessian.
    """
    v = _unit(v0)
    rho = float("nan")
    for _ in range(int(steps)):
        hv = hvp(v)
        rho = float(hv.norm())
        v = hv / rho
    return rho


@dataclass(frozen=True)
class OjaResult:
    """What ``oja_min`` found.

    Attributes
    ----------
    value : float
        The Rayleigh quotient v^T H v of the final direction under the exact operator (the estimate of
        lambda_min).
    vector : torch.Tensor
        The unit direction v.
    history : ndarray
        The Rayleigh quotient of the (possibly smoothed) operator at every step.
    rel_change : float
        |q_K - q_(K - window)| / |q_K| over the last ``window`` steps of ``history``.
    residual : float
        ||H v - value v|| / lambda_max under the exact operator (0 at an eigenvector).
    converged : bool
        ``rel_change <= tol``.
    lam_max : float
        The shift scale used, the spectral radius (eta / lam_max is the step).
    """

    value: float
    vector: torch.Tensor
    history: np.ndarray
    rel_change: float
    residual: float
    converged: bool
    lam_max: float


def oja_min(hvp: Callable[[torch.Tensor, int], torch.Tensor], v0: torch.Tensor, *, steps: int, lam_max: float,
            eta: float = 1.0, window: int = 5, tol: float = 0.05,
            hvp_exact: Callable[[torch.Tensor], torch.Tensor] | None = None) -> OjaResult:
    """The most negative eigenvalue of a symmetric operator by Oja's method (shifted power iteration).

    v <- normalise(v - (eta / lam_max) H_k v): the operator I - (eta / lam_max) H has its largest eigenvalue
    1 - eta lambda_min / lam_max at the most negative eigenvalue's eigenvector, so for 0 < eta <= 1 and
    lam_max >= the spectral radius the iteration converges to it, at a rate that depends on the gap
    (lambda_2 - lambda_min) / lam_max: about lam_max / gap steps per e-fold.

    Parameters
    ----------
    hvp : callable
        (v, k) -> H_k v, the operator at step k (k = 0..steps-1); a smoothed Hessian passes the Hessian at
        a fresh random perturbation for each k.
    v0 : torch.Tensor
        The starting vector (random).
    steps : int
        Oja iterations.
    lam_max : float
        The spectral radius (``power_max``); the step is eta / lam_max.
    eta : float
        The step in units of 1 / lam_max.
    window, tol : int, float
        Converged when the Rayleigh quotient changed by at most ``tol`` (relative) over the last ``window``
        steps.
    hvp_exact : callable, optional
        v -> H v, the unperturbed operator for the final estimate and residual (default ``hvp(v, 0)``).

    Returns
    -------
    OjaResult
    """
    if not lam_max > 0:
        raise ValueError(f"lam_max must be positive (got {lam_max}); Oja's shift needs the spectral scale")
    if steps <= window:
        raise ValueError(f"steps ({steps}) must exceed the convergence window ({window})")
    exact = hvp_exact if hvp_exact is not None else (lambda v: hvp(v, 0))
    v = _unit(v0)
    hist = []
    for k in range(int(steps)):
        hv = hvp(v, k)
        hist.append(float(v @ hv))
        v = _unit(v - (eta / lam_max) * hv)
    hv = exact(v)
    lam = float(v @ hv)
    h = np.asarray(hist)
    rel = float(abs(h[-1] - h[-1 - window]) / max(abs(h[-1]), 1e-300))
    res = float((hv - lam * v).norm()) / lam_max
    return OjaResult(lam, v, h, rel, res, bool(rel <= tol), float(lam_max))


def landscape_grid(f: Callable[[torch.Tensor], float], theta: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor,
                   a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """F(theta + a_i d1 + b_j d2) for every (a_i, b_j), in float64.

    Parameters
    ----------
    f : callable
        theta -> F(theta) as a float (``Objective.value``).
    theta, d1, d2 : torch.Tensor
        The point and the two directions (flat).
    a, b : array of float
        The grid's coordinates along d1 and d2.

    Returns
    -------
    ndarray, (len(a), len(b))
    """
    Z = np.empty((len(a), len(b)), dtype=np.float64)
    with torch.no_grad():
        for i, ai in enumerate(np.asarray(a, dtype=float)):
            for j, bj in enumerate(np.asarray(b, dtype=float)):
                Z[i, j] = f(theta + float(ai) * d1 + float(bj) * d2)
    return Z
