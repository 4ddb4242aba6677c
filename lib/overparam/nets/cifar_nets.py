"""The CIFAR networks of Allen-Zhu, Li & Song's Figures 1-7, as in the training code they cite ([58]).

The paper's landscapes come from Wei Yang's ``pytorch-classification`` (its reference [58], "the training
code is unchanged"): VGG19 with BatchNorm, ResNet-32 and ResNet-110 for CIFAR. This module rebuilds those
three with that code's layouts and initialisations:

* ``CifarResNet(depth)``: the depth 6k+2 ResNet of He et al.'s CIFAR section with k blocks per stage,
  BasicBlocks below depth 44 and Bottlenecks from 44 on (exactly [58]'s rule, so that its "ResNet-110" has
  18 Bottlenecks per stage, 164 weight layers), stage widths 16/32/64 (times ``width / 16``), option-B shortcuts (1x1
  convolution + BatchNorm where the shape changes), global average pooling, one linear layer. Convolutions
  are drawn from N(0, 2 / (k^2 out_channels)), BatchNorm starts at weight 1, bias 0; the linear layer keeps
  PyTorch's default. ResNet-32 is BasicBlock x 5 per stage (0.46M parameters), ResNet-110 Bottleneck x 18
  per stage with a 256-dimensional last layer (1.70M; [58]'s README). ResNet-8 (BasicBlock x 1 per stage)
  is the quick profile's stand-in; ``in_channels=1`` takes 28x28 MNIST (the average pooling is adaptive,
  so 28x28 inputs end in 7x7 maps where 32x32 ones end in 8x8).
* ``VGGBN("vgg19_bn")``: configuration E (16 convolutions) with BatchNorm after each, five max-pools, a
  single linear classifier on the 512 features (20.04M parameters for 10 classes, [58]'s README), conv
  weights N(0, 2 / (k^2 out_channels)) and biases 0, linear weights N(0, 0.01^2) and biases 0.

``cifar_net(name, num_classes, in_channels)`` builds one by name (``ARCHITECTURES``). The networks return
logits (the trainer applies the cross-entropy).
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["ARCHITECTURES", "VGGBN", "BasicBlock", "Bottleneck", "CifarResNet", "cifar_net", "count_parameters"]


def _conv_init(m: nn.Conv2d, generator: torch.Generator | None) -> None:
    n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
    with torch.no_grad():
        m.weight.normal_(0.0, math.sqrt(2.0 / n), generator=generator)
        if m.bias is not None:
            m.bias.zero_()


def _init(model: nn.Module, generator: torch.Generator | None, linear_std: float | None) -> None:
    """[58]'s initialisation: convolutions He-normal by fan-out, BatchNorm (1, 0), linear as stated."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            _conv_init(m, generator)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            with torch.no_grad():
                if linear_std is None:  # PyTorch's default, drawn from the generator
                    bound = 1.0 / math.sqrt(m.in_features)
                    m.weight.uniform_(-bound, bound, generator=generator)
                    m.bias.uniform_(-bound, bound, generator=generator)
                else:
                    m.weight.normal_(0.0, linear_std, generator=generator)
                    m.bias.zero_()


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and ReLU, plus the identity (or a 1x1 projection)."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        out = planes * self.expansion
        self.downsample = (nn.Sequential(nn.Conv2d(inplanes, out, 1, stride, bias=False), nn.BatchNorm2d(out))
                           if stride != 1 or inplanes != out else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + res)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 expand (x4), each with BatchNorm, plus the identity (or a 1x1 projection)."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU()
        out = planes * self.expansion
        self.downsample = (nn.Sequential(nn.Conv2d(inplanes, out, 1, stride, bias=False), nn.BatchNorm2d(out))
                           if stride != 1 or inplanes != out else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + res)


class CifarResNet(nn.Module):
    """The CIFAR ResNet of [58]: depth 6k+2, k BasicBlocks (depth < 44) or k Bottlenecks per stage.

    Parameters
    ----------
    depth : int
        6k+2 (8, 20, 32, 44, 56, 110, ...): k blocks per stage, Bottlenecks from 44 on.
    num_classes : int
        Outputs (logits).
    in_channels : int
        3 for CIFAR, 1 for MNIST.
    width : int
        Channels of the first stage (16 in [58]); the stages have width, 2 width, 4 width.
    generator : torch.Generator, optional
        Draws the initial weights.
    """

    def __init__(self, depth: int, num_classes: int = 10, *, in_channels: int = 3, width: int = 16,
                 generator: torch.Generator | None = None):
        super().__init__()
        if (depth - 2) % 6 or depth < 8:
            raise ValueError(f"a CIFAR ResNet has depth 6k + 2 (8, 14, 20, 32, 44, 56, 110, ...), not {depth}")
        block, k = (Bottleneck if depth >= 44 else BasicBlock), (depth - 2) // 6  # [58]'s rule, k blocks/stage
        self.depth, self.block = depth, block.__name__
        self.inplanes = width
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.layer1 = self._stage(block, width, k, 1)
        self.layer2 = self._stage(block, 2 * width, k, 2)
        self.layer3 = self._stage(block, 4 * width, k, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width * block.expansion, num_classes)
        _init(self, generator, None)

    def _stage(self, block, planes: int, k: int, stride: int) -> nn.Sequential:
        layers = []
        for i in range(k):
            layers.append(block(self.inplanes, planes, stride if i == 0 else 1))
            self.inplanes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


_VGG_CFG = {
    "vgg11_bn": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg19_bn": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
                 512, 512, 512, 512, "M"],
}


class VGGBN(nn.Module):
    """VGG with BatchNorm for 32x32 images, as in [58]: the convolutional stack and one linear layer.

    Parameters
    ----------
    name : {"vgg19_bn", "vgg11_bn"}
        The configuration (E, 16 convolutions; A, 8 convolutions).
    num_classes : int
        Outputs (logits).
    in_channels : int
        Input channels.
    generator : torch.Generator, optional
        Draws the initial weights.
    """

    def __init__(self, name: str = "vgg19_bn", num_classes: int = 10, *, in_channels: int = 3,
                 generator: torch.Generator | None = None):
        super().__init__()
        if name not in _VGG_CFG:
            raise ValueError(f"unknown VGG {name!r}; valid: {', '.join(_VGG_CFG)}")
        layers, c = [], in_channels
        for v in _VGG_CFG[name]:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU()]
                c = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(512, num_classes)
        _init(self, generator, 0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


#: The architectures ``cifar_net`` builds, by the names the paper's figures use.
ARCHITECTURES = ("vgg19_bn", "resnet32", "resnet110", "resnet8", "resnet20", "vgg11_bn")


def cifar_net(name: str, num_classes: int = 10, *, in_channels: int = 3, width: int = 16,
              generator: torch.Generator | None = None) -> nn.Module:
    """One of ``ARCHITECTURES`` by name ("resnet<depth>" for any valid depth, "vgg19_bn").

    Parameters
    ----------
    name : str
        "vgg19_bn", "vgg11_bn" or "resnet<depth>" (8, 32, 110, ...).
    num_classes, in_channels : int
        Outputs and input channels.
    width : int
        First-stage channels of a ResNet (16 in [58]; ignored by VGG).
    generator : torch.Generator, optional
        Draws the initial weights.

    Returns
    -------
    torch.nn.Module
        Maps (N, in_channels, H, W) images to (N, num_classes) logits.
    """
    if name.startswith("vgg"):
        return VGGBN(name, num_classes, in_channels=in_channels, generator=generator)
    if name.startswith("resnet") and name[6:].isdigit():
        return CifarResNet(int(name[6:]), num_classes, in_channels=in_channels, width=width, generator=generator)
    raise ValueError(f"unknown architecture {name!r}; valid: {', '.join(ARCHITECTURES)} (or resnet<6k+2>)")


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
