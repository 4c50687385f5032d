"""Each data format read once into uint8 tensors (N, C, H, W) and labels."""

from __future__ import annotations

from pathlib import Path

import torch

from facegan.config import Config
from facegan.data.cache import load_cached
from facegan.data.celeba import load_celeba
from facegan.data.fer2013 import load_fer2013
from facegan.data.folder import load_folder
from facegan.data.images import ImageSet
from facegan.errors import FaceganError

DEMO_DATA = Path(__file__).parent / "demo" / "fer2013"
"""A small FER2013 subset (all seven expressions) that ships with the package for `make demo` and tests."""
DEMO_PHOTO = Path(__file__).parent / "demo" / "astronaut.jpg"
"""scikit-image's astronaut photo (Eileen Collins, NASA, public domain), the photo `make demo` edits."""


def load_dataset(config: Config) -> ImageSet:
    """The training images a resolved config asks for, decoded once (or memory-mapped from --cache-dir)."""
    if config.dataset == "fer2013" and (config.image_size, config.channels) != (48, 1):
        raise FaceganError("FER2013 is 48x48 grayscale: drop --image-size/--channels or use --image-size 48 --channels 1")
    if config.cache_dir:
        request = dict(dataset=config.dataset, split=config.split, image_size=config.image_size, channels=config.channels)
        data = load_cached(Path(config.data), request, Path(config.cache_dir), lambda into: _decode(config, into))
    else:
        data = _decode(config, None)
    return data.only_class(config.expression) if config.expression else data


def class_labels(config: Config, data: ImageSet) -> torch.Tensor | None:
    """The class of every training image for a conditional model: its expression, or whether it has
    the CelebA attribute."""
    if not config.conditional:
        return None
    if config.dataset == "fer2013":
        if data.labels is None:
            raise FaceganError("this FER2013 data has no expression labels, so it cannot train a conditional model")
        return data.labels
    if data.attributes is None:
        raise FaceganError(f"'{config.data}' has no list_attr_celeba.txt, so --attribute {config.attribute} has no labels")
    if config.attribute not in data.attribute_names:
        raise FaceganError(f"unknown CelebA attribute '{config.attribute}': choose one of {', '.join(data.attribute_names)}")
    return data.attributes[:, data.attribute_names.index(config.attribute)].long()


def _decode(config: Config, into: Path | None) -> ImageSet:
    if config.dataset == "fer2013":
        return load_fer2013(config.data, config.split, into)
    if config.dataset == "celeba":
        return load_celeba(config.data, config.split, config.image_size, config.channels, into)
    return load_folder(config.data, config.image_size, config.channels, into)


__all__ = ["DEMO_DATA", "DEMO_PHOTO", "ImageSet", "class_labels", "load_celeba", "load_dataset", "load_fer2013", "load_folder"]
