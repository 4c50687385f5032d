"""Differentiable augmentation (Zhao et al. 2020, "DiffAugment"): the discriminator sees real and
generated faces through the same random translation, cutout and colour changes, and the generator's
gradient flows back through them. D can then no longer memorise a few thousand faces, which is what
makes small classes (FER2013's disgust has 436) trainable. Every op works on a batch in [-1, 1].
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def diff_augment(images: torch.Tensor, with_cutout: bool = True) -> torch.Tensor:
    """Brightness, contrast (and saturation for colour), then translation by up to 1/8 of the size,
    then cutout of a square half the size. Each image draws its own parameters."""
    images = translate(adjust_colour(images), ratio=0.125)
    return cutout(images, ratio=0.5) if with_cutout else images


def adjust_colour(images: torch.Tensor) -> torch.Tensor:
    n = images.shape[0]
    draw = lambda: torch.rand(n, 1, 1, 1, device=images.device, dtype=images.dtype)  # noqa: E731
    images = images + (draw() - 0.5)
    if images.shape[1] == 3:
        grey = images.mean(1, keepdim=True)
        images = (images - grey) * (draw() * 2) + grey
    mean = images.mean((1, 2, 3), keepdim=True)
    return (images - mean) * (draw() + 0.5) + mean


def translate(images: torch.Tensor, ratio: float) -> torch.Tensor:
    """Shift each image by whole pixels, filling the uncovered border with zeros (mid-grey)."""
    n, _, height, width = images.shape
    max_dy, max_dx = int(height * ratio + 0.5), int(width * ratio + 0.5)
    dy = torch.randint(-max_dy, max_dy + 1, (n, 1, 1), device=images.device)
    dx = torch.randint(-max_dx, max_dx + 1, (n, 1, 1), device=images.device)
    rows = (torch.arange(height, device=images.device)[None, :, None] + dy + 1).clamp(0, height + 1)
    cols = (torch.arange(width, device=images.device)[None, None, :] + dx + 1).clamp(0, width + 1)
    padded = F.pad(images, (1, 1, 1, 1))  # the one-pixel zero border is where clamped indices land
    flat = rows * (width + 2) + cols  # (n, height, width) positions in each padded image
    gathered = padded.flatten(2).gather(2, flat.flatten(1)[:, None, :].expand(-1, images.shape[1], -1))
    return gathered.view_as(images)


def cutout(images: torch.Tensor, ratio: float) -> torch.Tensor:
    """Zero a square of side ratio x size at a random place in each image (it may hang over the edge)."""
    n, _, height, width = images.shape
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    top = torch.randint(0, height + (1 - size_y % 2), (n, 1, 1), device=images.device) - size_y // 2
    left = torch.randint(0, width + (1 - size_x % 2), (n, 1, 1), device=images.device) - size_x // 2
    rows = torch.arange(height, device=images.device)[None, :, None]
    cols = torch.arange(width, device=images.device)[None, None, :]
    inside = (rows >= top) & (rows < top + size_y) & (cols >= left) & (cols < left + size_x)
    return images * (~inside)[:, None].to(images.dtype)
