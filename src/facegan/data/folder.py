"""Any folder of images, searched recursively; no labels."""

from __future__ import annotations

from pathlib import Path

from facegan.data.images import ImageSet, decode_files, list_images, require_folder
from facegan.errors import FaceganError


def load_folder(path: str | Path, image_size: int, channels: int, into: Path | None = None) -> ImageSet:
    root = Path(path)
    require_folder(root, "image folder")
    files = list_images(root)
    if not files:
        raise FaceganError(f"no image files (.jpg, .png, ...) under '{root}'")
    images, _ = decode_files(files, image_size, channels, into)
    return ImageSet(images)
