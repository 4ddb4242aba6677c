"""What the theorems talk about, measured on a network: distances from initialisation, activation
flips, gradient norms, empirical NTKs and Jacobians, and the fits (power laws, rates, phase boundaries)
with their intervals.
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

__all__ = ["SlopeFit", "RateFit", "loglog_slope", "linear_rate", "steps_to_reach", "model_jacobian", "empirical_ntk_gram", "two_layer_gram", "guo_empirical_ntk", "success_grid", "BoundaryFit", "fit_phase_boundary", "distance_from_init", "max_neuron_distance", "preactivation_list", "activation_flips", "gradient_norm", "sign_flip_fraction", "jacobian", "jacobian_gram", "jacobian_singular_values", "jacobian_drift", "fit", "ntk", "phase", "probes", "two_layer_jacobian"]
