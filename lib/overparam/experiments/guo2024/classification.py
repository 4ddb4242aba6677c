"""Figures 1, 3 and 5 and Table 1 of Guo, Li & Lerman (2024) on real images.

The fully connected network of Algorithm 1 (Table 6: L = 2, m = 2000) with 10 outputs, trained by SGD in
shuffled epochs on the batch-mean cross-entropy, with lr = lr_frac * b / (L m / 2). (With B ~ N(0, 1/d)
the NTK diagonal of Algorithm 1's network is L m / (2 d), so at d = 10 outputs this lr is a tenth of the
edge the formula was meant to set; ten times larger diverges.) CIFAR-10 with Table 7's convolutional network (paper profile only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import classification_split, load_cifar10, load_mnist
from ...nets import DeepEnsemble
from ...nets.sequence import Table7CNN
from ...runtime import derive_seed, generator_for
from ...runtime.progress import progress as show_progress
from ...theory import guo2024 as th
from ...train.classifier import train_classifier
from ...train.deep_ensemble import log_frame, run_grid
from ._common import ALGORITHM_3, Lead, global_seed, labels, paired_lead, tensor
from .generalization import Summary

__all__ = [
    "ClassRuns",
    "Figure5",
    "cifar_runs",
    "classification_runs",
    "figure3_mnist",
    "figure5",
    "initial_ce_raw_pixels",
    "table1",
]


@dataclass(frozen=True)
class ClassRuns:
    """SGD runs of Algorithm 1's network on images: one network per (alpha, seed).

    Attributes
    ----------
    frame : DataFrame
        alpha, seed, step (epoch), loss, train_ce, train_acc, test_ce, test_acc.
    lr : float
        The learning rate.
    mean_cos : float
        Mean pairwise cosine of the training images (how far from separated directions they are).
    data : tuple of ndarray
        (X, y, X_test, y_test), for further runs on the same images.
    """

    frame: pd.DataFrame
    lr: float
    mean_cos: float
    data: tuple


def classification_runs(*, source: str, n: int, n_test: int | None, alphas, n_seeds: int, width: int, depth: int,
                        epochs: int, batch: int, lr_frac: float, seed: int, data=None, device="cpu",
                        root=None, lr: float | None = None) -> ClassRuns:
    """Figure 1 (middle) and Table 1 of Guo, Li & Lerman (2024): SGD on images, ``n_seeds`` runs per slope.

    Parameters
    ----------
    source : {"subset", "fmnist", "mnist"}
        The images (``overparam.data.classification_split``: normalised as Section 5.2, rows on the sphere).
    n, n_test : int
        Training and test images (``n_test=None``: the rest).
    alphas : sequence of float
        Slopes.
    n_seeds : int
        Initialisations, each shared by every slope.
    width, depth, epochs, batch : int
        m, L, epochs and SGD batch.
    lr_frac : float
        lr = lr_frac * batch / (depth * width / 2).
    seed : int
        Root of the streams "data", ("init", s) and "batches" (one batch order, the same for every call).
    data : tuple of ndarray, optional
        (X, y, X_test, y_test) to train on instead of loading ``source``.
    device : str or torch.device
    root : path, optional
        Where the paper profile's data sets are.
    lr : float, optional
        A fixed learning rate instead of the one ``lr_frac`` sets (Figure 5: one lr for every width).

    Returns
    -------
    ClassRuns
    """
    X, y, Xt, yt = data if data is not None else classification_split(source, n, n_test, derive_seed(seed, "data"),
                                                                        root=root)
    lr = lr_frac * batch / (depth * width / 2) if lr is None else lr
    log, idx = run_grid(tensor(X), labels(y), alphas, [derive_seed(seed, "init", s) for s in range(n_seeds)],
                        width=width, depth=depth, eta=lr, steps=epochs, d_out=10, loss="ce", batch_size=batch,
                        **ALGORITHM_3, epochs=True, X_test=tensor(Xt), y_test=labels(yt),
                        generator=generator_for(seed, "batches"), dtype=torch.float32, device=device)
    G = X @ X.T
    return ClassRuns(log_frame(log, idx), lr, float(G[np.triu_indices_from(G, 1)].mean()), (X, y, Xt, yt))


def initial_ce_raw_pixels(*, n: int = 200, width: int, depth: int, seed: int, device="cpu") -> float:
    """The initial cross-entropy of Algorithm 1's ReLU network on MNIST pixels that are not put on the sphere.

    Shows why Section 5.2's images are normalised onto the sphere here: with the pixels alone
    (mean 0.5, std 0.5, ``normalization="half"``) the initial loss is far from ln 10.

    Parameters
    ----------
    n : int
        Images of the bundled MNIST subset.
    width, depth : int
        m and L.
    seed : int
        Root of the streams "data" and "init".
    device : str or torch.device

    Returns
    -------
    float
    """
    X, y, _, _ = load_mnist(n, 0, source="bundled", normalization="half", seed=derive_seed(seed, "data"))
    ens = DeepEnsemble.guo(X.shape[1], width, depth, [0.0], d_out=10, seeds=derive_seed(seed, "init"),
                           dtype=torch.float32, device=device)
    with torch.no_grad():
        return float(torch.nn.functional.cross_entropy(ens(tensor(X, device=device))[0], labels(y, device)))


def cifar_runs(*, n: int, channels: int, epochs: int, lr: float, n_seeds: int, alphas=(-2.0, -1.0, 0.0, 0.05),
               batch: int = 64, seed: int, device="cpu", root=None) -> pd.DataFrame:
    """Figure 1 (right) and Table 1 of Guo, Li & Lerman (2024): Table 7's network on CIFAR-10 (paper profile).

    Plain minibatch SGD on the batch-mean NLL (PyTorch's default reduction, as the paper's code presumably
    used), n training and n test images.

    Parameters
    ----------
    n, channels, epochs, n_seeds, batch : int
        Images, convolution channels (Table 7: 512), epochs, runs per slope, batch.
    lr : float
        Learning rate (the paper: 1e-6).
    alphas : sequence of float
        Slopes.
    seed : int
        Root of the streams "data", ("init", s) and ("batches", s).
    device : str or torch.device
    root : path, optional
        Where ``cifar-10/cifar-10-python.tar.gz`` is.

    Returns
    -------
    DataFrame
        alpha, seed, step (epoch), train_ce, test_ce.
    """
    X, y, Xt, yt = load_cifar10(n, n, seed=derive_seed(seed, "data"), root=root)
    rows = []
    for s in show_progress(range(n_seeds), desc="CIFAR-10", enabled=True, leave=False):
        for a in alphas:
            with global_seed(derive_seed(seed, "init", s)):  # nn.Module draws from the global generator
                net = Table7CNN(alpha=a, channels=channels).to(device)
                lg = train_classifier(net, tensor(X, device=device), labels(y, device), tensor(Xt, device=device),
                                      labels(yt, device), lr=lr, epochs=epochs, batch_size=batch, loss="nll",
                                      generator=generator_for(seed, "batches", s))
            rows += [{"alpha": a, "seed": s, "step": e, "train_ce": tl, "test_ce": te}
                     for e, tl, te in zip(lg["epoch"], lg["train_loss"], lg["test_loss"])]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Figure5:
    """Figure 5: final training error against width m, test error against depth L.

    Attributes
    ----------
    widths : DataFrame
        m, alpha, seed, train_ce at the last epoch.
    depths : DataFrame
        L, alpha, seed, test_ce at the last epoch.
    lr : float
        The one learning rate of every run.
    """

    widths: pd.DataFrame
    depths: pd.DataFrame
    lr: float

    @property
    def by_width(self) -> pd.DataFrame:
        """train_ce averaged over seeds, with m as rows and alpha as columns."""
        return self.widths.pivot_table(index="m", columns="alpha", values="train_ce")

    def width_drop(self, alpha: float) -> Lead:
        """The paired drop of the training error from the narrowest to the widest network at slope ``alpha``:
        per seed train_ce(min m) - train_ce(max m), positive when the error falls with m."""
        t = self.widths[self.widths.alpha == alpha].pivot(index="seed", columns="m", values="train_ce")
        lo_m, hi_m = float(t.columns.min()), float(t.columns.max())
        t = t.set_axis([float(c) for c in t.columns], axis=1)
        return paired_lead(t[[lo_m, hi_m]], better=hi_m, worse=[lo_m])

    def minus_one_lead(self, m: int) -> Lead:
        """The paired lead over seeds of alpha = -1 over the best other slope at width ``m``."""
        t = self.widths[self.widths.m == m].pivot(index="seed", columns="alpha", values="train_ce")
        return paired_lead(t, -1.0)

    @property
    def best_per_width(self) -> pd.Series:
        """The slope with the smallest mean training error at each width."""
        return self.by_width.idxmin(axis=1)


def figure5(runs: ClassRuns, *, alphas, widths, depths, depth_width: int, epochs: int, batch: int, lr: float,
            n_seeds: int, width_depth: int = 2, seed: int, device="cpu") -> Figure5:
    """Figure 5 of Guo, Li & Lerman (2024): error against the width m (L = 2) and against the depth L.

    The paper trains every width with one step (Appendix C.1: SGD, lr 1e-5); so does this function, so
    that the NTK's growth with m shows as faster training. ``n_seeds`` runs per (slope, width), one per
    (slope, depth), on the images of ``runs``.

    Parameters
    ----------
    runs : ClassRuns
        Figure 1's runs (their images are reused).
    alphas : sequence of float
        Slopes.
    widths, depths : sequence of int
        The widths (at depth ``width_depth``) and depths (at width ``depth_width``).
    depth_width, epochs, batch, width_depth : int
        As named.
    lr : float
        The one learning rate.
    n_seeds : int
        Initialisations per width, each shared by every slope.
    seed : int
        Root of the streams of ``classification_runs`` (a root of its own: these are new runs).
    device : str or torch.device

    Returns
    -------
    Figure5
    """
    kw = {"source": None, "n": None, "n_test": None, "alphas": alphas, "epochs": epochs, "batch": batch,
          "lr_frac": 1.0, "lr": lr, "seed": seed, "data": runs.data, "device": device}
    w_rows, d_rows = [], []
    for m in show_progress(list(widths), desc="Figure 5 widths", enabled=True, leave=False):
        df = classification_runs(width=m, depth=width_depth, n_seeds=n_seeds, **kw).frame
        w_rows += [{"m": m, "alpha": r.alpha, "seed": r.seed, "train_ce": r.train_ce}
                   for r in df[df.step == df.step.max()].itertuples()]
    for L in show_progress(list(depths), desc="Figure 5 depths", enabled=True, leave=False):
        df = classification_runs(width=depth_width, depth=L, n_seeds=1, **kw).frame
        d_rows += [{"L": L, "alpha": r.alpha, "seed": r.seed, "test_ce": r.test_ce}
                   for r in df[df.step == df.step.max()].itertuples()]
    return Figure5(pd.DataFrame(w_rows), pd.DataFrame(d_rows), lr)


def table1(rows: dict[str, tuple[str, Summary]], *, shown=(-2.0, -1.0, 0.0, 0.05)) -> pd.DataFrame:
    """Table 1 of Guo, Li & Lerman (2024) rebuilt: measured mean ± std beside the paper's, per data set.

    Parameters
    ----------
    rows : dict of str -> (str, Summary)
        The paper's data set key ("synthetic", "fmnist", "cifar10") -> (label, the measured summary);
        a summary of None gives one row saying the set was not run.
    shown : sequence of float
        The slopes Table 1 reports.

    Returns
    -------
    DataFrame
        Indexed by (metric, data): "α=<a> measured" and "α=<a> paper" columns.
    """
    out = []
    for metric, word in [("train_final", "final training error"), ("test_early", "early-epoch test error")]:
        for key, (label, summ) in rows.items():
            if summ is None:
                if metric == "train_final":
                    out.append({"metric": "both", "data": label})
                continue
            src = summ.final if metric == "train_final" else summ.early
            data = label if metric == "train_final" else f"{label} (t = {summ.t_early})"
            row = {"metric": word, "data": data}
            for a in shown:
                row[f"α={a:g} measured"] = f"{src.loc[a, 'mean']:.3f} ± {src.loc[a, 'std']:.3f}"
                row[f"α={a:g} paper"] = "{:.3f} ± {:.3f}".format(*th.PAPER_TABLE1[(metric, key)][a])
            out.append(row)
    return pd.DataFrame(out).set_index(["metric", "data"])


def figure3_mnist(figure1: ClassRuns, *, n: int | None, **kw) -> ClassRuns:
    """Figure 3 (left) of Guo, Li & Lerman (2024): MNIST with cross-entropy.

    Parameters
    ----------
    figure1 : ClassRuns
        Figure 1's runs; returned as they are when ``n`` is None (under the quick profile Figure 1's
        stand-in for F-MNIST is the MNIST subset, so Figure 3's MNIST run is the same run).
    n : int or None
        MNIST training images (the paper: 2,100) for a run of its own on the IDX files.
    **kw
        The other arguments of ``classification_runs`` (``source`` is "mnist").

    Returns
    -------
    ClassRuns
    """
    if n is None:
        return figure1
    return classification_runs(source="mnist", n=n, n_test=None, **kw)
