"""Training many deep leaky-ReLU networks at once (``overparam.nets.deep_stack.DeepEnsemble``).

GD or SGD on the stacked networks, with per-network losses, metrics and probes on a schedule, following
the convention of ``overparam.train``. ``run_grid`` trains the product of an alpha grid and seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ..nets.deep_stack import DeepEnsemble
from ..runtime.progress import progress as show_progress

__all__ = ["LOSSES", "PROBES", "EnsembleLog", "train_ensemble", "run_grid", "log_frame"]


LOSSES = ("sum", "half_sum", "mean", "ce", "ce_sum", "exp")
PROBES = ("distance", "spectral", "flips", "ntk")

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

    iterator = show_progress(range(steps + 1), desc="deep ensemble", enabled=progress, leave=False)
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
