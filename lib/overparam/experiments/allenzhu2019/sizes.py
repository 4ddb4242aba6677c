"""The Allen-Zhu, Li & Song chapter's size table (theory part): every size under quick and at the paper's scale.

The chapter builds its ``Chapter`` from ``SIZES`` and shows it with ``ch.sizes_table()``. The paper runs no
experiment for its theorems, so a "paper" value is the GPU scale the claims map asks for (widths to 4,096 and
beyond, more seeds); the quick value keeps each protocol at CPU size. Every width here is some 30 orders of
magnitude below the theorem's (``theory.allenzhu2019.gd_width``).
"""

from __future__ import annotations

__all__ = ["SIZES"]

SIZES = {  # name: {profile: value}
    "d_free": {"quick": 9, "paper": 9},                        # u in R^9, padded x = (u/sqrt2, 1/sqrt2) in R^10
    # Step 1 (E1-E3)
    "fwd_widths": {"quick": [64, 256, 1024, 4096], "paper": [64, 256, 1024, 4096, 16384]},  # exact E log Delta
    "fwd_width": {"quick": 256, "paper": 1024},                # direct draws of whole networks
    "fwd_depth": {"quick": 16, "paper": 64},
    "fwd_draws": {"quick": 200, "paper": 1000},
    "prod_width": {"quick": 512, "paper": 2048},
    "prod_lengths": {"quick": [1, 2, 4, 8, 16, 32], "paper": [1, 2, 4, 8, 16, 32, 64]},
    "prod_seeds": {"quick": 5, "paper": 10},
    "sep_regime": {"quick": [0.3, 9, 1024], "paper": [0.1, 20, 4096]},     # (delta, L, m): (L+1) delta <= 3
    "sep_bites": {"quick": [0.2, 40, 1024], "paper": [0.2, 40, 4096]},     # (L+1) delta = 8.2
    "sep_seeds": {"quick": 20, "paper": 400},
    # Step 2 (E4)
    "gram_n": {"quick": 8, "paper": 16},
    "depth": {"quick": 3, "paper": 3},                         # L of every training run
    "gram_widths": {"quick": [128, 256, 512, 1024, 2048], "paper": [256, 512, 1024, 2048, 4096, 8192]},
    "gram_seeds": {"quick": 5, "paper": 10},
    "gl_deltas": {"quick": [0.05, 0.1, 0.2, 0.4], "paper": [0.025, 0.05, 0.1, 0.2, 0.4]},
    "gl_width": {"quick": 4096, "paper": 16384},
    "gl_seeds": {"quick": 40, "paper": 200},
    # Theorem 1 (E5, E6, E10, flips along GD) and Theorem 4 (E9)
    "n": {"quick": 8, "paper": 16},
    "gd_widths": {"quick": [64, 128, 256, 512, 1024], "paper": [256, 512, 1024, 2048, 4096]},
    "gd_seeds": {"quick": 5, "paper": 10},
    "gd_steps": {"quick": 400, "paper": 2000},                 # a cap: a run stops at F <= 1e-9 F_0
    "c_eta": {"quick": 1.0, "paper": 1.0},                     # eta = c / lambda_max(G_0)  [ours]
    "rate_min_width": {"quick": 512, "paper": 1024},           # B1: the rate against G_T at m >= this
    "smooth_seeds": {"quick": 10, "paper": 20},
    "res_tau_c": {"quick": 1.0, "paper": 1.0},                # Appendix C: tau = c / (L ln m)  [c ours]
    "res_widths": {"quick": [128, 256, 512, 1024], "paper": [256, 512, 1024, 2048, 4096]},
    "res_steps": {"quick": 800, "paper": 3000},               # a cap; the residual net converges more slowly
    # Lemma 8.2(c) / Claim 11.2 (E8)
    "stab_width": {"quick": 256, "paper": 1024},
    "stab_depth": {"quick": 16, "paper": 32},
    "stab_omegas": {"quick": [1e-4, 1e-3, 1e-2], "paper": [1e-5, 1e-4, 1e-3, 1e-2]},
    "stab_seeds": {"quick": 5, "paper": 10},
    # Theorem 2 (E11) and Theorem 6 (E12)
    "sgd_width": {"quick": 256, "paper": 1024},
    "sgd_batches": {"quick": [1, 2, 4, 8], "paper": [1, 2, 4, 8, 16]},
    "sgd_seeds": {"quick": 5, "paper": 10},
    "sgd_steps": {"quick": 2000, "paper": 8000},
    "ce_n": {"quick": 16, "paper": 32},
    "ce_classes": {"quick": 5, "paper": 5},
    "ce_width": {"quick": 256, "paper": 1024},
    "ce_seeds": {"quick": 5, "paper": 10},
    "ce_max_steps": {"quick": 3000, "paper": 10000},
    # Lemma 8.2 / Claim 8.3 (E7)
    "flip_width": {"quick": 20000, "paper": 100000},
    "flip_omegas": {"quick": [1e-3, 3e-3, 1e-2, 3e-2, 1e-1], "paper": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]},
    "flip_seeds": {"quick": 5, "paper": 10},
    # E13: how wide is wide enough (ours)
    "thr_ns": {"quick": [4, 8, 16], "paper": [4, 8, 16, 32, 64]},
    "thr_widths": {"quick": [16, 32, 64, 128, 256, 512], "paper": [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]},
    "thr_seeds": {"quick": 5, "paper": 10},
    "thr_steps": {"quick": 600, "paper": 3000},
    # Errata
    "mc_samples": {"quick": 4_000_000, "paper": 100_000_000},
}
