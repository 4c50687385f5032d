"""One DCGAN iteration, as in Radford et al. and pytorch/examples: a D step on real then fake, then a G step."""

from __future__ import annotations

import torch
from torch import nn

loss_fn = nn.BCEWithLogitsLoss()
"""Sigmoid + binary cross-entropy in one stable op (the report's D ends in a Sigmoid, folded in here)."""


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1], the range of G's Tanh."""
    return images.float().div_(127.5).sub_(1.0)


def train_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    real_uint8: torch.Tensor,
    nz: int,
) -> torch.Tensor:
    """Update D, then G with the non-saturating loss. Returns [loss_D, loss_G, D(x), D(G(z))] on the device.

    Real and fake images go through D as separate batches, as in the reference DCGAN, so each BatchNorm
    batch is all-real or all-fake. Nothing here waits for the device.
    """
    real = to_model_range(real_uint8)
    batch = real.shape[0]
    ones = torch.ones(batch, device=real.device)
    zeros = torch.zeros(batch, device=real.device)
    noise = torch.randn(batch, nz, device=real.device)

    opt_d.zero_grad(set_to_none=True)
    logits_real = discriminator(real)
    fake = generator(noise)
    logits_fake = discriminator(fake.detach())
    loss_d = loss_fn(logits_real, ones) + loss_fn(logits_fake, zeros)
    loss_d.backward()
    opt_d.step()

    opt_g.zero_grad(set_to_none=True)
    loss_g = loss_fn(discriminator(fake), ones)
    loss_g.backward()
    opt_g.step()

    with torch.no_grad():
        return torch.stack([loss_d, loss_g, logits_real.sigmoid().mean(), logits_fake.sigmoid().mean()]).float()
