"""Two symmetries the paper does not state: alpha and 1/alpha are one network, and alpha = -1 is even.

(a) sigma~_{1/alpha}(z) = sigma~_alpha(-z) for alpha < 0, so the network with slope 1/alpha and hidden
weights -W is the network with slope alpha and weights W, along the whole GD trajectory. (b) At
alpha = -1 a bias-free network is even, N(-x) = N(x), so data with an antipodal pair x_j = -x_i and
y_j != y_i cannot be fitted, although Assumption 2.1 holds; (c) the lift x -> (x, 1)/||(x, 1)|| removes
antipodal pairs and restores the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import lift, separation, synthetic
from ...kernels.deep import infinite_width_ntk, stable_eta
from ...nets import DeepEnsemble
from ...runtime import derive_seed
from ...train.deep_ensemble import train_ensemble
from ._common import tensor

__all__ = ["Duality", "Evenness", "duality", "evenness"]

F64 = torch.float64


@dataclass(frozen=True)
class Duality:
    """GD trajectories of alpha and 1/alpha with weights W and -W, and a control without the sign flip.

    Attributes
    ----------
    losses : DataFrame
        step and the training loss of each network (columns named by slope and sign of W).
    error : float
        Largest relative difference between the paired networks: their loss over every step
        (alpha = -2 with W against -0.5 with -W; -10 against -0.1) and their outputs (after training,
        at initialisation).
    control : float
        Largest relative loss difference between alpha = -2 and -0.5 *without* the sign flip.
    """

    losses: pd.DataFrame
    error: float
    control: float


def duality(*, n: int, width: int, depth: int, steps: int, eta_frac: float = 0.5, seed: int,
            device="cpu") -> Duality:
    """alpha and 1/alpha with hidden weights W and -W follow one GD trajectory (a symmetry of Section 3's family).

    Five networks of Algorithm 1 from one initialisation, trained at once by full-batch GD on the sum loss
    (Algorithm 2) in float64 on n lifted synthetic points (Section 5.1): alpha = -2 (W), -0.5 (-W),
    -10 (W), -0.1 (-W) and the control -0.5 (W).

    Parameters
    ----------
    n, width, depth, steps : int
        Training points, width m, hidden layers L, GD steps.
    eta_frac : float
        eta = eta_frac / lambda_max of the infinite-width NTK Gram at width m (``kernels.deep.stable_eta``).
    seed : int
        Root of the streams "data" and "init".
    device : str or torch.device

    Returns
    -------
    Duality
    """
    D = synthetic(n, 0, "lift", seed=derive_seed(seed, "data"))
    X, y = tensor(D.X, F64, device), tensor(D.y, F64, device)
    alphas = [-2.0, -0.5, -10.0, -0.1, -0.5]
    negate = [False, True, False, True, False]  # the last: -0.5 WITHOUT negation (a different network)
    ens = DeepEnsemble.guo(X.shape[1], width, depth, alphas, seeds=derive_seed(seed, "init"), negate=negate,
                           dtype=F64, device=device)
    with torch.no_grad():
        out0 = ens(X)[:, :, 0]
    eta = stable_eta(D.X, depth, alphas, width, eta_frac, loss="sum")
    log = train_ensemble(ens, X, y, eta=eta, steps=steps, loss="sum")
    with torch.no_grad():
        out1 = ens(X)[:, :, 0]

    def rel(i, j):
        return float(np.max(np.abs(log.loss[:, i] - log.loss[:, j]) / log.loss[:, i]))

    error = max(rel(0, 1), rel(2, 3), float((out1[0] - out1[1]).abs().max() / out1[0].abs().max()),
                float((out0[2] - out0[3]).abs().max() / out0[2].abs().max()))
    names = ["alpha=-2, W", "alpha=-0.5, -W", "alpha=-10, W", "alpha=-0.1, -W", "alpha=-0.5, W"]
    losses = pd.DataFrame({"step": np.arange(log.loss.shape[0]), **{nm: log.loss[:, k] for k, nm in enumerate(names)}})
    return Duality(losses, error, rel(0, 4))


@dataclass(frozen=True)
class Evenness:
    """GD on unit-sphere data with antipodal pairs of different labels, and on the same data lifted.

    Attributes
    ----------
    floor : float
        The smallest sum loss an even network can reach (each pair (y, y + 2) costs 1 + 1).
    summary : DataFrame
        One row per (inputs, alpha): final_loss, oddness max|f(x) - f(-x)| after training, and
        lambda_min of the infinite-width NTK Gram.
    curves : DataFrame
        inputs, alpha, step, loss.
    delta, delta_pm : float
        Separation of the unit-sphere inputs, without and with antipodes.
    n : int
        Sphere points before the antipodal copies were added.
    """

    floor: float
    summary: pd.DataFrame
    curves: pd.DataFrame
    delta: float
    delta_pm: float
    n: int

    def at(self, inputs: str, alpha: float, column: str = "final_loss") -> float:
        """One number of ``summary``."""
        return float(self.summary.loc[(inputs, float(alpha)), column])


def evenness(*, n: int, width: int, depth: int, steps: int, eta_frac: float = 0.5, alphas=(-2.0, -1.0, 0.0),
             seed: int, device="cpu") -> Evenness:
    """At alpha = -1 a bias-free network is even, so Theorem 3.1 fails on data with antipodal pairs.

    Data: n points of the synthetic set on the unit sphere plus antipodal copies of the first n // 5
    with labels raised by 2 (Assumption 2.1 holds, with delta up to 2). GD on the sum loss (Algorithm 2)
    in float64 from one initialisation for every slope, on these inputs and on the same inputs lifted.

    Parameters
    ----------
    n, width, depth, steps : int
        Sphere points, width m, hidden layers L, GD steps.
    eta_frac : float
        Step as in ``kernels.deep.stable_eta``.
    alphas : sequence of float
        Slopes trained.
    seed : int
        Root of the streams "data" and "init".
    device : str or torch.device

    Returns
    -------
    Evenness
    """
    D = synthetic(n, 0, "sphere", seed=derive_seed(seed, "data"))
    k = n // 5
    X = np.vstack([D.X, -D.X[:k]])                      # k antipodal copies ...
    y = np.concatenate([D.y, D.y[:k] + 2.0])             # ... whose labels differ by 2
    alphas = [float(a) for a in alphas]
    rows, curves = [], []
    for name, Xin in [("sphere", X), ("lift", lift(X))]:
        eta = stable_eta(Xin, depth, alphas, width, eta_frac, loss="sum")
        ens = DeepEnsemble.guo(Xin.shape[1], width, depth, alphas, seeds=derive_seed(seed, "init"), dtype=F64,
                               device=device)
        Xt = tensor(Xin, F64, device)
        log = train_ensemble(ens, Xt, tensor(y, F64, device), eta=eta, steps=steps, loss="sum")
        with torch.no_grad():
            odd = (ens(Xt) - ens(-Xt)).abs().amax((1, 2)).cpu().numpy()
        for j, a in enumerate(alphas):
            lam = float(torch.linalg.eigvalsh(infinite_width_ntk(Xin, depth, a, "hidden")[0])[0])
            rows.append({"inputs": name, "alpha": a, "final_loss": log.loss[-1, j], "oddness": odd[j],
                         "lambda_min": lam})
            curves.append(pd.DataFrame({"inputs": name, "alpha": a, "step": np.arange(log.loss.shape[0]),
                                        "loss": log.loss[:, j]}))
    delta, delta_pm = separation(X)
    return Evenness(2.0 * k, pd.DataFrame(rows).set_index(["inputs", "alpha"]), pd.concat(curves, ignore_index=True),
                    delta, delta_pm, n)
