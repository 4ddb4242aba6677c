"""Zou, Cao, Zhou & Gu (2020)'s deep ReLU classifier, K networks of one shape in stacked tensors.

Network k (Section 3): x_0 = x, x_l = relu(W_l^T x_{l-1}) for l = 1..L, y_hat = v^T x_L, with
W_l in R^{m_{l-1} x m_l} (neurons are *columns*), m_0 = d, every entry N(0, 2/m_l): the fan-*out*
variance, for the first layer too. The output layer v in {+1, -1}^{m_L} is fixed, half +1 (the first
m_L/2 units) and half -1, with no 1/sqrt(m) factor; it is never trained. All L matrices are trained. With
this scale ||d y_hat / d W_l||_F ~ sqrt(m/2), so the tangent kernel grows like m and every step size of
the paper carries 1/m.

``DeepFCNet`` and ``DeepEnsemble`` do not fit: they hold a fixed input layer A and a Gaussian read-out B,
where this network trains its first layer and reads out with the fixed +-1 vector. The K networks never
interact, so the gradient of sum_k L_k with respect to network k's weights is network k's own.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch

__all__ = ["ZouEnsemble", "output_vector"]


def output_vector(m: int, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu") -> torch.Tensor:
    """The fixed output layer v: +1 on the first m/2 units, -1 on the rest (proof of Lemma A.6).

    Parameters
    ----------
    m : int
        Even width of the last hidden layer.
    dtype, device

    Returns
    -------
    torch.Tensor
        (m,).
    """
    if m < 2 or m % 2:
        raise ValueError(f"the last width must be even (half +1, half -1), got {m}")
    v = torch.ones(m, dtype=dtype, device=device)
    v[m // 2:] = -1.0
    return v


class ZouEnsemble:
    """K networks of Zou et al.'s architecture (see the module docstring), stacked.

    Parameters
    ----------
    weights : sequence of torch.Tensor
        L tensors, W_l of shape (K, m_{l-1}, m_l) (the paper's orientation).
    """

    def __init__(self, weights: Sequence[torch.Tensor]):
        if not weights:
            raise ValueError("need at least one layer")
        K = weights[0].shape[0]
        for a, b in itertools.pairwise(weights):
            if b.shape[0] != K or b.shape[1] != a.shape[2]:
                raise ValueError("layer shapes do not chain: W_l is (K, m_{l-1}, m_l)")
        self.W = [w.detach().clone().requires_grad_(True) for w in weights]
        self.v = output_vector(self.W[-1].shape[2], self.W[0].dtype, self.W[0].device)

    @classmethod
    def init(cls, d: int, m: int, depth: int, seeds: Sequence[int], *, dtype: torch.dtype = torch.float64,
             device: str | torch.device = "cpu") -> ZouEnsemble:
        """The paper's Gaussian initialisation of K = len(seeds) networks of width m.

        Network k draws W_1, ..., W_L in that order from ``torch.Generator().manual_seed(seeds[k])``, so
        it does not depend on which other networks share the ensemble.

        Parameters
        ----------
        d : int
            Input dimension (the bias coordinate included).
        m : int
            Even width of every hidden layer (Assumption 3.6 holds with M = m).
        depth : int
            L, the number of trained layers.
        seeds : sequence of int
        dtype, device

        Returns
        -------
        ZouEnsemble
        """
        widths = [d] + [m] * depth
        layers: list[list[torch.Tensor]] = [[] for _ in range(depth)]
        for s in seeds:
            g = torch.Generator().manual_seed(int(s))
            for ell in range(depth):
                std = math.sqrt(2.0 / widths[ell + 1])
                layers[ell].append(torch.randn(widths[ell], widths[ell + 1], generator=g, dtype=dtype) * std)
        return cls([torch.stack(w).to(device) for w in layers])

    @property
    def K(self) -> int:
        """The number of networks."""
        return self.W[0].shape[0]

    @property
    def depth(self) -> int:
        """L, the number of trained layers."""
        return len(self.W)

    @property
    def width(self) -> int:
        """m_L, the width of the last hidden layer."""
        return self.W[-1].shape[2]

    def parameters(self) -> list[torch.Tensor]:
        """The trained tensors W_1..W_L (each (K, m_{l-1}, m_l), ``requires_grad``)."""
        return self.W

    def state(self) -> list[torch.Tensor]:
        """Detached copies of the weights."""
        return [w.detach().clone() for w in self.W]

    def _x0(self, X: torch.Tensor) -> torch.Tensor:
        X = X.to(device=self.W[0].device, dtype=self.W[0].dtype)
        return X.expand(self.K, *X.shape) if X.dim() == 2 else X

    def layers(self, X: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Pre-activations and features of every layer.

        Parameters
        ----------
        X : torch.Tensor
            (n, d) inputs shared by the networks, or (K, n, d).

        Returns
        -------
        pre : list of torch.Tensor
            L tensors (K, n, m_l): W_l^T x_{l-1} for each input.
        feats : list of torch.Tensor
            L + 1 tensors: x_0 (K, n, d), then x_l (K, n, m_l).
        """
        h = self._x0(X)
        pre, feats = [], [h]
        for W in self.W:
            g = torch.bmm(h, W)
            pre.append(g)
            h = torch.relu(g)
            feats.append(h)
        return pre, feats

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """The outputs y_hat = v^T x_L.

        Parameters
        ----------
        X : torch.Tensor
            (n, d) or (K, n, d).

        Returns
        -------
        torch.Tensor
            (K, n).
        """
        return self.layers(X)[1][-1] @ self.v

    __call__ = forward

    def preactivations(self, X: torch.Tensor) -> list[torch.Tensor]:
        """L tensors (K, n, m_l): the sign patterns Sigma_{l,i} are their signs (``measure.perturbations``)."""
        with torch.no_grad():
            return self.layers(X)[0]

    def last_layer_gram(self, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """G_{ii'} = y_i y_i' <x_{L-1,i}, x_{L-1,i'}> (1/m_L) sum_j sigma'_{ij} sigma'_{i'j}, per network.

        With a_i = |l'(y_i y_hat_i)|, ||grad_{W_L} L_S||_F^2 = (m_L / n^2) a^T G a (the gradient of
        Section 2.5 of the notes; ``v_j^2 = 1``): the quantity of Theorem 5.3(vii). G is positive
        semi-definite (a Hadamard product of three Gram matrices).

        Parameters
        ----------
        X : torch.Tensor
            (n, d) inputs.
        y : torch.Tensor
            (n,) labels +-1.

        Returns
        -------
        torch.Tensor
            (K, n, n), float64 in the ensemble's dtype.
        """
        with torch.no_grad():
            pre, feats = self.layers(X)
            h = feats[-2]
            S = (pre[-1] > 0).to(h.dtype)
            y = y.to(device=h.device, dtype=h.dtype)
            return (y[:, None] * y[None, :]) * (h @ h.transpose(1, 2)) * (S @ S.transpose(1, 2)) / self.width

    def per_sample_gradient_spectral(self, X: torch.Tensor) -> list[torch.Tensor]:
        """||d y_hat_i / d W_l||_2 for every layer and input, per network.

        d y_hat_i / d W_l = x_{l-1,i} delta_{l,i}^T is rank one, so its spectral norm is
        ||x_{l-1,i}|| ||delta_{l,i}||, delta_{l,i} = d y_hat_i / d(W_l^T x_{l-1,i}) (by autograd through
        the pre-activations): the per-sample quantity of Theorem 5.3(viii)'s upper bound.

        Parameters
        ----------
        X : torch.Tensor
            (n, d).

        Returns
        -------
        list of torch.Tensor
            L tensors (K, n).
        """
        with torch.enable_grad():
            pre, feats = self.layers(X)
            out = feats[-1] @ self.v
            deltas = torch.autograd.grad(out.sum(), pre)
        return [f.detach().norm(dim=2) * dl.norm(dim=2) for f, dl in zip(feats[:-1], deltas)]
