"""Many deep leaky-ReLU networks of one shape (Guo et al.'s architecture) held in stacked tensors.

K networks, each with its own leaky-ReLU slope alpha_k and its own weights, are held as stacked tensors
A (K, m, p), W_l (K, m, m), B (K, d, m) and run with batched matmuls. The networks never interact: the
gradient of sum_k L_k with respect to network k's weights is network k's own gradient, so one stacked step
equals K single-network steps (tested in float64 against ``DeepFCNet.guo`` trained by
``overparam.train.train``).

Network k (Guo, Li & Lerman 2024, Section 2, eq. (1)): h0 = A_k x, h_l = sigma~_{alpha_k}(W_{k,l} h_{l-1}),
f = B_k h_L, with Algorithm 1's initialisation A ~ N(0, 1/m), W ~ N(0, 2/m), B ~ N(0, 1/d).
``trained="hidden"`` (the theory: only W_l move) or ``"all"`` (A and B too, as the papers' PyTorch
experiments presumably did).

The activation is ``nets.activations``' rescaled leaky ReLU, with one slope per network
(``stacked_leaky_relu``); the empirical NTK is ``measure.ntk.guo_empirical_ntk``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

from . import activations

__all__ = ["DeepEnsemble", "stacked_leaky_relu"]

Fn = Callable[[torch.Tensor], torch.Tensor]


def stacked_leaky_relu(alphas: Sequence[float], dtype: torch.dtype = torch.float64,
                       device: str | torch.device = "cpu") -> tuple[Fn, Fn]:
    """(sigma, sigma') of ``activations.get("leaky_relu", alpha_k)`` for network k of a stacked tensor.

    A thin adapter: ``nets.activations`` takes one float slope, and calling it once per network costs
    K small kernels per layer (up to 1.5x a training step at small widths). Here each network's slope
    and scale are read off the shared derivative, s_k = sigma_k'(1) and alpha_k s_k = sigma_k'(-1), and
    broadcast over the leading (network) dimension in ``leaky_relu_scaled``'s own expression,
    where(g >= 0, g, alpha g) * s, so the values equal the shared function's bit for bit (tested).

    Parameters
    ----------
    alphas : sequence of float
        One slope per network (each < 1), in stacking order.
    dtype, device
        Of the tensors the functions will be applied to.

    Returns
    -------
    sigma, sigma_prime : callable
        Functions of a (K, n, m) tensor (pre-activations, network first) returning one of that shape.
    """
    probe = torch.tensor([1.0, -1.0], dtype=dtype)
    rows = [activations.get("leaky_relu", float(a))[1](probe) for a in alphas]
    K = len(rows)
    scale = torch.stack([r[0] for r in rows]).reshape(K, 1, 1).to(device)
    negative = torch.stack([r[1] for r in rows]).reshape(K, 1, 1).to(device)
    alpha = torch.tensor([float(a) for a in alphas], dtype=dtype).reshape(K, 1, 1).to(device)

    def sigma(g: torch.Tensor) -> torch.Tensor:
        return torch.where(g >= 0, g, alpha * g) * scale

    def sigma_prime(g: torch.Tensor) -> torch.Tensor:
        return torch.where(g >= 0, scale, negative).expand_as(g)

    return sigma, sigma_prime


class DeepEnsemble:
    """K stacked networks of Guo et al.'s architecture (see the module docstring).

    Parameters
    ----------
    A : torch.Tensor
        (K, m, p) input layers.
    weights : sequence of torch.Tensor
        L hidden layers, each (K, m, m).
    B : torch.Tensor
        (K, d, m) read-outs.
    alphas : sequence of float or torch.Tensor
        K leaky-ReLU slopes, each < 1.
    trained : {"hidden", "all"}
        Which weights are trained: W_1..W_L (Guo et al.'s theory) or A and B too.
    """

    def __init__(self, A: torch.Tensor, weights: Sequence[torch.Tensor], B: torch.Tensor, alphas,
                 trained: str = "hidden"):
        if trained not in ("hidden", "all"):
            raise ValueError(f"trained must be 'hidden' or 'all'; got {trained!r}")
        self.trained = trained
        # the slopes as given (Python floats), so that a float32 ensemble scales as a float32 DeepFCNet does
        self._alpha_list = torch.as_tensor(alphas, dtype=torch.float64).reshape(-1).tolist()
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
        self._sigma, self._dsigma = stacked_leaky_relu(self._alpha_list, A.dtype, A.device)

    # ---------------------------------------------------------------- construction
    @classmethod
    def guo(cls, d_in: int, m: int, depth: int, alphas, d_out: int = 1, *, seeds=None,
            negate=None, trained: str = "hidden", dtype=torch.float64, device="cpu") -> DeepEnsemble:
        """Guo et al. (2024), Algorithm 1 initialisation of K networks.

        Network k is drawn from ``torch.Generator().manual_seed(seeds[k])`` in the order A, W_1..W_L, B,
        so network k equals ``DeepFCNet.guo(..., generator=that generator)``.

        Parameters
        ----------
        d_in, m, depth, d_out : int
            Input dimension p, width m, number of hidden layers L, output dimension d.
        alphas : float or sequence of float
            One slope per network (K = len(alphas)).
        seeds : int or sequence of int, optional
            None: seed 0 for every network (common random numbers across alpha); an int: that seed
            for every network; a sequence: one seed per network.
        negate : sequence of bool, optional
            ``negate[k]=True`` negates network k's hidden weights: with alpha and 1/alpha this gives the
            same function (``theory.guo2024.canonical_alpha``).
        trained : {"hidden", "all"}
            Which weights are trained.
        dtype, device
            Of every tensor.

        Returns
        -------
        DeepEnsemble
        """
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
        st = lambda xs: torch.stack(xs).to(device)
        return cls(st(As), [st(w) for w in Ws], st(Bs), alphas, trained=trained)

    @classmethod
    def from_models(cls, models: Sequence, trained: str = "hidden") -> DeepEnsemble:
        """Stack ``overparam.nets.DeepFCNet`` instances with a linear input layer (``DeepFCNet.guo``).

        Parameters
        ----------
        models : sequence of DeepFCNet
            Networks of one shape, each with ``input_layer="linear"``.
        trained : {"hidden", "all"}
            Which weights are trained.

        Returns
        -------
        DeepEnsemble
            Copies of the models' weights and slopes.
        """
        for mdl in models:
            if getattr(mdl, "input_layer", "linear") != "linear":
                raise ValueError("only Guo et al.'s linear input layer is supported")
        A = torch.stack([mdl.A.detach() for mdl in models])
        Ws = [torch.stack([mdl.hidden[ell].detach() for mdl in models]) for ell in range(len(models[0].hidden))]
        B = torch.stack([mdl.B.detach() for mdl in models])
        return cls(A, Ws, B, [mdl.alpha for mdl in models], trained=trained)

    def to_model(self, k: int):
        """Network k as an ``overparam.nets.DeepFCNet`` (a copy).

        Parameters
        ----------
        k : int
            Index of the network.

        Returns
        -------
        DeepFCNet
        """
        from .feedforward import DeepFCNet

        _, m, p = self.A.shape
        mdl = DeepFCNet.guo(p, m, len(self.W), d_out=self.B.shape[1], alpha=self._alpha_list[k],
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
        """Number of networks."""
        return self.alphas.shape[0]

    @property
    def width(self) -> int:
        """Hidden width m."""
        return self.A.shape[1]

    @property
    def depth(self) -> int:
        """Number of hidden layers L."""
        return len(self.W)

    def parameters(self) -> list[torch.Tensor]:
        """The trained tensors: [W_1..W_L], or [A, W_1..W_L, B] when ``trained="all"``."""
        return ([self.A] if self.trained == "all" else []) + self.W + ([self.B] if self.trained == "all" else [])

    def state(self) -> list[torch.Tensor]:
        """Detached copies of [A, W_1..W_L, B], for ``load_state``."""
        return [t.detach().clone() for t in [self.A, *self.W, self.B]]

    def load_state(self, state: Sequence[torch.Tensor], mask: torch.Tensor | None = None) -> None:
        """Copy a ``state()`` back; with a boolean ``mask`` (K,) only into those networks.

        Parameters
        ----------
        state : sequence of torch.Tensor
            As returned by ``state()``.
        mask : torch.Tensor, optional
            (K,) booleans: the networks to restore (default all).
        """
        with torch.no_grad():
            for t, s in zip([self.A, *self.W, self.B], state):
                if mask is None:
                    t.copy_(s)
                else:
                    t[mask] = s[mask]

    # ---------------------------------------------------------------- forward
    def _h0(self, X):
        return torch.matmul(X, self.A.transpose(1, 2))  # (n,p) or (K,n,p) -> (K,n,m)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Outputs of every network.

        Parameters
        ----------
        X : torch.Tensor
            (n, p) inputs shared by all networks, or (K, n, p) one set each.

        Returns
        -------
        torch.Tensor
            (K, n, d) outputs f_k(x_i).
        """
        h = self._h0(X)
        for W in self.W:
            h = self._sigma(torch.bmm(h, W.transpose(1, 2)))
        return torch.bmm(h, self.B.transpose(1, 2))

    __call__ = forward

    def preactivations(self, X: torch.Tensor) -> list[torch.Tensor]:
        """Pre-activations g_l = W_l h_{l-1} of every hidden layer (Guo et al. 2024, Appendix B.1).

        Parameters
        ----------
        X : torch.Tensor
            (n, p) or (K, n, p) inputs.

        Returns
        -------
        list of torch.Tensor
            L tensors, each (K, n, m), detached.
        """
        with torch.no_grad():
            h = self._h0(X)
            out = []
            for W in self.W:
                g = torch.bmm(h, W.transpose(1, 2))
                out.append(g)
                h = self._sigma(g)
        return out

    def activation_patterns(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The sign patterns 1{g_l >= 0} of every hidden layer (the diagonal of Guo et al.'s D_{i,l}).

        Parameters
        ----------
        X : torch.Tensor
            (n, p) or (K, n, p) inputs.

        Returns
        -------
        list of torch.Tensor
            L boolean tensors, each (K, n, m): the reference for ``activation_flips``.
        """
        return [g >= 0 for g in self.preactivations(X)]

    def activation_flips(self, X: torch.Tensor, patterns0: Sequence[torch.Tensor]) -> torch.Tensor:
        """Fraction of (sample, hidden unit) pairs, over all L layers, whose sign pattern changed.

        The batched counterpart of ``measure.probes.activation_flips``: that one pools one ``nn.Module``
        into one float (through ``model.preactivations``), which would pool the K networks together
        here; this one returns one fraction per network, and network k's value equals it on
        ``self.to_model(k)``.

        Parameters
        ----------
        X : torch.Tensor
            (n, p) or (K, n, p) inputs, those of ``patterns0``.
        patterns0 : sequence of torch.Tensor
            ``activation_patterns(X)`` at the reference weights (e.g. at initialisation).

        Returns
        -------
        torch.Tensor
            (K,) float64 fractions in [0, 1].
        """
        changed = sum(((g >= 0) != s0).sum(dim=(1, 2)) for g, s0 in zip(self.preactivations(X), patterns0))
        total = sum(s0[0].numel() for s0 in patterns0)
        return changed.to(torch.float64) / total

    @torch.no_grad()
    def ntk(self, X: torch.Tensor) -> torch.Tensor:
        """Exact empirical NTK Grams of the trained parameters, one per network (scalar output).

        Computed by ``nets.deep_ntk.guo_empirical_ntk`` in the ensemble's dtype: Theta = sum_l
        (H_{l-1} H_{l-1}^T) * (Delta_l Delta_l^T), plus the A and B terms when ``trained="all"``.

        Parameters
        ----------
        X : torch.Tensor
            (n, p) or (K, n, p) inputs.

        Returns
        -------
        torch.Tensor
            (K, n, n) Grams (not divided by m).
        """
        from .deep_ntk import (
            guo_empirical_ntk,  # deep_ntk builds on this module: imported at call time
        )

        if self.B.shape[1] != 1:
            raise ValueError("ntk() handles scalar outputs")
        return guo_empirical_ntk(X, self.A, self.W, self.B, self._alpha_list, trained=self.trained,
                                 dtype=None)
