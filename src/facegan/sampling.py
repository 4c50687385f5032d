"""Generated faces from a checkpoint, written in the layout the evaluation reads.

FER2013 models write `OUT/<expression>/000000.png ...`; other models write `OUT/images/000000.png ...`.
The optional grid goes to `OUT/grid.png`, beside (never among) the samples.
"""

from __future__ import annotations

from pathlib import Path

import torch

from facegan import visuals
from facegan.config import Config
from facegan.errors import FaceganError
from facegan.training.checkpoint import load_generator


def sample_folder(config: Config) -> str:
    """The subfolder samples of this model go to: its expression for FER2013 models."""
    return config.expression if config.dataset == "fer2013" and config.expression else "images"


@torch.no_grad()
def generate(generator: torch.nn.Module, n: int, seed: int = 0, batch_size: int = 256) -> torch.Tensor:
    """n images as uint8 (n, C, H, W); the same seed gives the same faces."""
    noise = torch.randn(n, generator.nz, generator=torch.Generator().manual_seed(seed))
    device = next(generator.parameters()).device
    return torch.cat([visuals.to_uint8(generator(chunk.to(device))) for chunk in noise.split(batch_size)])


def sample(checkpoint: str | Path, n: int, out: str | Path, grid: bool = False, seed: int = 0, overwrite: bool = False) -> Path:
    """Write n generated faces as PNG files (and a grid of the first 64). Returns the folder of PNGs."""
    if n < 1:
        raise FaceganError(f"--n must be at least 1, got {n}")
    config, generator = load_generator(checkpoint)
    folder = Path(out) / sample_folder(config)
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise FaceganError(f"'{folder}' already holds files: choose another --out or pass --overwrite")
    folder.mkdir(parents=True, exist_ok=True)
    images = generate(generator, n, seed)
    for index, image in enumerate(images):
        visuals.save_png(image, folder / f"{index:06d}.png")
    if grid:
        visuals.save_grid(images[:64], Path(out) / "grid.png")
    return folder
