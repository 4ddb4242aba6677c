"""The Noy et al. chapter's size table: every size under the quick profile and at the paper's scale.

A "paper" value is the paper's own where it states one (Section 6, Appendix 9; Figure 2a: (n, d) = (100, 200),
4 layers, widths n^2 L, (n^2 L)^p, n L; SGEMM: width 4,096, depth 10; CIFAR-10: Table 2's depths and widths,
80 epochs with the switch at 40), otherwise the reading notes' experiment at a GPU's scale. The quick value
keeps the protocol at CPU size.
"""

from __future__ import annotations

__all__ = ["SIZES"]

SIZES = {  # name: {profile: value}
    # Theorem 2 (E1): the transform
    "t2_width": {"quick": 64, "paper": 1024},
    "t2_depth": {"quick": 3, "paper": 4},
    "t2_dx": {"quick": 32, "paper": 128},
    "t2_ratios": {"quick": [0.0625, 0.125, 0.25, 0.5, 1, 2, 4], "paper": [0.0625, 0.125, 0.25, 0.5, 1, 2, 4]},
    "t2_train_steps": {"quick": 50, "paper": 500},
    "t2_seeds": {"quick": 3, "paper": 3},
    # Theorem 1 (E2, E3): log-time at m = n^2 L
    "t1_ns": {"quick": [4, 6, 8, 12], "paper": [4, 8, 16, 32, 64]},
    "t1_depth": {"quick": 4, "paper": 4},
    "t1_dx": {"quick": 128, "paper": 256},
    "t1_eps": {"quick": 1e-4, "paper": 1e-6},
    "t1_max_steps": {"quick": 3000, "paper": 5000},
    "t1_seeds": {"quick": 5, "paper": 5},
    # Lemma 4 / Theorem 6 (E5): the gating stream at initialisation
    "gate_widths": {"quick": [512, 1024], "paper": [512, 2048, 8192]},
    "gate_depth": {"quick": 12, "paper": 16},
    "gate_n": {"quick": 16, "paper": 16},
    "gate_dx": {"quick": 32, "paper": 32},
    "corr_widths": {"quick": [256, 512, 1024, 2048], "paper": [256, 1024, 4096, 16384]},
    "corr_n": {"quick": 16, "paper": 16},
    "gate_seeds": {"quick": 5, "paper": 5},
    "corr_seeds": {"quick": 5, "paper": 5},
    # bound (5), Theorem 3, Theorem 5 (E4, E6, E7)
    "lazy_widths": {"quick": [64, 128, 256, 512, 1024], "paper": [64, 128, 256, 512, 1024, 2048, 4096]},
    "lazy_nets": {"quick": ["grelu"], "paper": ["grelu", "relu"]},
    "lazy_n": {"quick": 4, "paper": 4},
    "lazy_depth": {"quick": 4, "paper": 4},
    "lazy_dx": {"quick": 32, "paper": 32},
    "lazy_eps": {"quick": 1e-3, "paper": 1e-6},
    "lazy_seeds": {"quick": 5, "paper": 5},
    # Figure 2a (E9) on the Ackley-like set
    "f2a_n": {"quick": 8, "paper": 100},
    "f2a_d": {"quick": 64, "paper": 200},
    "f2a_depth": {"quick": 4, "paper": 4},
    "f2a_widths": {"quick": [32, 64, 128, 256], "paper": [400, 1000, 4000, 40000]},   # nL, (n^2 L)^p, n^2 L
    "f2a_steps": {"quick": 300, "paper": 1000},
    "f2a_seeds": {"quick": 5, "paper": 5},
    # Figures 2b/2c, 4, 5 (E10): SGEMM or the bundled stand-in
    "tab_data": {"quick": "diabetes (scikit-learn, stand-in for SGEMM)", "paper": "SGEMM (UCI, from data/sgemm)"},
    "tab_source": {"quick": "diabetes", "paper": "sgemm"},
    "tab_n": {"quick": 128, "paper": 20000},
    "tab_n_val": {"quick": 100, "paper": 10000},
    "tab_width": {"quick": 96, "paper": 4096},
    "tab_depth": {"quick": 6, "paper": 10},
    "tab_steps": {"quick": 150, "paper": 2000},
    "tab_record_every": {"quick": 10, "paper": 50},
    "tab_eta_factors": {"quick": [1.0, 4.0], "paper": [0.5, 1.0, 2.0, 4.0]},
    "tab_seeds": {"quick": 5, "paper": 5},
    # Figure 3a / Table 2 and Figures 3b/3c (E11): CIFAR-10 or digits
    "img_data": {"quick": "digits (scikit-learn, stand-in for CIFAR-10)", "paper": "CIFAR-10"},
    "img_source": {"quick": "digits", "paper": "cifar10"},
    "img_n": {"quick": 128, "paper": 5000},
    "img_n_test": {"quick": 500, "paper": 10000},
    "t2_configs": {"quick": [[4, 128], [6, 128]], "paper": [[6, 10000], [7, 10000], [4, 15000]]},
    "img_epochs": {"quick": 10, "paper": 80},
    "img_batch": {"quick": 32, "paper": 500},
    "img_eta_factor": {"quick": 1.0, "paper": 1.0},
    "img_seeds": {"quick": 5, "paper": 5},
    "switch_width": {"quick": 256, "paper": 10000},
    "switch_depth": {"quick": 4, "paper": 6},
    "switch_epochs": {"quick": 16, "paper": 80},
    "switch_at": {"quick": 8, "paper": 40},
    # Remark 3 (bias shifts, dying units) at initialisation
    "r3_width": {"quick": 256, "paper": 1024},
    "r3_depth": {"quick": 10, "paper": 30},
    "r3_n": {"quick": 16, "paper": 64},
    # Section 4.4 (E12)
    "cost_n": {"quick": 256, "paper": 4096},
    "cost_width": {"quick": 512, "paper": 8192},
    "cost_depth": {"quick": 4, "paper": 4},
    "cost_repeats": {"quick": 5, "paper": 20},
    # Table 1 evaluated at
    "table1_n": {"quick": 100, "paper": 100},
    "table1_depth": {"quick": 4, "paper": 4},
}
