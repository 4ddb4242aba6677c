"""Many independent one-hidden-layer networks trained at once, in batched tensors.

The network is Oymak & Soltanolkotabi's (2020, eq. 1.1)

    f(x; W) = v^T phi(W x) = sum_l v_l phi(<w_l, x>),      W in R^{k x d} (trained),  v in R^k (fixed),

with their exact conventions (reading notes §2, §5.2, §7):

* **inputs** on the unit sphere, ||x_i|| = 1 (``sphere_problems``: i.i.d. uniform on S^{d-1});
* **labels** i.i.d. N(0, 1) for the phase diagram (any y is accepted);
* **initialisation** W0 with i.i.d. N(0, 1) entries -- no 1/sqrt(d) factor, since ||x|| = 1 already
  makes W0 x ~ N(0, I_k);
* **output weights** fixed and balanced (``output_weights``): half +||y||/sqrt(kn), half -||y||/sqrt(kn);
  for odd k one entry is 0 and (k-1)/2 are of each sign, the normalisation keeping sqrt(k) (footnote 1).
  With y ~ N(0, I_n), ||y|| ~ sqrt(n) and v_l ~ ±1/sqrt(k): the "±1/sqrt(k)" of the NTK parameterisation.
  The balance is exact (1^T v = 0), not i.i.d. signs as in ``overparam.models.TwoLayerNet``;
* **loss** the *sum* L(W) = ½ Σ_i (f(x_i; W) - y_i)² (eq. 2.1), so a step size refers to the sum loss;
* **GD** W ← W - eta ∇L(W), constant eta (Figure 2: 0.15 for softplus, 0.1 for ReLU);
* **SGD** (eq. 2.9) W ← W - eta Σ_{i in batch} (f(x_i) - y_i) ∇f(x_i): batch_size=1 is the paper's
  single-sample step, without any n/b rescaling (its expectation is (eta/n) ∇L);
* **ReLU derivative** phi'(z) = 1{z >= 0} (convention of §1.3); softplus derivative the sigmoid.

**Trainer.** ``train_ensemble`` stacks the networks in padded tensors: X is padded with zero columns up to
the largest d of its bucket and W with zero rows/columns, v with zeros. Padding is exact: a zero input
coordinate changes no pre-activation and receives a zero gradient (∝ x); a padded unit has v_l = 0 and
contributes nothing and receives a zero gradient (∝ v_l). Networks are grouped into buckets of similar
(k, d) to keep the padding waste small, and buckets are cut into chunks of at most ``max_batch_elements``
working-set elements so memory stays bounded. Networks that share their inputs (the same X tensor, as
``sphere_problems(shared_inputs=True)`` draws them) form input groups that are stored once and multiplied
in one product per group (``_Chunk``). Each network stops on its own: the first step t at which
its relative error ||f(W_t) - y|| / ||y|| is below ``tol`` is its ``hit_step`` and its weights are frozen
from then on; a network whose relative error is not finite or exceeds ``diverge_rel`` is marked diverged
(failed) and frozen at its last finite weights. Batched matrix products act on each network separately
and frozen networks receive an exactly-zero update, so no network can influence another. Finished
networks are dropped from the batch every ``compact_every`` steps (and the padding shrunk), so a
diagram's cost falls as its cells succeed.

**Per-step cost** (CPU, float32). The chunks are stored "units x samples": pre-activations (B, K, n) =
(sign W) @ X^T and the gradient (B, K, D) = Q @ X, the transpositions MKL's batched GEMM runs fastest on
for these small matrices; units are grouped by the sign of v_l and units with v_l = 0 left out. For
softplus one sigmoid gives phi and phi', and with the paper's balanced v = ±c the outputs need two
products (of factors in [1/2, 1], so they cannot underflow) and one log per sample instead of K logs
(``_forward``). Stopping is tested every step with a few (B,)-sized ops; the
bookkeeping runs only at the steps where a network stops. Together ~2.5x fewer seconds per step than the
padded (B, n, K) bmm form for softplus (``benchmarks/ensemble.py``).

``train_module`` is the plain baseline: one ``torch.nn.Module`` trained by autograd, step by step, with the
same stopping rules. The unit tests check that the two agree step by step in float64; the benchmark
``benchmarks/ensemble.py`` times them against each other.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .. import activations
from ..train import resolve_device

__all__ = [
    "ACTIVATIONS",
    "activation_pair",
    "output_weights",
    "stable_seed",
    "Problems",
    "sphere_problems",
    "feature_problems",
    "EnsembleResult",
    "train_ensemble",
    "TwoLayerModule",
    "train_module",
    "plan_buckets",
    "sgd_indices",
    "BoundaryFit",
    "fit_phase_boundary",
    "success_grid",
]

ACTIVATIONS = ("relu", "softplus")


# --------------------------------------------------------------------------------------------- activations
def activation_pair(z: torch.Tensor, activation: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(phi(z), phi'(z)) for the paper's activations.

    softplus: phi = log(1 + e^z) (``F.softplus``, exact up to its linear branch beyond z = 20), phi' = sigmoid.
    relu: phi = max(0, z), phi' = 1{z >= 0}.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    sigma, sigma_prime = activations.get(activation)
    return sigma(z), sigma_prime(z)


def _phi(z: torch.Tensor, activation: str) -> torch.Tensor:
    if activation == "softplus":
        return F.softplus(z)
    if activation == "relu":
        return torch.relu(z)
    raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")


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


def stable_seed(*key: int) -> int:
    """A seed derived from integers with ``numpy.random.SeedSequence`` (stable across processes, unlike
    Python's salted ``hash``)."""
    return int(np.random.SeedSequence([int(x) for x in key]).generate_state(1, dtype=np.uint64)[0] >> 1)


@dataclass
class Problems:
    """A list of independent training problems (X_b, y_b, W0_b, v_b), one per network, and a table
    ``info`` with one row per network (at least the columns k, d, n)."""

    X: list[torch.Tensor]
    y: list[torch.Tensor]
    W0: list[torch.Tensor]
    v: list[torch.Tensor]
    info: pd.DataFrame

    def __post_init__(self):
        B = len(self.X)
        if not (len(self.y) == len(self.W0) == len(self.v) == len(self.info) == B):
            raise ValueError("X, y, W0, v and info must have one entry per network")
        ns = {x.shape[0] for x in self.X}
        if len(ns) > 1:
            raise ValueError(f"all networks of an ensemble share the sample count n; got {sorted(ns)}")
        for b in range(B):
            k, d = self.W0[b].shape
            if self.X[b].shape[1] != d or self.v[b].shape != (k,) or self.y[b].shape != (self.X[b].shape[0],):
                raise ValueError(f"network {b}: inconsistent shapes X{tuple(self.X[b].shape)}, "
                                 f"y{tuple(self.y[b].shape)}, W0{tuple(self.W0[b].shape)}, v{tuple(self.v[b].shape)}")

    def __len__(self) -> int:
        return len(self.X)

    @property
    def n(self) -> int:
        return int(self.X[0].shape[0])

    @property
    def k(self) -> np.ndarray:
        return np.array([w.shape[0] for w in self.W0])

    @property
    def d(self) -> np.ndarray:
        return np.array([w.shape[1] for w in self.W0])

    def subset(self, idx) -> "Problems":
        idx = [int(i) for i in np.asarray(idx).ravel()]
        return Problems([self.X[i] for i in idx], [self.y[i] for i in idx], [self.W0[i] for i in idx],
                        [self.v[i] for i in idx], self.info.iloc[idx].reset_index(drop=True))

    @staticmethod
    def concat(parts: Sequence["Problems"]) -> "Problems":
        return Problems(sum((p.X for p in parts), []), sum((p.y for p in parts), []),
                        sum((p.W0 for p in parts), []), sum((p.v for p in parts), []),
                        pd.concat([p.info for p in parts], ignore_index=True))


def _one_problem(X: torch.Tensor, y: torch.Tensor, k: int, g: torch.Generator, dtype):
    n, d = X.shape
    W0 = torch.randn(k, d, generator=g, dtype=torch.float64).to(dtype)
    v = output_weights(k, float(y.norm()), n, dtype=dtype)
    return W0, v


def sphere_problems(n: int, cells: Iterable[tuple[int, int]], realizations: int, seed: int = 0,
                    dtype=torch.float64, shared_inputs: bool = False) -> Problems:
    """Figure 2's problems: for every cell (k, d) and realization r, x_i i.i.d. uniform on S^{d-1},
    y_i i.i.d. N(0, 1), W0 i.i.d. N(0, 1) and the balanced v.

    shared_inputs=False: every network draws its own (X, y, W0) from a generator seeded with
        ``stable_seed(seed, n, k, d, r)``; all draws are independent.
    shared_inputs=True (common random numbers across widths): the networks of realization r at input
        dimension d see the same inputs X_{d,r} (one tensor object, drawn from ``stable_seed(seed, n, d, r,
        2)``); their labels and initialisations are still drawn per network. Each cell's realizations stay
        independent of each other, so every cell's success probability is estimated exactly as before; only
        cells of different k in one realization are correlated through X. ``train_ensemble`` then trains each
        group with one matrix product for all its units (several times faster per step).

    Either way a network's draws do not depend on which other cells are in the ensemble, and softplus and
    ReLU runs with the same seed see the same data and initialisation (common random numbers across
    activations)."""
    cells = [(int(k), int(d)) for k, d in cells]
    inputs: dict[tuple[int, int], torch.Tensor] = {}
    if shared_inputs:
        for d in sorted({d for _, d in cells}):
            for r in range(realizations):
                g = torch.Generator().manual_seed(stable_seed(seed, n, d, r, 2))
                X = torch.randn(n, d, generator=g, dtype=torch.float64)
                inputs[(d, r)] = (X / X.norm(dim=1, keepdim=True)).to(dtype)
    Xs, ys, Ws, vs, rows = [], [], [], [], []
    for k, d in cells:
        for r in range(realizations):
            g = torch.Generator().manual_seed(stable_seed(seed, n, k, d, r))
            if shared_inputs:
                X = inputs[(d, r)]
            else:
                X = torch.randn(n, d, generator=g, dtype=torch.float64)
                X = (X / X.norm(dim=1, keepdim=True)).to(dtype)
            y = torch.randn(n, generator=g, dtype=torch.float64)
            W0, v = _one_problem(X, y, k, g, dtype)
            Xs.append(X), ys.append(y.to(dtype)), Ws.append(W0), vs.append(v)
            rows.append({"k": k, "d": d, "n": int(n), "realization": r})
    return Problems(Xs, ys, Ws, vs, pd.DataFrame(rows))


def feature_problems(features, n: int, cells: Iterable[tuple[int, int]], realizations: int, seed: int = 0,
                     dtype=torch.float64) -> Problems:
    """Figure 2's protocol on real inputs: for each cell (k, d) and realization r, n rows drawn without
    replacement from ``features`` (an (N, D) array, columns ordered by importance, e.g. principal
    components), their first d columns normalised onto the unit sphere, labels i.i.d. N(0, 1) (random
    labels), W0 i.i.d. N(0, 1) and the balanced v. Rows whose first d coordinates are all zero are
    redrawn."""
    F_ = torch.as_tensor(np.asarray(features), dtype=torch.float64)
    N, D = F_.shape
    Xs, ys, Ws, vs, rows = [], [], [], [], []
    for k, d in cells:
        if d > D:
            raise ValueError(f"cell d={d} exceeds the {D} feature columns")
        ok = torch.nonzero(F_[:, :d].norm(dim=1) > 1e-12).ravel()
        if ok.numel() < n:
            raise ValueError(f"only {ok.numel()} usable rows for d={d}, need n={n}")
        for r in range(realizations):
            g = torch.Generator().manual_seed(stable_seed(seed, n, k, d, r, 1))
            idx = ok[torch.randperm(ok.numel(), generator=g)[:n]]
            X = F_[idx, :d]
            X = X / X.norm(dim=1, keepdim=True)
            y = torch.randn(n, generator=g, dtype=torch.float64)
            W0, v = _one_problem(X, y, k, g, dtype)
            Xs.append(X.to(dtype)), ys.append(y.to(dtype)), Ws.append(W0), vs.append(v)
            rows.append({"k": int(k), "d": int(d), "n": int(n), "realization": r})
    return Problems(Xs, ys, Ws, vs, pd.DataFrame(rows))


# -------------------------------------------------------------------------------------------------- results
@dataclass
class EnsembleResult:
    """What ``train_ensemble`` returns; arrays have one entry per network, in the order of the problems.

    hit_step: first step t (0 = at initialisation) with relative error < tol, -1 if never.
    steps_run: number of updates applied (= hit_step on success, the step of the freeze on divergence).
    final_rel: relative error ||f(W) - y|| / ||y|| at the frozen/final weights.
    W: the final weights (CPU tensors, the problem's dtype).
    history: (B, len(history_steps)) relative errors at ``history_steps`` (NaN once a network has stopped),
        when requested.
    checkpoints: {step: [W_b at that step]} when requested (a stopped network contributes its frozen W).
    path_length: Σ_t ||W_{t+1} - W_t||_F when requested.
    """

    info: pd.DataFrame
    hit_step: np.ndarray
    steps_run: np.ndarray
    final_rel: np.ndarray
    diverged: np.ndarray
    W: list[torch.Tensor]
    steps: int
    tol: float | None
    history_steps: np.ndarray | None = None
    history: np.ndarray | None = None
    checkpoints: dict[int, list[torch.Tensor]] = field(default_factory=dict)
    path_length: np.ndarray | None = None
    wall_time: float = 0.0
    n_buckets: int = 0
    n_chunks: int = 0

    @property
    def success(self) -> np.ndarray:
        return self.hit_step >= 0

    def success_at(self, budget: int) -> np.ndarray:
        """Success had the run been stopped after ``budget`` steps (hit_step <= budget)."""
        return (self.hit_step >= 0) & (self.hit_step <= budget)

    def table(self) -> pd.DataFrame:
        df = self.info.copy()
        df["hit_step"] = self.hit_step
        df["success"] = self.success
        df["diverged"] = self.diverged
        df["final_rel"] = self.final_rel
        df["steps_run"] = self.steps_run
        if self.path_length is not None:
            df["path_length"] = self.path_length
        return df


# --------------------------------------------------------------------------------------------------- buckets
def _cost(ks: np.ndarray, ds: np.ndarray, n: int, overhead: float) -> float:
    if ks.size == 0:
        return 0.0
    return ks.size * n * ks.max() * (ds.max() + 8.0) + overhead


def plan_buckets(k: Sequence[int], d: Sequence[int], n: int, overhead: float = 1e6,
                 max_buckets: int = 64) -> list[np.ndarray]:
    """Group networks of shapes (k_b, d_b) into buckets to be padded to a common (max k, max d).

    Recursive best split on a k- or d-threshold while it lowers the modelled per-step cost
    Σ_buckets size·n·K·(D + 8) + overhead (padded work plus a fixed per-bucket launch cost)."""
    k = np.asarray(k)
    d = np.asarray(d)
    todo = [np.arange(k.size)]
    done: list[np.ndarray] = []
    while todo:
        idx = todo.pop()
        best = (_cost(k[idx], d[idx], n, overhead), None)
        if len(done) + len(todo) + 1 < max_buckets:
            for arr in (k, d):
                vals = np.unique(arr[idx])
                for t in vals[:-1]:
                    left, right = idx[arr[idx] <= t], idx[arr[idx] > t]
                    c = _cost(k[left], d[left], n, overhead) + _cost(k[right], d[right], n, overhead)
                    if c < best[0] * 0.97:
                        best = (c, (left, right))
        if best[1] is None:
            done.append(idx)
        else:
            todo.extend(best[1])
    return sorted(done, key=lambda a: (d[a].max(), k[a].max()))


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
        self.any_bad = False  # a diverged member is still in the batch (its residual may not be finite)
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
        self.v = pick(self.v[:, rows], 0).contiguous()
        fills = {"y": 0, "ynorm": 1, "eta": 0, "eta_eff": 0, "hit": -1, "stop": -1, "rel": float("nan"),
                 "diverged": False, "active": False, "path": 0, "c": 0, "real": False}
        for name, fill in fills.items():
            setattr(self, name, pick(getattr(self, name), fill))
        self.hist = [pick(h, float("nan")) for h in self.hist]
        self._set_corr()
        self.any_bad = bool((self.diverged & ~self.active).any())

    def elements(self) -> int:
        G, D, n = self.XT.shape
        B, K, _ = self.M.shape
        return G * n * D + B * (4 * n * K + 3 * K * D)


def _contract_units(v: torch.Tensor, P: torch.Tensor) -> torch.Tensor:
    """Σ_l v[b, l] P[b, l, i] -> (B, n). A batched GEMV, except for tiny K·n where torch's bmm falls back to
    a slow naive loop (K·n < 400) and a broadcast multiply-sum is faster."""
    if P.shape[1] * P.shape[2] >= 400:
        return torch.bmm(v.unsqueeze(1), P).squeeze(1)
    return (P * v.unsqueeze(2)).sum(1)


def _forward(ch: "_Chunk", XT: torch.Tensor, activation: str, fast: bool = True):
    """Network outputs f (B, n') on the inputs XT (B, D, n') and the saved tensor for ``_direction``.

    softplus (M = -W, so Z = M XT = -z): s = sigmoid(Z) = sigmoid(-z), phi(z) = -log s, phi'(z) = 1 - s, so
    one sigmoid serves both. With ``fast=False`` (or unbalanced v) f = -Σ_l v_l log s_l (s underflows only
    for z > 87 in float32, where phi = inf marks the network as diverged). For balanced output weights
    (v_l = ±c) the fast form uses phi(z) = z⁺ - log m, m = max(s, 1 - s) = sigmoid(|z|) in [1/2, 1], so
        f = Σ_l v_l z_l⁺ + c log(Π_{v<0} m_l / Π_{v>0} m_l):
    a GEMV, cheap elementwise passes, two products and one log per sample instead of K logs (the log costs
    as much as the sigmoid). Cheaper still, f = c log(Π_{v<0} s_l / Π_{v>0} s_l) is used at the steps where
    these products of s stay in the normal range (checked per chunk and step). The products stay in [2^-K, 1] (no underflow for K <= 100, else the sum of
    logs is used), so nothing is lost to range; the two forms agree to round-off (unit tests). Padding units
    (zero weights, m = 1/2) are taken out of the ratio by ``_Chunk.corr``.
    relu (M = W): phi = max(0, z), phi'(z) = 1{z >= 0}."""
    Z = ch.units_by_inputs(XT)  # (B, K, n')
    if activation == "softplus":
        if fast and ch.balanced and max(ch.Kp, ch.Kn) <= 100:
            s = torch.sigmoid(Z)
            # cheapest form first: f = c log(Π_{v<0} s / Π_{v>0} s), exact while no product leaves the normal
            # range (s = sigmoid(-z) ~ e^-z: large weights make it underflow, as in long hopeless runs)
            Pp, Pn = s[:, : ch.Kp].prod(1), s[:, ch.Kp :].prod(1)
            if bool(torch.minimum(Pp, Pn).min() > ch.tiny):
                return torch.log(Pn.div_(Pp)).mul_(ch.c).add_(ch.corr), s
            f = _contract_units(ch.v, Z.clamp_(max=0.0)).neg_()  # Σ v z⁺ (Z = -z)
            m = torch.rsub(s, 1.0)
            torch.maximum(s, m, out=m)
            Pp, Pn = m[:, : ch.Kp].prod(1), m[:, ch.Kp :].prod(1)
            return f.add_(torch.log(Pn.div_(Pp)).mul_(ch.c)).add_(ch.corr), s
        s = Z.sigmoid_()
        return _contract_units(ch.v, torch.log(s)).neg_(), s
    mask = torch.ge(Z, 0, out=torch.empty_like(Z))  # phi' as 0/1 floats (a bool mask + where is ~10x slower)
    return _contract_units(ch.v, Z.relu_()), mask


def _direction(ch: "_Chunk", saved: torch.Tensor, re: torch.Tensor, XT: torch.Tensor, activation: str) -> torch.Tensor:
    """Σ_i re[b, i] phi'(z[b, l, i]) x_i -> (B, K, D) (the gradient of the sum loss divided by v_l, times eta
    through ``re`` = eta * residual). (Scaling the (D, n) inputs by re and subtracting Σ_i s_li re_i x_i
    instead of forming (1 - s) * re was measured slightly slower.)"""
    reb = re.unsqueeze(1)
    if activation == "softplus":
        Q = torch.addcmul(reb, saved, reb, value=-1.0)  # (1 - s) * re
    else:
        Q = saved.mul_(reb)  # 1{z >= 0} * re (re is finite: non-finite residuals are zeroed upstream)
    return ch.times_inputs(Q, XT)


# --------------------------------------------------------------------------------------------------- trainer
def _as_eta(eta, B: int) -> torch.Tensor:
    e = torch.as_tensor(eta, dtype=torch.float64).reshape(-1)
    if e.numel() == 1:
        e = e.expand(B).clone()
    if e.numel() != B:
        raise ValueError(f"eta must be a scalar or have one entry per network ({B}), got {e.numel()}")
    return e


def _resolve_device(device) -> torch.device:
    return resolve_device("auto" if device is None else device)


def train_ensemble(
    problems: Problems,
    activation: str,
    eta,
    steps: int,
    *,
    tol: float | None = None,
    batch_size: int | None = None,
    eval_every: int | None = None,
    diverge_rel: float = 1e3,
    history: bool = False,
    history_every: int = 1,
    checkpoints: Iterable[int] = (),
    track_path: bool = False,
    device="cpu",
    dtype=torch.float32,
    max_batch_elements: int = 2**24,
    bucket_overhead: float = 1e6,
    compact_every: int = 250,
    seed: int = 0,
    threads: int | None = 1,
    progress: bool = True,
    desc: str | None = None,
    fast: bool = True,
    share_inputs: bool = True,
) -> EnsembleResult:
    """Train every network of ``problems`` for up to ``steps`` updates, all at once.

    eta: a scalar or one step size per network (for the sum loss ½||f - y||²).
    tol: stop a network at the first step whose relative error ||f - y|| / ||y|| is < tol (None: never).
    batch_size: None for full-batch GD; b for SGD with b samples drawn uniformly with replacement per
        network and step (eq. 2.9 for b = 1; no rescaling). The per-step sample indices come from one
        generator seeded with ``seed`` and are drawn for all networks at once, so they do not depend on
        the chunking.
    eval_every: how often the full-batch relative error is evaluated (stopping, divergence, history):
        every step for GD; once per epoch (ceil(n / b) steps) by default for SGD.
    diverge_rel: relative error above which (or non-finite) a network is marked diverged and frozen.
    history / history_every: record the relative error every ``history_every`` evaluations.
    checkpoints: steps at which to copy every network's W (a stopped network gives its frozen W).
    track_path: accumulate the path length Σ ||W_{t+1} - W_t||_F.
    max_batch_elements: bound on the working set (elements) of one chunk; buckets are cut to fit.
    dtype: training precision (float32 suffices for a 2.5e-3 threshold; float64 for equivalence tests).
    threads: torch CPU threads while training (restored afterwards); None keeps the current setting. The
        default 1 is deliberate: the batched tensors are small, and on a shared or busy CPU two OpenMP
        threads spinning on each small op were measured ~10x slower than one.
    fast: allow the product form of the softplus forward pass (``_forward``); False keeps the plain sum of
        K logs per sample (the reference the tests compare the fast path with).
    share_inputs: full-batch GD only: networks whose ``problems.X`` is the same tensor object are stored as
        one input group (one matrix product for all their units, ``_Chunk``); False treats every network
        separately (the reference the tests compare the grouped path with). The arithmetic per network is
        the same either way.
    """
    if threads is not None and _resolve_device(device).type == "cpu":
        saved = torch.get_num_threads()
        torch.set_num_threads(int(threads))
        try:
            return train_ensemble(problems, activation, eta, steps, tol=tol, batch_size=batch_size,
                                  eval_every=eval_every, diverge_rel=diverge_rel, history=history,
                                  history_every=history_every, checkpoints=checkpoints, track_path=track_path,
                                  device=device, dtype=dtype, max_batch_elements=max_batch_elements,
                                  bucket_overhead=bucket_overhead, compact_every=compact_every, seed=seed,
                                  threads=None, progress=progress, desc=desc, fast=fast,
                                  share_inputs=share_inputs)
        finally:
            torch.set_num_threads(saved)
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    B = len(problems)
    dev = _resolve_device(device)
    n = problems.n
    sgd = batch_size is not None
    if eval_every is None:
        eval_every = max(1, math.ceil(n / batch_size)) if sgd else 1
    if not sgd and eval_every != 1:
        raise ValueError("full-batch GD evaluates the error at every step (eval_every=1)")
    etas = _as_eta(eta, B)
    ck_steps = sorted({int(s) for s in checkpoints if 0 <= int(s) <= steps})
    t0 = time.perf_counter()

    # plan: buckets of similar shape, cut into chunks bounded in memory
    ks, ds = problems.k, problems.d
    chunks: list[_Chunk] = []
    sign = -1.0 if activation == "softplus" else 1.0
    n_buckets = 0
    for bucket in plan_buckets(ks, ds, n, overhead=bucket_overhead):
        n_buckets += 1
        K, D = ks[bucket].max(), ds[bucket].max()
        if share_inputs and not sgd:  # networks whose X is the same tensor object share one copy of it
            by_inputs: dict[int, list[int]] = {}
            for i in bucket.tolist():
                by_inputs.setdefault(id(problems.X[i]), []).append(i)
            groups = list(by_inputs.values())
        else:
            groups = [[i] for i in bucket.tolist()]
        C = max(len(g) for g in groups)
        per_group = n * D + C * (4 * n * K + 3 * K * D)
        size = max(1, int(max_batch_elements // per_group))
        for s in range(0, len(groups), size):
            chunks.append(_Chunk(groups[s : s + size], problems, etas, dev, dtype, sign))
    n_chunks = len(chunks)

    # outputs (host side)
    out_hit = np.full(B, -1, dtype=np.int64)
    out_stop = np.full(B, steps, dtype=np.int64)
    out_rel = np.full(B, np.nan)
    out_div = np.zeros(B, dtype=bool)
    out_path = np.zeros(B)
    out_W: list[torch.Tensor | None] = [None] * B
    hist_steps = np.arange(0, steps + 1, eval_every * history_every) if history else None
    out_hist = np.full((B, hist_steps.size), np.nan) if history else None
    out_ck: dict[int, list[torch.Tensor | None]] = {s: [None] * B for s in ck_steps}
    gen = None
    if sgd:
        gen = torch.Generator(device=dev).manual_seed(int(seed))

    def retire(ch: _Chunk, mask: torch.Tensor):
        """Write the members in ``mask`` to the outputs."""
        mask = mask & ch.real
        sel = torch.nonzero(mask).ravel()
        if sel.numel() == 0:
            return
        ids = ch.ids[mask.cpu()].numpy()
        hit, stop = ch.hit[sel].cpu().numpy(), ch.stop[sel].cpu().numpy()
        out_hit[ids] = hit
        out_stop[ids] = np.where(stop >= 0, stop, steps)
        out_rel[ids] = ch.rel[sel].double().cpu().numpy()
        out_div[ids] = ch.diverged[sel].cpu().numpy()
        out_path[ids] = ch.path[sel].double().cpu().numpy()
        for i, W in zip(ids, ch.weights(problems, sel)):
            out_W[i] = W
            for s in ck_steps:  # checkpoints after the freeze: the frozen weights
                if out_ck[s][i] is None:
                    out_ck[s][i] = out_W[i]
        if history and ch.hist:
            H = torch.stack([h[sel] for h in ch.hist], dim=1).double().cpu().numpy()
            out_hist[ids, : H.shape[1]] = H

    hist_stride = eval_every * history_every

    def evaluate(ch: _Chunk, t: int, f: torch.Tensor) -> torch.Tensor:
        """Stopping and divergence at step t from the full-batch outputs f. Returns the residual f - y.

        The common case (no member stops) costs a few (B,)-sized ops and one host check; the bookkeeping
        (hit step, freeze: eta_eff = 0) runs only at the steps where some member stops."""
        r = f - ch.y
        rel = r.norm(dim=1) / ch.ynorm
        act = ch.active
        if history and t % hist_stride == 0:
            ch.hist.append(torch.where(act, rel, torch.full_like(rel, float("nan"))))
        ok = rel <= diverge_rel  # False for NaN and inf too
        if tol is not None:
            ok = ok & (rel >= tol)
        stopped = act & ~ok
        if t == steps:
            ch.rel = torch.where(act, rel, ch.rel)
        if bool(stopped.any()):
            ch.rel = torch.where(stopped, rel, ch.rel)
            bad = stopped & ~(rel <= diverge_rel)
            if tol is not None:
                ch.hit = torch.where(stopped & (rel < tol), t, ch.hit)
            ch.diverged = ch.diverged | bad
            ch.stop = torch.where(stopped, t, ch.stop)
            ch.active = act & ~stopped
            ch.eta_eff = torch.where(ch.active.unsqueeze(1), ch.eta, 0.0)
            ch.any_bad = ch.any_bad or bool(bad.any())
        return r

    def apply(ch: _Chunk, D: torch.Tensor):
        """W <- W - v_l * D (D already carries eta and the residual); M = sign * W."""
        if track_path:
            U = D * ch.v.unsqueeze(2)
            ch.path = ch.path + U.flatten(1).norm(dim=1)
            ch.M.add_(U, alpha=-sign)
        else:
            ch.M.addcmul_(ch.v.unsqueeze(2), D, value=-sign)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc=desc or f"ensemble {activation} ({B} nets)", leave=False)

    live = list(chunks)
    for t in range(steps + 1):
        do_eval = (t % eval_every == 0) or t == steps
        if sgd:
            idx_all = torch.randint(n, (B, batch_size), generator=gen, device=dev) if t < steps else None
        for ch in live:
            if t in out_ck:  # checkpoint before the update of step t
                for i, W in zip(ch.ids[ch.real.cpu()].tolist(), ch.weights(problems)):
                    out_ck[t][i] = W
            if not sgd:
                f, saved = _forward(ch, ch.XT, activation, fast)
                r = evaluate(ch, t, f)
                if t == steps:
                    continue
                re = r * ch.eta_eff  # frozen (successful) members: exactly zero step
                if ch.any_bad:  # a diverged member's residual may be inf/NaN: zero it explicitly
                    re = torch.where(ch.active.unsqueeze(1), re, 0.0)
                apply(ch, _direction(ch, saved, re, ch.XT, activation))
            else:
                if do_eval:
                    evaluate(ch, t, _forward(ch, ch.XT, activation, fast)[0])
                if t == steps:
                    continue
                idx = idx_all[ch.ids.to(dev)]  # (Bc, b)
                XbT = torch.gather(ch.XT, 2, idx.unsqueeze(1).expand(-1, ch.XT.shape[1], -1))  # (Bc, D, b)
                yb = torch.gather(ch.y, 1, idx)
                fb, saved = _forward(ch, XbT, activation, fast)
                rb = fb - yb
                rb = torch.where(ch.active.unsqueeze(1) & torch.isfinite(rb), rb * ch.eta, 0.0)
                apply(ch, _direction(ch, saved, rb, XbT, activation))
        if bar is not None:
            bar.update(1) if t < steps else None
        # compaction: retire stopped networks, drop empty chunks
        if (t % compact_every == 0 and t > 0) or t == steps:
            nxt = []
            for ch in live:
                if t == steps:
                    retire(ch, torch.ones_like(ch.active))
                    continue
                act = ch.active
                n_act = int(act.sum())
                if n_act == int(ch.real.sum()):  # nobody stopped since the last compaction
                    nxt.append(ch)
                    continue
                retire(ch, ~act)
                if n_act > 0:
                    ch.keep(act)
                    nxt.append(ch)
            live = nxt
            if bar is not None:
                bar.set_postfix(active=sum(int(c.active.sum()) for c in live), refresh=False)
            if not live:
                break
    if bar is not None:
        bar.close()

    ckd = {s: [w if w is not None else out_W[i] for i, w in enumerate(v)] for s, v in out_ck.items()}
    return EnsembleResult(
        info=problems.info.copy(), hit_step=out_hit, steps_run=out_stop, final_rel=out_rel, diverged=out_div,
        W=out_W, steps=steps, tol=tol, history_steps=hist_steps, history=out_hist, checkpoints=ckd,
        path_length=out_path if track_path else None, wall_time=time.perf_counter() - t0,
        n_buckets=n_buckets, n_chunks=n_chunks,
    )


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
        return _phi(X @ self.W.T, self.activation) @ self.v


def train_module(X, y, W0, v, activation: str, eta: float, steps: int, *, tol: float | None = None,
                 diverge_rel: float = 1e3, sample_indices: torch.Tensor | None = None,
                 eval_every: int = 1, history: bool = False):
    """The baseline: train one ``TwoLayerModule`` by autograd on the sum loss ½||f - y||², one step at a time,
    with the same stopping rules as ``train_ensemble`` (evaluated every ``eval_every`` steps).

    sample_indices: (steps, b) sample indices for SGD (None: full-batch GD).
    Returns a dict with W, hit_step, steps_run, final_rel, diverged and (optionally) history.
    """
    model = TwoLayerModule(W0, v, activation)
    ynorm = float(y.norm())
    hit, stop, diverged, rel, hist = -1, steps, False, float("nan"), []
    for t in range(steps + 1):
        if t % eval_every == 0 or t == steps:
            with torch.no_grad():
                rel = float((model(X) - y).norm()) / ynorm
            if history:
                hist.append(rel)
            if tol is not None and rel < tol:
                hit, stop = t, t
                break
            if not math.isfinite(rel) or rel > diverge_rel:
                diverged, stop = True, t
                break
        if t == steps:
            break
        if sample_indices is None:
            loss = 0.5 * ((model(X) - y) ** 2).sum()
        else:
            idx = sample_indices[t]
            loss = 0.5 * ((model(X[idx]) - y[idx]) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            model.W -= eta * model.W.grad
        model.W.grad = None
    return {"W": model.W.detach().clone(), "hit_step": hit, "steps_run": stop, "final_rel": rel,
            "diverged": diverged, "history": np.array(hist) if history else None}


def sgd_indices(n: int, n_networks: int, steps: int, batch_size: int, seed: int = 0, device="cpu"):
    """The SGD sample indices ``train_ensemble`` draws, as a (steps, n_networks, batch_size) tensor, so a
    single-network replay (``train_module(sample_indices=...[:, b])``) follows the same samples."""
    gen = torch.Generator(device=device).manual_seed(int(seed))
    return torch.stack([torch.randint(n, (n_networks, batch_size), generator=gen, device=device)
                        for _ in range(steps)])


# --------------------------------------------------------------------------------- phase-diagram boundaries
def success_grid(k, d, success, ks=None, ds=None) -> pd.DataFrame:
    """Success fraction per cell as a (k rows) x (d columns) table."""
    df = pd.DataFrame({"k": np.asarray(k), "d": np.asarray(d), "s": np.asarray(success, float)})
    g = df.groupby(["k", "d"]).s.mean().unstack("d")
    if ks is not None:
        g = g.reindex(index=list(ks))
    if ds is not None:
        g = g.reindex(columns=list(ds))
    return g


@dataclass(frozen=True)
class BoundaryFit:
    """Logistic fits of a phase diagram's success probability (maximum likelihood, bootstrap intervals).

    Hyperbola model: P(success) = sigmoid(slope * (log(kd/n) - log c)), so the boundary P = 1/2 is kd = c n.
    Free model: P = sigmoid(a_k log k + a_d log d + b); its boundary is k^{a_k} d^{a_d} = const, a hyperbola
    in kd exactly when ratio = a_k / a_d = 1. Intervals (95%) by bootstrap: each cell's count redrawn from
    its binomial, or whole realizations resampled (``fit_phase_boundary(realization=...)``).
    ``empirical_min_ratio_90``: the smallest kd/n over cells whose measured success fraction is >= 0.9."""

    n: int
    c: float
    c_lo: float
    c_hi: float
    slope: float
    ratio: float
    ratio_lo: float
    ratio_hi: float
    r90: float
    r90_lo: float
    r90_hi: float
    empirical_min_ratio_90: float
    cells: int
    trials: int

    def ratio_at(self, p: float) -> float:
        """kd/n at which the fitted hyperbola model gives success probability p."""
        return self.c * math.exp(math.log(p / (1 - p)) / self.slope)

    def probability(self, kd_over_n) -> np.ndarray:
        x = np.log(np.asarray(kd_over_n, float) / self.c)
        return 1 / (1 + np.exp(-self.slope * x))


def _nll(z, s, m):
    # -log-likelihood of s successes in m trials with logit z (numerically stable)
    return float(np.sum(m * np.logaddexp(0, z) - s * z))


def _fit_hyperbola(x, s, m, start=(0.3, 1.5)):
    from scipy.optimize import minimize

    if s.sum() == 0 or s.sum() == m.sum():  # all failures or all successes: no boundary inside the grid
        return math.nan, math.nan
    f = lambda p: _nll(math.exp(min(p[1], 6.0)) * (x - p[0]), s, m) + 1e-6 * p[1] ** 2
    best = None
    for x0 in (start, (0.0, 1.0), (0.7, 2.5)):
        r = minimize(f, np.array(x0), method="Nelder-Mead",
                     options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
        if best is None or r.fun < best.fun:
            best = r
    logc, logslope = best.x
    return math.exp(float(np.clip(logc, -8.0, 8.0))), math.exp(min(logslope, 6.0))


def _fit_free(lk, ld, s, m):
    from scipy.optimize import minimize

    def f(p):
        return _nll(p[0] * lk + p[1] * ld + p[2], s, m) + 1e-6 * (p[0] ** 2 + p[1] ** 2)

    r = minimize(f, np.array([2.0, 2.0, -9.0]), method="BFGS")
    return r.x


def _realization_resampler(df: pd.DataFrame, g: pd.DataFrame, rng: np.random.Generator):
    """Bootstrap success counts per cell of ``g`` that resample whole realizations: for every d, R
    realization labels drawn with replacement, used for all k at that d. Networks of one realization that
    share their inputs across k (``sphere_problems(shared_inputs=True)``) are correlated; drawing them
    together keeps that correlation in the intervals (for independent draws it is the ordinary
    nonparametric bootstrap over realizations)."""
    table = df.pivot_table(index=["k", "d"], columns="r", values="s", aggfunc="first")
    table = table.loc[list(zip(g.k, g.d))]
    blocks = []
    for dd in np.unique(g.d):
        rows = np.flatnonzero(g.d.to_numpy() == dd)
        sub = table.iloc[rows].dropna(axis=1, how="all")
        if sub.isna().any().any():
            raise ValueError(f"resampling realizations needs every cell at d = {dd} to have the same realizations")
        blocks.append((rows, sub.to_numpy()))

    def draw() -> np.ndarray:
        out = np.zeros(len(g))
        for rows, S in blocks:
            out[rows] = S[:, rng.integers(0, S.shape[1], S.shape[1])].sum(1)
        return out

    return draw


def fit_phase_boundary(k, d, n: int, success, n_boot: int = 200, seed: int = 0, realization=None) -> BoundaryFit:
    """Fit the boundary of a phase diagram from per-network outcomes (k_b, d_b, success_b).

    realization: the realization label of each network. Given, the intervals resample whole realizations
    at each d (``_realization_resampler``), as shared inputs require; None, each cell's count is redrawn
    from its own binomial (independent draws only)."""
    df = pd.DataFrame({"k": np.asarray(k), "d": np.asarray(d), "s": np.asarray(success, float)})
    if realization is not None:
        df["r"] = np.asarray(realization)
    g = df.groupby(["k", "d"]).s.agg(["sum", "count"]).reset_index()
    kk, dd = g.k.to_numpy(float), g.d.to_numpy(float)
    s, m = g["sum"].to_numpy(float), g["count"].to_numpy(float)
    x = np.log(kk * dd / n)
    lk, ld = np.log(kk), np.log(dd)
    c, slope = _fit_hyperbola(x, s, m)
    a = _fit_free(lk, ld, s, m)
    ratio = a[0] / a[1] if a[1] != 0 else math.inf
    r90 = c * math.exp(math.log(9.0) / slope)
    rng = np.random.default_rng(seed)
    bc, br, b90 = [], [], []
    p_hat = s / m
    resample = _realization_resampler(df, g, rng) if realization is not None else None
    for _ in range(n_boot):
        sb = resample() if resample is not None else rng.binomial(m.astype(int), p_hat).astype(float)
        cb, sl = _fit_hyperbola(x, sb, m, start=(math.log(c), math.log(slope)) if math.isfinite(c) else (0.3, 1.5))
        bc.append(cb)
        b90.append(cb * math.exp(math.log(9.0) / sl))
        ab = _fit_free(lk, ld, sb, m)
        br.append(ab[0] / ab[1] if ab[1] != 0 else np.nan)

    def ci(v, fallback):
        v = np.asarray(v, float)
        v = v[np.isfinite(v)]
        return (float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))) if v.size else (fallback, fallback)

    good = p_hat >= 0.9
    emp = float((kk * dd / n)[good].min()) if good.any() else math.inf
    return BoundaryFit(int(n), c, *ci(bc, c), slope, float(ratio), *ci(br, ratio), r90, *ci(b90, r90), emp,
                       int(len(g)), int(m.sum()))
