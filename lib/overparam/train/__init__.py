"""Training: one loop for one model, the losses, and the ensemble trainers.

The training convention (every trainer here follows it)
-----------------------------------------------------

* **Loss reduction** is named by ``loss``: ``"half_sum"`` (1/2 sum_i (f_i - y_i)^2: Du et al., Allen-Zhu et
  al., Oymak & Soltanolkotabi), ``"sum"`` (Guo et al.), ``"mean"``; the classification losses of the deep
  ensemble (``"ce"``, ``"ce_sum"``, ``"exp"``) follow the same sum/mean naming. The step size always refers
  to the loss so named.
* **SGD scaling** is named by ``sgd_scale``: ``"unbiased"`` (the default) multiplies the gradient of the
  batch's loss by n/b, so that it is an unbiased estimate of the full-batch gradient of the same loss and
  b = n is GD exactly (Allen-Zhu et al.; Zou et al.); ``"sum"`` uses the plain gradient of the batch's loss
  (Guo et al.'s Algorithm 3; Oymak & Soltanolkotabi's single-sample step, eq. 2.9). Batches are drawn
  without replacement within a step.
* **Divergence.** A single model whose loss becomes non-finite or grows past ``blowup`` times its initial
  value stops with ``DivergenceError``, whose ``.log`` keeps everything recorded up to the last finite step.
  A member of an ensemble that diverges is frozen at its last finite weights and flagged (``diverged``); the
  others go on. Gradients are never cleaned of NaN: a NaN is a divergence, never a silent zero.
* **Stopping** is named by ``stop``: ``"absolute"`` stops when the loss is at most ``tol``; ``"relative"``
  when ||f - y|| / ||y|| is at most ``tol``; ``None`` runs every step.
* **Randomness.** ``generator=None`` draws from torch's global generator (torch's own convention); the
  chapters always pass a named generator (``Chapter.generator``).

The batched trainers equal the single-model loop step by step in float64 (``tests/unit``).

Modules: ``loop`` (``train``: GD, SGD for one ``nn.Module``), ``two_layer_*`` (the two-layer ensemble:
problems, planner, kernels, trainer, reference baseline), ``deep_ensemble`` (stacked deep networks),
``output_layer`` (random features: least squares on the output layer alone), ``classifier`` (Guo et al.'s sequence models).
"""

from . import (
               classifier,
               deep_ensemble,
               loop,
               output_layer,
               two_layer_kernels,
               two_layer_planner,
               two_layer_problems,
               two_layer_reference,
               two_layer_trainer,
)
from .classifier import ClassifierLog, train_classifier
from .deep_ensemble import EnsembleLog, log_frame, run_grid
from .deep_ensemble import train_ensemble as train_deep_ensemble
from .loop import LOSSES, DivergenceError, TrainLog, loss_value, train
from .output_layer import RFFit, random_features, random_features_fit
from .two_layer_planner import plan_buckets
from .two_layer_problems import Problems, feature_problems, sphere_problems
from .two_layer_reference import sgd_indices, train_module
from .two_layer_trainer import EnsembleResult
from .two_layer_trainer import train_ensemble as train_two_layer_ensemble

__all__ = [
    "LOSSES", "ClassifierLog", "DivergenceError", "EnsembleLog", "EnsembleResult", "Problems", "RFFit",
    "TrainLog", "feature_problems", "log_frame", "loss_value", "plan_buckets", "random_features",
    "random_features_fit", "run_grid", "sgd_indices", "sphere_problems", "train", "train_classifier",
    "train_deep_ensemble", "train_module", "train_two_layer_ensemble",
    "classifier", "deep_ensemble", "loop", "output_layer", "two_layer_kernels", "two_layer_planner",
    "two_layer_problems", "two_layer_reference", "two_layer_trainer",
]
