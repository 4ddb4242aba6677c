"""One-hidden-layer networks: Du et al.'s and Oymak & Soltanolkotabi's.

``TwoLayerNet`` (in ``feedforward``) is the NTK-parameterised network of Du et al. (2019) with random signs
v_r = +-1/sqrt(m). ``TwoLayerModule`` is Oymak & Soltanolkotabi's (2020, eq. 1.1), f(x) = v^T phi(W x) with
W0 i.i.d. N(0, 1) and the fixed balanced output layer of ``output_weights``: half +||y||/sqrt(kn), half
-||y||/sqrt(kn), and one 0 when k is odd (footnote 1). With y ~ N(0, I_n), ||y|| ~ sqrt(n) and v_l ~ +-1/sqrt(k).
"""

from __future__ import annotations

import math

import torch

from .activations import ACTIVATIONS, activation_value

__all__ = ["output_weights", "TwoLayerModule"]

# ------------------------------------------------------------------------------------------------- problems
def output_weights(k: int, y_norm: float, n: int, dtype=torch.float64) -> torch.Tensor:
    """The paper's fixed output layer: floor(k/2) entries +||y||/sqrt(kn), floor(k/2) entries -||y||/sqrt(kn),
    and one 0 when k is odd (footnote 1; the scale keeps sqrt(k), not sqrt(k-1)). k = 1 gives v = 0."""
    if k < 1:
        raise ValueError(f"need k >= 1 hidden units, got {k}")
    s = float(y_norm) / math.sqrt(k * n)
    h = k // 2
    v = torch.zeros(k, dtype=dtype)
    v[:h] = s
    v[h : 2 * h] = -s
    return v

# ------------------------------------------------------------------------------------------ single baseline
class TwoLayerModule(torch.nn.Module):
    """One network of the paper as a plain ``nn.Module``: W trained (``nn.Parameter``), v a buffer."""

    def __init__(self, W0: torch.Tensor, v: torch.Tensor, activation: str):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
        self.W = torch.nn.Parameter(W0.detach().clone())
        self.register_buffer("v", v.detach().clone())
        self.activation = activation

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return activation_value(X @ self.W.T, self.activation) @ self.v

