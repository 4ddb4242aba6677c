"""The training convention, in one place: the names, the checks and the draws every trainer shares.

``overparam.train``'s docstring states the convention in words; this module is what makes the three
trainers (``loop.train``, ``deep_ensemble.train_ensemble``, ``two_layer_trainer.train_ensemble``) follow
it to the letter: they validate ``loss``, ``sgd_scale`` and ``stop`` here, scale an SGD gradient by
``sgd_factor``, draw their batches with ``batch_indices`` / ``batch_indices_per_network`` (without
replacement within a step) and decide divergence with ``is_healthy``.

Why the two SGD scalings: the papers disagree. Allen-Zhu, Li & Song (2019, Theorem 2, stated in Appendix
A) step with eta * n/|S_t| * sum_{i in S_t} grad F_i, an unbiased estimate of the full-batch gradient of the
sum loss, so the same eta serves GD and SGD ("unbiased", the default); Guo, Li & Lerman (2024, Algorithm 3)
step with the plain gradient of the batch loss L_B, and Oymak & Soltanolkotabi (2020, eq. 2.9) with the
gradient of one sample's half squared error ("sum"). A mean-type loss (``"mean"``, ``"ce"``) is already
divided by the batch size, so its batch gradient is unbiased as it stands (Zou, Cao, Zhou & Gu 2020,
Section 3: the minibatch gradient of the empirical risk (3.4)); both scalings then give the same step.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch

__all__ = [
    "LOSSES", "MEAN_LOSSES", "SGD_SCALES", "STOPS", "DivergenceError", "batch_indices",
    "batch_indices_per_network", "check_choice", "is_healthy", "resolve_sgd_scale", "resolve_stop",
    "sgd_factor",
]

LOSSES = ("half_sum", "sum", "mean")
"""The squared-loss reductions every trainer takes: 1/2 sum, sum, mean of (f_i - y_i)^2."""
MEAN_LOSSES = ("mean", "ce")
"""Losses divided by the number of samples they are evaluated on (their batch gradient needs no n/b)."""
SGD_SCALES = ("unbiased", "sum")
STOPS = ("absolute", "relative")

# Floyd's algorithm costs b small tensor operations per step; beyond this many samples one argsort of n
# uniforms per network is cheaper. Both draw a uniformly random b-subset.
_FLOYD_MAX_BATCH = 16


class DivergenceError(RuntimeError):
    """Training blew up: a non-finite loss, or a loss past ``blowup`` times its initial value.

    Parameters
    ----------
    message : str
        What diverged, at which step, with which step size.
    log : object
        Everything the trainer recorded up to the last finite step (a ``TrainLog`` for ``train``, a
        ``ClassifierLog`` for ``train_classifier``), so nothing already measured is lost.
    """

    def __init__(self, message: str, log: Any):
        super().__init__(message)
        self.log = log


def check_choice(name: str, value: Any, valid: tuple) -> Any:
    """Return ``value`` if it is one of ``valid``, else raise a ``ValueError`` that lists them.

    Parameters
    ----------
    name : str
        The keyword's name, for the message.
    value : object
        What was passed.
    valid : tuple
        The accepted values.

    Returns
    -------
    object
        ``value`` unchanged.
    """
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(repr(v) for v in valid)}")
    return value


def resolve_sgd_scale(sgd_scale: str, batch_scale: str | None, aliases: dict[str, str]) -> str:
    """The SGD scaling after the deprecated ``batch_scale`` keyword (kept for one release).

    Parameters
    ----------
    sgd_scale : str
        ``"unbiased"`` or ``"sum"``.
    batch_scale : str or None
        The old keyword; when given it wins, with a ``DeprecationWarning``.
    aliases : dict
        The old keyword's values and the ``sgd_scale`` each means (``{"none": "sum", ...}``).

    Returns
    -------
    str
        ``"unbiased"`` or ``"sum"``.
    """
    if batch_scale is not None:
        if batch_scale not in aliases:
            raise ValueError(f"batch_scale must be one of {', '.join(map(repr, aliases))}, got {batch_scale!r}")
        sgd_scale = aliases[batch_scale]
        warnings.warn(f"batch_scale={batch_scale!r} is deprecated: pass sgd_scale={sgd_scale!r}",
                      DeprecationWarning, stacklevel=3)
    return check_choice("sgd_scale", sgd_scale, SGD_SCALES)


def resolve_stop(stop: str | None, tol: float | None, legacy: str) -> str | None:
    """The stopping rule; ``tol`` given without ``stop`` keeps the trainer's old rule for one release.

    Parameters
    ----------
    stop : {"absolute", "relative"} or None
        ``"absolute"``: stop when the loss is at most ``tol``; ``"relative"``: when ||f - y|| / ||y|| is at
        most ``tol``; None: run every step.
    tol : float or None
        The threshold; required with a rule.
    legacy : {"absolute", "relative"}
        The rule this trainer applied to a bare ``tol`` before the convention named it (used, with a
        ``DeprecationWarning``, when ``tol`` comes without ``stop``).

    Returns
    -------
    str or None
        The rule to apply.
    """
    if stop is None:
        if tol is None:
            return None
        warnings.warn(f"tol= without stop= is deprecated: pass stop={legacy!r} (the rule applied here)",
                      DeprecationWarning, stacklevel=3)
        return legacy
    check_choice("stop", stop, STOPS)
    if tol is None or not math.isfinite(tol) or tol < 0:
        raise ValueError(f"stop={stop!r} needs a finite tol >= 0, got {tol!r}")
    return stop


def sgd_factor(loss: str, n: int, b: int, sgd_scale: str) -> float:
    """The factor an SGD step multiplies the gradient of its batch's loss by.

    Parameters
    ----------
    loss : str
        The loss reduction; a mean-type loss (``MEAN_LOSSES``) is already divided by the batch size.
    n, b : int
        Number of samples and of samples in the batch.
    sgd_scale : {"unbiased", "sum"}
        ``"unbiased"``: n/b for a sum-type loss, so that the step's expectation is the full-batch gradient;
        ``"sum"``: the plain gradient of the batch's loss.

    Returns
    -------
    float
    """
    if sgd_scale == "unbiased" and loss not in MEAN_LOSSES:
        return n / b
    return 1.0


def is_healthy(loss: torch.Tensor, loss0: torch.Tensor, blowup: float) -> torch.Tensor:
    """True where the loss is finite and at most ``blowup`` times the initial loss (elementwise).

    Parameters
    ----------
    loss, loss0 : torch.Tensor
        Current and initial losses (any matching shapes). ``loss0`` is floored at the dtype's smallest
        normal number so that a zero initial loss does not make every later step a divergence.
    blowup : float
        The growth factor that counts as divergence.

    Returns
    -------
    torch.Tensor
        Boolean, False for NaN and inf.
    """
    floor = torch.finfo(loss0.dtype).tiny
    return loss <= blowup * loss0.clamp_min(floor)


def batch_indices(n: int, b: int, generator: torch.Generator | None = None,
                  device: torch.device | str = "cpu") -> torch.Tensor:
    """One batch of ``b`` distinct sample indices, ``torch.randperm(n, generator)[:b]``.

    Parameters
    ----------
    n, b : int
        Number of samples, batch size.
    generator : torch.Generator or None
        None draws from torch's global generator.
    device : torch.device or str
        Where the indices are returned (the draw is on the generator's device).

    Returns
    -------
    torch.Tensor
        (b,) long.
    """
    return torch.randperm(n, generator=generator)[:b].to(device)


def batch_indices_per_network(n: int, networks: int, b: int, generator: torch.Generator | None = None,
                              device: torch.device | str = "cpu") -> torch.Tensor:
    """An independent batch of ``b`` distinct sample indices for each of ``networks`` networks.

    For b <= 16 Floyd's algorithm (b vectorised draws; for b = 1 it is ``torch.randint(n, (networks,))``),
    else the first b of an argsort of n uniforms per network. Both give a uniformly random b-subset.

    Parameters
    ----------
    n, networks, b : int
        Number of samples, of networks and the batch size (1 <= b <= n).
    generator : torch.Generator or None
        Draws the indices, on ``device`` (None: torch's global generator).
    device : torch.device or str
        Where the draw happens.

    Returns
    -------
    torch.Tensor
        (networks, b) long; the order within a row carries no meaning.
    """
    if b > _FLOYD_MAX_BATCH:
        u = torch.rand(networks, n, generator=generator, device=device)
        return u.argsort(dim=1)[:, :b]
    picks: list[torch.Tensor] = []
    for j in range(n - b, n):  # Floyd: draw t in [0, j]; if already taken, take j (never taken yet)
        t = torch.randint(j + 1, (networks,), generator=generator, device=device)
        if picks:
            taken = (torch.stack(picks, dim=1) == t.unsqueeze(1)).any(dim=1)
            t = torch.where(taken, torch.full_like(t, j), t)
        picks.append(t)
    return torch.stack(picks, dim=1)
