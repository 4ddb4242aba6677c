"""Noy et al.'s (2021) gated ReLU network (GReLU), its ReLU twin, and the transforms between them.

The GReLU network (Noy, Xu, Aflalo, Zelnik-Manor & Jin 2021, Section 2.1 and Figure 1): a frozen random
ReLU *gating* stream z_0 = [Cx]^+, z_k = [Psi_k z_{k-1}]^+ (k = 1..L) sets the 0/1 pattern
D_k = diag(1[Psi_k z_{k-1} > 0]) of every hidden unit for every input (D_0 = diag(1[Cx > 0])); the trained
layers W_1..W_L are multiplied by it: h_0 = D_0 C x, h_k = D_k W_k h_{k-1}, f(x) = B h_L. No biases.
Initialisation: W_k, Psi_k ~ N(0, 2/m), C ~ N(0, 2/d_x), B ~ N(0, 2/d_y); only W_1..W_L are trained
(C, B, Psi are buffers). Per example the network is the deep linear map B D_L W_L ... D_1 W_1 D_0 C.

The ReLU baseline uses the same C, W, B with its own patterns: a_0 = [Cx]^+, a_k = [W_k a_{k-1}]^+,
f = B a_L (``final_relu=False`` omits the last ReLU: the network Theorem 2's transform produces).

Transforms: ``grelu_to_relu`` (Theorem 2, corrected: W~_k = Z~_k ReLU(Z~_{k-1})^+, one pseudo-inverse per
layer, exact on the training inputs while every ReLU(Z~_{k-1}) has rank n; the printed eq. (49) is an
n x n matrix, ``eq49_as_printed``) and ``relu_to_grelu`` (Section 4.1, Remark 4: Psi_k <- W_k, exact on
every input). ``ntk_gram`` is the NTK Gram of either network in closed form from its per-example linearity.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["GatedNet", "eq49_as_printed", "grelu_to_relu", "ntk_gram", "per_example_grads", "relu_to_grelu"]

MODES = ("grelu", "relu")


class GatedNet(nn.Module):
    """A GReLU network (``mode="grelu"``) or the ReLU network with the same C, W, B (``mode="relu"``).

    Parameters
    ----------
    C : torch.Tensor
        (m, d_x) frozen input layer.
    B : torch.Tensor
        (d_y, m) frozen output layer.
    W : sequence of torch.Tensor
        L trained (m, m) layers.
    Psi : sequence of torch.Tensor or None
        L frozen (m, m) gating layers (required for ``"grelu"``).
    mode : {"grelu", "relu"}
    final_relu : bool
        ReLU mode only: apply a ReLU after W_L (the paper's baseline) or not (Theorem 2's transform).
    """

    def __init__(self, C, B, W, Psi=None, *, mode: str = "grelu", final_relu: bool = True) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
        if mode == "grelu" and Psi is None:
            raise ValueError("a GReLU network needs its gating layers Psi")
        self.mode, self.final_relu = mode, bool(final_relu)
        self.register_buffer("C", C.detach().clone())
        self.register_buffer("B", B.detach().clone())
        self.W = nn.ParameterList([nn.Parameter(w.detach().clone()) for w in W])
        # buffers, so that .to(device) moves the gating layers with C and B
        self._n_psi = 0 if Psi is None else len(Psi)
        for k, p in enumerate(Psi or []):
            self.register_buffer(f"psi_{k}", p.detach().clone())
        self._cache: tuple | None = None

    @property
    def Psi(self) -> list[torch.Tensor] | None:
        """The gating layers Psi_1..Psi_L (frozen buffers), or None for a network built without them."""
        return [getattr(self, f"psi_{k}") for k in range(self._n_psi)] if self._n_psi else None

    @classmethod
    def paper_init(cls, d_x: int, m: int, depth: int, d_y: int = 1, *, generator: torch.Generator,
                   dtype=torch.float64, device=None, mode: str = "grelu") -> GatedNet:
        """Noy et al., Section 2.1: every block N(0, 2/fan-in) (C: 2/d_x, B: 2/d_y), drawn in the order C, B,
        W_1..W_L, Psi_1..Psi_L so that the GReLU network and its ReLU twin share C, W, B for a seed."""
        kw = {"generator": generator, "dtype": dtype}

        def draw(shape, var):
            return (torch.randn(*shape, **kw) * var ** 0.5).to(device)

        C, B = draw((m, d_x), 2.0 / d_x), draw((d_y, m), 2.0 / d_y)
        W = [draw((m, m), 2.0 / m) for _ in range(depth)]
        Psi = [draw((m, m), 2.0 / m) for _ in range(depth)]
        return cls(C, B, W, Psi, mode=mode)

    # -- sizes ------------------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        return len(self.W)

    @property
    def width(self) -> int:
        return self.C.shape[0]

    def twin(self, mode: str = "relu", final_relu: bool = True) -> GatedNet:
        """A copy with the same C, W, B (and Psi) in another mode."""
        return GatedNet(self.C, self.B, [w.detach() for w in self.W], self.Psi, mode=mode, final_relu=final_relu)

    # -- gates and features -----------------------------------------------------------------------
    @torch.no_grad()
    def gates(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The GReLU patterns D_0..D_L of every input: L + 1 boolean (n, m) tensors, cached for the last X."""
        key = (X.data_ptr(), tuple(X.shape), X._version)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        z = torch.relu(X @ self.C.T)
        masks = [z > 0]
        for P in self.Psi:
            p = z @ P.T
            masks.append(p > 0)
            z = torch.relu(p)
        self._cache = (key, masks)
        return masks

    def features(self, X: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Hidden features h_0..h_L (post-gate, the inputs of W_1..W_L and B) and patterns D_0..D_L.

        For ReLU the patterns are the network's own, 1[W_k a_{k-1} > 0] (all ones at layer L without a
        final ReLU), so the same backward formulas serve both networks.
        """
        pre0 = X @ self.C.T
        h = torch.relu(pre0)
        feats, pats = [h], [pre0 > 0]
        masks = self.gates(X) if self.mode == "grelu" else None
        for k, w in enumerate(self.W, start=1):
            u = h @ w.T
            if masks is not None:
                d = masks[k]
                h = u * d
            elif k < self.depth or self.final_relu:
                d = u > 0
                h = torch.relu(u)
            else:
                d = torch.ones_like(u, dtype=torch.bool)
                h = u
            feats.append(h)
            pats.append(d)
        return feats, pats

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.features(X)[0][-1] @ self.B.T


# -- transforms -----------------------------------------------------------------------------------
@torch.no_grad()
def grelu_to_relu(net: GatedNet, X: torch.Tensor, rtol: float | None = None) -> tuple[GatedNet, list[int]]:
    """Theorem 2 corrected: the ReLU network (no ReLU after W_L) equal to ``net`` on the inputs ``X``.

    W~_k = Z~_k A_{k-1}^+ with Z~_k the GReLU features of X at layer k (columns = inputs) and
    A_{k-1} = ReLU(Z~_{k-1}) (A_0 = [CX]^+): the minimum-norm solution of W~_k A_{k-1} = Z~_k, exact when
    rank A_{k-1} = n (so n <= m). Computed in the dtype of X (use float64).

    Returns
    -------
    (GatedNet, list of int)
        The ReLU network (``mode="relu"``, ``final_relu=False``, same C and B) and rank A_{k-1} per layer.
    """
    if net.mode != "grelu":
        raise ValueError("grelu_to_relu transforms a GReLU network")
    feats, _ = net.features(X)
    W_new, ranks = [], []
    for k in range(1, net.depth + 1):
        A = torch.relu(feats[k - 1])                    # (n, m): rows are the inputs of W~_k
        ranks.append(int(torch.linalg.matrix_rank(A)))
        W_new.append((torch.linalg.pinv(A, rtol=rtol) @ feats[k]).T)   # W~_k^T = pinv(A^T) Z~_k^T
    return GatedNet(net.C, net.B, W_new, None, mode="relu", final_relu=False), ranks


@torch.no_grad()
def eq49_as_printed(net: GatedNet, X: torch.Tensor, k: int = 1) -> torch.Tensor:
    """Eq. (49) as printed: (GReLU(W_k z~_{k-1}, Psi_k z_{k-1}))^+ z^ReLU_{k-1}, columns = the n inputs.

    The GReLU output is m x n, its pseudo-inverse n x m, and z^ReLU_{k-1} is m x n: the product is n x n,
    not the m x m weight matrix it should be (``grelu_to_relu`` is the corrected construction).
    """
    feats, _ = net.features(X)
    Zk = feats[k].T                                      # m x n
    Zprev = feats[k - 1].T                               # m x n: the matched ReLU features of layer k-1
    return torch.linalg.pinv(Zk) @ Zprev


def relu_to_grelu(net: GatedNet) -> GatedNet:
    """Section 4.1 / Remark 4: the GReLU network with Psi_k <- W_k, equal to the ReLU net on every input."""
    if net.mode != "relu" or not net.final_relu:
        raise ValueError("relu_to_grelu takes the paper's ReLU network (mode='relu', final_relu=True)")
    W = [w.detach() for w in net.W]
    return GatedNet(net.C, net.B, W, W, mode="grelu")


# -- gradients and the NTK ------------------------------------------------------------------------
@torch.no_grad()
def per_example_grads(net: GatedNet, X: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """The rank-one factors of the per-example gradients of each output: d f_p(x_i) / d W_k = delta_k[p, i]
    outer h_{k-1}[i] (Noy et al., eq. 9 with one output).

    Returns
    -------
    (deltas, inputs)
        deltas[k-1]: (d_y, n, m) backward signals at layer k's pre-gate; inputs[k-1]: (n, m) = h_{k-1}.
    """
    feats, pats = net.features(X)
    n = X.shape[0]
    delta = pats[-1].to(X.dtype).unsqueeze(0) * net.B.unsqueeze(1).expand(-1, n, -1)   # (d_y, n, m)
    deltas = [None] * net.depth
    for k in range(net.depth, 0, -1):
        deltas[k - 1] = delta
        if k > 1:
            delta = pats[k - 1].to(X.dtype) * (delta @ net.W[k - 1])
    return deltas, feats[:-1]


@torch.no_grad()
def ntk_gram(net: GatedNet, X: torch.Tensor, X2: torch.Tensor | None = None) -> torch.Tensor:
    """NTK Gram <d f_p(x_i)/dW, d f_q(x'_j)/dW> over the trained layers, by the rank-one structure:
    sum_k (delta_k delta_k'^T) * (h_{k-1} h'_{k-1}^T). (n d_y, n' d_y), output-major (p*n + i)."""
    d1, h1 = per_example_grads(net, X)
    d2, h2 = (d1, h1) if X2 is None else per_example_grads(net, X2)
    dy, n, _ = d1[0].shape
    n2 = d2[0].shape[1]
    K = torch.zeros(dy, n, dy, n2, dtype=X.dtype, device=X.device)
    for a, b, ha, hb in zip(d1, d2, h1, h2):
        K += torch.einsum("pim,qjm->piqj", a, b) * (ha @ hb.T).unsqueeze(0).unsqueeze(2)
    return K.reshape(dy * n, dy * n2)
