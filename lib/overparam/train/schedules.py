"""Step learning-rate schedules and their proportional scaling to a shorter run.

The CIFAR recipe of the training code Allen-Zhu, Li & Song used ([58]; their Remark 4) multiplies the
learning rate by ``gamma = 0.1`` at the start of (0-indexed) epochs 81 and 122 of 164. ``step_lr`` gives
the rate of a 1-indexed epoch under such a schedule (``train_classifier(..., milestones=, gamma=)`` applies
it), and ``scale_schedule`` maps the paper's milestones and snapshot epochs onto a run of fewer epochs in
proportion, keeping every snapshot on the same side of every milestone as in the paper.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

__all__ = ["scale_schedule", "step_lr"]


def step_lr(lr: float, epoch: int, milestones: Sequence[int] = (), gamma: float = 0.1) -> float:
    """The learning rate of 1-indexed ``epoch``: ``lr * gamma ** #{m in milestones: m <= epoch - 1}``.

    Parameters
    ----------
    lr : float
        The initial rate.
    epoch : int
        1-indexed epoch (epoch e runs after e - 1 completed epochs).
    milestones : sequence of int
        0-indexed epochs at whose start the rate is multiplied by ``gamma`` ([58]'s ``--schedule 81 122``).
    gamma : float
        The factor.

    Returns
    -------
    float
    """
    return lr * gamma ** sum(1 for m in milestones if m <= epoch - 1)


def scale_schedule(epochs: int, *, paper_epochs: int = 164, milestones: Sequence[int] = (81, 122),
                   snapshots: Sequence[int] = (5, 40, 90, 120, 130, 160)) -> dict:
    """The paper's milestones and snapshot epochs scaled to a run of ``epochs`` epochs.

    Each is rounded to the nearest epoch of the short run (at least 1), and a snapshot that would land on
    the other side of a milestone than in the paper is moved back across it, so that "before the k-th
    decay" stays before it. Snapshots are taken after the epoch of that number has completed.

    Parameters
    ----------
    epochs : int
        Length of the short run.
    paper_epochs, milestones, snapshots
        The paper's schedule (Remark 4: 164 epochs, decays at 81 and 122, panels at 5 ... 160).

    Returns
    -------
    dict
        ``milestones`` and ``snapshots`` (lists of int, snapshots strictly increasing).

    Raises
    ------
    ValueError
        The run is too short to keep the snapshots distinct.
    """
    f = epochs / paper_epochs
    ms = [max(1, round(m * f)) for m in milestones]
    snaps = []
    for s in snapshots:
        e = min(epochs, max(1, round(s * f)))
        for m_paper, m in zip(milestones, ms):
            # a snapshot after epoch s has run under the decay iff s >= m_paper + 1; keep that relation
            if s >= m_paper + 1 and e < m + 1:
                e = m + 1
            if s < m_paper + 1 and e >= m + 1:
                e = m
        snaps.append(e)
    if any(b <= a for a, b in itertools.pairwise(snaps)) or snaps[-1] > epochs:
        raise ValueError(f"{epochs} epochs are too few for distinct proportional snapshots (got {snaps})")
    return {"milestones": ms, "snapshots": snaps}
