"""What the theorems talk about, measured along a training run.

The convergence proofs all control a few quantities of the trajectory: how far the weights move from
initialisation (Du et al. 2019, Lemmas 3.2 and 4.1; Oymak & Soltanolkotabi 2020, eq. (2.5)), how many
ReLU activation patterns change (the sign matrices D of Allen-Zhu, Li & Song 2019, Definition 2.2), and
the size of the gradient (Guo, Li & Lerman 2024, Lemma 4.2). Each factory here takes the model *at
initialisation* (and the data where needed), remembers what it needs, and returns a probe
``probe(model) -> float`` for ``overparam.train.train(..., probes=...)``, so a trainer records them
without knowing what they mean. ``sign_flip_fraction`` is the same flip count on raw weight tensors, for
the batched two-layer ensemble, which holds no ``nn.Module``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from numpy.typing import ArrayLike

from ..train.loop import loss_value

__all__ = ["activation_flips", "distance_from_init", "gradient_norm", "max_neuron_distance", "preactivation_list", "sign_flip_fraction"]


Probe = Callable[[torch.nn.Module], float]


def _trained(model: torch.nn.Module) -> list[torch.nn.Parameter]:
    return [p for p in model.parameters() if p.requires_grad]


def distance_from_init(model: torch.nn.Module, relative: bool = False) -> Probe:
    """A probe of ||W(t) - W(0)||_F over all trained parameters (Oymak & Soltanolkotabi 2020, eq. (2.5)).

    Parameters
    ----------
    model : torch.nn.Module
        The model at initialisation; its trained parameters (``requires_grad``) are copied as W(0).
    relative : bool
        Divide by ||W(0)||_F.

    Returns
    -------
    Probe
        ``probe(model) -> float``.
    """
    init = [p.detach().clone() for p in _trained(model)]
    norm0 = torch.sqrt(sum((w**2).sum() for w in init))

    def _probe(m: torch.nn.Module) -> float:
        d = torch.sqrt(sum(((p.detach() - w) ** 2).sum() for p, w in zip(_trained(m), init)))
        return float(d / norm0) if relative else float(d)

    return _probe


def max_neuron_distance(model: torch.nn.Module) -> Probe:
    """A probe of max_r ||w_r(t) - w_r(0)||, the per-neuron radius of Du et al. (2019).

    Du et al.'s Lemma 3.2 keeps lambda_min(H) >= lambda0/2 while every neuron stays within R of its
    start; Lemma 4.1 shows gradient descent keeps every neuron within R'.

    Parameters
    ----------
    model : torch.nn.Module
        A one-hidden-layer model with weights ``model.W`` (k x d, one neuron per row), at initialisation.

    Returns
    -------
    Probe
        ``probe(model) -> float``.
    """
    W0 = model.W.detach().clone()
    return lambda m: float((m.W.detach() - W0).norm(dim=1).max())


def preactivation_list(model: torch.nn.Module, X: torch.Tensor) -> list[torch.Tensor]:
    """The pre-activations of every trained layer of a model, as a list.

    Parameters
    ----------
    model : torch.nn.Module
        A model with a ``preactivations(X)`` method returning one tensor (``TwoLayerNet``) or a list
        (``DeepFCNet``).
    X : torch.Tensor
        Inputs, one per row.

    Returns
    -------
    list of torch.Tensor
        One (n, m) tensor per trained layer.
    """
    pre = model.preactivations(X)
    return list(pre) if isinstance(pre, (list, tuple)) else [pre]


def _changed_fraction(signs: Sequence[torch.Tensor], signs0: Sequence[torch.Tensor]) -> float:
    # the fraction of entries, pooled over the layers, where two boolean activation patterns differ
    changed = sum(int((s != s0).sum()) for s, s0 in zip(signs, signs0))
    return changed / sum(s0.numel() for s0 in signs0)


def activation_flips(model: torch.nn.Module, X: torch.Tensor) -> Probe:
    """A probe of the fraction of activation patterns that changed since initialisation.

    The fraction of (sample, hidden unit) pairs, pooled over all trained layers, whose pattern
    1{pre-activation >= 0} differs from the one at initialisation: the changed diagonal entries of the
    sign matrices D_{i,l} of Allen-Zhu, Li & Song (2019), Definition 2.2. For a one-hidden-layer model
    it equals ``sign_flip_fraction(W(t), W(0), X)`` (computed in the model's dtype rather than float64).

    Parameters
    ----------
    model : torch.nn.Module
        The model at initialisation, with a ``preactivations`` method (``preactivation_list``).
    X : torch.Tensor
        The inputs the patterns are taken on.

    Returns
    -------
    Probe
        ``probe(model) -> float`` in [0, 1].
    """
    with torch.no_grad():
        signs0 = [g >= 0 for g in preactivation_list(model, X)]

    def _probe(m: torch.nn.Module) -> float:
        with torch.no_grad():
            return _changed_fraction([g >= 0 for g in preactivation_list(m, X)], signs0)

    return _probe


def gradient_norm(X: torch.Tensor, y: torch.Tensor, loss: str = "half_sum") -> Probe:
    """A probe of ||grad L(W)||_F, the full-batch gradient norm over the trained parameters.

    The quantity of the gradient lower bounds (Guo, Li & Lerman 2024, Lemma 4.2, eq. (10); Allen-Zhu,
    Li & Song 2019, Theorem 3): ||grad L||_F^2 >= c L(W).

    Parameters
    ----------
    X : torch.Tensor
        Training inputs.
    y : torch.Tensor
        Training targets.
    loss : str
        The loss reduction (``train.loop.loss_value``): "half_sum", "sum" or "mean".

    Returns
    -------
    Probe
        ``probe(model) -> float``.
    """

    def _probe(m: torch.nn.Module) -> float:
        params = _trained(m)
        grads = torch.autograd.grad(loss_value(m(X), y, loss), params)
        return float(torch.sqrt(sum((g**2).sum() for g in grads)))

    return _probe


def sign_flip_fraction(W: ArrayLike, W0: ArrayLike, X: ArrayLike) -> float:
    """Fraction of (sample, unit) pairs whose pre-activation sign differs between W0 and W.

    For ReLU these are exactly the entries of phi'(X W^T) that changed, the perturbation that Oymak &
    Soltanolkotabi's Lemma 6.9 (Jacobian perturbation) controls. The same count as ``activation_flips``,
    on raw tensors and in float64.

    Parameters
    ----------
    W, W0 : array-like, shape (k, d)
        Input-to-hidden weights now and at initialisation.
    X : array-like, shape (n, d)
        Inputs, one per row.

    Returns
    -------
    float
        In [0, 1].
    """
    W, W0, X = (torch.as_tensor(a).to(torch.float64) for a in (W, W0, X))
    return _changed_fraction([X @ W.T >= 0], [X @ W0.T >= 0])
