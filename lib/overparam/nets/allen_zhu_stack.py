"""K stacked networks of Allen-Zhu, Li & Song (2019), Section 2: a ReLU input layer, then the deep ensemble.

Allen-Zhu et al.'s network is Guo et al.'s stacked network (``nets.deep_stack.DeepEnsemble``) at alpha = 0
with one difference: the fixed input layer is followed by a ReLU, h_0 = relu(A x) with A ~ N(0, 2/m)
(Definition 2.3), where Guo et al. have h_0 = A x with A ~ N(0, 1/m). ``AllenZhuEnsemble`` overrides only
that input map, so the batched trainer (``train.deep_ensemble.train_ensemble``), the probes and the flips
work unchanged; its exact empirical NTK is ``guo_empirical_ntk`` applied to the features h_0 with an
identity input layer (A is not trained, so the hidden-layer Gram only sees h_0). Network k equals
``DeepFCNet.allen_zhu(..., generator=torch.Generator().manual_seed(seeds[k]))`` (tested).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from .deep_ntk import guo_empirical_ntk
from .deep_stack import DeepEnsemble

__all__ = ["AllenZhuEnsemble", "ResidualEnsemble"]


class AllenZhuEnsemble(DeepEnsemble):
    """K stacked ReLU networks h_0 = relu(A x), h_l = relu(W_l h_{l-1}), y = B h_L (only W_l trained)."""

    @classmethod
    def allen_zhu(cls, d_in: int, m: int, depth: int, d_out: int = 1, *, seeds: int | Sequence[int] = 0,
                  dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu") -> AllenZhuEnsemble:
        """Definition 2.3's initialisation of K networks, network k drawn from seed ``seeds[k]``.

        Draw order A, W_1..W_L, B on a CPU generator, as ``DeepFCNet.allen_zhu``: A ~ N(0, 2/m),
        W_l ~ N(0, 2/m), B ~ N(0, 1/d_out) (variances).

        Parameters
        ----------
        d_in, m, depth, d_out : int
            Input dimension (padded), width, number L of trained layers, output dimension d.
        seeds : int or sequence of int
            One seed per network (an int: a single network).
        dtype, device
            Of every tensor.

        Returns
        -------
        AllenZhuEnsemble
        """
        seeds = [int(s) for s in np.atleast_1d(seeds)]
        As, Ws, Bs = [], [[] for _ in range(depth)], []
        for s in seeds:
            g = torch.Generator().manual_seed(s)
            As.append(torch.randn(m, d_in, generator=g, dtype=dtype) * math.sqrt(2.0 / m))
            for ell in range(depth):
                Ws[ell].append(torch.randn(m, m, generator=g, dtype=dtype) * math.sqrt(2.0 / m))
            Bs.append(torch.randn(d_out, m, generator=g, dtype=dtype) * math.sqrt(1.0 / d_out))
        st = lambda xs: torch.stack(xs).to(device)
        return cls(st(As), [st(w) for w in Ws], st(Bs), [0.0] * len(seeds), trained="hidden")

    def _h0(self, X):
        return torch.clamp_min(super()._h0(X), 0.0)

    def features(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The hidden representations h_0..h_L of every network (detached), each (K, n, m)."""
        with torch.no_grad():
            h = self._h0(X)
            out = [h]
            for W in self.W:
                h = torch.clamp_min(torch.bmm(h, W.transpose(1, 2)), 0.0)
                out.append(h)
        return out

    def to_model(self, k: int):
        """Network k as an ``overparam.nets.DeepFCNet.allen_zhu`` (a copy)."""
        from .feedforward import DeepFCNet

        _, m, p = self.A.shape
        mdl = DeepFCNet.allen_zhu(p, m, len(self.W), d_out=self.B.shape[1], dtype=self.A.dtype,
                                  device=self.A.device)
        with torch.no_grad():
            mdl.A.copy_(self.A[k])
            mdl.B.copy_(self.B[k])
            for ell, W in enumerate(self.W):
                mdl.hidden[ell].copy_(W[k])
        return mdl

    @torch.no_grad()
    def ntk(self, X: torch.Tensor, layers: str = "all") -> torch.Tensor:
        """Exact empirical NTK Grams of W_1..W_L (scalar output), one per network, float64, not divided by m.

        Parameters
        ----------
        X : torch.Tensor
            (n, p) or (K, n, p) inputs.
        layers : {"all", "last"}
            "all": G = J J^T over every trained layer; "last": the W_L block G_L alone (Theorem 3's
            restated form, Lemma 9.3).

        Returns
        -------
        torch.Tensor
            (K, n, n).
        """
        if self.B.shape[1] != 1:
            raise ValueError("ntk() handles scalar outputs")
        H0 = self._h0(X).to(torch.float64)
        m = H0.shape[-1]
        eye = torch.eye(m, dtype=torch.float64, device=H0.device).expand(self.K, m, m)
        if layers == "all":
            return guo_empirical_ntk(H0, eye, self.W, self.B, self._alpha_list, trained="hidden")
        if layers != "last":
            raise ValueError(f"layers must be 'all' or 'last'; got {layers!r}")
        h = self.features(X)[-2].to(torch.float64)
        back = self.B.to(torch.float64) * (torch.bmm(h, self.W[-1].to(torch.float64).transpose(1, 2)) >= 0)
        return torch.bmm(h, h.transpose(1, 2)) * torch.bmm(back, back.transpose(1, 2))


class ResidualEnsemble(AllenZhuEnsemble):
    """K stacked residual networks of Allen-Zhu et al., Appendix C (only W_1..W_L trained).

    h_0 = relu(A x); h_l = relu(h_{l-1} + tau W_l h_{l-1}) for l = 1..L-1 (one matrix per branch, no inner
    ReLU); h_L = relu(W_L h_{L-1}); y = B h_L. Same initialisation as ``AllenZhuEnsemble.allen_zhu`` (W_l ~
    N(0, 2/m)), with the branch scale tau = 1/Omega(L log m) given by the caller (Appendix C leaves the constant
    open). Built with ``ResidualEnsemble.from_plain(ens, tau)`` from an ``AllenZhuEnsemble``'s weights.
    """

    def __init__(self, A, weights, B, alphas, trained: str = "hidden", tau: float = 1.0):
        super().__init__(A, weights, B, alphas, trained=trained)
        self.tau = float(tau)

    @classmethod
    def from_plain(cls, ens: AllenZhuEnsemble, tau: float) -> ResidualEnsemble:
        """The residual network with ``ens``'s weights and branch scale ``tau``."""
        return cls(ens.A, ens.W, ens.B, ens._alpha_list, tau=tau)

    def _layers(self, X, keep_graph: bool):
        h = self._h0(X)
        hs, gs = [h], []
        for ell, W in enumerate(self.W):
            branch = torch.bmm(h, W.transpose(1, 2))
            g = branch if ell == len(self.W) - 1 else h + self.tau * branch
            gs.append(g)
            h = torch.clamp_min(g, 0.0)
            hs.append(h)
        if not keep_graph:
            hs, gs = [t.detach() for t in hs], [t.detach() for t in gs]
        return hs, gs

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Outputs (K, n, d)."""
        hs, _ = self._layers(X, keep_graph=True)
        return torch.bmm(hs[-1], self.B.transpose(1, 2))

    __call__ = forward

    def preactivations(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The pre-activations g_1..g_L (detached): their signs are the D matrices of Appendix C."""
        with torch.no_grad():
            return self._layers(X, keep_graph=False)[1]

    def features(self, X: torch.Tensor) -> list[torch.Tensor]:
        """h_0..h_L (detached), each (K, n, m)."""
        with torch.no_grad():
            return self._layers(X, keep_graph=False)[0]

    def ntk(self, X: torch.Tensor, layers: str = "all") -> torch.Tensor:
        """Exact empirical NTK Grams over W_1..W_L, (K, n, n) float64: the gradient of y_i in W_l is the rank-one
        c_l Delta_{i,l} h_{i,l-1}^T (c_l = tau for a residual branch, 1 for W_L), so
        G = sum_l c_l^2 (H_{l-1} H_{l-1}^T) * (Delta_l Delta_l^T), with Delta_l = dy/dg_l from one backward pass."""
        if layers != "all" or self.B.shape[1] != 1:
            raise ValueError("ResidualEnsemble.ntk handles layers='all' and a scalar output")
        with torch.enable_grad():
            hs, gs = self._layers(X, keep_graph=True)
            y = torch.bmm(hs[-1], self.B.detach().transpose(1, 2)).sum()
            deltas = torch.autograd.grad(y, gs)
        G = 0.0
        for ell, (h, dl) in enumerate(zip(hs[:-1], deltas)):
            c2 = 1.0 if ell == len(self.W) - 1 else self.tau ** 2
            h, dl = h.detach().to(torch.float64), dl.to(torch.float64)
            G = G + c2 * torch.bmm(h, h.transpose(1, 2)) * torch.bmm(dl, dl.transpose(1, 2))
        return G
