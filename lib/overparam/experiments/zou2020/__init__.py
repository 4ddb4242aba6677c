"""The experiments of the Zou, Cao, Zhou & Gu (2020) chapter, one function per theorem (notes E1-E8).

The paper has no experiments; these are the reading notes' and the claims map's. Each function returns a
tidy ``pandas.DataFrame`` or a small frozen record whose attributes are the numbers the chapter checks.
The chapter imports this package as ``ex``.
Every experiment takes ``device`` (default the CPU): its networks are built there, in float64 (never TF32),
and its numbers come back to the host.

Modules: ``sizes`` (the profile table), ``init`` (Theorem 5.1 and the gradient upper bound at init),
``perturb`` (Theorem 5.3: sign flips against tau, the worst-case gradient constant), ``training`` (GD, SGD
and the loss family: Theorems 4.1, 4.5, Lemmas 5.5, 5.6, the eps remark).
"""

from __future__ import annotations

from .init import (
    InitSweep,
    Separation,
    UpperBound,
    assumption_comparison,
    gradient_upper,
    init_sweep,
    near_zero_counts,
    separation_by_layer,
    separation_check,
)
from .perturb import (
    Flips,
    GradientLower,
    Linearisation,
    flips_vs_tau,
    gradient_lower,
    linearisation,
)
from .sizes import SIZES
from .training import (
    EpsRuns,
    GDWidths,
    SGDStreams,
    eps_runs,
    gd_phi_n,
    gd_widths,
    sgd_batches,
    sgd_streams,
)

__all__ = [
    "SIZES",
    "EpsRuns",
    "Flips",
    "GDWidths",
    "GradientLower",
    "InitSweep",
    "Linearisation",
    "SGDStreams",
    "Separation",
    "UpperBound",
    "assumption_comparison",
    "eps_runs",
    "flips_vs_tau",
    "gd_phi_n",
    "gd_widths",
    "gradient_lower",
    "gradient_upper",
    "init_sweep",
    "linearisation",
    "near_zero_counts",
    "separation_by_layer",
    "separation_check",
    "sgd_batches",
    "sgd_streams",
]
