"""The Zou, Cao, Zhou & Gu chapter's size table: every size under the quick profile and at the GPU scale.

The paper has no experiments, so the "paper" column is a GPU plan after the reading notes' (m to 8k for
training, 64k-262k at L = 1, 10 seeds), never a size the paper ran; it has not been run yet. Weights are
drawn on the host and moved, so the largest widths are bounded by host memory too. Data: phi-pairs in d = 20 with the bias coordinate mu = 0.5.
"""

from __future__ import annotations

__all__ = ["SIZES"]

SIZES = {  # name: {profile: value}
    "d": {"quick": 20, "paper": 20},
    "mu": {"quick": 0.5, "paper": 0.5},
    "delta": {"quick": 0.05, "paper": 0.05},               # the confidence of Theorem 5.1
    # Theorem 5.1 at initialisation (E1, E10)
    "init_n": {"quick": 40, "paper": 200},
    "init_phi": {"quick": 0.1, "paper": 0.1},
    "init_widths": {"quick": [32, 64, 128, 256, 512, 1024], "paper": [128, 256, 512, 1024, 2048, 4096]},
    "init_depths": {"quick": [1, 2, 4], "paper": [1, 2, 4, 8]},
    "init_seeds": {"quick": 20, "paper": 50},               # S20: violation frequencies need >= 20 draws
    "sep_phi": {"quick": 0.25, "paper": 0.25},              # L = 1: in hypothesis (m >= L^4 phi^-4 log(4n^2L/delta))
    "sep_width": {"quick": 4096, "paper": 32768},
    "sep_layers_phis": {"quick": [0.05, 0.2, 0.5], "paper": [0.05, 0.1, 0.2, 0.5]},
    "sep_layers_depth": {"quick": 8, "paper": 16},
    "sep_layers_width": {"quick": 512, "paper": 8192},
    "sep_layers_seeds": {"quick": 5, "paper": 10},
    "nz_widths": {"quick": [64, 256, 1024], "paper": [256, 1024, 4096]},     # Theorem 5.1(iv)
    "nz_depth": {"quick": 2, "paper": 4},
    "nz_scale": {"quick": 1.0, "paper": 1.0},               # m^{3/2} beta = scale log(nL/delta): the hypothesis's edge
    "upper_depths": {"quick": [1, 2, 4, 8], "paper": [1, 2, 4, 8, 16]},
    "upper_width": {"quick": 512, "paper": 4096},
    "upper_n": {"quick": 20, "paper": 100},
    "upper_seeds": {"quick": 5, "paper": 10},
    "margin_ns": {"quick": [20, 80, 320, 1280], "paper": [20, 80, 320, 1280, 5120]},   # 3.5 vs all pairs
    "margin_gamma": {"quick": 0.1, "paper": 0.1},
    "margin_d": {"quick": 3, "paper": 3},                   # a circle: the all-pairs distance visibly shrinks
    # Theorem 5.3 (E5, E2)
    "flip_width": {"quick": 16384, "paper": 65536},
    "flip_taus": {"quick": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], "paper": [3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]},
    "flip_inputs": {"quick": 20, "paper": 100},
    "flip_seeds": {"quick": 5, "paper": 10},
    "qp_width": {"quick": 65536, "paper": 262144},
    "qp_ns": {"quick": [4, 8, 16, 32], "paper": [4, 8, 16, 32, 64]},
    "qp_phis": {"quick": [0.02, 0.05, 0.1, 0.2], "paper": [0.01, 0.02, 0.05, 0.1, 0.2]},
    "qp_n_fixed": {"quick": 16, "paper": 16},
    "qp_phi_fixed": {"quick": 0.1, "paper": 0.1},
    "qp_seeds": {"quick": 5, "paper": 10},
    "lin_widths": {"quick": [64, 128, 256, 512, 1024], "paper": [256, 1024, 4096, 8192]},   # Lemma C.2 (E9)
    "lin_eta_bar": {"quick": 8.0, "paper": 8.0},            # <= 8: the claims map (64 overshoots)
    "lin_seeds": {"quick": 5, "paper": 10},
    # GD (E4, E6)
    "gd_n": {"quick": 20, "paper": 100},
    "gd_phi": {"quick": 0.3, "paper": 0.3},
    "gd_depth": {"quick": 2, "paper": 2},
    "gd_widths": {"quick": [64, 128, 256, 512, 1024], "paper": [256, 512, 1024, 2048, 4096, 8192]},
    "gd_eta_bar": {"quick": 8.0, "paper": 8.0},
    "gd_fixed_step": {"quick": 20, "paper": 20},            # distances at a fixed t = k eta_bar (Lemma 5.5)
    "gd_max_steps": {"quick": 1000, "paper": 5000},
    "gd_seeds": {"quick": 5, "paper": 10},
    "sweep_width": {"quick": 256, "paper": 4096},
    "sweep_phis": {"quick": [0.05, 0.1, 0.2, 0.4], "paper": [0.02, 0.05, 0.1, 0.2, 0.4]},
    "sweep_ns": {"quick": [10, 20, 40], "paper": [20, 50, 100, 200]},
    "sweep_phi_fixed": {"quick": 0.2, "paper": 0.2},
    "sweep_n_fixed": {"quick": 20, "paper": 50},
    # SGD (E7)
    "sgd_n": {"quick": 20, "paper": 100},
    "sgd_phi": {"quick": 0.2, "paper": 0.2},
    "sgd_width": {"quick": 256, "paper": 4096},
    "sgd_batches": {"quick": [20, 10, 4, 1], "paper": [100, 50, 10, 1]},   # B = n is GD
    "sgd_max_steps": {"quick": 3000, "paper": 20000},
    "sgd_streams": {"quick": 10, "paper": 20},               # Lemma 5.6: minibatch streams at one init
    "sgd_stream_batch": {"quick": 4, "paper": 10},
    "sgd_stream_steps": {"quick": 100, "paper": 300},
    # eps-dependence (E8)
    "eps_width": {"quick": 128, "paper": 1024},
    "eps_logistic": {"quick": [1e-1, 3e-2, 1e-2, 3e-3], "paper": [1e-1, 3e-2, 1e-2, 3e-3, 1e-3]},
    "eps_sq_hinge": {"quick": [1e-1, 1e-2, 1e-3, 1e-4], "paper": [1e-1, 1e-2, 1e-3, 1e-4, 1e-5]},
    "eps_eta_bar": {"quick": {"logistic": 8.0, "squared_hinge": 2.0}, "paper": {"logistic": 8.0, "squared_hinge": 2.0}},
    "eps_max_steps": {"quick": 8000, "paper": 50000},
}
