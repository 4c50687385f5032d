"""Every picture facegan writes: image grids, the loss plot, the fixed-noise animation, single PNGs."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from facegan.files import write_atomically

if TYPE_CHECKING:
    import torch


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] (any float dtype, any device) -> uint8 on the CPU."""
    import torch

    return ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def as_uint8_array(images: torch.Tensor | np.ndarray) -> np.ndarray:
    """uint8 images (an array, or a tensor: uint8, or float in [-1, 1]) as an array; PyTorch is imported only
    for a tensor, so that `facegan edit --strip` with the geometry engine runs without it."""
    if isinstance(images, np.ndarray):
        return images
    import torch

    return (images if images.dtype == torch.uint8 else to_uint8(images)).cpu().numpy()


def make_grid_uint8(images: torch.Tensor | np.ndarray, nrow: int = 8, padding: int = 2) -> np.ndarray:
    """A uint8 (3, H, W) grid of images (N, C, H, W), `nrow` to a row, on white, laid out as torchvision's
    make_grid does (grey images become three equal channels). Written here because importing torchvision
    costs every facegan command 1.4 seconds."""
    images = as_uint8_array(images)
    if images.shape[1] == 1:
        images = np.repeat(images, 3, axis=1)
    if len(images) == 1:
        return images[0].copy()  # one image: no frame
    count, channels, height, width = images.shape
    columns = min(nrow, count)
    rows = -(-count // columns)
    grid = np.full((channels, rows * (height + padding) + padding, columns * (width + padding) + padding), 255, np.uint8)
    for index, image in enumerate(images):
        top, left = (index // columns) * (height + padding) + padding, (index % columns) * (width + padding) + padding
        grid[:, top : top + height, left : left + width] = image
    return grid


def save_grid(images: torch.Tensor | np.ndarray, path: Path, nrow: int = 8) -> None:
    save_png(make_grid_uint8(images, nrow), path)


def save_png(image: torch.Tensor | np.ndarray, path: Path) -> None:
    """Save one uint8 image (C, H, W), grayscale when C is 1."""
    array = as_uint8_array(image).transpose(1, 2, 0)
    picture = Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)
    write_atomically(path, lambda temporary: picture.save(temporary, format="PNG"))


def save_loss_plot(losses_csv: Path, path: Path) -> None:
    """G and D loss per iteration, as in the report's Figures 2 and 5."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(losses_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    fig, ax = plt.subplots(figsize=(10, 5))
    ax.set_title("Generator and Discriminator Loss During Training")
    ax.plot([float(r["loss_G"]) for r in rows], label="G")
    ax.plot([float(r["loss_D"]) for r in rows], label="D")
    ax.set_xlabel("iterations")
    ax.set_ylabel("Loss")
    ax.legend()
    write_atomically(path, lambda temporary: fig.savefig(temporary, format="png", dpi=100, bbox_inches="tight"))
    plt.close(fig)


def save_confusion_matrix(confusion: list[list[int]], names: tuple[str, ...], path: Path) -> None:
    """Rows: intended expression; columns: what the classifier saw. Cells show row shares."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = np.array(confusion, np.float64)
    shares = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("classified as")
    ax.set_ylabel("intended expression")
    for row in range(len(names)):
        for column in range(len(names)):
            if counts[row].sum() > 0:
                ax.text(column, row, f"{shares[row, column]:.2f}", ha="center", va="center", fontsize=7)
    write_atomically(path, lambda temporary: fig.savefig(temporary, format="png", dpi=100, bbox_inches="tight"))
    plt.close(fig)


def save_labelled_grid(images: torch.Tensor | np.ndarray, path: Path, column_names: list[str], scale: int = 2) -> None:
    """A grid with one column per name and the names written above, enlarged `scale` times."""
    from PIL import ImageDraw

    grid = make_grid_uint8(images, len(column_names)).transpose(1, 2, 0)
    picture = Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid).convert("RGB")
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    header = 14
    canvas = Image.new("RGB", (picture.width, picture.height + header), "white")
    canvas.paste(picture, (0, header))
    draw = ImageDraw.Draw(canvas)
    column_width = picture.width / len(column_names)
    for index, name in enumerate(column_names):
        width = draw.textlength(name)
        draw.text((index * column_width + (column_width - width) / 2, 1), name, fill="black")
    write_atomically(path, lambda temporary: canvas.save(temporary, format="PNG"))


def save_gif(frames: list[Path] | list[np.ndarray], path: Path, milliseconds_per_frame: int = 500) -> None:
    """Animate saved pictures (the per-epoch fixed-noise grids, like the PyTorch DCGAN tutorial's
    animation) or uint8 (C, H, W) images (latent walks)."""
    images = [_as_picture(frame) for frame in frames]
    write_atomically(path, lambda temporary: images[0].save(temporary, format="GIF", save_all=True, append_images=images[1:],
                                                          duration=milliseconds_per_frame, loop=0))


def _as_picture(frame: Path | np.ndarray) -> Image.Image:
    if isinstance(frame, np.ndarray):
        array = frame.transpose(1, 2, 0)
        return Image.fromarray(array[..., 0] if array.shape[2] == 1 else array).convert("RGB")
    return Image.open(frame).convert("RGB")
