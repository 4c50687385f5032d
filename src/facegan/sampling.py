"""Generated faces from a checkpoint, written in the layout the evaluation reads.

FER2013 models write `OUT/<expression>/000000.png ...`; conditional models write n faces of each of
their classes into `OUT/<class>/`; other models write `OUT/images/000000.png ...`. The optional grid
goes to `OUT/grid.png`, beside (never among) the samples.
"""

from __future__ import annotations

from pathlib import Path

import torch

from facegan import visuals
from facegan.config import Config
from facegan.errors import FaceganError
from facegan.models.checkpoint import load_generator


def sample_folders(config: Config) -> list[str]:
    """The subfolders samples of this model go to, one per class it generates."""
    if config.conditional:
        return list(config.class_names)
    return [config.expression if config.dataset == "fer2013" and config.expression else "images"]


def latent_noise(n: int, nz: int, seed: int) -> torch.Tensor:
    """The z of n faces; the same seed gives the same identities in every model and every class."""
    return torch.randn(n, nz, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def generate(generator: torch.nn.Module, n: int, seed: int = 0, label: int | None = None, batch_size: int = 256) -> torch.Tensor:
    """n images as uint8 (n, C, H, W); a conditional generator needs the class `label` to render."""
    return render(generator, latent_noise(n, generator.nz, seed), label, batch_size)


@torch.no_grad()
def render(generator: torch.nn.Module, noise: torch.Tensor, labels: int | torch.Tensor | None = None, batch_size: int = 256) -> torch.Tensor:
    """Images as uint8 from given z (and labels: one class for all, (n,) classes or (n, classes) weights)."""
    if generator.num_classes and labels is None:
        raise FaceganError("this model is conditional: say which class to render")
    device = next(generator.parameters()).device
    if isinstance(labels, int):
        labels = torch.full((len(noise),), labels, dtype=torch.long)
    images = []
    for start in range(0, len(noise), batch_size):
        chunk = noise[start : start + batch_size].to(device)
        extra = () if labels is None else (labels[start : start + batch_size].to(device),)
        images.append(visuals.to_uint8(generator(chunk, *extra)))
    return torch.cat(images)


def sample(checkpoint: str | Path, n: int, out: str | Path, grid: bool = False, seed: int = 0, overwrite: bool = False) -> Path:
    """Write n generated faces (per class, for a conditional model) as PNG files, and optionally a
    grid of the first 64. Returns the output folder."""
    if n < 1:
        raise FaceganError(f"--n must be at least 1, got {n}")
    config, generator = load_generator(checkpoint)
    folders = [Path(out) / name for name in sample_folders(config)]
    for folder in folders:
        if folder.exists() and any(folder.iterdir()) and not overwrite:
            raise FaceganError(f"'{folder}' already holds files: choose another --out or pass --overwrite")
    shown = []
    for label, folder in enumerate(folders):
        folder.mkdir(parents=True, exist_ok=True)
        images = generate(generator, n, seed, label if config.conditional else None)
        for index, image in enumerate(images):
            visuals.save_png(image, folder / f"{index:06d}.png")
        shown.append(images[: max(1, 64 // len(folders))])
    if grid:
        visuals.save_grid(torch.cat(shown)[:64], Path(out) / "grid.png")
    return Path(out)
