"""The expression translator: a face and a target class in, the same face with that class out.

StarGAN (Choi et al. 2018) gives the shape: one generator G(face, target) for every class, trained
against a discriminator that also classifies faces, with a cycle back to the source class so that the
face keeps who it is. GANimation (Pumarola et al. 2018) gives the output: G does not draw the face, it
draws a colour map C and an attention mask A, and the result is A * face + (1 - A) * C. Where A is 1
the photo's own pixel passes through untouched, so only what the expression needs is repainted, and a
photo can be edited at its own resolution by applying A and C, upsampled, to the full-size crop.

The target enters twice: as constant planes next to the image (StarGAN), and as a per-class gain and
bias of every normalisation in the bottleneck, so that the class shapes every residual block.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from facegan.models.dcgan import Discriminator, build_discriminator, embed_labels


class ClassInstanceNorm2d(nn.Module):
    """Instance normalisation whose gain and bias are looked up per target class."""

    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        self.norm = nn.InstanceNorm2d(features, affine=False)
        self.gain = nn.Embedding(num_classes, features)
        self.bias = nn.Embedding(num_classes, features)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        gain, bias = embed_labels(self.gain, labels), embed_labels(self.bias, labels)
        return self.norm(x) * gain[:, :, None, None] + bias[:, :, None, None]


class ResidualBlock(nn.Module):
    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(features, features, 3, 1, 1, bias=False)
        self.norm1 = ClassInstanceNorm2d(features, num_classes)
        self.conv2 = nn.Conv2d(features, features, 3, 1, 1, bias=False)
        self.norm2 = ClassInstanceNorm2d(features, num_classes)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.norm1(self.conv1(x), labels))
        return x + self.norm2(self.conv2(h), labels)


def _down(channels_in: int, channels_out: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(channels_in, channels_out, kernel, stride, (kernel - 1) // 2 if stride == 1 else 1, bias=False),
                         nn.InstanceNorm2d(channels_out, affine=True), nn.ReLU(inplace=True))


def _up(channels_in: int, channels_out: int) -> nn.Sequential:
    """Nearest-neighbour upsampling, then a convolution: unlike a strided transposed convolution, it
    cannot print a checkerboard into the mask (Odena et al. 2016), which showed after a CPU epoch."""
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(channels_in, channels_out, 3, 1, 1, bias=False),
                         nn.InstanceNorm2d(channels_out, affine=True), nn.ReLU(inplace=True))


class TranslatorBody(nn.Module):
    """What both translators share (this one and facegan.models.warp's): the face and constant class planes
    in, two stride-2 convolutions to a quarter of its size, and `blocks` residual blocks there whose
    normalisation the target class sets."""

    def __init__(self, image_size: int, channels: int, num_classes: int, width: int, blocks: int) -> None:
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be divisible by 4, got {image_size}")
        self.image_size, self.channels, self.num_classes = image_size, channels, num_classes
        self.encode = nn.Sequential(_down(channels + num_classes, width, 5, 1), _down(width, 2 * width, 4, 2),
                                    _down(2 * width, 4 * width, 4, 2))
        self.blocks = nn.ModuleList(ResidualBlock(4 * width, num_classes) for _ in range(blocks))

    def body(self, faces: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """faces (N, C, s, s) in [-1, 1] and targets (N,) class indices or (N, classes) weights -> features
        (N, 4 width, s/4, s/4)."""
        onehot = targets if targets.dtype != torch.long else F.one_hot(targets, self.num_classes)
        planes = onehot.to(faces.dtype)[:, :, None, None].expand(-1, -1, *faces.shape[2:])
        x = self.encode(torch.cat([faces, planes], 1))
        for block in self.blocks:
            x = block(x, targets)
        return x


class Translator(TranslatorBody):
    """G(face, target) for faces of `image_size` (divisible by 4) with `channels` channels: the shared body,
    then two upsampling convolutions back to the face's size, ending in the colour map and the mask."""

    def __init__(self, image_size: int = 48, channels: int = 1, num_classes: int = 7, width: int = 32, blocks: int = 4) -> None:
        super().__init__(image_size, channels, num_classes, width, blocks)
        self.decode = nn.Sequential(_up(4 * width, 2 * width), _up(2 * width, width))
        self.colour = nn.Conv2d(width, channels, 5, 1, 2)
        self.attention = nn.Conv2d(width, 1, 5, 1, 2)
        nn.init.constant_(self.attention.bias, 2.0)  # start by keeping most of the face: sigmoid(2) = 0.88

    def maps(self, faces: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """faces (N, C, s, s) in [-1, 1] and targets (N,) class indices or (N, classes) weights ->
        the attention mask A (N, 1, s, s) in (0, 1), 1 keeping the face's pixel, and the colour map
        C (N, C, s, s) in (-1, 1)."""
        x = self.decode(self.body(faces, targets))
        return torch.sigmoid(self.attention(x)), torch.tanh(self.colour(x))

    def forward(self, faces: torch.Tensor, targets: torch.Tensor, maps: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The faces turned to `targets`, in [-1, 1]: A * face + (1 - A) * C; with `maps`, (A, C) instead
        (one call, so that DDP sees a single forward)."""
        mask, colour = self.maps(faces, targets)
        return (mask, colour) if maps else composite(faces, mask, colour)


def composite(faces: torch.Tensor, mask: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
    """GANimation's output: the face where the mask is 1, the colour map where it is 0."""
    return mask * faces + (1 - mask) * colour


def build_translator(image_size: int, channels: int, num_classes: int, ndf: int = 64,
                     spectral_norm: bool = True) -> tuple[Translator, Discriminator]:
    """A fresh translator and the project's projection discriminator with its auxiliary classifier."""
    return Translator(image_size, channels, num_classes), build_discriminator(image_size, channels, ndf, num_classes, spectral_norm, class_head=True)
