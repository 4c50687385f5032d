"""Training throughput of facegan's trainer against the canonical DCGAN loop, measured in one run.

The reference behaves like pytorch/examples' dcgan/main.py: torchvision ImageFolder with a PIL decode
of every image every epoch, a DataLoader with 2 workers, fp32, a Sigmoid at the end of D with
BCELoss, and `.item()` on the losses every iteration. Both run the same report architecture at batch
128 on the same device, so their ratio is what facegan's data path and precision modes buy.
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch
from PIL import Image
from torch import nn

from facegan.data import load_celeba, load_fer2013
from facegan.models import build_dcgan
from facegan.precision import native_bf16
from facegan.config import Recipe
from facegan.training.step import make_optimizers, make_step

MODELS = {"fer": (48, 1), "celeba": (64, 3)}
BATCH = 128
WARMUP_STEPS = 3  # untimed iterations first: allocation, oneDNN's kernel choice, DataLoader workers starting


@dataclass
class Result:
    name: str
    images_per_second: float


def measure(step: Callable[[], None], device: torch.device, warmup: int, blocks: int, steps_per_block: int) -> float:
    """Median images/s over `blocks` timed blocks of `steps_per_block` iterations, after `warmup`."""
    for _ in range(warmup):
        step()
    _sync(device)
    rates = []
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(steps_per_block):
            step()
        _sync(device)
        rates.append(BATCH * steps_per_block / (time.perf_counter() - start))
    return statistics.median(rates)


def reference_step(image_folder: Path, image_size: int, channels: int, device: torch.device) -> Callable[[], None]:
    """One iteration of the canonical loop per call, drawing batches from a 2-worker DataLoader."""
    import torchvision.transforms as T
    from torchvision.datasets import ImageFolder

    transforms = [T.Grayscale()] if channels == 1 else []
    transform = T.Compose([*transforms, T.Resize(image_size), T.CenterCrop(image_size), T.ToTensor(),
                           T.Normalize([0.5] * channels, [0.5] * channels)])
    loader = torch.utils.data.DataLoader(ImageFolder(str(image_folder), transform=transform), batch_size=BATCH,
                                         shuffle=True, num_workers=2, drop_last=True, persistent_workers=True)
    generator, discriminator = build_dcgan(image_size, channels)
    generator.to(device)
    discriminator = nn.Sequential(discriminator, nn.Sigmoid()).to(device)
    criterion = nn.BCELoss()
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def batches() -> Iterator[torch.Tensor]:
        while True:
            for real, _ in loader:
                yield real

    stream = batches()

    def step() -> None:
        real = next(stream).to(device)
        label = torch.full((BATCH,), 1.0, device=device)
        discriminator.zero_grad()
        output = discriminator(real).view(-1)
        loss_real = criterion(output, label)
        loss_real.backward()
        d_x = output.mean().item()
        fake = generator(torch.randn(BATCH, 100, 1, 1, device=device))
        label.fill_(0.0)
        output = discriminator(fake.detach()).view(-1)
        loss_fake = criterion(output, label)
        loss_fake.backward()
        d_g_z1 = output.mean().item()
        opt_d.step()
        generator.zero_grad()
        label.fill_(1.0)
        output = discriminator(fake).view(-1)
        loss_g = criterion(output, label)
        loss_g.backward()
        opt_g.step()
        _ = (loss_real + loss_fake).item(), loss_g.item(), d_x, d_g_z1, output.mean().item()

    return step


def facegan_step(images: torch.Tensor, device: torch.device, bf16: bool, cuda_graph: bool) -> Callable[[], None]:
    """One iteration of facegan's trainer per call, set up as `facegan train` sets it up."""
    image_size, channels = images.shape[-1], images.shape[1]
    generator, discriminator = build_dcgan(image_size, channels)
    generator.to(device, memory_format=torch.channels_last)
    discriminator.to(device, memory_format=torch.channels_last)
    opt_g, opt_d = make_optimizers(generator, discriminator, 2e-4, 2e-4, (0.5, 0.999), cuda_graph)
    images = images.to(device)
    run = make_step(generator, discriminator, opt_g, opt_d, images, None, 100, Recipe.of("report"), bf16, cuda_graph)
    order = torch.randperm(len(images), device=device)
    position = 0

    def step() -> None:
        nonlocal position, order
        if position + BATCH > len(order):
            order, position = torch.randperm(len(images), device=device), 0
        run(order[position : position + BATCH])
        position += BATCH

    return step


def run_benchmark(model: str, device: torch.device, data_root: Path | None, steps: int = 10, blocks: int = 5,
                  modes: list[tuple[str, bool]] | None = None) -> tuple[Result, list[Result]]:
    """The reference and each facegan mode (precision, CUDA graph) on one model; images/s for each."""
    image_size, channels = MODELS[model]
    with tempfile.TemporaryDirectory() as scratch:
        folder, images = _data(model, data_root, Path(scratch))
        reference = Result("reference (ImageFolder, 2 workers, fp32, BCELoss)",
                           measure(reference_step(folder, image_size, channels, device), device, WARMUP_STEPS, blocks, steps))
    if modes is None:
        modes = [("fp32", False), ("bf16", False)] + ([("fp32", True), ("bf16", True)] if device.type == "cuda" else [])
    results = []
    for precision, graph in modes:
        name = f"facegan {precision}" + (" + CUDA graph" if graph else "")
        if precision == "bf16" and not native_bf16(device):
            results.append(Result(name, float("nan")))  # emulated: many times slower, and minutes to time
            continue
        step = facegan_step(images, device, precision == "bf16", graph)
        results.append(Result(name, measure(step, device, WARMUP_STEPS, blocks, steps)))
    return reference, results


def format_table(model: str, precision: str, reference: Result, results: list[Result]) -> str:
    """A table of every mode with its ratio to the reference, then one line for the fastest `precision`
    mode, or with "auto" (or a mode this hardware emulates) the fastest mode it runs natively."""
    lines = [f"{'mode':<52} {'img/s':>9} {'ratio':>7}"]
    for result in [reference, *results]:
        if math.isnan(result.images_per_second):
            lines.append(f"{result.name:<52} {'skipped: bf16 is emulated on this hardware':>42}")
        else:
            lines.append(f"{result.name:<52} {result.images_per_second:>9.1f} {result.images_per_second / reference.images_per_second:>6.2f}x")
    timed = [r for r in results if not math.isnan(r.images_per_second)]
    asked = [r for r in timed if r.name.split()[1] == precision] or timed
    best = max(asked, key=lambda r: r.images_per_second)
    precision = best.name.split()[1]
    lines.append(f"{model} {precision}: {best.images_per_second:.1f} img/s, reference {reference.images_per_second:.1f} img/s, "
                 f"{best.images_per_second / reference.images_per_second:.2f}x")
    return "\n".join(lines)


def _data(model: str, data_root: Path | None, scratch: Path) -> tuple[Path, torch.Tensor]:
    """The ImageFolder root for the reference and the same images decoded for facegan."""
    if data_root is not None and model == "fer" and (data_root / "fer2013" / "train").is_dir():
        return data_root / "fer2013" / "train", load_fer2013(data_root / "fer2013").images
    if data_root is not None and model == "celeba" and (data_root / "celeba" / "img_align_celeba").is_dir():
        return data_root / "celeba", load_celeba(data_root / "celeba").images
    image_size, channels = MODELS[model]
    folder = scratch / "generated" / "faces"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    shape = (109, 89) if channels == 3 else (48, 48)
    for index in range(1024):
        coarse = rng.integers(0, 256, (shape[0] // 8, shape[1] // 8, 3), dtype=np.uint8)
        image = Image.fromarray(coarse).resize(shape[::-1], Image.BILINEAR)
        (image.convert("L") if channels == 1 else image).save(folder / f"{index:06d}.jpg", quality=90)
    from facegan.data import load_folder

    return folder.parent, load_folder(folder, image_size, channels).images


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
