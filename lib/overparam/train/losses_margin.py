"""Margin losses l(y y_hat) of Zou, Cao, Zhou & Gu (2020), Assumptions 3.1-3.3 and 4.4, as one parameter.

L_S(W) = (1/n) sum_i l(y_i y_hat_i). Assumption 3.2 asks -l'(x) >= min{alpha0, alpha1 l(x)^p} with
0 < p <= 1 (alpha0 may be +inf); 3.3 asks l to be rho-smooth; 4.4 (SGD) -l'(x) <= min{rho0, rho1 l(x)^p}.
The displays of 3.1-3.3 and 4.4 are lost in the paper's text: their form here is the reading notes'
reconstruction. The constants below are derived, not quoted (the notes' table):

========================  ======  ======  =====  ================  ===================================
loss                      alpha0  alpha1  p      rho (3.3)         meets 3.1-3.3
========================  ======  ======  =====  ================  ===================================
logistic log(1+e^-x)      1/2     1/2     1      1/4               yes
squared hinge (1-x)_+^2   inf     2       1/2    2                 yes (the PL case of the remark)
exponential e^-x          inf     1       1      not smooth on R   no: beyond Theorems 4.1/4.5
hinge (1-x)_+             1       any     any    not smooth        no: beyond Theorems 4.1/4.5
========================  ======  ======  =====  ================  ===================================

The paper names hinge, cross-entropy and exponential losses for Assumption 3.2 alone, which is right;
only logistic and squared hinge meet 3.3 as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["LOSSES", "MarginLoss", "get", "loss_derivative", "loss_value"]


@dataclass(frozen=True)
class MarginLoss:
    """One loss of the family with the constants of Assumptions 3.2 and 3.3 (derived, see the module).

    Attributes
    ----------
    name : str
    alpha0, alpha1, p : float
        -l'(x) >= min{alpha0, alpha1 l^p}; alpha0 = inf allowed.
    rho : float
        The smoothness constant (inf: not smooth on the real line).
    meets_assumptions : bool
        Whether 3.1-3.3 all hold (then Theorems 4.1 and 4.5 apply).
    """

    name: str
    alpha0: float
    alpha1: float
    p: float
    rho: float
    meets_assumptions: bool


LOSSES = {
    "logistic": MarginLoss("logistic", 0.5, 0.5, 1.0, 0.25, True),
    "squared_hinge": MarginLoss("squared_hinge", math.inf, 2.0, 0.5, 2.0, True),
    "exponential": MarginLoss("exponential", math.inf, 1.0, 1.0, math.inf, False),
    "hinge": MarginLoss("hinge", 1.0, math.inf, 1.0, math.inf, False),
}


def get(name: str) -> MarginLoss:
    """The loss called ``name`` (one of ``LOSSES``)."""
    if name not in LOSSES:
        raise ValueError(f"unknown margin loss {name!r}; valid: {', '.join(LOSSES)}")
    return LOSSES[name]


def loss_value(t: torch.Tensor, name: str) -> torch.Tensor:
    """l(t) elementwise, t = y y_hat (numerically stable logistic).

    Parameters
    ----------
    t : torch.Tensor
        Margins.
    name : str
        One of ``LOSSES``.

    Returns
    -------
    torch.Tensor
    """
    get(name)
    if name == "logistic":
        return F.softplus(-t)
    if name == "squared_hinge":
        return torch.relu(1 - t) ** 2
    if name == "exponential":
        return torch.exp(-t)
    return torch.relu(1 - t)


def loss_derivative(t: torch.Tensor, name: str) -> torch.Tensor:
    """l'(t) elementwise (<= 0), in closed form; the hinge takes l'(1) = 0.

    Parameters
    ----------
    t : torch.Tensor
    name : str

    Returns
    -------
    torch.Tensor
    """
    get(name)
    if name == "logistic":
        return -torch.sigmoid(-t)
    if name == "squared_hinge":
        return -2 * torch.relu(1 - t)
    if name == "exponential":
        return -torch.exp(-t)
    return -(t < 1).to(t.dtype)
