"""The papers' networks with their exact initialisation and scaling, and the activations (once).

One subpackage holds every network so that each paper's architecture, initialisation and parameter
scaling is written once and every experiment, trainer and test builds the same object:

* ``activations``: ReLU, Guo et al.'s rescaled leaky ReLU, softplus, tanh and their derivatives, with one
  convention at the kink (sigma'(0) = the right slope).
* ``feedforward``: ``TwoLayerNet`` (Du et al. 2019) and ``DeepFCNet`` (fixed input layer A and output
  layer B; ``DeepFCNet.allen_zhu`` for Allen-Zhu, Li & Song 2019, ``DeepFCNet.guo`` for Guo, Li &
  Lerman 2024, Algorithm 1).
* ``two_layer``: Oymak & Soltanolkotabi's (2020) network, eq. (1.1), with its balanced output layer.
* ``deep_stack``: many deep leaky-ReLU networks in stacked tensors.
* ``sequence``: Guo et al.'s Transformer, CNN and LSTM classifiers.
"""

from . import activations, deep_ntk, deep_stack, feedforward, sequence, two_layer
from .activations import ACTIVATIONS, activation_pair, get, leaky_relu_scaled, relu, softplus
from .deep_stack import DeepEnsemble
from .feedforward import DeepFCNet, TwoLayerNet, check_size
from .sequence import LeakyHead, LSTMClassifier, PatchTransformer, Table7CNN
from .two_layer import TwoLayerModule, output_weights

__all__ = ["ACTIVATIONS", "DeepEnsemble", "DeepFCNet", "LSTMClassifier", "LeakyHead", "PatchTransformer", "Table7CNN", "TwoLayerModule", "TwoLayerNet", "activation_pair", "activations", "check_size", "deep_ntk", "deep_stack", "feedforward", "get", "leaky_relu_scaled", "output_weights", "relu", "sequence", "softplus", "two_layer"]
