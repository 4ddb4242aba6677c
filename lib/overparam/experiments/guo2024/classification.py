"""Figures 1, 3 and 5 and Table 1 of Guo, Li & Lerman (2024) on real images.

The fully connected network of Algorithm 1 (Table 6: L = 2, m = 2000) with 10 outputs, trained by SGD in
shuffled epochs on the batch-mean cross-entropy, with lr = lr_frac * b / (L m / 2) (the NTK diagonal of
Algorithm 1's network is L m / 2); CIFAR-10 with Table 7's convolutional network (paper profile only).
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
from ._common import ALGORITHM_3, global_seed, labels, ranking, tensor
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
                        root=None) -> ClassRuns:
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

    Returns
    -------
    ClassRuns
    """
    X, y, Xt, yt = data if data is not None else classification_split(source, n, n_test, derive_seed(seed, "data"),
                                                                        root=root)
    lr = lr_frac * batch / (depth * width / 2)
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
        m, alpha, train_ce at the last epoch.
    depths : DataFrame
        L, alpha, test_ce at the last epoch.
    """

    widths: pd.DataFrame
    depths: pd.DataFrame

    @property
    def by_width(self) -> pd.DataFrame:
        """train_ce with m as rows and alpha as columns."""
        return self.widths.pivot(index="m", columns="alpha", values="train_ce")

    @property
    def monotone_margin(self) -> float:
        """min over alpha and consecutive widths of train_ce(m_i) - train_ce(m_i+1): positive exactly when
        the error decreases strictly with m for every slope."""
        return float((-self.by_width.diff().iloc[1:]).min().min())

    @property
    def best_per_width(self) -> pd.Series:
        """The slope with the smallest training error at each width."""
        return self.by_width.idxmin(axis=1)

    @property
    def minus_one_margin(self) -> float:
        """min over widths of the lead of alpha = -1 (``Ranking.margin``): positive when it is best at every m."""
        return min(ranking(row).margin for _, row in self.by_width.iterrows())


def figure5(runs: ClassRuns, *, alphas, widths, depths, depth_width: int, epochs: int, batch: int,
            lr_frac: float, width_depth: int = 2, seed: int, device="cpu") -> Figure5:
    """Figure 5 of Guo, Li & Lerman (2024): error against the width m (L = 2) and against the depth L.

    One run per (slope, width) and (slope, depth) on the images of ``runs``, with the first initialisation
    stream and the batch order of ``classification_runs`` under the same ``seed``.

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
    lr_frac : float
        See ``classification_runs``.
    seed : int
        The ``seed`` of ``classification_runs``.
    device : str or torch.device

    Returns
    -------
    Figure5
    """
    kw = {"source": None, "n": None, "n_test": None, "alphas": alphas, "n_seeds": 1, "epochs": epochs,
          "batch": batch, "lr_frac": lr_frac, "seed": seed, "data": runs.data, "device": device}
    w_rows, d_rows = [], []
    for m in show_progress(list(widths), desc="Figure 5 widths", enabled=True, leave=False):
        df = classification_runs(width=m, depth=width_depth, **kw).frame
        w_rows += [{"m": m, "alpha": r.alpha, "train_ce": r.train_ce} for r in df[df.step == df.step.max()].itertuples()]
    for L in show_progress(list(depths), desc="Figure 5 depths", enabled=True, leave=False):
        df = classification_runs(width=depth_width, depth=L, **kw).frame
        d_rows += [{"L": L, "alpha": r.alpha, "test_ce": r.test_ce} for r in df[df.step == df.step.max()].itertuples()]
    return Figure5(pd.DataFrame(w_rows), pd.DataFrame(d_rows))


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
