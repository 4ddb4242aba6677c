"""Figure 6 of Guo, Li & Lerman (2024): the exponential loss (137) of Theorem B.16."""

from __future__ import annotations

import pandas as pd
import torch

from ...kernels.deep import stable_eta
from ...runtime import derive_seed
from ...train.deep_ensemble import log_frame, run_grid
from ._common import ALGORITHM_3, tensor
from .rates import RateData

__all__ = ["figure6"]


def figure6(datasets: dict[str, RateData], *, alphas, steps: int, exp_lambda: float, eta_scale: float,
            eta_frac: float, record_every: int, n_seeds: int = 1, seed: int, device="cpu") -> pd.DataFrame:
    """Figure 6 of Guo, Li & Lerman (2024): GD on the exponential loss 1/2 sum_i exp(lambda ||y_i - f(x_i)||^2).

    Labels are standardised by the training mean and std (otherwise exp(lambda e^2) overflows); eta is
    ``eta_scale`` times the MSE step of ``kernels.deep.stable_eta``. The paper does not give lambda. The
    gradient of (137) in the output is lambda e exp(lambda e^2), that of the sum loss 2 e: at small errors
    ``eta_scale = 2 / lambda`` gives the MSE dynamics, and ``1 / lambda`` half their step (the factor
    exp(lambda e^2) > 1 makes the early steps stiffer).

    Parameters
    ----------
    datasets : dict of str -> RateData
        Name -> set (the chapter: the lifted synthetic set and the regression set).
    alphas : sequence of float
        Slopes.
    steps, record_every : int
        GD steps (Algorithm 2) and the recording interval.
    exp_lambda : float
        lambda of eq. (137).
    eta_scale, eta_frac : float
        eta = eta_scale * stable_eta(..., eta_frac).
    n_seeds : int
        Initialisations, each shared by every set and slope.
    seed : int
        Root of the streams ("init", s).
    device : str or torch.device

    Returns
    -------
    DataFrame
        ``train.deep_ensemble.log_frame`` of each set with a column ``data`` (the set's name); the MSE
        columns are on the standardised labels.
    """
    frames = []
    for name, d in datasets.items():
        mu, sd = d.y.mean(), d.y.std()
        eta = eta_scale * stable_eta(d.X, d.depth, alphas, d.width, eta_frac, loss="sum")
        seeds = [derive_seed(seed, "init", s) for s in range(n_seeds)]
        log, idx = run_grid(tensor(d.X), tensor((d.y - mu) / sd), alphas, seeds, width=d.width,
                            depth=d.depth, eta=eta, steps=steps, loss="exp", exp_lambda=exp_lambda, **ALGORITHM_3,
                            record_every=record_every, X_test=tensor(d.X_test), y_test=tensor((d.y_test - mu) / sd),
                            dtype=torch.float32, device=device)
        frames.append(log_frame(log, idx).assign(data=name))
    return pd.concat(frames, ignore_index=True)
