"""The report's DCGAN (Radford et al. 2016): generator and discriminator for 64x64 and 48x48 faces.

At 64x64 the layers are exactly the report's section 3 list. At 48x48 the report only says the first
and last layers change: G's first transposed convolution becomes 3x3 (1 -> 3 -> 6 -> 12 -> 24 -> 48)
and D's last convolution becomes 3x3, so every layer in between keeps its shape.

The discriminator returns logits. The report's final Sigmoid is applied inside the loss
(BCEWithLogitsLoss is Sigmoid followed by BCE, computed stably), which is also what lets the same
network run under bf16 autocast.
"""

from __future__ import annotations

import torch
from torch import nn

SUPPORTED_SIZES = (48, 64)


def _edge_kernel(image_size: int) -> int:
    """The kernel of G's first and D's last layer: 4 maps 1x1 <-> 4x4 (64 px), 3 maps 1x1 <-> 3x3 (48 px)."""
    if image_size not in SUPPORTED_SIZES:
        raise ValueError(f"image_size must be one of {SUPPORTED_SIZES}, got {image_size}")
    return 4 if image_size == 64 else 3


class Generator(nn.Module):
    def __init__(self, image_size: int = 64, channels: int = 3, nz: int = 100, ngf: int = 64) -> None:
        super().__init__()
        self.image_size, self.channels, self.nz = image_size, channels, nz
        k = _edge_kernel(image_size)
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, k, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, channels, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """z: (N, nz) or (N, nz, 1, 1) -> images (N, channels, size, size) in [-1, 1]."""
        return self.main(z.view(z.shape[0], self.nz, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, image_size: int = 64, channels: int = 3, ndf: int = 64) -> None:
        super().__init__()
        self.image_size, self.channels = image_size, channels
        k = _edge_kernel(image_size)
        self.main = nn.Sequential(
            nn.Conv2d(channels, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, k, 1, 0, bias=False),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images (N, channels, size, size) in [-1, 1] -> one real/fake logit per image, shape (N,)."""
        return self.main(images).view(-1)


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv weights N(0, 0.02); BatchNorm weights N(1, 0.02) and biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def build_dcgan(image_size: int, channels: int, nz: int = 100, ngf: int = 64, ndf: int = 64) -> tuple[Generator, Discriminator]:
    """A freshly initialised generator and discriminator pair."""
    generator = Generator(image_size, channels, nz, ngf)
    discriminator = Discriminator(image_size, channels, ndf)
    generator.apply(init_weights)
    discriminator.apply(init_weights)
    return generator, discriminator
