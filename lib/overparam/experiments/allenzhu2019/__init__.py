"""Experiments of the Allen-Zhu, Li & Song (ICML 2019) chapter: one function per theorem or lemma.

Theory part: ``init`` (Step 1: Lemmas 7.1, 7.3, 7.5), ``gram`` (Step 2: Theorem 3), ``gd`` (Theorem 1, (12.1),
Theorem 5 along GD, the flips of Lemma 8.2), ``perturb`` (Theorem 4, Claim 8.3), ``sgd`` (Theorems 2 and 6),
``threshold`` (E13, the smallest lazy width), ``errata``. The landscape section (Figures 1-7) has its own modules, ``landscape`` and ``landscape_sizes``: the
chapter reaches it as ``ex.landscape``, and ``SIZES`` merges both size tables (the landscape's keys all start
with ``landscape_``).
"""

from . import landscape
from .errata import claim76_points, claim76_table, sgd_width_from_proof
from .gd import gd_widths
from .gram import allen_zhu_kernel, gram_vs_kernel, last_layer_gram_vs_delta
from .init import forward_norms, layer_products, log_norm_mean_per_layer, separation
from .landscape_sizes import SIZES as LANDSCAPE_SIZES
from .perturb import flips_one_layer, forward_stability, semi_smoothness
from .sgd import cross_entropy_fit, sgd_batches
from .sizes import SIZES as THEORY_SIZES
from .threshold import width_threshold

if set(THEORY_SIZES) & set(LANDSCAPE_SIZES):
    raise ImportError(f"size names used twice: {sorted(set(THEORY_SIZES) & set(LANDSCAPE_SIZES))}")
SIZES = {**THEORY_SIZES, **LANDSCAPE_SIZES}

__all__ = [
    "LANDSCAPE_SIZES",
    "SIZES",
    "THEORY_SIZES",
    "allen_zhu_kernel",
    "claim76_points",
    "claim76_table",
    "cross_entropy_fit",
    "flips_one_layer",
    "forward_norms",
    "forward_stability",
    "gd_widths",
    "gram_vs_kernel",
    "landscape",
    "last_layer_gram_vs_delta",
    "layer_products",
    "log_norm_mean_per_layer",
    "semi_smoothness",
    "separation",
    "sgd_batches",
    "sgd_width_from_proof",
    "width_threshold",
]
