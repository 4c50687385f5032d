"""One DCGAN iteration, as in Radford et al. and pytorch/examples, and the fast ways to run it.

The iteration: a D step on a real batch then a fake batch, then a G step with the non-saturating
loss. Real and fake go through D as separate batches, each followed by its own backward, so every
BatchNorm batch is all-real or all-fake, exactly as in the reference DCGAN (and DDP-safe).

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
    bf16: bool = False,
) -> torch.Tensor:
    """Update D, then G. Returns [loss_D, loss_G, D(x), D(G(z))] as a device tensor, without syncing."""
    device = real_uint8.device
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, cache_enabled=False) if bf16 else nullcontext()
    real = to_model_range(real_uint8).contiguous(memory_format=torch.channels_last)
    batch = real.shape[0]
    ones = torch.ones(batch, device=device)
    zeros = torch.zeros(batch, device=device)
    noise = torch.randn(batch, nz, device=device)

    opt_d.zero_grad(set_to_none=True)
    with autocast:
        logits_real = discriminator(real)
        loss_real = loss_fn(logits_real.float(), ones)
    loss_real.backward()
    with autocast:
        fake = generator(noise)
        logits_fake = discriminator(fake.detach())
        loss_fake = loss_fn(logits_fake.float(), zeros)
    loss_fake.backward()
    opt_d.step()

    # G's step needs gradients through D, not of D's weights: skip those (and, under DDP, their all-reduce).
    plain_d = getattr(discriminator, "module", discriminator)
    plain_d.requires_grad_(False)
    opt_g.zero_grad(set_to_none=True)
    with autocast:
        loss_g = loss_fn(plain_d(fake).float(), ones)
    loss_g.backward()
    plain_d.requires_grad_(True)
    opt_g.step()

    with torch.no_grad():
        return torch.stack([loss_real + loss_fake, loss_g, logits_real.float().sigmoid().mean(), logits_fake.float().sigmoid().mean()])


def make_optimizers(
    generator: nn.Module, discriminator: nn.Module, lr: float, betas: tuple[float, float], cuda_graph: bool
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for G and D: fused on CUDA, and capturable when the iteration is replayed as a CUDA graph."""
    on_cuda = next(generator.parameters()).is_cuda
    extra = dict(fused=True, capturable=cuda_graph) if on_cuda else {}
    return (
        torch.optim.Adam(generator.parameters(), lr=lr, betas=betas, **extra),
        torch.optim.Adam(discriminator.parameters(), lr=lr, betas=betas, **extra),
    )


def make_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    images: torch.Tensor,
    nz: int,
    bf16: bool,
    cuda_graph: bool,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function (batch indices into `images`) -> stats that runs one iteration.

    With `cuda_graph` the iteration is captured once and replayed: one launch instead of hundreds of
    kernels from Python. It needs static shapes (every batch the same size) and capturable optimizers.
    """
    if images.is_cuda:
        torch.backends.cudnn.benchmark = True  # every batch has the same shape: pick the fastest kernels once
    if not cuda_graph:
        return lambda indices: train_step(generator, discriminator, opt_g, opt_d, images[indices], nz, bf16)

    batch_indices = torch.zeros(0, dtype=torch.long, device=images.device)
    static: dict[str, torch.Tensor] = {}
    graph = torch.cuda.CUDAGraph()

    def run(indices: torch.Tensor) -> torch.Tensor:
        return train_step(generator, discriminator, opt_g, opt_d, images[indices], nz, bf16)

    def captured(indices: torch.Tensor) -> torch.Tensor:
        nonlocal batch_indices
        if not static:
            batch_indices = indices.clone()
            _warm_up_without_training(lambda: run(batch_indices), (generator, discriminator), (opt_g, opt_d))
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
        for _ in range(3):
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
