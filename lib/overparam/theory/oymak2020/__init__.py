"""Oymak & Soltanolkotabi (2020), *Toward moderate overparameterization*: the bounds as functions.

Setting (Section 1.1 and eq. 2.1): f(x; W) = v^T φ(W x), W ∈ R^{k x d} trained from W_0 with N(0, 1)
entries, v fixed and balanced (half its entries ‖y‖ / sqrt(kn), half -‖y‖ / sqrt(kn)), ‖x_i‖ = 1,
loss L(W) = ½ Σ_i (f(x_i; W) - y_i)² (a sum), gradient descent with step η.

Hidden constants are keyword arguments. Where the proofs pin a constant down the default is that
value (``RELU_C_EXPLICIT``, the proof's form (6.18) of Theorem 6.2's c); where the paper leaves it
unspecified the default is 1, which makes a requirement a *lower bound* on what the theorem actually
asks. Where a printed statement has a typo the docstring says so and uses the corrected form.

Symbols: n samples, d input dimension, k hidden units, ‖X‖ the spectral norm of the n x d data
matrix, σ_min(X * X) the smallest singular value of its Khatri-Rao square (Section 1.2),
λ(X) = λ_min(Σ(X)) (Definition 6.1, ``lam``), λ~(X) = λ_min(Σ~(X)) (Definition 3.1, ``lam_tilde``),
μ_φ = E[g φ'(g)] (Lemma 6.4), B the bound on |φ'| (and |φ''|), δ the probability slack of the
concentration steps (Lemma 6.12), η̄ ≤ 1 the step as a fraction of the largest one.

Modules by topic, every public name re-exported here
(``from overparam.theory import oymak2020 as th``):

* ``activations``: Hermite coefficients (Appendix H), μ_φ (Lemma 6.4) and the constants B, M,
  E[φ'(g)²], Var φ(g).
* ``gd``: κ(X) and κ~(X), the step sizes and rates of Theorems 2.1, 2.3, 6.2 and 6.3.
* ``widths``: the width requirements of Theorems 2.1/6.2, 2.3/6.3, 2.5 and Corollaries 2.2, 2.4.
* ``meta``: the Jacobian Lemmas 6.6, 6.7, 6.8, the meta-theorem 6.10 and its Corollary 6.11.
* ``sgd``: Theorem 2.6.
* ``random_features``: Theorem 3.2.
"""

from __future__ import annotations

from .activations import activation_constants, hermite_coefficients, mu_phi
from .gd import kappa, kappa_tilde, relu_rate, relu_step, smooth_rate, smooth_step
from .meta import (
    MetaBounds,
    certificate,
    jacobian_lipschitz_bound,
    jacobian_norm_bound,
    lemma67_width,
    meta_theorem,
)
from .random_features import random_features_width
from .sgd import sgd_event_probability, sgd_rate, sgd_step
from .widths import (
    RELU_C_EXPLICIT,
    relu_separation_width_requirement,
    relu_width_requirement,
    relu_width_requirement_sphere,
    smooth_width_requirement,
    smooth_width_requirement_sphere,
)

__all__ = [
    "RELU_C_EXPLICIT",
    "MetaBounds",
    "activation_constants",
    "certificate",
    "hermite_coefficients",
    "jacobian_lipschitz_bound",
    "jacobian_norm_bound",
    "kappa",
    "kappa_tilde",
    "lemma67_width",
    "meta_theorem",
    "mu_phi",
    "random_features_width",
    "relu_rate",
    "relu_separation_width_requirement",
    "relu_step",
    "relu_width_requirement",
    "relu_width_requirement_sphere",
    "sgd_event_probability",
    "sgd_rate",
    "sgd_step",
    "smooth_rate",
    "smooth_step",
    "smooth_width_requirement",
    "smooth_width_requirement_sphere",
]
