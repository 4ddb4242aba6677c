"""Training many deep leaky-ReLU networks at once (``overparam.nets.deep_stack.DeepEnsemble``).

Guo, Li & Lerman (2024) compare leaky-ReLU slopes alpha by training one network per (alpha, seed) with GD
(Algorithm 2) or SGD (Algorithm 3) from Algorithm 1's initialisation. The networks never interact, so they
are trained together in stacked tensors: the gradient of sum_k L_k with respect to network k's weights is
network k's own gradient, and one stacked step equals K single-network steps of ``overparam.train.train``
(tested in float64, and in float32 against the float64 run). Per-network losses, metrics and probes are
recorded on a schedule (``deep_parts``). The convention (loss reductions, SGD scaling, divergence, stopping)
is ``overparam.train``'s; ``run_grid`` trains the product of an alpha grid and seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ..nets.deep_stack import DeepEnsemble
from ..runtime.progress import progress as show_progress
from .convention import check_choice, resolve_sgd_scale, resolve_stop, sgd_factor
from .deep_parts import (
    CLASSIFICATION,
    LOSSES,
    PROBES,
    Members,
    ProbeRecorder,
    masked,
    metrics,
    per_model_loss,
)

__all__ = ["LOSSES", "PROBES", "EnsembleLog", "log_frame", "run_grid", "train_ensemble"]


@dataclass
class EnsembleLog:
    """What ``train_ensemble`` recorded; K is the number of networks, R the number of record steps.

    Parameters
    ----------
    loss : numpy.ndarray
        (steps + 1, K) training objective at every step (GD) or at the record steps (SGD; NaN between);
        NaN for a diverged network from its divergence on, and for every network after the last step run.
    steps : numpy.ndarray
        (R,) the record steps.
    train, test : dict of str to numpy.ndarray
        Metric -> (R, K): ``mse``, or ``ce`` and ``acc`` (``deep_parts.metrics``).
    probes : dict of str to numpy.ndarray
        Probe -> (R, K) (``deep_parts.ProbeRecorder``).
    diverged : numpy.ndarray
        (K,) bool: the network diverged and was frozen at its weights of the previous check.
    diverged_at : numpy.ndarray
        (K,) the step whose check failed, or -1.
    alphas : numpy.ndarray
        (K,) the leaky-ReLU slopes.
    eta : numpy.ndarray
        (K,) the step sizes.
    converged : numpy.ndarray
        (K,) bool: the stopping rule was met and the network frozen there.
    converged_at : numpy.ndarray
        (K,) the step at which it was met, or -1.
    steps_run : numpy.ndarray
        (K,) the number of updates in each network's final weights.
    """

    loss: np.ndarray
    steps: np.ndarray
    train: dict[str, np.ndarray] = field(default_factory=dict)
    test: dict[str, np.ndarray] = field(default_factory=dict)
    probes: dict[str, np.ndarray] = field(default_factory=dict)
    diverged: np.ndarray | None = None
    diverged_at: np.ndarray | None = None
    alphas: np.ndarray | None = None
    eta: np.ndarray | None = None
    converged: np.ndarray | None = None
    converged_at: np.ndarray | None = None
    steps_run: np.ndarray | None = None

    def curve(self, key: str, split: str = "train") -> np.ndarray:
        """One recorded metric.

        Parameters
        ----------
        key : str
            ``"mse"``, ``"ce"`` or ``"acc"``.
        split : {"train", "test"}

        Returns
        -------
        numpy.ndarray
            (R, K).
        """
        return (self.train if split == "train" else self.test)[key]


def _validate(ens, X, loss, stop, probes, batch_size, eta_t) -> None:
    check_choice("loss", loss, LOSSES)
    if stop == "relative" and loss in CLASSIFICATION:
        raise ValueError("stop='relative' needs regression targets; use stop='absolute' with a ce loss")
    bad = set(probes) - set(PROBES)
    if bad:
        raise ValueError(f"unknown probes {sorted(bad)}; valid: {', '.join(PROBES)}")
    n = X.shape[0]
    if batch_size is not None and not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in 1..{n} or None")
    if torch.any(eta_t <= 0) or not torch.all(torch.isfinite(eta_t)):
        raise ValueError("eta must be positive and finite")


def train_ensemble(
    ens: DeepEnsemble,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    eta: float | Sequence[float] | torch.Tensor,
    steps: int,
    loss: str = "half_sum",
    batch_size: int | None = None,
    sgd_scale: str = "unbiased",
    stop: str | None = None,
    tol: float | None = None,
    epochs: bool = False,
    shared_batches: bool = True,
    X_test: torch.Tensor | None = None,
    y_test: torch.Tensor | None = None,
    record_every: int = 1,
    probes: Sequence[str] = (),
    probe_X: torch.Tensor | None = None,
    exp_lambda: float = 1.0,
    generator: torch.Generator | None = None,
    blowup: float = 1e8,
    progress: bool = False,
    batch_scale: str | None = None,
) -> EnsembleLog:
    """Train every network of ``ens`` in place, all at once.

    Parameters
    ----------
    ens : DeepEnsemble
        The K networks; their trained parameters move.
    X, y : torch.Tensor
        Inputs (n, p) and targets (n,) / (n, d), or int labels (n,) for the ce losses.
    eta : float, sequence or tensor
        Step size, one for all or one per network.
    steps : int
        Number of updates (epochs when ``epochs=True``).
    loss : str
        ``"half_sum"``, ``"sum"`` (Guo et al., Section 2), ``"mean"`` (squared error per network), ``"ce"``,
        ``"ce_sum"`` (cross-entropy on int labels, mean or sum) or ``"exp"`` (eq. 137).
    batch_size : int or None
        None: GD, W <- W - eta_k grad L_k(W) on all n samples (Algorithm 2). b: SGD with a fresh batch of b
        distinct samples each step, ``torch.randperm(n, generator)[:b]`` (Algorithm 3).
    sgd_scale : {"unbiased", "sum"}
        ``"unbiased"``: the batch gradient times n/b for sum-type losses; ``"sum"``: the plain gradient of
        the batch loss L_B, as in Algorithm 3.
    stop : {"absolute", "relative"} or None
        Freeze a network at the first check where its loss (``"absolute"``) or ||f - y|| / ||y||
        (``"relative"``, regression only) is at most ``tol``; None: never. The run ends early once no
        network is left training.
    tol : float or None
        The stopping threshold.
    epochs : bool
        SGD only: one "step" is an epoch of shuffled minibatches, the last partial batch kept (PyTorch
        ``DataLoader`` style, the real-data experiments); the log is per epoch.
    shared_batches : bool
        False gives each network its own batch sequence.
    X_test, y_test : torch.Tensor, optional
        A test set for the metrics.
    record_every : int
        Metrics and probes are recorded every ``record_every`` steps and at the last one.
    probes : sequence of str
        Any of ``"distance"``, ``"spectral"``, ``"flips"``, ``"ntk"`` (``deep_parts.ProbeRecorder``).
    probe_X : torch.Tensor, optional
        Inputs of the flips and NTK probes (default X).
    exp_lambda : float
        The lambda of the exponential loss.
    generator : torch.Generator or None
        Draws the SGD batches (None: torch's global generator).
    blowup : float
        A network whose loss is not finite or exceeds ``blowup`` times its initial loss at a check is put
        back to its weights at the previous check (the step before, under GD), frozen and flagged in
        ``diverged``; its later values are NaN. Gradients are never cleaned of NaN.
    progress : bool
        Show a progress bar in the pipeline's terminal.
    batch_scale : {"none", "unbiased"} or None
        Deprecated name of ``sgd_scale`` (``"none"`` is ``"sum"``).

    Returns
    -------
    EnsembleLog
    """
    sgd_scale = resolve_sgd_scale(sgd_scale, batch_scale, {"none": "sum", "unbiased": "unbiased", "sum": "sum"})
    stop = resolve_stop(stop, tol, legacy="absolute")
    K, steps = ens.K, int(steps)
    dev, dt = ens.A.device, ens.A.dtype
    eta_t = torch.as_tensor(eta, dtype=dt, device=dev).reshape(-1).expand(K).clone()
    _validate(ens, X, loss, stop, probes, batch_size, eta_t)
    classification = loss in CLASSIFICATION
    recorder = ProbeRecorder(ens, probes, X if probe_X is None else probe_X)
    params = ens.parameters()
    members = Members(params, eta_t, blowup, stop, tol)

    losses = np.full((steps + 1, K), np.nan)
    rec_steps: list[int] = []
    tr_m: dict[str, list] = {}
    te_m: dict[str, list] = {}
    pr: dict[str, list] = {}

    def record(t: int, out_train: torch.Tensor) -> None:
        keep = ~members.diverged
        rec_steps.append(t)
        with torch.no_grad():
            for k, v in metrics(out_train, y, classification).items():
                tr_m.setdefault(k, []).append(masked(v, keep))
            if X_test is not None:
                for k, v in metrics(ens(X_test), y_test, classification).items():
                    te_m.setdefault(k, []).append(masked(v, keep))
            for k, v in recorder.measure().items():
                pr.setdefault(k, []).append(masked(v, keep))

    gd = batch_size is None
    t = 0
    for t in show_progress(range(steps + 1), desc="deep ensemble", enabled=progress, leave=False):
        is_rec = (t % record_every == 0) or t == steps
        bad = None
        if gd or is_rec:
            with torch.set_grad_enabled(gd and t < steps):
                out = ens(X)
                lv = per_model_loss(out, y, loss, exp_lambda)
            bad = members.check(t, lv.detach(), out.detach(), y)
            losses[t] = masked(lv, ~members.diverged)
            if is_rec:
                record(t, out.detach())
        if t == steps or not members.any_active:
            members.settle(params, None, bad)
            break
        if gd:
            total = torch.where(members.active, lv, torch.zeros_like(lv)).sum()
            grads = torch.autograd.grad(total, params)
            members.settle(params, grads, bad)
            _step(params, grads, members.eta_eff)
            continue
        if is_rec:
            members.settle(params, None, bad)
        _sgd_epoch_or_step(ens, X, y, params, members, loss, exp_lambda, batch_size, sgd_scale, epochs,
                           shared_batches, generator)
    steps_run = np.where(members.steps_run >= 0, members.steps_run, t)
    R = lambda d: {k: np.stack(v) for k, v in d.items()}
    return EnsembleLog(losses, np.asarray(rec_steps), R(tr_m), R(te_m), R(pr), members.diverged,
                       members.diverged_at, ens.alphas.cpu().numpy(), eta_t.cpu().numpy().copy(),
                       members.converged, members.converged_at, steps_run)


def _sgd_epoch_or_step(ens, X, y, params, members, loss, exp_lambda, batch_size, sgd_scale, epochs,
                       shared_batches, generator) -> None:
    """One SGD step (a fresh batch) or, with ``epochs``, one epoch of minibatches."""
    K, n = ens.K, X.shape[0]
    perm = _perm(K, n, shared_batches, generator, ens.A.device)
    if epochs:
        batches = [perm[:, i:i + batch_size] for i in range(0, n, batch_size)]
    else:
        batches = [perm[:, :batch_size]]
    for idx in batches:
        lb = per_model_loss(ens(X[idx]), y[idx], loss, exp_lambda, batched=True)  # (K,)
        factor = sgd_factor(loss, n, idx.shape[1], sgd_scale)
        if factor != 1.0:
            lb = lb * factor
        # frozen networks have finite weights, so their zero-weighted gradient is exactly zero
        total = torch.where(members.active, lb, torch.zeros_like(lb)).sum()
        grads = torch.autograd.grad(total, params)
        members.clear_frozen(grads)
        _step(params, grads, members.eta_eff)


def _perm(K: int, n: int, shared: bool, generator, dev) -> torch.Tensor:
    if shared:
        return torch.randperm(n, generator=generator).to(dev).expand(K, n)
    return torch.stack([torch.randperm(n, generator=generator) for _ in range(K)]).to(dev)


@torch.no_grad()
def _step(params: list[torch.Tensor], grads: Sequence[torch.Tensor], eta_t: torch.Tensor) -> None:
    for p, g in zip(params, grads):
        p.sub_(eta_t.reshape(-1, *([1] * (p.ndim - 1))) * g)


def run_grid(X: torch.Tensor, y: torch.Tensor, alphas: Sequence[float], seeds: Sequence[int], *, width: int,
             depth: int, eta, steps: int, d_out: int = 1, trained: str = "hidden", dtype: torch.dtype = torch.float32,
             device: str | torch.device = "cpu", **train_kw) -> tuple[EnsembleLog, pd.DataFrame]:
    """Train one network per (alpha, seed) pair at once.

    Network (alpha, seed) is drawn from seed ``seed`` (so, for a fixed seed, every alpha starts from the
    same A, W, B: common random numbers across alpha).

    Parameters
    ----------
    X, y : torch.Tensor
        The training set; moved to ``device`` and ``dtype`` (integer labels keep their type), as are the
        tensors among ``train_kw`` (X_test, y_test, probe_X).
    alphas, seeds : sequence
        The grid; pairs are ordered seed-major.
    width, depth, d_out : int
        The architecture (``DeepEnsemble.guo``).
    eta : float or sequence
        Step size(s).
    steps : int
        Number of updates.
    trained : {"hidden", "all"}
        Which layers move.
    dtype, device
        Where and in which precision to train.
    **train_kw
        Passed to ``train_ensemble`` (``loss``, ``sgd_scale``, ``batch_size``, ...).

    Returns
    -------
    (EnsembleLog, pandas.DataFrame)
        The log and the index table (columns alpha, seed), one row per network.
    """
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


def log_frame(log: EnsembleLog, index: pd.DataFrame) -> pd.DataFrame:
    """Long table of a run: one row per (network, record step).

    Parameters
    ----------
    log : EnsembleLog
    index : pandas.DataFrame
        ``run_grid``'s index (alpha, seed per network).

    Returns
    -------
    pandas.DataFrame
        Columns alpha, seed, step, loss (the training objective) and every recorded train_*/test_* metric
        and probe.
    """
    rows = []
    for j, t in enumerate(log.steps):
        for k in range(len(index)):
            row = {"alpha": index.alpha[k], "seed": index.seed[k], "step": int(t), "loss": log.loss[t, k]}
            row.update({f"train_{name}": v[j, k] for name, v in log.train.items()})
            row.update({f"test_{name}": v[j, k] for name, v in log.test.items()})
            row.update({name: v[j, k] for name, v in log.probes.items()})
            rows.append(row)
    return pd.DataFrame(rows)
