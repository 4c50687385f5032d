"""Decoding image files once into uint8 tensors, and the container every loader returns."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from facegan.errors import FaceganError
from facegan.files import IMAGE_SUFFIXES

DECODE_CHUNK = 4096  # files decoded per parallel batch: bounds memory when streaming to a cache file


@dataclass
class ImageSet:
    """Decoded images as uint8 (N, C, H, W), with integer labels and their names when the data has them."""

    images: torch.Tensor
    labels: torch.Tensor | None = None
    class_names: tuple[str, ...] = ()
    attributes: torch.Tensor | None = None  # CelebA: (N, 40) bool
    attribute_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return self.images.shape[0]

    def subset(self, keep: torch.Tensor) -> "ImageSet":
        return ImageSet(
            self.images[keep],
            None if self.labels is None else self.labels[keep],
            self.class_names,
            None if self.attributes is None else self.attributes[keep],
            self.attribute_names,
        )

    def only_class(self, name: str) -> "ImageSet":
        """The images of one class, e.g. one FER2013 expression."""
        if self.labels is None or name not in self.class_names:
            raise FaceganError(f"these images have no class '{name}'")
        return self.subset(self.labels == self.class_names.index(name))


def resize_and_crop(image: Image.Image, size: int) -> Image.Image:
    """The DCGAN recipe's Resize(size) + CenterCrop(size): shorter side to `size`, then the centre square."""
    width, height = image.size
    if (width, height) == (size, size):
        return image
    if width <= height:
        new_w, new_h = size, int(size * height / width)
    else:
        new_w, new_h = int(size * width / height), size
    image = image.resize((new_w, new_h), Image.BILINEAR)
    left = int(round((new_w - size) / 2.0))
    top = int(round((new_h - size) / 2.0))
    return image.crop((left, top, left + size, top + size))


MAX_TRAINING_PIXELS = 16_000_000
"""Training images above this are scaled down while decoding (JPEG) or skipped: eight decoded at once at
full size could take gigabytes (four 13000x13000 PNGs needed 6.2 GB)."""


def decode_image(path: Path, size: int, channels: int) -> np.ndarray | None:
    """One file as a uint8 (C, size, size) array, or None when the file is corrupt, not an image, or too
    large to decode safely. A JPEG over MAX_TRAINING_PIXELS is decoded already scaled down (PIL's draft
    mode), so it never occupies its full size in memory; any other image that large is skipped."""
    try:
        with Image.open(path) as image:  # reads the header only
            if image.width * image.height > MAX_TRAINING_PIXELS:
                if image.format != "JPEG":
                    return None
                image.draft("L" if channels == 1 else "RGB", (4 * size, 4 * size))
            image = image.convert("L" if channels == 1 else "RGB")
            array = np.asarray(resize_and_crop(image, size), dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def decode_files(paths: Sequence[Path], size: int, channels: int, into: Path | None = None) -> tuple[torch.Tensor, list[int]]:
    """Decode many files in parallel; returns the images and the indices of the files that decoded.

    With `into`, decoded chunks are streamed to that raw uint8 file and the result is memory-mapped from
    it, so a data set larger than RAM can be decoded. Unreadable files are skipped and counted in one
    warning; if none is readable it is an error.
    """
    kept: list[int] = []
    blocks: list[np.ndarray] = []
    sink = open(into, "wb") if into is not None else None
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for start in range(0, len(paths), DECODE_CHUNK):
                arrays = list(pool.map(lambda p: decode_image(p, size, channels), paths[start : start + DECODE_CHUNK]))
                good = [array for array in arrays if array is not None]
                kept += [start + i for i, array in enumerate(arrays) if array is not None]
                if good:
                    block = np.stack(good)
                    sink.write(block.tobytes()) if sink is not None else blocks.append(block)
    finally:
        if sink is not None:
            sink.close()
    skipped = len(paths) - len(kept)
    if not kept:
        raise FaceganError(f"none of the {len(paths)} image files could be read: check that they are images")
    if skipped:
        warnings.warn(f"skipped {skipped} unreadable, corrupt or oversized image file(s) of {len(paths)} "
                      f"(over {MAX_TRAINING_PIXELS // 1_000_000} megapixels and not JPEG)", stacklevel=2)
    if into is not None:
        return map_images(into, (len(kept), channels, size, size)), kept
    return torch.from_numpy(np.concatenate(blocks)), kept


def map_images(path: Path, shape: tuple[int, ...]) -> torch.Tensor:
    """A raw uint8 file as a tensor backed by the page cache (copy-on-write, the file is never changed)."""
    return torch.from_numpy(np.memmap(path, dtype=np.uint8, mode="c", shape=shape))


def list_images(folder: Path) -> list[Path]:
    """Every image file under `folder`, recursively, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def require_folder(path: Path, what: str) -> None:
    if not path.exists():
        raise FaceganError(f"{what} '{path}' does not exist: check the --data path")
    if not path.is_dir():
        raise FaceganError(f"{what} '{path}' is not a folder")
