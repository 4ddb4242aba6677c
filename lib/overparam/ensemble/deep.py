"""Many deep leaky-ReLU networks (Guo et al.'s architecture) trained at once in stacked tensors.

K networks of equal shape, each with its own leaky-ReLU slope alpha_k and its own weights, are held
as stacked tensors A (K, m, p), W_l (K, m, m), B (K, d, m) and run with batched matmuls. The
networks never interact: the gradient of sum_k L_k with respect to network k's weights is network
k's own gradient, so one stacked step equals K single-network steps (tested in float64 against
``overparam.models.DeepFCNet.guo`` trained by ``overparam.train.train``). On small widths this is
several times faster than a Python loop over K models (``benchmarks/deep_ntk.py`` does not time
this; the chapter's sweeps use it for the alpha grid and the seeds).

Network k: h0 = A_k x, h_l = sigma~_{alpha_k}(W_{k,l} h_{l-1}), f = B_k h_L; Algorithm 1 init
A ~ N(0, 1/m), W ~ N(0, 2/m), B ~ N(0, 1/d). ``trained="hidden"`` (the theory: only W_l move) or
``"all"`` (A and B too, as the papers' PyTorch experiments presumably did).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = ["DeepEnsemble", "EnsembleLog", "train_ensemble", "run_grid", "log_frame", "LOSSES"]

LOSSES = ("sum", "half_sum", "mean", "ce", "ce_sum", "exp")
PROBES = ("distance", "spectral", "flips", "ntk")


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
        """Stack ``overparam.models.DeepFCNet`` instances with a linear input layer (``DeepFCNet.guo``)."""
        for mdl in models:
            if getattr(mdl, "input_layer", "linear") != "linear":
                raise ValueError("only Guo et al.'s linear input layer is supported")
        A = torch.stack([mdl.A.detach() for mdl in models])
        Ws = [torch.stack([mdl.hidden[ell].detach() for mdl in models]) for ell in range(len(models[0].hidden))]
        B = torch.stack([mdl.B.detach() for mdl in models])
        return cls(A, Ws, B, [mdl.alpha for mdl in models], trained=trained)

    def to_model(self, k: int):
        """Network k as an ``overparam.models.DeepFCNet`` (a copy)."""
        from overparam.models import DeepFCNet

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


# -------------------------------------------------------------------- losses


def _per_model_loss(out, y, loss: str, exp_lambda: float, batched: bool = False) -> torch.Tensor:
    """Loss of each network, (K,). out (K, n, d); y (n,) / (n, d) / int labels (n,) shared by all
    networks, or with a leading K (``batched=True``: per-network batches)."""
    if loss in ("ce", "ce_sum"):
        logp = torch.log_softmax(out, dim=-1)
        yy = y if batched else y.expand(out.shape[0], -1)
        nll = -torch.gather(logp, 2, yy.unsqueeze(-1)).squeeze(-1)  # (K, n)
        return nll.mean(1) if loss == "ce" else nll.sum(1)
    base = y.ndim - (1 if batched else 0)  # 1: scalar targets, 2: vector targets
    yy = y.unsqueeze(-1) if base == 1 else y
    sq = ((out - yy) ** 2).sum(-1)  # (K, n)
    if loss == "sum":
        return sq.sum(1)
    if loss == "half_sum":
        return 0.5 * sq.sum(1)
    if loss == "mean":
        return sq.mean(1) / out.shape[-1]
    if loss == "exp":
        return 0.5 * torch.exp(exp_lambda * sq).sum(1)
    raise ValueError(f"unknown loss {loss!r}; valid: {', '.join(LOSSES)}")


def _metrics(out, y, classification: bool) -> dict[str, torch.Tensor]:
    if classification:
        logp = torch.log_softmax(out, dim=-1)
        nll = -torch.gather(logp, 2, y.expand(out.shape[0], -1).unsqueeze(-1)).squeeze(-1)
        acc = (out.argmax(-1) == y).to(out.dtype).mean(1)
        return {"ce": nll.mean(1), "acc": acc}
    yy = y.reshape(-1, 1) if y.ndim == 1 else y
    return {"mse": ((out - yy) ** 2).mean((1, 2))}


@dataclass
class EnsembleLog:
    loss: np.ndarray  # (T+1, K) training objective at every step (GD) or at record steps (NaN between)
    steps: np.ndarray  # record steps
    train: dict[str, np.ndarray] = field(default_factory=dict)  # metric -> (R, K): mse | ce, acc
    test: dict[str, np.ndarray] = field(default_factory=dict)
    probes: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (R, K)
    diverged: np.ndarray | None = None  # (K,) bool
    diverged_at: np.ndarray | None = None  # (K,) step or -1
    alphas: np.ndarray | None = None
    eta: np.ndarray | None = None

    def curve(self, key: str, split: str = "train") -> np.ndarray:
        return (self.train if split == "train" else self.test)[key]


def train_ensemble(
    ens: DeepEnsemble,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    eta,
    steps: int,
    loss: str = "sum",
    batch_size: int | None = None,
    batch_scale: str = "none",
    epochs: bool = False,
    shared_batches: bool = True,
    X_test: torch.Tensor | None = None,
    y_test: torch.Tensor | None = None,
    record_every: int = 1,
    probes=(),
    probe_X: torch.Tensor | None = None,
    exp_lambda: float = 1.0,
    generator: torch.Generator | None = None,
    blowup: float = 1e8,
    progress: bool = False,
) -> EnsembleLog:
    """Train every network of ``ens`` in place, all at once; returns an ``EnsembleLog``.

    * GD (``batch_size=None``): W <- W - eta_k grad L_k(W) on all n samples (Algorithm 2).
    * SGD, ``epochs=False``: a fresh batch of ``batch_size`` samples each step, drawn as
      ``torch.randperm(n, generator)[:b]`` (Algorithm 3); ``batch_scale="none"`` uses grad L_B as the
      paper does, ``"unbiased"`` multiplies sum-type losses by n/b (``overparam.train``'s convention).
    * SGD, ``epochs=True``: one "step" is an epoch of shuffled minibatches (PyTorch DataLoader style,
      the real-data experiments); the log is per epoch.
    ``shared_batches=False`` gives each network its own batch sequence. ``loss`` in sum | half_sum |
    mean (squared error, per network), ce | ce_sum (cross-entropy on int labels), exp (1/2 sum
    exp(lambda ||y - f||^2), eq. 137). ``eta`` a float or one per network. Probes at record steps:
    "distance" (Frobenius ||W - W0|| over all trained layers), "spectral" (max_l ||W_l - W_l0||_2),
    "flips" (fraction of hidden pre-activation signs changed on ``probe_X``, default X), "ntk"
    (relative Frobenius change of the empirical NTK on ``probe_X`` and its lambda_min).
    A network whose loss is not finite or exceeds ``blowup`` times its initial loss is frozen at its
    initial weights and reported in ``diverged``; its later values are NaN.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; valid: {', '.join(LOSSES)}")
    bad = set(probes) - set(PROBES)
    if bad:
        raise ValueError(f"unknown probes {sorted(bad)}; valid: {', '.join(PROBES)}")
    if batch_scale not in ("none", "unbiased"):
        raise ValueError("batch_scale must be 'none' (Algorithm 3) or 'unbiased' (n/b)")
    K, n = ens.K, X.shape[0]
    if batch_size is not None and not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in 1..{n} or None")
    dev, dt = ens.A.device, ens.A.dtype
    eta_t = torch.as_tensor(eta, dtype=dt, device=dev).reshape(-1).expand(K).clone()
    eta_given = eta_t.cpu().numpy().copy()
    if torch.any(eta_t <= 0) or not torch.all(torch.isfinite(eta_t)):
        raise ValueError("eta must be positive and finite")
    classification = loss in ("ce", "ce_sum")
    probe_X = X if probe_X is None else probe_X
    state0 = ens.state()
    W0 = [w.detach().clone() for w in ens.parameters()]
    signs0 = [g >= 0 for g in ens.preactivations(probe_X)] if "flips" in probes else None
    ntk0 = ens.ntk(probe_X) if "ntk" in probes else None
    params = ens.parameters()

    losses = np.full((steps + 1, K), np.nan)
    rec_steps: list[int] = []
    tr_m: dict[str, list] = {}
    te_m: dict[str, list] = {}
    pr: dict[str, list] = {}
    alive = torch.ones(K, dtype=torch.bool, device=dev)
    died = np.full(K, -1)
    loss0 = None

    def nanmask(v: torch.Tensor) -> np.ndarray:
        a = v.detach().cpu().double().numpy().copy()
        a[~alive.cpu().numpy()] = np.nan
        return a

    def record(t, out_train):
        rec_steps.append(t)
        with torch.no_grad():
            for k, v in _metrics(out_train, y, classification).items():
                tr_m.setdefault(k, []).append(nanmask(v))
            if X_test is not None:
                for k, v in _metrics(ens(X_test), y_test, classification).items():
                    te_m.setdefault(k, []).append(nanmask(v))
            cur = ens.parameters()
            if "distance" in probes:
                d2 = sum(((w - w0) ** 2).sum((1, 2)) for w, w0 in zip(cur, W0))
                pr.setdefault("distance", []).append(nanmask(torch.sqrt(d2)))
            if "spectral" in probes:
                sp = torch.stack([torch.linalg.matrix_norm(ens.W[ell] - state0[1 + ell], ord=2)
                                  for ell in range(ens.depth)])
                pr.setdefault("spectral", []).append(nanmask(sp.max(0).values))
            if "flips" in probes:
                gs = ens.preactivations(probe_X)
                fl = sum(((g >= 0) != s0).to(dt).mean((1, 2)) for g, s0 in zip(gs, signs0)) / len(gs)
                pr.setdefault("flips", []).append(nanmask(fl))
            if "ntk" in probes:
                th = ens.ntk(probe_X)
                drift = torch.linalg.matrix_norm(th - ntk0) / torch.linalg.matrix_norm(ntk0)
                pr.setdefault("ntk_drift", []).append(nanmask(drift))
                pr.setdefault("ntk_lmin", []).append(nanmask(torch.linalg.eigvalsh(th)[:, 0]))

    pending: list[torch.Tensor] = []

    def reset_dead():
        while pending:
            ens.load_state(state0, mask=pending.pop())

    def check_divergence(t, lv: torch.Tensor):
        nonlocal loss0
        if loss0 is None:
            loss0 = lv.detach().clone()
        bad = alive & (~torch.isfinite(lv) | (lv > blowup * loss0.clamp_min(1e-300)))
        if bool(bad.any()):
            for k in torch.nonzero(bad).flatten().tolist():
                died[k] = t
            alive[bad] = False
            eta_t[bad] = 0.0
            pending.append(bad)  # reset after this step's backward (the graph still uses the weights)

    iterator = range(steps + 1)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, leave=False, mininterval=0.5)
    gd = batch_size is None
    for t in iterator:
        is_rec = (t % record_every == 0) or t == steps
        need_full = gd or is_rec
        if need_full:
            with torch.set_grad_enabled(gd and t < steps):
                out = ens(X)
                lv = _per_model_loss(out, y, loss, exp_lambda)
            check_divergence(t, lv.detach())
            losses[t] = nanmask(lv)
            if is_rec:
                record(t, out.detach())
        if t == steps:
            reset_dead()
            break
        if gd:
            total = torch.where(alive, lv, torch.zeros_like(lv)).sum()
            _step(params, torch.autograd.grad(total, params), eta_t)
            reset_dead()
            continue
        reset_dead()
        if epochs:
            perm = _perm(K, n, shared_batches, generator, dev)
            batches = [perm[:, i:i + batch_size] for i in range(0, n, batch_size)]
        else:
            batches = [_perm(K, n, shared_batches, generator, dev)[:, :batch_size]]
        for idx in batches:
            Xb, yb = X[idx], y[idx]  # (K, b, ...)
            lb = _per_model_loss(ens(Xb), yb, loss, exp_lambda, batched=True)
            if batch_scale == "unbiased" and loss not in ("mean", "ce"):
                lb = lb * (n / idx.shape[1])
            total = torch.where(alive, lb, torch.zeros_like(lb)).sum()
            _step(params, torch.autograd.grad(total, params), eta_t)
    R = lambda d: {k: np.stack(v) for k, v in d.items()}  # noqa: E731
    return EnsembleLog(losses, np.asarray(rec_steps), R(tr_m), R(te_m), R(pr), ~alive.cpu().numpy(), died,
                       ens.alphas.cpu().numpy(), eta_given)


def _perm(K, n, shared, generator, dev):
    if shared:
        return torch.randperm(n, generator=generator).to(dev).expand(K, n)
    return torch.stack([torch.randperm(n, generator=generator) for _ in range(K)]).to(dev)


@torch.no_grad()
def _step(params, grads, eta_t):
    for p, g in zip(params, grads):
        p.sub_(eta_t.reshape(-1, *([1] * (p.ndim - 1))) * torch.nan_to_num(g))


def run_grid(X, y, alphas, seeds, *, width: int, depth: int, eta, steps: int, d_out: int = 1,
             trained: str = "hidden", dtype=torch.float32, device="cpu", **train_kw):
    """Train one network per (alpha, seed) pair at once; returns (EnsembleLog, index DataFrame).

    Network (alpha, seed) is drawn from seed ``seed`` (so, for a fixed seed, every alpha starts from the
    same A, W, B: common random numbers across alpha). X, y and the ``train_kw`` arrays (X_test,
    y_test, probe_X) are moved to ``device``/``dtype`` (integer labels keep their type)."""
    import pandas as pd

    pairs = [(float(a), int(s)) for s in seeds for a in alphas]
    ens = DeepEnsemble.guo(X.shape[1], width, depth, [a for a, _ in pairs], d_out=d_out,
                           seeds=[s for _, s in pairs], trained=trained, dtype=dtype, device=device)

    def mv(t):
        if t is None or not torch.is_tensor(t):
            return t
        return t.to(device) if not torch.is_floating_point(t) else t.to(device=device, dtype=dtype)

    kw = {k: mv(v) for k, v in train_kw.items()}
    log = train_ensemble(ens, mv(X), mv(y), eta=eta, steps=steps, **kw)
    index = pd.DataFrame(pairs, columns=["alpha", "seed"])
    return log, index


def log_frame(log: EnsembleLog, index) -> "pd.DataFrame":
    """Long table of a run: one row per (network, record step) with alpha, seed, step, the training
    objective and every recorded train_*/test_* metric and probe."""
    import pandas as pd

    rows = []
    for j, t in enumerate(log.steps):
        for k in range(len(index)):
            row = {"alpha": index.alpha[k], "seed": index.seed[k], "step": int(t), "loss": log.loss[t, k]}
            row.update({f"train_{name}": v[j, k] for name, v in log.train.items()})
            row.update({f"test_{name}": v[j, k] for name, v in log.test.items()})
            row.update({name: v[j, k] for name, v in log.probes.items()})
            rows.append(row)
    return pd.DataFrame(rows)
