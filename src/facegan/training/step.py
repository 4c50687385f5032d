"""One DCGAN iteration, as in Radford et al. and pytorch/examples, and the fast ways to run it.

The iteration: a D step on a real batch then a fake batch, then a G step with the non-saturating
loss. Real and fake go through D as separate batches, each followed by its own backward, so every
BatchNorm batch is all-real or all-fake, exactly as in the reference DCGAN (and DDP-safe).

Beyond the report, the same step takes class labels (conditional models), the hinge loss,
differentiable augmentation of everything D sees and a mode-seeking term, and updates an average of
G's weights.

The speed levers live here and change nothing in the maths: bf16 autocast, channels_last (faster for
oneDNN on CPUs and cuDNN on GPUs), data already on the device as uint8, no host syncs, no gradients
of D's weights in G's step, and on CUDA the whole iteration captured once as a CUDA graph and replayed.
"""

from __future__ import annotations

import copy
from contextlib import nullcontext
from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F

from facegan.config import Recipe
from facegan.errors import FaceganError
from facegan.models import to_model_range
from facegan.training.augment import diff_augment
from facegan.training.ema import WeightAverage

loss_fn = nn.BCEWithLogitsLoss()
"""Sigmoid + binary cross-entropy in one stable op (the report's D ends in a Sigmoid, folded in here)."""

REPORT = Recipe.of("report")
WARM_UP_ITERATIONS = 3  # iterations run (and undone) before a CUDA graph is captured


def d_loss(logits: torch.Tensor, real: bool, loss: str) -> torch.Tensor:
    """D's loss on an all-real or all-fake batch: BCE (the report's) or hinge (Lim & Ye 2017, SNGAN)."""
    logits = logits.float()
    if loss == "hinge":
        return torch.relu(1.0 - logits).mean() if real else torch.relu(1.0 + logits).mean()
    return loss_fn(logits, torch.ones_like(logits) if real else torch.zeros_like(logits))


def g_loss(logits: torch.Tensor, loss: str) -> torch.Tensor:
    """G's loss: non-saturating BCE (the report's) or the hinge GAN's -D(G(z))."""
    logits = logits.float()
    return -logits.mean() if loss == "hinge" else loss_fn(logits, torch.ones_like(logits))


def mode_seeking_loss(fake: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Mao et al. 2019 (MSGAN): the batch's two halves are pairs of faces with the same label; G is
    rewarded for making them differ as much as their z do, so no class collapses onto one face."""
    half = fake.shape[0] // 2
    images = (fake[:half].float() - fake[half : 2 * half].float()).abs().mean((1, 2, 3))
    latents = (noise[:half] - noise[half : 2 * half]).abs().mean(1)
    return 1.0 / ((images / latents).mean() + 1e-5)


def paired_labels(labels: torch.Tensor) -> torch.Tensor:
    """The batch's labels with its second half replaced by its first, for mode seeking's pairs."""
    half = labels.shape[0] // 2
    return torch.cat([labels[:half], labels[:half], labels[2 * half :]])


def train_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    real_uint8: torch.Tensor,
    nz: int,
    recipe: Recipe = REPORT,
    bf16: bool = False,
    labels: torch.Tensor | None = None,
    fake_labels: torch.Tensor | None = None,
    class_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Update D, then G, as the recipe says. Returns [loss_D, loss_G, D(x), D(G(z))] as a device tensor, without syncing.

    With labels, generated faces get `fake_labels`, by default the real batch's labels (so every class
    is trained in its proportion of the data), and D scores each image against its label. With a class
    loss, D's auxiliary classifier learns the real faces' classes (each weighted by `class_weights`, if
    given) and G is pushed to make faces it classifies as intended. With mode seeking, generated faces
    come in same-label pairs (see `mode_seeking_loss`)."""
    loss, class_loss, mode_seeking = recipe.loss, recipe.class_loss, recipe.mode_seeking
    device = real_uint8.device
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, cache_enabled=False) if bf16 else nullcontext()
    seen = diff_augment if recipe.augment else (lambda images: images)
    conditioning = () if labels is None else (labels,)
    real = to_model_range(real_uint8).contiguous(memory_format=torch.channels_last)
    noise = torch.randn(real.shape[0], nz, device=device)
    if fake_labels is None:
        fake_labels = labels
    if fake_labels is not None and mode_seeking:
        fake_labels = paired_labels(fake_labels)

    classify = labels is not None and class_loss > 0
    opt_d.zero_grad(set_to_none=True)
    with autocast:
        if classify:
            logits_real, classes_real = discriminator(seen(real), labels, with_classes=True)
            loss_real = d_loss(logits_real, True, loss) + class_loss * F.cross_entropy(classes_real.float(), labels, class_weights)
        else:
            logits_real = discriminator(seen(real), *conditioning)
            loss_real = d_loss(logits_real, True, loss)
    loss_real.backward()
    with autocast:
        fake_conditioning = () if labels is None else (fake_labels,)
        fake = generator(noise, *fake_conditioning)
        logits_fake = discriminator(seen(fake.detach()), *fake_conditioning)
        loss_fake = d_loss(logits_fake, False, loss)
    loss_fake.backward()
    opt_d.step()

    # G's step needs gradients through D, not of D's weights: skip those (and, under DDP, their all-reduce).
    plain_d = getattr(discriminator, "module", discriminator)
    plain_d.requires_grad_(False)
    opt_g.zero_grad(set_to_none=True)
    with autocast:
        if classify:
            logits_g, classes_fake = plain_d(seen(fake), fake_labels, with_classes=True)
            loss_g = g_loss(logits_g, loss) + class_loss * F.cross_entropy(classes_fake.float(), fake_labels)
        else:
            loss_g = g_loss(plain_d(seen(fake), *fake_conditioning), loss)
        if mode_seeking:
            loss_g = loss_g + mode_seeking * mode_seeking_loss(fake, noise)
    loss_g.backward()
    plain_d.requires_grad_(True)
    opt_g.step()

    with torch.no_grad():
        return torch.stack([loss_real + loss_fake, loss_g, logits_real.float().sigmoid().mean(), logits_fake.float().sigmoid().mean()])


def balancing_weights(labels: torch.Tensor, classes: int) -> torch.Tensor:
    """One weight per class, inversely proportional to its share of the data."""
    counts = torch.bincount(labels, minlength=classes).float()
    if (counts == 0).any():
        raise FaceganError(f"--balanced-class-loss needs faces of every class; these data have none of class(es) "
                           f"{(counts == 0).nonzero().flatten().tolist()}")
    return len(labels) / (classes * counts)


def make_optimizers(
    generator: nn.Module, discriminator: nn.Module, lr: float, lr_d: float, betas: tuple[float, float], cuda_graph: bool
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for G and D (lr_d != lr gives Heusel et al.'s two time-scale rule): fused on CUDA, and
    capturable when the iteration is replayed as a CUDA graph."""
    on_cuda = next(generator.parameters()).is_cuda
    extra = dict(fused=True, capturable=cuda_graph) if on_cuda else {}
    return (
        torch.optim.Adam(generator.parameters(), lr=lr, betas=betas, **extra),
        torch.optim.Adam(discriminator.parameters(), lr=lr_d, betas=betas, **extra),
    )


def make_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    images: torch.Tensor,
    labels: torch.Tensor | None,
    nz: int,
    recipe: Recipe,
    bf16: bool,
    cuda_graph: bool,
    average: WeightAverage | None = None,
    classes: int = 0,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function (batch indices into `images`) -> stats that runs one iteration (and updates the
    average of G's weights, if any).

    A conditional model's `labels` are the class of each image, out of `classes`. With the recipe's
    uniform fakes, generated faces draw their class uniformly, so a rare class gets as much of G's
    training as a common one, instead of copying the real batch's labels.

    With `cuda_graph` the iteration is captured once and replayed: one launch instead of hundreds of
    kernels from Python. It needs static shapes (every batch the same size) and capturable optimizers.
    """
    class_weights = balancing_weights(labels, classes) if recipe.balanced_class_loss and labels is not None else None
    uniform_classes = classes if recipe.uniform_fakes else 0
    if images.is_cuda:
        torch.backends.cudnn.benchmark = True  # every batch has the same shape: pick the fastest kernels once

    def run(indices: torch.Tensor) -> torch.Tensor:
        batch_labels = None if labels is None else labels[indices]
        fake_labels = torch.randint(uniform_classes, indices.shape, device=indices.device) if uniform_classes else None
        stats = train_step(generator, discriminator, opt_g, opt_d, images[indices], nz, recipe, bf16, batch_labels, fake_labels,
                           class_weights)
        if average is not None:
            average.update(getattr(generator, "module", generator))
        return stats

    if not cuda_graph:
        return run

    batch_indices = torch.zeros(0, dtype=torch.long, device=images.device)
    static: dict[str, torch.Tensor] = {}
    graph = torch.cuda.CUDAGraph()

    def captured(indices: torch.Tensor) -> torch.Tensor:
        nonlocal batch_indices
        if not static:
            batch_indices = indices.clone()
            models = (generator, discriminator) + ((average.model,) if average else ())
            _warm_up_without_training(lambda: run(batch_indices), models, (opt_g, opt_d))
            if average is not None:
                average.count.sub_(WARM_UP_ITERATIONS)  # the warm-up counted its updates
            with torch.cuda.graph(graph):
                static["stats"] = run(batch_indices)
        batch_indices.copy_(indices)
        graph.replay()
        return static["stats"].clone()

    return captured


def _warm_up_without_training(step: Callable[[], torch.Tensor], models: tuple[nn.Module, ...], optimizers: tuple[torch.optim.Optimizer, ...]) -> None:
    """Run a few iterations on a side stream before capture (cuDNN picks its kernels, optimizer state is
    allocated), then put weights, optimizer state and RNG back in place so the warm-up trains nothing."""
    saved_models = [copy.deepcopy(model.state_dict()) for model in models]
    saved_states = [copy.deepcopy(optimizer.state_dict()["state"]) for optimizer in optimizers]
    rng = torch.cuda.get_rng_state()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(WARM_UP_ITERATIONS):
            step()
    torch.cuda.current_stream().wait_stream(side)
    for model, saved in zip(models, saved_models):
        model.load_state_dict(saved)
    for optimizer, saved in zip(optimizers, saved_states):
        parameters = [p for group in optimizer.param_groups for p in group["params"]]
        for index, parameter in enumerate(parameters):
            for key, value in optimizer.state[parameter].items():  # in place: the graph will point at these
                value.copy_(saved[index][key]) if index in saved else value.zero_()
    torch.cuda.set_rng_state(rng)
