"""Analytic infinite-width kernels and their quadrature, in float64.

``two_layer``: H^infinity / Sigma(X) of one-hidden-layer networks and lambda_min in float64;
``random_features``: the output-feature covariance Sigma~(X); ``deep``: the deep leaky-ReLU NTK and NNGP
recursion (Guo et al.; Allen-Zhu et al.'s hidden-layer kernel at alpha = 0).
"""

from . import deep, random_features, two_layer
from .deep import (
    infinite_width_ntk,
    kappa,
    kappa_dot,
    leaky_coefficients,
    linearized_loss,
    nonlinearity_weight,
    stable_eta,
)
from .random_features import (
    NUMERICAL_ZERO,
    arccos1_kernel,
    feature_gram_mc,
    feature_gram_quadrature,
    lambda_tilde,
    numerical_zero_floor,
    output_feature_gram,
    relu_feature_gram,
)
from .two_layer import (
    MCGram,
    expected_gram,
    expected_gram_mc,
    expected_gram_quadrature,
    gram_min_eigenvalue,
    khatri_rao_sigma_min_sq,
    lambda_x,
    pair_kernel_quadrature,
    relu_expected_gram,
    relu_ntk_infinite,
)

__all__ = ["nonlinearity_weight", "leaky_coefficients", "kappa", "kappa_dot", "infinite_width_ntk", "linearized_loss", "stable_eta", "NUMERICAL_ZERO", "numerical_zero_floor", "arccos1_kernel", "relu_feature_gram", "feature_gram_quadrature", "feature_gram_mc", "output_feature_gram", "lambda_tilde", "relu_expected_gram", "pair_kernel_quadrature", "expected_gram_quadrature", "MCGram", "expected_gram_mc", "expected_gram", "lambda_x", "khatri_rao_sigma_min_sq", "relu_ntk_infinite", "gram_min_eigenvalue", "deep", "random_features", "two_layer"]
