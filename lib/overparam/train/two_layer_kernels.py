"""The batched tensors and products of one chunk of the two-layer ensemble.

The networks are Oymak & Soltanolkotabi's (2020, eq. 1.1), f(x) = v^T phi(W x) with v fixed; the update of
eq. 2.1's loss is W <- W - eta * sum_i r_i (v ∘ phi'(W x_i)) x_i^T (``_direction``), the ReLU derivative
1{z >= 0} (Section 1.3). Why a chunk: the phase diagram's networks are small (k, d <= 25, n = 100), so one
network's products cannot keep a core busy; thousands of them in one batched product can.

A chunk stores its networks "units x samples": pre-activations (B, K, n) = (sign W) @ X^T and the gradient
(B, K, D) = Q @ X, the transpositions MKL's batched GEMM runs fastest on for these small matrices; units
are grouped by the sign of v_l and units with v_l = 0 left out. Networks that share one X tensor form an input
group stored once and multiplied in one product per group. For softplus one sigmoid gives phi and phi', and
with the paper's balanced v = +-c the outputs need two products and one log per sample instead of K logs
(``_forward``); ``fast=False`` is the plain form the tests compare it with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from .two_layer_problems import Problems

__all__ = []

class _Chunk:
    """The padded state of one group of networks, in the trainer's "units x samples" layout.

    **Slots and input groups.** The chunk holds G input groups of C slots each (B = G·C slots). The
    networks of one group share their inputs (the same ``Problems.X`` tensor object, e.g. the k-networks
    of one realization in ``sphere_problems(shared_inputs=True)``), so XT (G, D, n) is stored once per
    group and the pre-activations of all C·K units of a group come from one matrix product, which is far
    more efficient for these small matrices than C separate ones (``benchmarks/ensemble.py``). Networks
    with their own inputs are groups of one (C = 1). Slots of a group that has fewer than C members are
    inert dummies: id -1, zero weights, v = 0, y = 0, never active, never written to the outputs.

    Hidden units are stored by the sign of their output weight: rows [0, Kp) hold each network's units
    with v_l > 0, rows [Kp, Kp + Kn) those with v_l < 0, and units with v_l = 0 (k = 1, the middle unit of
    an odd k) are left out altogether -- they neither contribute to f nor move (their gradient is ∝ v_l),
    and the returned W keeps their initial rows. Padding rows have zero weights and v = 0. M (B, Kp + Kn, D)
    holds ``sign * W`` with sign = -1 for softplus (so that one sigmoid of M XT = -W X^T gives both phi and
    phi', see ``_forward``) and +1 otherwise. Pre-activations are (B, K, n) and the gradient (B, K, D):
    measured 2-4x faster on CPU than the (B, n, K) layout for the small matrices of the phase diagram
    (MKL's batched GEMM favours these transpositions). Every row of a product depends on one unit's weights
    only, so a diverged network (non-finite weights or residual) cannot leak into its group.

    ``balanced``: every network's nonzero output weights share one magnitude c_b (the paper's v), which
    lets the softplus forward pass replace K logs per sample by two products (``_forward``)."""

    def __init__(self, groups: Sequence[Sequence[int]], problems: Problems, eta, device, dtype, sign: float):
        G = len(groups)
        C = max(len(g) for g in groups)
        ids = [-1] * (G * C)
        for gi, g in enumerate(groups):
            ids[gi * C : gi * C + len(g)] = [int(i) for i in g]
        self.G, self.C = G, C
        self.ids = torch.as_tensor(ids, dtype=torch.long)
        B = G * C
        n = problems.n
        empty = torch.zeros(0, dtype=torch.long)
        self.upos, self.uneg = [], []  # per slot: unit indices with v > 0 and v < 0
        mags = []
        for i in ids:
            if i < 0:
                self.upos.append(empty), self.uneg.append(empty), mags.append(0.0)
                continue
            vi = problems.v[i]
            self.upos.append(torch.nonzero(vi > 0).ravel())
            self.uneg.append(torch.nonzero(vi < 0).ravel())
            a = vi[vi != 0].abs()
            mags.append(float(a[0]) if a.numel() and bool((a == a[0]).all()) else (0.0 if a.numel() == 0 else None))
        self.balanced = all(m is not None for m in mags)
        ds = [problems.W0[i].shape[1] if i >= 0 else 0 for i in ids]
        self.d = torch.as_tensor(ds)
        self.npos = torch.as_tensor([u.numel() for u in self.upos])
        self.nneg = torch.as_tensor([u.numel() for u in self.uneg])
        self.Kp, self.Kn = int(self.npos.max()), int(self.nneg.max())
        K, D = self.Kp + self.Kn, max(ds)
        XT = torch.zeros(G, D, n, dtype=dtype)
        M = torch.zeros(B, K, D, dtype=dtype)
        v = torch.zeros(B, K, dtype=dtype)
        y = torch.zeros(B, n, dtype=dtype)
        for gi, g in enumerate(groups):
            X = problems.X[g[0]]
            XT[gi, : X.shape[1], :] = X.T
        for j, i in enumerate(ids):
            if i < 0:
                continue
            dd, W0, vi = ds[j], problems.W0[i], problems.v[i]
            for off, u in ((0, self.upos[j]), (self.Kp, self.uneg[j])):
                M[j, off : off + u.numel(), :dd] = W0[u] * sign
                v[j, off : off + u.numel()] = vi[u]
            y[j] = problems.y[i]
        self.sign = sign
        self.XT, self.M, self.v, self.y = (t.to(device) for t in (XT, M, v, y))
        self.real = (self.ids >= 0).to(device)
        self.c = torch.as_tensor([m if m is not None else 0.0 for m in mags], dtype=dtype).view(B, 1).to(device)
        self.tiny = torch.finfo(dtype).tiny * 1024
        self._set_corr()
        # dummies: ||y|| = 1 so that their (zero) relative error stays finite
        self.ynorm = torch.where(self.real, self.y.norm(dim=1), torch.ones((), dtype=dtype, device=device))
        etas = eta[self.ids.clamp(min=0)].to(dtype)
        self.eta = torch.where(self.real.cpu(), etas, torch.zeros((), dtype=dtype)).to(device).view(B, 1)
        self.eta_eff = self.eta.clone()  # eta for active networks, 0 for stopped ones
        # the weights and relative error of the last check each network passed (a diverging network is put
        # back there); under GD, M_ok doubles as the buffer the next step is written into (``two_layer_trainer``)
        self.M_ok = self.M.clone()
        self.rel_ok = torch.full((B,), float("nan"), dtype=dtype, device=device)
        self.rnorm_cap = torch.full((B,), float("nan"), dtype=dtype, device=device)  # divergence threshold
        self.zero_frozen = False  # a frozen network's residual is not finite: zero its update explicitly
        self.hit = torch.full((B,), -1, dtype=torch.long, device=device)
        self.stop = torch.full((B,), -1, dtype=torch.long, device=device)  # step of the freeze
        self.rel = torch.full((B,), float("nan"), dtype=dtype, device=device)
        self.diverged = torch.zeros(B, dtype=torch.bool, device=device)
        self.active = self.real.clone()
        self.path = torch.zeros(B, dtype=dtype, device=device)
        self.hist: list[torch.Tensor] = []  # one (B,) tensor per history step, for the current slots

    def _set_corr(self):
        # padding rows have zero weights, so sigmoid(0) = 1/2 exactly: each contributes a factor 1/2 to its
        # block's product, which c * (#pad_pos - #pad_neg) * log(1/2) takes back out of c * log(Pn / Pp)
        pad = (self.Kp - self.npos) - (self.Kn - self.nneg)
        self.corr = self.c * pad.to(self.c).view(-1, 1).mul_(math.log(0.5))

    def units_by_inputs(self, XT: torch.Tensor) -> torch.Tensor:
        """Pre-activations (B, K, n') = M @ XT, one product per input group."""
        B, K, D = self.M.shape
        if XT.shape[0] == B:  # per-network inputs (SGD batches, or groups of one)
            return torch.bmm(self.M, XT)
        return torch.bmm(self.M.view(self.G, self.C * K, D), XT).view(B, K, XT.shape[2])

    def times_inputs(self, Q: torch.Tensor, XT: torch.Tensor) -> torch.Tensor:
        """Σ_i Q[b, l, i] x_i -> (B, K, D), one product per input group."""
        B, K, n_ = Q.shape
        if XT.shape[0] == B:
            return torch.bmm(Q, XT.transpose(1, 2))
        return torch.bmm(Q.view(self.G, self.C * K, n_), XT.transpose(1, 2)).view(B, K, XT.shape[1])

    def weights(self, problems: Problems, sel=None) -> list[torch.Tensor]:
        """W (k_b, d_b) of the slots ``sel`` (all real slots when None), in the problems' dtype, on the CPU."""
        if sel is None:
            sel = torch.nonzero(self.real).ravel()
        sel = sel.cpu()
        Mc = self.M[sel.to(self.M.device)].cpu()
        out = []
        for j, b in enumerate(sel.tolist()):
            i = int(self.ids[b])
            W = problems.W0[i].clone()
            dd = W.shape[1]
            up, un = self.upos[b], self.uneg[b]
            W[up] = (Mc[j, : up.numel(), :dd] * self.sign).to(W.dtype)
            W[un] = (Mc[j, self.Kp : self.Kp + un.numel(), :dd] * self.sign).to(W.dtype)
            out.append(W)
        return out

    def keep(self, mask: torch.Tensor):
        """Keep the slots where ``mask`` is True: groups with no kept slot are dropped, each group's kept
        slots move to its front and C shrinks to the largest group; the padding of K and D shrinks too."""
        mc = (mask & self.real).cpu().view(self.G, self.C)
        counts = mc.sum(1)
        groups = torch.nonzero(counts).ravel()
        C = int(counts.max())
        src = torch.full((groups.numel(), C), -1, dtype=torch.long)
        for r, g in enumerate(groups.tolist()):
            s = torch.nonzero(mc[g]).ravel() + g * self.C
            src[r, : s.numel()] = s
        src = src.ravel()
        dummy = src < 0
        take = src.clamp(min=0)
        self.G, self.C = groups.numel(), C
        empty = torch.zeros(0, dtype=torch.long)
        self.upos = [self.upos[b] if b >= 0 else empty for b in src.tolist()]
        self.uneg = [self.uneg[b] if b >= 0 else empty for b in src.tolist()]
        self.ids = torch.where(dummy, -1, self.ids[take])
        self.d = torch.where(dummy, 0, self.d[take])
        self.npos = torch.where(dummy, 0, self.npos[take])
        self.nneg = torch.where(dummy, 0, self.nneg[take])
        Kp, Kn, D = int(self.npos.max()), int(self.nneg.max()), int(self.d.max())
        dev = self.XT.device
        rows = torch.cat([torch.arange(Kp), self.Kp + torch.arange(Kn)]).to(dev)
        self.Kp, self.Kn = Kp, Kn
        take_d, keep_d = take.to(dev), (~dummy).to(dev)
        self.XT = self.XT[groups.to(dev), :D, :].contiguous()

        def pick(t, fill):
            t = t[take_d]
            m = keep_d.view(-1, *([1] * (t.dim() - 1)))
            return torch.where(m, t, torch.as_tensor(fill, dtype=t.dtype, device=dev))

        self.M = pick(self.M[:, rows, :D], 0).contiguous()
        self.M_ok = pick(self.M_ok[:, rows, :D], 0).contiguous()
        self.v = pick(self.v[:, rows], 0).contiguous()
        fills = {"y": 0, "ynorm": 1, "eta": 0, "eta_eff": 0, "hit": -1, "stop": -1, "rel": float("nan"),
                 "diverged": False, "active": False, "path": 0, "c": 0, "real": False, "rel_ok": float("nan"),
                 "rnorm_cap": float("nan")}
        for name, fill in fills.items():
            setattr(self, name, pick(getattr(self, name), fill))
        self.hist = [pick(h, float("nan")) for h in self.hist]
        self._set_corr()
        self.zero_frozen = False  # only active networks are kept

    def elements(self) -> int:
        G, D, n = self.XT.shape
        B, K, _ = self.M.shape
        return G * n * D + B * (4 * n * K + 4 * K * D)


def _contract_units(v: torch.Tensor, P: torch.Tensor) -> torch.Tensor:
    """Σ_l v[b, l] P[b, l, i] -> (B, n). A batched GEMV, except for tiny K·n where torch's bmm falls back to
    a slow naive loop (K·n < 400) and a broadcast multiply-sum is faster."""
    if P.shape[1] * P.shape[2] >= 400:
        return torch.bmm(v.unsqueeze(1), P).squeeze(1)
    return (P * v.unsqueeze(2)).sum(1)


def _forward(ch: _Chunk, XT: torch.Tensor, activation: str, fast: bool = True):
    """Network outputs f (B, n') on the inputs XT (B, D, n') and the saved tensor for ``_direction``.

    softplus (M = -W, so Z = M XT = -z): s = sigmoid(Z) = sigmoid(-z), phi(z) = -log s, phi'(z) = 1 - s, so
    one sigmoid serves both. With ``fast=False`` (or unbalanced v) f = -Σ_l v_l log s_l (s underflows only
    for z > 87 in float32, where phi = inf marks the network as diverged). For balanced output weights
    (v_l = ±c) the fast form uses phi(z) = z⁺ - log m, m = max(s, 1 - s) = sigmoid(|z|) in [1/2, 1], so
        f = Σ_l v_l z_l⁺ + c log(Π_{v<0} m_l / Π_{v>0} m_l):
    a GEMV, cheap elementwise passes, two products and one log per sample instead of K logs (the log costs
    as much as the sigmoid). Cheaper still, f = c log(Π_{v<0} s_l / Π_{v>0} s_l) is used at the steps where
    these products of s stay in the normal range (checked entry by entry). The products of m stay in
    [2^-K, 1] (no underflow for K <= 100, else the sum of logs is used), so nothing is lost to range; the two
    forms agree to round-off (unit tests). Padding units (zero weights, m = 1/2) are taken out of the ratio
    by ``_Chunk.corr``.
    relu (M = W): phi = max(0, z), phi'(z) = 1{z >= 0}."""
    Z = ch.units_by_inputs(XT)  # (B, K, n')
    if activation == "softplus":
        if fast and ch.balanced and max(ch.Kp, ch.Kn) <= 100:
            s = torch.sigmoid(Z)
            # cheapest form first: f = c log(Π_{v<0} s / Π_{v>0} s), exact while no product leaves the normal
            # range (s = sigmoid(-z) ~ e^-z: large weights make it underflow, as in long hopeless runs)
            Pp, Pn = s[:, : ch.Kp].prod(1), s[:, ch.Kp :].prod(1)
            in_range = torch.minimum(Pp, Pn) > ch.tiny  # (B, n')
            cheap = torch.log(Pn.div_(Pp)).mul_(ch.c).add_(ch.corr)
            if bool(in_range.all()):
                return cheap, s
            # the stable form where a product left the normal range, entry by entry: no network's arithmetic
            # depends on another's (a diverging member leaves its chunk's other members bitwise unchanged)
            f = _contract_units(ch.v, Z.clamp_(max=0.0)).neg_()  # Σ v z⁺ (Z = -z)
            m = torch.rsub(s, 1.0)
            torch.maximum(s, m, out=m)
            Pp, Pn = m[:, : ch.Kp].prod(1), m[:, ch.Kp :].prod(1)
            stable = f.add_(torch.log(Pn.div_(Pp)).mul_(ch.c)).add_(ch.corr)
            return torch.where(in_range, cheap, stable), s
        s = Z.sigmoid_()
        return _contract_units(ch.v, torch.log(s)).neg_(), s
    mask = torch.ge(Z, 0, out=torch.empty_like(Z))  # phi' as 0/1 floats (a bool mask + where is ~10x slower)
    return _contract_units(ch.v, Z.relu_()), mask


def _direction(ch: _Chunk, saved: torch.Tensor, re: torch.Tensor, XT: torch.Tensor, activation: str) -> torch.Tensor:
    """Σ_i re[b, i] phi'(z[b, l, i]) x_i -> (B, K, D) (the gradient of the sum loss divided by v_l, times eta
    through ``re`` = eta * residual). (Scaling the (D, n) inputs by re and subtracting Σ_i s_li re_i x_i
    instead of forming (1 - s) * re was measured slightly slower.)"""
    reb = re.unsqueeze(1)
    if activation == "softplus":
        Q = torch.addcmul(reb, saved, reb, value=-1.0)  # (1 - s) * re
    else:
        Q = saved.mul_(reb)  # 1{z >= 0} * re
    return ch.times_inputs(Q, XT)


