"""What the theorems talk about, measured along a training run.

Each factory takes the model *at initialisation* (and the data where needed), remembers what it needs,
and returns a probe ``probe(model) -> float`` for ``overparam.train.train(..., probes=...)``.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..train.loop import loss_value

__all__ = ["distance_from_init", "max_neuron_distance", "preactivation_list", "activation_flips", "gradient_norm", "sign_flip_fraction"]


Probe = Callable[[torch.nn.Module], float]


def _trained(model):
    return [p for p in model.parameters() if p.requires_grad]


def distance_from_init(model: torch.nn.Module, relative: bool = False) -> Probe:
    """||W(t) - W(0)||_F over all trained parameters (optionally divided by ||W(0)||_F)."""
    init = [p.detach().clone() for p in _trained(model)]
    norm0 = torch.sqrt(sum((w**2).sum() for w in init))

    def probe(m):
        d = torch.sqrt(sum(((p.detach() - w) ** 2).sum() for p, w in zip(_trained(m), init)))
        return float(d / norm0) if relative else float(d)

    return probe


def max_neuron_distance(model: torch.nn.Module) -> Probe:
    """max_r ||w_r(t) - w_r(0)||: the per-neuron radius R of Du et al. (2019), Lemma 3.2/Thm 4.1."""
    W0 = model.W.detach().clone()
    return lambda m: float((m.W.detach() - W0).norm(dim=1).max())


def preactivation_list(model: torch.nn.Module, X: torch.Tensor) -> list[torch.Tensor]:
    pre = model.preactivations(X)
    return list(pre) if isinstance(pre, (list, tuple)) else [pre]


def activation_flips(model: torch.nn.Module, X: torch.Tensor) -> Probe:
    """Fraction of (sample, hidden unit) pairs, over all trained layers, whose activation pattern
    (pre-activation >= 0) differs from the one at initialisation."""
    with torch.no_grad():
        signs0 = [g >= 0 for g in preactivation_list(model, X)]
    total = sum(s.numel() for s in signs0)

    def probe(m):
        with torch.no_grad():
            changed = sum(int(((g >= 0) != s0).sum()) for g, s0 in zip(preactivation_list(m, X), signs0))
        return changed / total

    return probe


def gradient_norm(X: torch.Tensor, y: torch.Tensor, loss: str = "half_sum") -> Probe:
    """Frobenius norm of the full-batch gradient of the training loss over the trained parameters."""

    def probe(m):
        params = _trained(m)
        grads = torch.autograd.grad(loss_value(m(X), y, loss), params)
        return float(torch.sqrt(sum((g**2).sum() for g in grads)))

    return probe


def sign_flip_fraction(W, W0, X) -> float:
    """Fraction of (sample, unit) pairs whose pre-activation sign differs between W0 and W (for ReLU these
    are exactly the entries of phi'(X W^T) that changed)."""
    W, W0, X = (torch.as_tensor(a).to(torch.float64) for a in (W, W0, X))
    return float(((X @ W.T >= 0) != (X @ W0.T >= 0)).to(torch.float64).mean())

