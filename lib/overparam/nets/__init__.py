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
* ``allen_zhu_stack``: Allen-Zhu, Li & Song's deep network (ReLU input layer A, trained W_1..W_L, fixed B)
  and its residual variant (Appendix C), many in stacked tensors.
* ``zou``: Zou, Cao, Zhou & Gu's classifier (fan-out initialisation, every layer trained, fixed +-1
  output), many in stacked tensors.
* ``gated``: Noy et al.'s gated ReLU (GReLU) network, its ReLU twin, the transforms between them and the
  NTK Gram in closed form.
* ``cifar_nets``: the ResNets and VGG19-BN of the training code behind Allen-Zhu et al.'s Figures 1-7.
"""

from . import (
    activations,
    allen_zhu_stack,
    cifar_nets,
    deep_ntk,
    deep_stack,
    feedforward,
    gated,
    sequence,
    two_layer,
    zou,
)
from .activations import ACTIVATIONS, activation_pair, get, leaky_relu_scaled, relu, softplus
from .allen_zhu_stack import AllenZhuEnsemble, ResidualEnsemble
from .cifar_nets import VGGBN, CifarResNet, cifar_net
from .deep_stack import DeepEnsemble
from .feedforward import DeepFCNet, TwoLayerNet, check_size
from .gated import GatedNet, eq49_as_printed, grelu_to_relu, relu_to_grelu
from .gated import ntk_gram as gated_ntk_gram
from .sequence import LeakyHead, LSTMClassifier, PatchTransformer, Table7CNN
from .two_layer import TwoLayerModule, output_weights
from .zou import ZouEnsemble

__all__ = ["ACTIVATIONS", "VGGBN", "AllenZhuEnsemble", "CifarResNet", "DeepEnsemble", "DeepFCNet", "GatedNet", "LSTMClassifier", "LeakyHead", "PatchTransformer", "ResidualEnsemble", "Table7CNN", "TwoLayerModule", "TwoLayerNet", "ZouEnsemble", "activation_pair", "activations", "allen_zhu_stack", "check_size", "cifar_net", "cifar_nets", "deep_ntk", "deep_stack", "eq49_as_printed", "feedforward", "gated", "gated_ntk_gram", "get", "grelu_to_relu", "leaky_relu_scaled", "output_weights", "relu", "relu_to_grelu", "sequence", "softplus", "two_layer", "zou"]
