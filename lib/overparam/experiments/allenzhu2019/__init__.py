"""Experiments of the Allen-Zhu, Li & Song (ICML 2019) chapter: one function per theorem or lemma.

Theory part: ``init`` (Step 1: Lemmas 7.1, 7.3, 7.5), ``gram`` (Step 2: Theorem 3), ``gd`` (Theorem 1, (12.1),
Theorem 5 along GD, the flips of Lemma 8.2), ``perturb`` (Theorem 4, Claim 8.3), ``sgd`` (Theorems 2 and 6),
``errata``. The landscape section (Figures 1-7) has its own modules, ``landscape`` and ``landscape_sizes``.
"""

from .errata import claim76_points, claim76_table, sgd_width_from_proof
from .gd import gd_widths
from .gram import allen_zhu_kernel, gram_vs_kernel, last_layer_gram_vs_delta
from .init import forward_norms, layer_products, log_norm_mean_per_layer, separation
from .perturb import flips_one_layer, semi_smoothness
from .sgd import cross_entropy_fit, sgd_batches
from .sizes import SIZES

__all__ = ["SIZES", "allen_zhu_kernel", "claim76_points", "claim76_table", "cross_entropy_fit", "flips_one_layer",
           "forward_norms", "gd_widths", "gram_vs_kernel", "last_layer_gram_vs_delta", "layer_products",
           "log_norm_mean_per_layer", "semi_smoothness", "separation", "sgd_batches", "sgd_width_from_proof"]
