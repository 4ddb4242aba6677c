"""The papers' networks with their exact initialisation and scaling, and the activations (once).

``activations``: ReLU, Guo et al.'s rescaled leaky ReLU, softplus, tanh and their derivatives.
``feedforward``: ``TwoLayerNet`` (Du et al.) and ``DeepFCNet`` (fixed input layer A and output layer B;
``DeepFCNet.allen_zhu`` and ``DeepFCNet.guo``). ``two_layer``: Oymak & Soltanolkotabi's network with its
balanced output layer. ``deep_stack``: many deep leaky-ReLU networks in stacked tensors. ``sequence``: Guo et
al.'s Transformer, CNN and LSTM classifiers.
"""

from . import activations, deep_stack, feedforward, sequence, two_layer
from .activations import ACTIVATIONS, activation_pair, get, leaky_relu_scaled, relu, softplus
from .deep_stack import DeepEnsemble
from .feedforward import DeepFCNet, TwoLayerNet, check_size
from .sequence import LeakyHead, LSTMClassifier, PatchTransformer, Table7CNN
from .two_layer import TwoLayerModule, output_weights

__all__ = ["relu", "leaky_relu_scaled", "softplus", "get", "ACTIVATIONS", "activation_pair", "DeepEnsemble", "check_size", "TwoLayerNet", "DeepFCNet", "LeakyHead", "PatchTransformer", "LSTMClassifier", "Table7CNN", "output_weights", "TwoLayerModule", "activations", "deep_stack", "feedforward", "sequence", "two_layer"]
