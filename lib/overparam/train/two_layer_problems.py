"""The training problems of the two-layer ensemble: one (X, y, W0, v) per network.

Oymak & Soltanolkotabi (2020, eq. 1.1) train f(x; W) = v^T phi(W x), W in R^{k x d}, v fixed. Their setting,
which ``sphere_problems`` draws exactly:

* **inputs** on the unit sphere, ||x_i|| = 1, i.i.d. uniform on S^{d-1};
* **labels** i.i.d. N(0, 1) for the phase diagram (any y is accepted);
* **initialisation** W0 with i.i.d. N(0, 1) entries -- no 1/sqrt(d) factor, since ||x|| = 1 already
  makes W0 x ~ N(0, I_k);
* **output weights** fixed and balanced (``overparam.nets.two_layer.output_weights``, footnote 1).

``shared_inputs=True`` draws X once per (d, realization) and gives the same tensor to every width k of
that realization (common random numbers across k); the trainer then stores it once per input group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..nets.two_layer import output_weights
from ..runtime.seeds import stable_seed

__all__ = ["Problems", "feature_problems", "sphere_problems"]

@dataclass
class Problems:
    """Independent training problems (X_b, y_b, W0_b, v_b), one per network, all with the same n.

    Parameters
    ----------
    X : list of torch.Tensor
        Inputs (n, d_b); networks may share one tensor object (an input group, see ``sphere_problems``).
    y : list of torch.Tensor
        Labels (n,).
    W0 : list of torch.Tensor
        Initial hidden weights (k_b, d_b).
    v : list of torch.Tensor
        Fixed output weights (k_b,).
    info : pandas.DataFrame
        One row per network (at least the columns k, d, n).
    """

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
        """The common number of samples."""
        return int(self.X[0].shape[0])

    @property
    def k(self) -> np.ndarray:
        """The widths k_b."""
        return np.array([w.shape[0] for w in self.W0])

    @property
    def d(self) -> np.ndarray:
        """The input dimensions d_b."""
        return np.array([w.shape[1] for w in self.W0])

    def subset(self, idx: Sequence[int] | np.ndarray) -> Problems:
        """The problems at positions ``idx`` (tensors shared, not copied), in that order.

        Parameters
        ----------
        idx : sequence of int

        Returns
        -------
        Problems
        """
        idx = [int(i) for i in np.asarray(idx).ravel()]
        return Problems([self.X[i] for i in idx], [self.y[i] for i in idx], [self.W0[i] for i in idx],
                        [self.v[i] for i in idx], self.info.iloc[idx].reset_index(drop=True))

    @staticmethod
    def concat(parts: Sequence[Problems]) -> Problems:
        """The problems of ``parts``, one after the other.

        Parameters
        ----------
        parts : sequence of Problems
            With the same n.

        Returns
        -------
        Problems
        """
        return Problems([x for p in parts for x in p.X], [t for p in parts for t in p.y],
                        [w for p in parts for w in p.W0], [v for p in parts for v in p.v],
                        pd.concat([p.info for p in parts], ignore_index=True))


def _one_problem(X: torch.Tensor, y: torch.Tensor, k: int, g: torch.Generator, dtype):
    n, d = X.shape
    W0 = torch.randn(k, d, generator=g, dtype=torch.float64).to(dtype)
    v = output_weights(k, float(y.norm()), n, dtype=dtype)
    return W0, v


def sphere_problems(n: int, cells: Iterable[tuple[int, int]], realizations: int, seed: int = 0,
                    dtype: torch.dtype = torch.float64, shared_inputs: bool = False) -> Problems:
    """Figure 2's problems: for every cell (k, d) and realization r, x_i i.i.d. uniform on S^{d-1},
    y_i i.i.d. N(0, 1), W0 i.i.d. N(0, 1) and the balanced v.

    Every draw is made in float64 and then rounded to ``dtype``, so a float32 problem is the float64 one
    rounded (the float32 tests rely on it).

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
    activations).

    Parameters
    ----------
    n : int
        Samples per network.
    cells : iterable of (int, int)
        The (k, d) cells.
    realizations : int
        Networks per cell.
    seed : int
        The root of every draw.
    dtype : torch.dtype
        Of the returned tensors.
    shared_inputs : bool
        See above.

    Returns
    -------
    Problems
        Cell-major, realizations inner; ``info`` has k, d, n, realization.
    """
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


def feature_problems(features: np.ndarray, n: int, cells: Iterable[tuple[int, int]], realizations: int,
                     seed: int = 0, dtype: torch.dtype = torch.float64) -> Problems:
    """Figure 2's protocol on real inputs: for each cell (k, d) and realization r, n rows drawn without
    replacement from ``features`` (an (N, D) array, columns ordered by importance, e.g. principal
    components), their first d columns normalised onto the unit sphere, labels i.i.d. N(0, 1) (random
    labels), W0 i.i.d. N(0, 1) and the balanced v. Rows whose first d coordinates are all zero are
    never drawn.

    Parameters
    ----------
    features : numpy.ndarray
        (N, D) real inputs, columns by importance.
    n, cells, realizations, seed, dtype
        As in ``sphere_problems``.

    Returns
    -------
    Problems
    """
    F_ = torch.as_tensor(np.asarray(features), dtype=torch.float64)
    D = F_.shape[1]
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


