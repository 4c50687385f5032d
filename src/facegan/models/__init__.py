"""Networks: the report's DCGAN generator and discriminator, the expression translators (one repaints,
one moves the face's pixels), and the value range they work in (shared by training and editing)."""

import torch

from facegan.models.dcgan import Discriminator, Generator, build_dcgan, init_weights
from facegan.models.translator import Translator, build_translator
from facegan.models.warp import WarpTranslator, build_warp_translator


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1], the range of G's Tanh."""
    return images.float().div_(127.5).sub_(1.0)


__all__ = ["Discriminator", "Generator", "Translator", "WarpTranslator", "build_dcgan", "build_translator", "build_warp_translator",
           "init_weights", "to_model_range"]
