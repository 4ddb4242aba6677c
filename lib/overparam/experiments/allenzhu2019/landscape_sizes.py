"""The landscape section's size table (Figures 1-7 of Allen-Zhu, Li & Song): quick stand-in and paper scale.

Every key starts with ``landscape_`` so that the chapter can merge this table with the theory part's
(``sizes.SIZES``). "paper" values are the paper's own where it states them (Remark 4: 164 epochs, lr 0.1
divided by 10 at epochs 81 and 122, momentum 0.9, panels at epochs 5, 40, 90, 120, 130, 160) or those of
the training code it used unchanged ([58]: batch 128, weight decay 5e-4 for VGG19-BN and 1e-4 for the
ResNets, crop-and-flip augmentation); every choice the paper leaves open (the panel's grid, units,
smoothing, Oja steps, BatchNorm mode, the set F is evaluated on) is a named row here, stated on the page.
"""

from __future__ import annotations

__all__ = ["SIZES"]

SIZES = {  # name: {profile: value}
    # the runs: (architecture, data set) pairs
    "landscape_archs": {"quick": ["resnet8"], "paper": ["vgg19_bn", "resnet32", "resnet110"]},
    "landscape_datasets": {"quick": ["mnist", "mnist_noisy"], "paper": ["cifar10", "cifar100", "cifar10_noisy"]},
    "landscape_width": {"quick": 8, "paper": 16},            # first-stage channels of the ResNets ([58]: 16)
    "landscape_n_train": {"quick": 768, "paper": None},     # None: all 50,000 training images
    "landscape_n_test": {"quick": 256, "paper": None},       # None: the 10,000 test images
    "landscape_noise": {"quick": 0.2, "paper": 0.2},         # share of labels changed to another class
    # the recipe (Remark 4 and [58])
    "landscape_epochs": {"quick": 16, "paper": 164},
    "landscape_batch": {"quick": 128, "paper": 128},
    "landscape_lr": {"quick": 0.1, "paper": 0.1},
    "landscape_momentum": {"quick": 0.9, "paper": 0.9},
    "landscape_wd": {"quick": 5e-4, "paper": {"vgg19_bn": 5e-4, "resnet32": 1e-4, "resnet110": 1e-4}},
    "landscape_augment": {"quick": False, "paper": True},    # crop (pad 4) and flip; never on digits
    # the panels (none of this is in the paper)
    "landscape_n_eval": {"quick": 128, "paper": 2048},       # fixed un-augmented training images F is taken on
    "landscape_n_hvp": {"quick": 64, "paper": 1024},         # the first of those used for Hessian-vector products
    "landscape_chunk": {"quick": 128, "paper": 512},         # images per forward pass
    "landscape_grid": {"quick": 5, "paper": 15},             # points per axis of the 2-D picture
    "landscape_span": {"quick": 10.0, "paper": 10.0},        # picture spans +-span units u = eta_t ||g|| per axis
    "landscape_radii": {"quick": [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100],  # units of u = eta_t ||g||
                        "paper": [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]},
    "landscape_power_steps": {"quick": 5, "paper": 20},      # power iterations for lambda_max (Oja's shift)
    "landscape_oja_steps": {"quick": 10, "paper": 50},
    "landscape_oja_eta": {"quick": 1.0, "paper": 1.0},       # Oja's step, in units of 1 / lambda_max
    "landscape_oja_window": {"quick": 4, "paper": 10},       # convergence: Rayleigh quotient's change over
    "landscape_oja_tol": {"quick": 0.05, "paper": 0.05},     #   the last `window` steps, relative, <= tol
    "landscape_smooth": {"quick": 1e-3, "paper": 1e-3},      # smoothing radius r = smooth * ||W_t||
    "landscape_hvp_method": {"quick": "double_backward", "paper": "func"},
    "landscape_dtype": {"quick": "float32", "paper": "float64"},  # panels (F, H v, Oja); training is float32
    "landscape_rule": {"quick": 10.0, "paper": 10.0},        # the check: r* > rule * eta_t ||g|| at every panel
}
