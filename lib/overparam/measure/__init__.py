"""What the theorems talk about, measured on a network, and the fits that turn measurements into checks.

* ``probes``: distances from initialisation, activation flips and gradient norms along a run, as probes
  a trainer calls without knowing what they mean.
* ``ntk``: empirical NTK Gram matrices of any model (chunked), and the closed forms for the two-layer and
  deep networks.
* ``two_layer_jacobian``: the Jacobian of Oymak & Soltanolkotabi's network, its Gram matrix, singular
  values and drift, through the Hadamard identity of their Section 6.1 (never forming J).
* ``fit``: power-law slopes and linear rates with their intervals.
* ``phase``: the phase diagram of Oymak & Soltanolkotabi's Figure 2 and its fitted boundary kd = c n.

Every fit returns its interval so that a check can record the tolerance it was decided with.
"""

from . import fit, ntk, phase, probes, two_layer_jacobian
from .fit import RateFit, SlopeFit, linear_rate, loglog_slope, steps_to_reach
from .ntk import empirical_ntk_gram, guo_empirical_ntk, model_jacobian, two_layer_gram
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

__all__ = ["BoundaryFit", "RateFit", "SlopeFit", "activation_flips", "distance_from_init", "empirical_ntk_gram", "fit", "fit_phase_boundary", "gradient_norm", "guo_empirical_ntk", "jacobian", "jacobian_drift", "jacobian_gram", "jacobian_singular_values", "linear_rate", "loglog_slope", "max_neuron_distance", "model_jacobian", "ntk", "phase", "preactivation_list", "probes", "sign_flip_fraction", "steps_to_reach", "success_grid", "two_layer_gram", "two_layer_jacobian"]
