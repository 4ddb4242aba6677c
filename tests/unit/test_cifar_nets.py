"""The CIFAR networks of [58] (Allen-Zhu, Li & Song's Figures 1-7): layouts, sizes, initialisation."""

import math

import pytest
import torch
from torch import nn

from overparam.nets.cifar_nets import Bottleneck, CifarResNet, cifar_net, count_parameters


@pytest.mark.parametrize("name,params", [("resnet32", 466_906), ("resnet110", 1_704_154), ("resnet8", 78_042),
                                         ("vgg19_bn", 20_040_522)])
def test_parameter_counts_match_the_reference_code(name, params):
    # [58]'s README: ResNet-110 1.70M, VGG19-BN 20.04M (10 classes); ResNet-32 and -8 by the same layout
    assert count_parameters(cifar_net(name)) == params


def test_resnet_layout_follows_the_depth_rule():
    r110 = CifarResNet(110)
    assert r110.block == "Bottleneck" and len(r110.layer1) == 18 and r110.fc.in_features == 256
    r32 = CifarResNet(32)
    assert r32.block == "BasicBlock" and len(r32.layer3) == 5 and r32.fc.in_features == 64
    convs = sum(isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) for m in r32.modules())
    assert convs == 31  # 6k + 1 3x3 convolutions, plus the fc layer: depth 32
    assert isinstance(r110.layer2[0], Bottleneck) and r110.layer2[0].downsample is not None
    with pytest.raises(ValueError, match="6k \\+ 2"):
        CifarResNet(30)
    with pytest.raises(ValueError, match="unknown architecture"):
        cifar_net("densenet")


@pytest.mark.parametrize("name,shape,ch", [("resnet8", (28, 28), 1), ("resnet32", (32, 32), 3),
                                           ("vgg19_bn", (32, 32), 3), ("resnet110", (32, 32), 3)])
def test_forward_shapes(name, shape, ch):
    net = cifar_net(name, 100, in_channels=ch).eval()
    with torch.no_grad():
        out = net(torch.randn(2, ch, *shape))
    assert out.shape == (2, 100) and torch.isfinite(out).all()


def test_initialisation_is_he_normal_by_fan_out_and_seeded():
    net = cifar_net("resnet32", generator=torch.Generator().manual_seed(0))
    w = net.layer3[1].conv1.weight
    assert float(w.std()) == pytest.approx(math.sqrt(2 / (9 * 64)), rel=0.05)
    bn = net.layer2[0].bn1
    assert torch.equal(bn.weight, torch.ones_like(bn.weight)) and torch.equal(bn.bias, torch.zeros_like(bn.bias))
    again = cifar_net("resnet32", generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters()))
    vgg = cifar_net("vgg19_bn", generator=torch.Generator().manual_seed(0))
    assert float(vgg.classifier.weight.std()) == pytest.approx(0.01, rel=0.05)
    assert float(vgg.classifier.bias.abs().max()) == 0.0


def test_width_scales_the_stages():
    net = cifar_net("resnet8", in_channels=1, width=8)
    assert net.conv1.out_channels == 8 and net.layer3[0].conv1.out_channels == 32 and net.fc.in_features == 32
