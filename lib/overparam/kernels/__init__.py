"""Analytic infinite-width kernels and their quadrature, in float64.

The theorems are stated with the smallest eigenvalue of a limiting kernel at the training data (lambda0,
lambda(X), lambda~(X)); these are computed here once, in closed form where one exists and otherwise by
quadrature or Monte Carlo with a standard error, always in float64 because the eigenvalue can be tiny
against the kernel's norm.

* ``two_layer``: H^infinity (Du et al. 2019) = Sigma(X) for ReLU, Sigma(X) for any activation
  (Oymak & Soltanolkotabi 2020, Definition 6.1), lambda(X), the Khatri-Rao sigma_min^2 of their
  Theorem 2.1, and lambda_min of any Gram matrix in float64;
* ``monte_carlo``: Monte Carlo estimates of Sigma(X) and Sigma~(X) with their standard errors;
* ``random_features``: the output-feature covariance Sigma~(X) and lambda~(X) (Oymak & Soltanolkotabi,
  Definition 3.1, Theorem 3.2);
* ``deep``: the deep leaky-ReLU NTK and NNGP recursion (Guo, Li & Lerman 2024; Allen-Zhu, Li & Song's
  hidden-layer kernel at alpha = 0).
"""

from . import deep, monte_carlo, random_features, two_layer
from .deep import (
    infinite_width_ntk,
    kappa,
    kappa_dot,
    leaky_coefficients,
    linearized_loss,
    nonlinearity_weight,
    stable_eta,
)
from .monte_carlo import MCGram, expected_gram_mc
from .random_features import (
    arccos1_kernel,
    feature_gram_mc,
    feature_gram_quadrature,
    lambda_tilde,
    output_feature_gram,
    relu_feature_gram,
)
from .two_layer import (
    expected_gram,
    expected_gram_quadrature,
    gram_min_eigenvalue,
    khatri_rao_sigma_min_sq,
    lambda_x,
    pair_kernel_quadrature,
    relu_expected_gram,
    relu_ntk_infinite,
)

__all__ = ["MCGram", "arccos1_kernel", "deep", "expected_gram", "expected_gram_mc", "expected_gram_quadrature", "feature_gram_mc", "feature_gram_quadrature", "gram_min_eigenvalue", "infinite_width_ntk", "kappa", "kappa_dot", "khatri_rao_sigma_min_sq", "lambda_tilde", "lambda_x", "leaky_coefficients", "linearized_loss", "monte_carlo", "nonlinearity_weight", "output_feature_gram", "pair_kernel_quadrature", "random_features", "relu_expected_gram", "relu_feature_gram", "relu_ntk_infinite", "stable_eta", "two_layer"]
