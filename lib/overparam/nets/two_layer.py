"""Oymak & Soltanolkotabi's one-hidden-layer network: its fixed output layer and a single-network module.

Oymak & Soltanolkotabi (2020), eq. (1.1), f(x) = v^T phi(W x), trains only W (from W0 with i.i.d. N(0, 1)
entries) and keeps v fixed and balanced: half +||y||/sqrt(kn), half -||y||/sqrt(kn), and one 0 when k is
odd (Theorem 2.1 and its footnote 1). With y ~ N(0, I_n), ||y|| ~ sqrt(n) and v_l ~ +-1/sqrt(k). The
batched trainer of many such networks (``train.two_layer_trainer``) holds W as plain tensors;
``TwoLayerModule`` is the same network as an ``nn.Module``, the baseline it is tested against
(``train.two_layer_reference``).

``TwoLayerNet`` (in ``feedforward``) is Du et al. (2019)'s network, with random signs v_r = +-1/sqrt(m).
"""

from __future__ import annotations

import math

import torch

from .activations import ACTIVATIONS, activation_value

__all__ = ["TwoLayerModule", "output_weights"]


def output_weights(k: int, y_norm: float, n: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The paper's fixed, balanced output layer v (Oymak & Soltanolkotabi 2020, Theorem 2.1, footnote 1).

    floor(k/2) entries +||y||/sqrt(kn), then floor(k/2) entries -||y||/sqrt(kn), and one 0 last when k
    is odd (the scale keeps sqrt(k), not sqrt(k - 1), as the footnote has it). k = 1 gives v = 0.

    Parameters
    ----------
    k : int
        Number of hidden units.
    y_norm : float
        ||y||_2 of the labels.
    n : int
        Number of samples.
    dtype : torch.dtype
        Of the returned vector.

    Returns
    -------
    torch.Tensor, shape (k,)

    Raises
    ------
    ValueError
        If k < 1.
    """
    if k < 1:
        raise ValueError(f"need k >= 1 hidden units, got {k}")
    s = float(y_norm) / math.sqrt(k * n)
    h = k // 2
    v = torch.zeros(k, dtype=dtype)
    v[:h] = s
    v[h : 2 * h] = -s
    return v


class TwoLayerModule(torch.nn.Module):
    """One network of Oymak & Soltanolkotabi (2020), eq. (1.1), as a plain ``nn.Module``.

    W is the trained ``nn.Parameter`` (a copy of ``W0``), v a buffer (a copy of ``v``). The forward pass
    uses ``activations.activation_value``.

    Parameters
    ----------
    W0 : torch.Tensor, shape (k, d)
        Initial input-to-hidden weights.
    v : torch.Tensor, shape (k,)
        Fixed output weights (``output_weights``).
    activation : {"relu", "softplus"}

    Raises
    ------
    ValueError
        If ``activation`` is not one of ``activations.ACTIVATIONS``.
    """

    def __init__(self, W0: torch.Tensor, v: torch.Tensor, activation: str) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
        self.W = torch.nn.Parameter(W0.detach().clone())
        self.register_buffer("v", v.detach().clone())
        self.activation = activation

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """The outputs f(x_i) = v^T phi(W x_i).

        Parameters
        ----------
        X : torch.Tensor, shape (n, d)
            Inputs, one per row.

        Returns
        -------
        torch.Tensor, shape (n,)
        """
        return activation_value(X @ self.W.T, self.activation) @ self.v
