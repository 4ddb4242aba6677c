"""Many deep leaky-ReLU networks of one shape (Guo et al.'s architecture) held in stacked tensors.

K networks, each with its own leaky-ReLU slope alpha_k and its own weights, are held as stacked tensors
A (K, m, p), W_l (K, m, m), B (K, d, m) and run with batched matmuls. The networks never interact: the
gradient of sum_k L_k with respect to network k's weights is network k's own gradient, so one stacked step
equals K single-network steps (tested in float64 against ``DeepFCNet.guo`` trained by
``overparam.train.train``).

Network k: h0 = A_k x, h_l = sigma~_{alpha_k}(W_{k,l} h_{l-1}), f = B_k h_L; Algorithm 1 init
A ~ N(0, 1/m), W ~ N(0, 2/m), B ~ N(0, 1/d). ``trained="hidden"`` (the theory: only W_l move) or
``"all"`` (A and B too, as the papers' PyTorch experiments presumably did).
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["DeepEnsemble"]




def _leaky(g, a, s):
    return torch.where(g >= 0, g, a * g) * s


def _dleaky(g, a, s):
    return torch.where(g >= 0, s, a * s).expand_as(g)


class DeepEnsemble:
    """K stacked networks of Guo et al.'s architecture (see the module docstring)."""

    def __init__(self, A, weights, B, alphas, trained: str = "hidden"):
        if trained not in ("hidden", "all"):
            raise ValueError(f"trained must be 'hidden' or 'all'; got {trained!r}")
        self.trained = trained
        alphas = torch.as_tensor(alphas, dtype=A.dtype, device=A.device).reshape(-1)
        if torch.any(alphas >= 1):
            raise ValueError("every alpha must be < 1 (alpha > 1 is 1/alpha with negated weights)")
        K = alphas.shape[0]
        if A.shape[0] != K or B.shape[0] != K or any(W.shape[0] != K for W in weights):
            raise ValueError("A, every W and B must have the same leading dimension K = len(alphas)")
        self.A = A.detach().clone().requires_grad_(trained == "all")
        self.W = [W.detach().clone().requires_grad_(True) for W in weights]
        self.B = B.detach().clone().requires_grad_(trained == "all")
        self.alphas = alphas
        self._a = alphas.reshape(K, 1, 1)
        self._s = (1.0 / torch.sqrt(1.0 + alphas * alphas)).reshape(K, 1, 1)

    # ---------------------------------------------------------------- construction
    @classmethod
    def guo(cls, d_in: int, m: int, depth: int, alphas, d_out: int = 1, *, seeds=None,
            negate=None, trained: str = "hidden", dtype=torch.float64, device="cpu") -> "DeepEnsemble":
        """Algorithm 1 initialisation, network k drawn from ``torch.Generator().manual_seed(seeds[k])``
        in the order A, W_1..W_L, B (so network k equals ``DeepFCNet.guo(..., generator=that generator)``).

        ``seeds=None`` uses seed 0 for every network (common random numbers across alpha); an int gives
        every network that seed. ``negate[k]=True`` negates network k's hidden weights: with alpha and
        1/alpha this gives the same function (``theory.guo2024.canonical_alpha``)."""
        alphas = [float(a) for a in np.atleast_1d(alphas)]
        K = len(alphas)
        if seeds is None or np.isscalar(seeds):
            seeds = [0 if seeds is None else int(seeds)] * K
        if len(seeds) != K:
            raise ValueError("need one seed per network")
        negate = [False] * K if negate is None else list(negate)
        As, Ws, Bs = [], [[] for _ in range(depth)], []
        for k in range(K):
            g = torch.Generator().manual_seed(int(seeds[k]))
            As.append(torch.randn(m, d_in, generator=g, dtype=dtype) * math.sqrt(1.0 / m))
            for ell in range(depth):
                W = torch.randn(m, m, generator=g, dtype=dtype) * math.sqrt(2.0 / m)
                Ws[ell].append(-W if negate[k] else W)
            Bs.append(torch.randn(d_out, m, generator=g, dtype=dtype) * math.sqrt(1.0 / d_out))
        st = lambda xs: torch.stack(xs).to(device)  # noqa: E731
        return cls(st(As), [st(w) for w in Ws], st(Bs), alphas, trained=trained)

    @classmethod
    def from_models(cls, models, trained: str = "hidden") -> "DeepEnsemble":
        """Stack ``overparam.nets.DeepFCNet`` instances with a linear input layer (``DeepFCNet.guo``)."""
        for mdl in models:
            if getattr(mdl, "input_layer", "linear") != "linear":
                raise ValueError("only Guo et al.'s linear input layer is supported")
        A = torch.stack([mdl.A.detach() for mdl in models])
        Ws = [torch.stack([mdl.hidden[ell].detach() for mdl in models]) for ell in range(len(models[0].hidden))]
        B = torch.stack([mdl.B.detach() for mdl in models])
        return cls(A, Ws, B, [mdl.alpha for mdl in models], trained=trained)

    def to_model(self, k: int):
        """Network k as an ``overparam.nets.DeepFCNet`` (a copy)."""
        from .feedforward import DeepFCNet

        K, m, p = self.A.shape
        mdl = DeepFCNet.guo(p, m, len(self.W), d_out=self.B.shape[1], alpha=float(self.alphas[k]),
                            dtype=self.A.dtype, device=self.A.device)
        with torch.no_grad():
            mdl.A.copy_(self.A[k])
            mdl.B.copy_(self.B[k])
            for ell, W in enumerate(self.W):
                mdl.hidden[ell].copy_(W[k])
        return mdl

    # ---------------------------------------------------------------- properties
    @property
    def K(self) -> int:
        return self.alphas.shape[0]

    @property
    def width(self) -> int:
        return self.A.shape[1]

    @property
    def depth(self) -> int:
        return len(self.W)

    def parameters(self) -> list[torch.Tensor]:
        return ([self.A] if self.trained == "all" else []) + self.W + ([self.B] if self.trained == "all" else [])

    def state(self) -> list[torch.Tensor]:
        return [t.detach().clone() for t in [self.A, *self.W, self.B]]

    def load_state(self, state, mask=None) -> None:
        """Copy a ``state()`` back; with a boolean ``mask`` (K,) only into those networks."""
        with torch.no_grad():
            for t, s in zip([self.A, *self.W, self.B], state):
                if mask is None:
                    t.copy_(s)
                else:
                    t[mask] = s[mask]

    # ---------------------------------------------------------------- forward
    def _h0(self, X):
        return torch.matmul(X, self.A.transpose(1, 2))  # (n,p) or (K,n,p) -> (K,n,m)

    def forward(self, X) -> torch.Tensor:
        """Outputs (K, n, d) for inputs X (n, p) shared by all networks, or (K, n, p) one set each."""
        h = self._h0(X)
        for W in self.W:
            h = _leaky(torch.bmm(h, W.transpose(1, 2)), self._a, self._s)
        return torch.bmm(h, self.B.transpose(1, 2))

    __call__ = forward

    def preactivations(self, X) -> list[torch.Tensor]:
        """g_l = W_l h_{l-1} of every hidden layer, each (K, n, m)."""
        with torch.no_grad():
            h = self._h0(X)
            out = []
            for W in self.W:
                g = torch.bmm(h, W.transpose(1, 2))
                out.append(g)
                h = _leaky(g, self._a, self._s)
        return out

    @torch.no_grad()
    def ntk(self, X) -> torch.Tensor:
        """Exact empirical NTK Grams (K, n, n) of the trained parameters (scalar output), closed form:
        Theta = sum_l (H_{l-1} H_{l-1}^T) * (Delta_l Delta_l^T) (+ the A and B terms when trained="all")."""
        if self.B.shape[1] != 1:
            raise ValueError("ntk() handles scalar outputs")
        h = self._h0(X)
        Hs, Gs = [h], []
        for W in self.W:
            g = torch.bmm(h, W.transpose(1, 2))
            Gs.append(g)
            h = _leaky(g, self._a, self._s)
            Hs.append(h)
        bt = lambda M: M.transpose(1, 2)  # noqa: E731
        theta = torch.bmm(Hs[-1], bt(Hs[-1])) if self.trained == "all" else 0.0
        delta = self.B * _dleaky(Gs[-1], self._a, self._s)  # (K, n, m)
        for ell in range(self.depth, 0, -1):
            H = Hs[ell - 1]
            theta = theta + torch.bmm(H, bt(H)) * torch.bmm(delta, bt(delta))
            delta = torch.bmm(delta, self.W[ell - 1])
            if ell > 1:
                delta = delta * _dleaky(Gs[ell - 2], self._a, self._s)
        if self.trained == "all":
            Xk = X if X.ndim == 3 else X.expand(self.K, *X.shape)
            theta = theta + torch.bmm(Xk, bt(Xk)) * torch.bmm(delta, bt(delta))
        return 0.5 * (theta + bt(theta))


