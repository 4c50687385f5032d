"""The warp translator: a face and a target class in, a displacement field out, so the edit moves the
face's own pixels instead of painting new ones (Geng et al. 2018's warp-guided GAN; DeepWarp).

G has the translator's body (facegan.models.translator: the face and class planes in, residual blocks
whose normalisation the class sets) but ends at a quarter of the face's size in a two-channel field:
for each point of a coarse grid, where in the face, in pixels, its content comes from. The grid is a
quarter of the side (12x12 for FER2013), so the field is smooth by construction; it is upsampled
bilinearly, faded out at the face's border, and the face is resampled by it. The same field, read on
the same grid, moves a photo's pixels at the photo's own resolution (facegan.editing.warp).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from facegan.editing.align import face_region
from facegan.models.dcgan import Discriminator, build_discriminator
from facegan.models.translator import TranslatorBody

REACH = 3.0
"""The longest move G can ask for, in pixels of a 48-pixel face: twice the geometry engine's largest mean move
(a mouth corner going to happy). At 6 pixels, after 1,200 iterations, G stretched the eyes for disgust and
surprise into shapes no face has (docs/results.md)."""


class WarpTranslator(TranslatorBody):
    """G(face, target) -> a backward field (N, 2, s/4, s/4) in pixels, at most REACH long."""

    def __init__(self, image_size: int = 48, channels: int = 1, num_classes: int = 7, width: int = 32, blocks: int = 4) -> None:
        super().__init__(image_size, channels, num_classes, width, blocks)
        self.head = nn.Conv2d(4 * width, 2, 3, 1, 1)
        nn.init.zeros_(self.head.weight)  # a fresh G moves nothing
        nn.init.zeros_(self.head.bias)
        axis = torch.arange(image_size, dtype=torch.float32)
        xs, ys = np.meshgrid(axis.numpy(), axis.numpy())
        self.register_buffer("fade", torch.from_numpy(face_region(xs, ys, image_size))[None, None], persistent=False)
        self.register_buffer("base", torch.stack(torch.meshgrid(axis, axis, indexing="xy"), -1)[None], persistent=False)

    def field(self, faces: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """faces (N, C, s, s) in [-1, 1] and targets (N,) -> the coarse field (N, 2, s/4, s/4)."""
        return REACH * torch.tanh(self.head(self.body(faces, targets)).float())

    def forward(self, faces: torch.Tensor, targets: torch.Tensor, field: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The faces turned to `targets` by moving their pixels; with `field`, (faces, field) (one call for DDP)."""
        coarse = self.field(faces, targets)
        moved = warp(faces, coarse, self.fade, self.base)
        return (moved, coarse) if field else moved


def warp(faces: torch.Tensor, coarse: torch.Tensor, fade: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
    """Faces (N, C, s, s) resampled by a coarse backward field (N, 2, g, g), upsampled bilinearly and
    multiplied by `fade` (1, 1, s, s); `base` (1, s, s, 2) holds each pixel's own (x, y)."""
    size = faces.shape[-1]
    dense = F.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False) * fade
    source = base + dense.permute(0, 2, 3, 1)
    grid = (source + 0.5) * (2 / size) - 1  # pixel centres -> grid_sample's [-1, 1] with align_corners=False
    return F.grid_sample(faces.float(), grid, mode="bilinear", padding_mode="border", align_corners=False).to(faces.dtype)


def jacobian_determinant(field: torch.Tensor) -> torch.Tensor:
    """The determinant (N, h-1, w-1) of the map x -> x + field(x) for a backward field (N, 2, h, w) in grid
    cells, by finite differences: how many times its area each cell of the output takes from the input."""
    d_dx = field[..., :, 1:] - field[..., :, :-1]
    d_dy = field[..., 1:, :] - field[..., :-1, :]
    d_dx, d_dy = d_dx[..., :-1, :], d_dy[..., :, :-1]
    return (1 + d_dx[:, 0]) * (1 + d_dy[:, 1]) - d_dy[:, 0] * d_dx[:, 1]


def fold_penalty(field: torch.Tensor) -> torch.Tensor:
    """How much a backward field (N, 2, h, w), in grid cells, folds: the mean of max(0, -det J). Zero for
    any map that keeps the grid's order."""
    return torch.relu(-jacobian_determinant(field)).mean()


def area_penalty(field: torch.Tensor) -> torch.Tensor:
    """How much a backward field (N, 2, h, w), in grid cells, changes areas: the mean of (det J - 1)^2.
    Zero for any shift; squared, so a mouth that opens a little costs little and an eye torn into a slit
    (docs/results.md, session 36) a lot."""
    return (jacobian_determinant(field) - 1).pow(2).mean()


def build_warp_translator(image_size: int, channels: int, num_classes: int, ndf: int = 64,
                          spectral_norm: bool = True) -> tuple[WarpTranslator, Discriminator]:
    """A fresh warp translator and the project's projection discriminator with its auxiliary classifier."""
    return (WarpTranslator(image_size, channels, num_classes),
            build_discriminator(image_size, channels, ndf, num_classes, spectral_norm, class_head=True))
