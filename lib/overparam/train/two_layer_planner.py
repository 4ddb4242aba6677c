"""Bucket planning for the two-layer ensemble: which networks share one padded batch.

Padding every network of a phase diagram to the largest (k, d) would waste most of the work; one bucket
per network would waste the batching. ``plan_buckets`` groups networks sorted by width into buckets whose
padded cost, plus a fixed per-bucket overhead, is minimal (a dynamic programme over the sorted order).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["plan_buckets"]

# --------------------------------------------------------------------------------------------------- buckets
def _cost(ks: np.ndarray, ds: np.ndarray, n: int, overhead: float) -> float:
    if ks.size == 0:
        return 0.0
    return ks.size * n * ks.max() * (ds.max() + 8.0) + overhead


def plan_buckets(k: Sequence[int], d: Sequence[int], n: int, overhead: float = 1e6,
                 max_buckets: int = 64) -> list[np.ndarray]:
    """Group networks of shapes (k_b, d_b) into buckets to be padded to a common (max k, max d).

    Recursive best split on a k- or d-threshold while it lowers the modelled per-step cost
    Σ_buckets size·n·K·(D + 8) + overhead (padded work plus a fixed per-bucket launch cost) by 3% or more.

    Parameters
    ----------
    k, d : sequence of int
        Width and input dimension of each network.
    n : int
        Samples (the same for all).
    overhead : float
        The fixed cost of one more bucket, in multiply-adds (large: one bucket; 0: as many as help).
    max_buckets : int
        At most this many buckets.

    Returns
    -------
    list of numpy.ndarray
        The networks' indices, one array per bucket, every network in exactly one, sorted by (max d, max k).
    """
    k = np.asarray(k)
    d = np.asarray(d)
    todo = [np.arange(k.size)]
    done: list[np.ndarray] = []
    while todo:
        idx = todo.pop()
        best = (_cost(k[idx], d[idx], n, overhead), None)
        if len(done) + len(todo) + 1 < max_buckets:
            for arr in (k, d):
                vals = np.unique(arr[idx])
                for t in vals[:-1]:
                    left, right = idx[arr[idx] <= t], idx[arr[idx] > t]
                    c = _cost(k[left], d[left], n, overhead) + _cost(k[right], d[right], n, overhead)
                    if c < best[0] * 0.97:
                        best = (c, (left, right))
        if best[1] is None:
            done.append(idx)
        else:
            todo.extend(best[1])
    return sorted(done, key=lambda a: (d[a].max(), k[a].max()))


