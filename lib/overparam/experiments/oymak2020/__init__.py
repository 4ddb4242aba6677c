"""The experiments of the Oymak & Soltanolkotabi (2020) chapter, one function per theorem or figure.

Each function runs one experiment end to end and returns a tidy ``pandas.DataFrame`` or a small frozen
record whose properties are the numbers the chapter's checks test; ``quotes()`` gives the numbers its
prose quotes. The chapter imports this package as ``ex``::

    from overparam.experiments import oymak2020 as ex
    scan = ex.jacobian_at_init(S.meta_n, S.scan_d, S.scan_log2_k, S.scan_seeds, seed=ch.seed_for("scan"))

Modules by topic: ``_train`` (``train_networks``: the trainer with the paper's loss, SGD step and stopping
rule spelled out), ``sizes`` (the profile table and Figure 2's steps), ``jacobian`` (Lemma 6.7), ``meta``
(Theorem 6.10), ``lambdas`` (Lemma 6.4, and the theorems' widths against practice), ``separation``
(Theorems 2.5 and I.1), ``rates`` (Corollaries 2.2 and 2.4), ``sgd`` (Theorem 2.6), ``figure2`` (Section 4),
``random_features`` (Section 3, Theorem 3.2), ``real_data`` (beyond the paper).
"""

from __future__ import annotations

from ._train import train_networks
from .figure2 import PhaseRun, boundary_vs_budget, figure2, figure2_table, not_lazy_table, phase_run
from .jacobian import JacobianScan, jacobian_at_init, sphere_inputs
from .lambdas import LambdaStudy, lambda_study, requirements_vs_practice
from .meta import MetaRun, meta_theorem_run
from .random_features import (
    RFLeastSquares,
    RFSpectrum,
    random_features_grid,
    random_features_spectrum,
    rank_tolerance,
)
from .rates import RateStudy, iterations_to_eps
from .real_data import RealData, boundary_summary, mnist_principal_components, real_data_phase
from .separation import SeparationStudy, separation_sweep
from .sgd import SGDStudy, sgd_against_gd
from .sizes import ETA, SIZES

__all__ = [
    "ETA", "SIZES", "JacobianScan", "LambdaStudy", "MetaRun", "PhaseRun", "RFLeastSquares",
    "RFSpectrum", "RateStudy", "RealData", "SGDStudy", "SeparationStudy", "boundary_summary",
    "boundary_vs_budget", "figure2", "figure2_table", "iterations_to_eps", "jacobian_at_init",
    "lambda_study", "meta_theorem_run", "mnist_principal_components", "not_lazy_table", "phase_run",
    "random_features_grid", "random_features_spectrum", "rank_tolerance", "real_data_phase", "requirements_vs_practice",
    "separation_sweep", "sgd_against_gd", "sphere_inputs", "train_networks",
]
