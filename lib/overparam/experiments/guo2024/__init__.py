"""The experiments of the Guo, Li & Lerman (2024) chapter, one function per theorem, figure or table.

Each function runs one experiment end to end and returns a tidy ``pandas.DataFrame`` or a small frozen
record whose attributes and properties are the numbers the chapter's checks test. The chapter imports
this package as ``ex``::

    from overparam.experiments import guo2024 as ex
    f2 = ex.figure2(sets, alphas=S.fig2_alphas, steps=S.steps, ..., seed=ch.seed_for("figure2"))

Every trainer call names its loss (the sum of Section 2, ``loss="sum"``; cross-entropy or the exponential
loss where the paper uses them) and SGD's scaling (Algorithm 3: the plain gradient of the batch sum).

Modules by topic: ``sizes`` (the profile table), ``activation`` (r(alpha), Corollary 3.3, the width
conditions), ``symmetry`` (alpha <-> 1/alpha, evenness at alpha = -1, the lift), ``kernel`` (lambda_min of
the NTK against r), ``rates`` (Theorem 3.1 / Figure 2, Theorem 3.2), ``lazy`` (Lemmas B.4 and B.9), ``generalization``
(Table 1's synthetic runs, Theorem 3.4), ``classification`` (Figures 1, 3, 5 and Table 1 on images),
``exp_loss`` (Figure 6), ``sequence_models`` (Figure 4).
"""

from __future__ import annotations

from ._common import ALGORITHM_3, Lead, Ranking, paired_lead, ranking
from .activation import (
    ActivationFamily,
    activation_family,
    slope_grid,
    synthetic_separation,
    width_conditions,
)
from .classification import (
    ClassRuns,
    Figure5,
    cifar_runs,
    classification_runs,
    figure3_mnist,
    figure5,
    initial_ce_raw_pixels,
    table1,
)
from .exp_loss import figure6
from .generalization import (
    GeneralizationBound,
    Summary,
    SyntheticRuns,
    final_and_early,
    generalization_bound,
    table1_synthetic,
)
from .kernel import EmpiricalNTK, KernelSpectrum, ntk_empirical, ntk_lambda_min
from .lazy import LazyTraining, lazy_training
from .rates import Figure2, RateData, SGDRates, figure2, figure2_datasets, sgd_batches
from .sequence_models import figure4
from .sizes import ALPHAS_T1, SIZES
from .symmetry import Duality, Evenness, duality, evenness

__all__ = [
    "ALGORITHM_3", "ALPHAS_T1", "SIZES", "ActivationFamily", "ClassRuns", "Duality", "EmpiricalNTK", "Evenness",
    "Figure2", "Figure5", "GeneralizationBound", "KernelSpectrum", "LazyTraining", "Lead", "Ranking", "RateData",
    "SGDRates", "Summary", "SyntheticRuns", "activation_family", "cifar_runs", "classification_runs", "duality",
    "evenness", "figure2", "figure2_datasets", "figure3_mnist", "figure4", "figure5", "figure6",
    "final_and_early", "generalization_bound", "initial_ce_raw_pixels", "lazy_training", "ntk_empirical",
    "ntk_lambda_min", "paired_lead", "ranking", "sgd_batches", "slope_grid", "synthetic_separation", "table1",
    "table1_synthetic", "width_conditions",
]
