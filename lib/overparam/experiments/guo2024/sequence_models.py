"""Figure 4 of Guo, Li & Lerman (2024): a Transformer on MNIST (Table 5) and an LSTM on IMDB (Table 8)."""

from __future__ import annotations

import pandas as pd
import torch

from ...data import load_imdb, load_mnist
from ...nets.sequence import LSTMClassifier, PatchTransformer
from ...runtime import derive_seed, generator_for
from ...train.classifier import train_classifier
from ._common import global_seed, labels, tensor

__all__ = ["figure4"]


def _frame(model: str, alpha: float, s: int, log) -> pd.DataFrame:
    return pd.DataFrame({"model": model, "alpha": alpha, "seed": s, "step": log["epoch"], "train_nll": log["train_loss"],
                         "test_nll": log["test_loss"], "test_acc": log["test_acc"]})


def figure4(*, alphas, vit: dict, lstm: dict | None = None, mnist_source: str = "bundled", n_seeds: int = 1,
            seed: int, device="cpu", root=None) -> pd.DataFrame:
    """Figure 4 of Guo, Li & Lerman (2024): the leaky head on a Transformer (MNIST) and an LSTM (IMDB).

    For each of ``n_seeds`` seeds every slope starts from the same initialisation and sees the same batches (plain minibatch SGD in
    shuffled epochs on the batch-mean loss, as PyTorch's defaults, which the paper's code presumably used).

    Parameters
    ----------
    alphas : sequence of float
        Slopes of the head's leaky ReLU.
    vit : dict
        The Transformer's sizes (dim, heads, dim_head, layers, mlp_dim, head_hidden) and training (n, n_test,
        epochs, lr, momentum, batch); Table 5 at the paper's scale.
    lstm : dict, optional
        The LSTM's data and training (n, seq_len, epochs, lr, batch); None skips it (it needs the IMDB files).
    mnist_source : {"bundled", "idx"}
        The MNIST images (``overparam.data.load_mnist``, ``normalization="mnist_stats"``); with "idx" the
        test images are the official test split, with "bundled" the rest of the subset.
    n_seeds : int
        Initialisations (and batch orders) per slope.
    seed : int
        Root of the streams ("data", model), ("init", model, s) and ("batches", model, s).
    device : str or torch.device
    root : path, optional
        Where the paper profile's data sets are.

    Returns
    -------
    DataFrame
        model, alpha, seed, step (epoch), train_nll, test_nll, test_acc.
    """
    X, y, Xt, yt = load_mnist(vit["n"], vit["n_test"], source=mnist_source, normalization="mnist_stats",
                              seed=derive_seed(seed, "data", "Transformer"),
                              test_split="rest" if mnist_source == "bundled" else "official", root=root)
    shape = {k: vit[k] for k in ("dim", "heads", "dim_head", "layers", "mlp_dim", "head_hidden")}
    frames = []
    for s, a in ((s, a) for s in range(n_seeds) for a in alphas):
        with global_seed(derive_seed(seed, "init", "Transformer", s)):  # weights and dropout: the global generator
            net = PatchTransformer(alpha=a, **shape).to(device)
            lg = train_classifier(net, tensor(X, device=device), labels(y, device), tensor(Xt, device=device),
                                  labels(yt, device), lr=vit["lr"], epochs=vit["epochs"], batch_size=vit["batch"],
                                  momentum=vit["momentum"], loss="nll",
                                  generator=generator_for(seed, "batches", "Transformer", s))
        frames.append(_frame("Transformer", a, s, lg))
    if lstm:
        Xi, yi, Xit, yit = load_imdb(lstm["n"], seq_len=lstm["seq_len"], seed=derive_seed(seed, "data", "LSTM"), root=root)
        for s, a in ((s, a) for s in range(n_seeds) for a in alphas):
            with global_seed(derive_seed(seed, "init", "LSTM", s)):
                net = LSTMClassifier(alpha=a).to(device)
                lg = train_classifier(net, torch.as_tensor(Xi, device=device), tensor(yi, device=device),
                                      torch.as_tensor(Xit, device=device), tensor(yit, device=device), lr=lstm["lr"],
                                      epochs=lstm["epochs"], batch_size=lstm["batch"], loss="bce",
                                      generator=generator_for(seed, "batches", "LSTM", s))
            frames.append(_frame("LSTM", a, s, lg))
    return pd.concat(frames, ignore_index=True)
