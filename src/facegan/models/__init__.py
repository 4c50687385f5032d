"""Networks: the report's DCGAN generator and discriminator, and the expression translator, and the
value range they work in (shared by training and editing)."""

import torch

from facegan.models.dcgan import Discriminator, Generator, build_dcgan, init_weights
from facegan.models.translator import Translator, build_translator


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1], the range of G's Tanh."""
    return images.float().div_(127.5).sub_(1.0)


__all__ = ["Discriminator", "Generator", "Translator", "build_dcgan", "build_translator", "init_weights", "to_model_range"]
