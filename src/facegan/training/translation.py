"""One iteration of the expression translator (StarGAN's losses with GANimation's attention mask).

D learns, as for the conditional DCGAN, to tell real faces (with their own class) from translated ones
(with their target class), through its projection term, and to classify the real faces (its auxiliary
classifier). The translator G then learns four things at once:
- realism: D scores G(x, t) as a real face of class t;
- the class: D's classifier calls G(x, t) class t;
- the person: translated back, G(G(x, t), s) returns x (the cycle, L1);
- restraint: the mask keeps most of the face (the mean of 1 - A, GANimation's sparsity) and changes
  smoothly (total variation of A), so only what the expression needs is repainted.
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import partial
from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F

from facegan.config import Recipe
from facegan.models.translator import composite
from facegan.training.augment import diff_augment
from facegan.training.ema import WeightAverage
from facegan.models import to_model_range
from facegan.training.step import balancing_weights, d_loss, g_loss


def other_classes(sources: torch.Tensor, classes: int) -> torch.Tensor:
    """A target for every face, uniform over the classes other than its own."""
    return (sources + torch.randint(1, classes, sources.shape, device=sources.device)) % classes


def smoothness(mask: torch.Tensor) -> torch.Tensor:
    """Mean total variation of a mask: how much it changes from pixel to pixel."""
    return (mask[..., 1:, :] - mask[..., :-1, :]).abs().mean() + (mask[..., :, 1:] - mask[..., :, :-1]).abs().mean()


def cycle_loss(faces: torch.Tensor, returned: torch.Tensor) -> torch.Tensor:
    """L1 between the faces and their round trip G(G(x, t), s): zero for a perfect inverse."""
    return (returned.float() - faces.float()).abs().mean()


Draw = Callable[[nn.Module, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
"""(G, faces, targets) -> the faces turned to the targets, and G's own output (the mask, or the field)."""
Restraint = Callable[[torch.Tensor, nn.Module, torch.Tensor, torch.Tensor, torch.Tensor, Recipe], torch.Tensor]
"""(G's loss so far, G, its own output, faces, sources, recipe) -> that loss with the terms that keep G's edit small."""


def paint(translator: nn.Module, real: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """GANimation's composite of the face and the colour map through the mask; G's own output is the mask."""
    mask, colour = translator(real, targets, maps=True)
    return composite(real, mask, colour), mask


def mask_restraint(loss: torch.Tensor, translator: nn.Module, mask: torch.Tensor, real: torch.Tensor, sources: torch.Tensor,
                   recipe: Recipe) -> torch.Tensor:
    """The share of the face the mask repaints, and how much the mask changes from pixel to pixel."""
    return loss + recipe.mask_loss * (1 - mask.float()).mean() + recipe.mask_smoothness * smoothness(mask.float())


def translator_step(translator: nn.Module, discriminator: nn.Module, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
                    real_uint8: torch.Tensor, sources: torch.Tensor, targets: torch.Tensor, recipe: Recipe, bf16: bool = False,
                    class_weights: torch.Tensor | None = None, draw: Draw = paint, restraint: Restraint = mask_restraint) -> torch.Tensor:
    """Update D, then G, as the recipe weighs the terms. Returns [loss_D, loss_G, D(x), D(G(x, t))] as a
    device tensor, without syncing. D's classifier weighs each real face by `class_weights` of its class, if given.
    `draw` and `restraint` make it the step of either translator (facegan.training.warping for the warp)."""
    device = real_uint8.device
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, cache_enabled=False) if bf16 else nullcontext()
    # No cutout: a hidden half face starved D's classifier, and G's edits with it (measured: with cutout,
    # G still returned its input unchanged after two epochs).
    seen = partial(diff_augment, with_cutout=False) if recipe.augment else (lambda images: images)
    real = to_model_range(real_uint8).contiguous(memory_format=torch.channels_last)
    plain_g = getattr(translator, "module", translator)

    opt_d.zero_grad(set_to_none=True)
    with autocast:
        logits_real, classes_real = discriminator(seen(real), sources, with_classes=True)
        loss_real = d_loss(logits_real, True, recipe.loss)
        loss_real = loss_real + recipe.class_loss * F.cross_entropy(classes_real.float(), sources, class_weights)
    loss_real.backward()
    with autocast:
        fake, output = draw(translator, real, targets)
        logits_fake = discriminator(seen(fake.detach()), targets)
        loss_fake = d_loss(logits_fake, False, recipe.loss)
    loss_fake.backward()
    opt_d.step()

    # G's step needs gradients through D, not of D's weights: skip those (and, under DDP, their all-reduce).
    plain_d = getattr(discriminator, "module", discriminator)
    plain_d.requires_grad_(False)
    opt_g.zero_grad(set_to_none=True)
    with autocast:
        logits_g, classes_fake = plain_d(seen(fake), targets, with_classes=True)
        returned = plain_g(fake, sources)  # the cycle; G's gradient hooks fire once for both passes
        loss_g = (g_loss(logits_g, recipe.loss)
                  + recipe.class_loss * F.cross_entropy(classes_fake.float(), targets)
                  + recipe.cycle_loss * cycle_loss(real, returned))
        loss_g = restraint(loss_g, plain_g, output, real, sources, recipe)
    loss_g.backward()
    plain_d.requires_grad_(True)
    opt_g.step()

    with torch.no_grad():
        return torch.stack([loss_real + loss_fake, loss_g, logits_real.float().sigmoid().mean(), logits_fake.float().sigmoid().mean()])


def make_translator_step(translator: nn.Module, discriminator: nn.Module, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
                         images: torch.Tensor, labels: torch.Tensor, classes: int, recipe: Recipe, bf16: bool,
                         average: WeightAverage | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function (batch indices into `images`) -> stats that runs one iteration, every face turned
    to a random other class."""
    class_weights = balancing_weights(labels, classes) if recipe.balanced_class_loss else None

    def run(indices: torch.Tensor) -> torch.Tensor:
        sources = labels[indices]
        stats = translator_step(translator, discriminator, opt_g, opt_d, images[indices], sources, other_classes(sources, classes),
                                recipe, bf16, class_weights)
        if average is not None:
            average.update(getattr(translator, "module", translator))
        return stats

    return run
