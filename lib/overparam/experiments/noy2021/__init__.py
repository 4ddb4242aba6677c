"""The experiments of the Noy, Xu, Aflalo, Zelnik-Manor & Jin (2021) chapter, one function per theorem,
figure or table, each returning a tidy ``pandas.DataFrame`` or a small record.

Every run trains Noy et al.'s gated network (``overparam.nets.gated.GatedNet``) with ``overparam.train.train``
on the paper's loss 1/2 sum ||f - y||^2 (eq. 2), full-batch GD unless a figure's protocol is SGD, in float64.

Modules: ``sizes`` (the profile table), ``transform`` (Theorem 2, eq. 49, the reverse transform),
``convergence`` (Theorem 1, Lemma 3, the printed step), ``gates`` (Lemma 4 across depth, Theorem 6's G side),
``lazy`` (bound 5, Theorem 3 / Corollary 4, Theorem 5 after training), ``paper_figures`` (Figures 2a, 2b/2c,
3a/Table 2, 3b/3c, 4, 5), ``remarks`` (Remark 3), ``cost`` (Section 4.4).
"""

from __future__ import annotations

from ._common import Paired, gaussian_unit, paired, run_gd
from .convergence import LogTime, log_time
from .cost import step_cost
from .gates import g_correlation_widths, gate_overlap_depth, mean_by
from .lazy import lazy_runs
from .paper_figures import figure2a, figure3bc, table2, tabular_dynamics
from .remarks import bias_shift
from .sizes import SIZES
from .summaries import (
    figure2a_summary,
    figure3bc_summary,
    log_time_summary,
    slope_over_seeds,
    table2_summary,
    tabular_summary,
)
from .transform import Eq49, eq49_dimensions, reverse_transform, transform_sweep

__all__ = [
    "SIZES", "Eq49", "LogTime", "Paired", "bias_shift", "eq49_dimensions", "figure2a", "figure2a_summary", "figure3bc",
    "figure3bc_summary", "g_correlation_widths", "gate_overlap_depth", "gaussian_unit", "lazy_runs", "log_time",
    "log_time_summary", "mean_by", "paired", "reverse_transform", "run_gd", "slope_over_seeds", "step_cost",
    "table2", "table2_summary", "tabular_dynamics", "tabular_summary", "transform_sweep",
]
