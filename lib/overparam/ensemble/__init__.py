"""Many independent small networks trained at once in batched tensors.

``two_layer``: one-hidden-layer networks of different widths k and input dimensions d (padded, bucketed,
chunked), full-batch GD or SGD with per-network early stop and divergence freeze — the phase diagrams of
Oymak & Soltanolkotabi. ``deep``: deep leaky-ReLU networks of one shape stacked along a batch axis (one per
slope alpha or seed) — the alpha sweeps of Guo et al.
"""

from .deep import DeepEnsemble, EnsembleLog, log_frame, run_grid
from .deep import train_ensemble as train_deep_ensemble
from .two_layer import (
    ACTIVATIONS,
    BoundaryFit,
    EnsembleResult,
    Problems,
    TwoLayerModule,
    activation_pair,
    feature_problems,
    fit_phase_boundary,
    output_weights,
    plan_buckets,
    sgd_indices,
    sphere_problems,
    stable_seed,
    success_grid,
    train_module,
)
from .two_layer import train_ensemble as train_two_layer_ensemble

__all__ = [
    "ACTIVATIONS", "BoundaryFit", "DeepEnsemble", "EnsembleLog", "EnsembleResult", "Problems",
    "TwoLayerModule", "activation_pair", "feature_problems", "fit_phase_boundary", "log_frame",
    "output_weights", "plan_buckets", "run_grid", "sgd_indices", "sphere_problems", "stable_seed",
    "success_grid", "train_deep_ensemble", "train_module", "train_two_layer_ensemble",
]
