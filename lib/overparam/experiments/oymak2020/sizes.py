"""The chapter's sizes under each profile, and Figure 2's protocol constants.

``SIZES`` maps each size to its value under the ``quick`` profile (a laptop CPU, minutes) and the
``paper`` profile (the paper's own protocol where the paper has one: Figure 2 of Oymak & Soltanolkotabi
(2020), Section 4). The chapter hands it to ``Chapter(sizes=...)`` and shows it with
``ch.sizes_table()``.
"""

from __future__ import annotations

__all__ = ["ETA", "SIZES"]

# Figure 2's step sizes (Section 4): eta = 0.15 for softplus, 0.1 for ReLU, on the sum loss.
ETA: dict[str, float] = {"softplus": 0.15, "relu": 0.1}

SIZES: dict[str, dict[str, object]] = {  # name: {profile: value}
    # meta-theorem on one problem (n, d), trained at several widths k with the theorem's step
    "meta_n": {"quick": 20, "paper": 20},
    "meta_d": {"quick": 10, "paper": 10},
    "meta_k": {"quick": [10, 100, 1000, 4000], "paper": [10, 100, 1000, 10000, 30000]},
    "meta_steps": {"quick": 2000, "paper": 20000},
    "meta_checkpoint_every": {"quick": 100, "paper": 250},
    "scan_log2_k": {"quick": list(range(17)), "paper": list(range(19))},  # sigma_min(J0) against kd
    "scan_d": {"quick": [5, 10], "paper": [5, 10, 20]},
    "scan_seeds": {"quick": 3, "paper": 10},
    "mc_samples": {"quick": 40_000, "paper": 1_000_000},   # Monte Carlo draws for softplus lambda(X)
    # separated data (Thm 2.5, Thm I.1): n sphere points, one pair of them at separation delta in [1e-3, 1]
    "sep_n": {"quick": 30, "paper": 30},
    "sep_d": {"quick": 10, "paper": 10},
    "sep_deltas": {"quick": 13, "paper": 31},           # points of the log grid on [1e-3, 1]
    "sep_draws": {"quick": 2, "paper": 10},             # independent backgrounds
    # iterations to relative error eps against n/d (Cor 2.2 / 2.4), kd = 20 n, theorem step and a fixed step;
    # four n/d levels over almost a decade, every cell inside the corollaries' d <= n <= c d^2 with
    # n <= d(d + 1) / 4 (sigma_min(X * X) bounded away from 0)
    "rate_grid": {"quick": [(40, 40), (80, 40), (160, 40), (320, 40)],
                  "paper": [(40, 40), (80, 40), (160, 40), (320, 40), (80, 80), (160, 80), (320, 80), (640, 80)]},
    "rate_kd_over_n": {"quick": 20, "paper": 20},  # k = 20 at n = d = 40 (10 units can stall)
    "rate_activations": {"quick": ["relu"], "paper": ["relu", "softplus"]},
    "rate_realizations": {"quick": 3, "paper": 10},
    "rate_eps": {"quick": 1e-3, "paper": 1e-3},
    "rate_eta_fixed": {"quick": 0.15, "paper": 0.15},
    "rate_budget": {"quick": 30000, "paper": 100000},
    # SGD against GD (Thm 2.6)
    "sgd_k": {"quick": 200, "paper": 1000},
    "sgd_realizations": {"quick": 3, "paper": 20},
    "sgd_epochs": {"quick": 200, "paper": 1000},
    # Figure 2: the paper's protocol
    "fig2_n": {"quick": [100], "paper": [100, 200]},
    "fig2_grid": {"quick": [4, 8, 12, 16, 20, 24], "paper": list(range(1, 26))},
    "fig2_realizations": {"quick": 5, "paper": 10},  # >= 5: real_data_boundary orders two boundaries
    "fig2_budget": {"quick": 15000, "paper": 15000},
    "fig2_tol": {"quick": 2.5e-3, "paper": 2.5e-3},
    "fig2_budgets_shown": {"quick": [1500, 3000, 7500, 15000], "paper": [1500, 3000, 7500, 15000, 30000]},
    # random features (paper's Section 3, Thm 3.2): lambda_min(Phi Phi^T)/k against k, and least squares over (k, d)
    "rf_n": {"quick": 100, "paper": 100},
    "rf_d": {"quick": [10, 25], "paper": [10, 25]},
    "rf_k": {"quick": [50, 90, 100, 110, 150, 200, 400, 1000, 4000],
             "paper": [50, 90, 100, 110, 150, 200, 400, 1000, 4000]},
    "rf_draws": {"quick": 3, "paper": 3},
    "rf_grid_k": {"quick": [25, 50, 75, 90, 99, 100, 101, 110, 150, 200],
                  "paper": [10, 25, 50, 75, 90, 95, 99, 100, 101, 105, 110, 125, 150, 200, 300]},
    "rf_grid_realizations": {"quick": 3, "paper": 10},
    # beyond the paper: real inputs (MNIST subset, principal components) with random labels
    "real_activations": {"quick": ["softplus"], "paper": ["softplus", "relu"]},
    "real_grid": {"quick": [4, 8, 12, 16, 20, 24], "paper": list(range(1, 26))},
    "real_realizations": {"quick": 5, "paper": 10},
}
