"""Training: one loop for one model, the losses, and the ensemble trainers.

The training convention (every trainer here follows it)
-------------------------------------------------------

Three trainers: ``train`` (one ``nn.Module``), ``train_deep_ensemble`` (Guo et al.'s deep networks, stacked)
and ``train_two_layer_ensemble`` (Oymak & Soltanolkotabi's one-hidden-layer networks, padded and batched).
They take the same keywords with the same defaults, checked in one place (``convention``):

* **Loss reduction** is named by ``loss``: ``"half_sum"`` (the default; 1/2 sum_i (f_i - y_i)^2: Du et al.
  2019, eq. 2; Allen-Zhu, Li & Song 2019, Section 2; Oymak & Soltanolkotabi 2020, eq. 2.1), ``"sum"`` (Guo,
  Li & Lerman 2024, Section 2), ``"mean"``; the deep ensemble also takes the classification losses ``"ce"``
  (mean), ``"ce_sum"`` and ``"exp"`` (Guo et al., eq. 137). The step size always refers to the loss so named.
* **SGD scaling** is named by ``sgd_scale``: ``"unbiased"`` (the default) multiplies the gradient of the
  batch's loss by n/b, so that it is an unbiased estimate of the full-batch gradient of the same loss and
  b = n is GD exactly (Allen-Zhu et al., Theorem 2); a mean-type loss (``"mean"``, ``"ce"``) is already
  divided by b and gets no factor. ``"sum"`` uses the plain gradient of the batch's loss (Guo et al.,
  Algorithm 3; Oymak & Soltanolkotabi's single-sample step, eq. 2.9). A batch holds b distinct samples
  (drawn without replacement within a step; a fresh batch every step).
* **Divergence.** A loss that is not finite or exceeds ``blowup`` (default 1e8) times the initial loss is a
  divergence. A single model stops with ``DivergenceError``, whose ``.log`` keeps everything recorded up to
  the last finite step. A member of an ensemble is put back to its weights at the last check it passed (the
  step before, under GD; the previous evaluation under SGD), frozen and flagged (``diverged``); the others go
  on, bitwise as they would without it. Gradients are never cleaned of NaN: a NaN is a divergence, never a
  silent zero.
* **Stopping** is named by ``stop``: ``"absolute"`` stops when the loss is at most ``tol``; ``"relative"``
  when ||f - y|| / ||y|| is at most ``tol``; ``None`` (the default) runs every step. An ensemble member that
  meets the rule is frozen there (``hit_step`` / ``converged_at``). The rule is checked whenever the
  full-batch loss is evaluated: every step of GD, every ``eval_every`` / ``record_every`` steps of SGD.
* **Randomness.** ``generator=None`` draws from torch's global generator (torch's own convention); the
  two-layer ensemble takes ``seed`` so that its draws do not depend on how networks are chunked. The
  chapters always pass a named generator or seed (``Chapter.generator``, ``Chapter.seed_for``).
* **Precision.** Trainers work in the dtype of the model or problems they are given (float32 on the
  chapters' path); the tests run the batched trainers in float64 against the single-model loop.

The batched trainers equal the single-model loop step by step in float64 and follow it in float32
(``tests/unit/test_train_convention.py``, ``test_ensemble.py``, ``test_ensemble_deep.py``).

Renamed in this release: ``batch_scale=`` is now ``sgd_scale=`` (``"none"`` is ``"sum"``; the old keyword
still works with a ``DeprecationWarning``); ``tol=`` without ``stop=`` keeps the trainer's old rule
(absolute in ``train`` and the deep ensemble, relative in the two-layer ensemble) with a
``DeprecationWarning``; the two-layer ensemble's ``diverge_rel=`` is replaced by ``blowup=``.

Modules: ``convention`` (the shared checks and batch draws), ``loop`` (``train``: GD, SGD for one
``nn.Module``), ``deep_ensemble`` and ``deep_parts`` (stacked deep networks), ``two_layer_*`` (the two-layer
ensemble: problems, planner, kernels, steps, trainer, result, reference baseline), ``output_layer`` (random
features: least squares on the output layer alone), ``classifier`` (Guo et al.'s sequence models, and the
CIFAR recipe of Allen-Zhu et al.'s Figures 1-7: momentum, weight decay, a step schedule from ``schedules``),
``losses_margin`` and ``margin_ensemble`` (Zou et al.'s margin losses and their stacked GD/SGD trainer, which
follows this convention with ``loss`` naming the margin loss).
"""

from . import (
    classifier,
    convention,
    deep_ensemble,
    deep_parts,
    loop,
    losses_margin,
    margin_ensemble,
    output_layer,
    schedules,
    two_layer_kernels,
    two_layer_planner,
    two_layer_problems,
    two_layer_reference,
    two_layer_result,
    two_layer_steps,
    two_layer_trainer,
)
from .classifier import ClassifierLog, train_classifier
from .convention import SGD_SCALES, STOPS, DivergenceError
from .deep_ensemble import EnsembleLog, log_frame, run_grid
from .deep_ensemble import train_ensemble as train_deep_ensemble
from .loop import LOSSES, TrainLog, loss_value, train
from .margin_ensemble import MarginLog, train_margin
from .output_layer import RFFit, random_features, random_features_fit, rank_tolerance
from .schedules import scale_schedule, step_lr
from .two_layer_planner import plan_buckets
from .two_layer_problems import Problems, feature_problems, sphere_problems
from .two_layer_reference import sgd_indices, train_module
from .two_layer_result import EnsembleResult
from .two_layer_trainer import train_ensemble as train_two_layer_ensemble

__all__ = [
    "LOSSES",
    "SGD_SCALES",
    "STOPS",
    "ClassifierLog",
    "DivergenceError",
    "EnsembleLog",
    "EnsembleResult",
    "MarginLog",
    "Problems",
    "RFFit",
    "TrainLog",
    "classifier",
    "convention",
    "deep_ensemble",
    "deep_parts",
    "feature_problems",
    "log_frame",
    "loop",
    "loss_value",
    "losses_margin",
    "margin_ensemble",
    "output_layer",
    "plan_buckets",
    "random_features",
    "random_features_fit",
    "rank_tolerance",
    "run_grid",
    "scale_schedule",
    "schedules",
    "sgd_indices",
    "sphere_problems",
    "step_lr",
    "train",
    "train_classifier",
    "train_deep_ensemble",
    "train_margin",
    "train_module",
    "train_two_layer_ensemble",
    "two_layer_kernels",
    "two_layer_planner",
    "two_layer_problems",
    "two_layer_reference",
    "two_layer_result",
    "two_layer_steps",
    "two_layer_trainer",
]
