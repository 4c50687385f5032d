"""An encoder for inversion: a face -> the latent z (and the class) that make G draw it.

The body is the report's discriminator run in reverse of G (strided convolutions, BatchNorm,
LeakyReLU), with a linear head for z and one for the class logits. It gives an instant first guess
that a short optimisation then refines (facegan.editing.inversion).
"""

from __future__ import annotations

import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, image_size: int = 48, channels: int = 1, nz: int = 100, num_classes: int = 7, ndf: int = 64) -> None:
        super().__init__()
        self.image_size, self.channels, self.nz, self.num_classes = image_size, channels, nz, num_classes
        self.body = nn.Sequential(
            nn.Conv2d(channels, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(),
        )
        side = image_size // 16
        self.to_z = nn.Linear(ndf * 8 * side * side, nz)
        self.to_class = nn.Linear(ndf * 8 * side * side, max(num_classes, 1))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """images (N, C, H, W) in [-1, 1] -> z (N, nz) and class logits (N, num_classes)."""
        features = self.body(images)
        return self.to_z(features), self.to_class(features)
