"""What the theorems talk about, measured on a network, and the fits that turn measurements into checks.

* ``probes``: distances from initialisation, activation flips and gradient norms along a run, as probes
  a trainer calls without knowing what they mean.
* ``ntk``: empirical NTK Gram matrices of any model (chunked), and the closed forms for the two-layer and
  deep networks.
* ``two_layer_jacobian``: the Jacobian of Oymak & Soltanolkotabi's network, its Gram matrix, singular
  values and drift, through the Hadamard identity of their Section 6.1 (never forming J).
* ``fit``: power-law slopes and linear rates with their intervals.
* ``phase``: the phase diagram of Oymak & Soltanolkotabi's Figure 2 and its fitted boundary kd = c n.
* ``perturbations``: perturbations of a given norm, random and the rank-one worst case that flips the most
  signs (Allen-Zhu et al., Lemma 8.2; Zou et al., Lemma B.3), and the sign-flip count.
* ``worst_case_gradient``: the simplex QP for the smallest gradient over non-negative loss weights (Zou et
  al., Theorem 5.3).
* ``hessian``: Hessian-vector products (torch.func and double backward), Oja's method and the landscape
  grid of Allen-Zhu et al.'s Figures 1-7.
* ``gated``: gate overlap, sub-network spectra and the pattern probes of Noy et al.

Every fit returns its interval so that a check can record the tolerance it was decided with.
"""

from . import (
    fit,
    gated,
    hessian,
    ntk,
    perturbations,
    phase,
    probes,
    two_layer_jacobian,
    worst_case_gradient,
)
from .fit import RateFit, SlopeFit, linear_rate, loglog_slope, steps_to_reach
from .hessian import Objective, landscape_grid, oja_min, power_max
from .ntk import empirical_ntk_gram, guo_empirical_ntk, model_jacobian, two_layer_gram
from .perturbations import random_perturbation, rank_one_adversarial, sign_flips
from .phase import BoundaryFit, fit_phase_boundary, success_grid
from .probes import (
    activation_flips,
    distance_from_init,
    gradient_norm,
    max_neuron_distance,
    preactivation_list,
    sign_flip_fraction,
)
from .two_layer_jacobian import jacobian, jacobian_drift, jacobian_gram, jacobian_singular_values
from .worst_case_gradient import SimplexQP, simplex_qp

__all__ = ["BoundaryFit", "Objective", "RateFit", "SimplexQP", "SlopeFit", "activation_flips", "distance_from_init", "empirical_ntk_gram", "fit", "fit_phase_boundary", "gated", "gradient_norm", "guo_empirical_ntk", "hessian", "jacobian", "jacobian_drift", "jacobian_gram", "jacobian_singular_values", "landscape_grid", "linear_rate", "loglog_slope", "max_neuron_distance", "model_jacobian", "ntk", "oja_min", "perturbations", "phase", "power_max", "preactivation_list", "probes", "random_perturbation", "rank_one_adversarial", "sign_flip_fraction", "sign_flips", "simplex_qp", "steps_to_reach", "success_grid", "two_layer_gram", "two_layer_jacobian", "worst_case_gradient"]
