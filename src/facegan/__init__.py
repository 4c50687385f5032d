"""facegan: DCGANs for human faces and facial expressions.

    import facegan
    run = facegan.train(facegan.Config(dataset="fer2013", data="data/fer2013", expression="happy", epochs=5))
    facegan.sample(run / "checkpoint.pt", n=100, out="samples")
"""

import importlib

from facegan.config import EXPRESSIONS, PRESETS, Config
from facegan.errors import FaceganError
from facegan.version import __version__

_NEED_TORCH = {
    "load_dataset": "facegan.data",
    "Discriminator": "facegan.models",
    "Generator": "facegan.models",
    "build_dcgan": "facegan.models",
    "load_generator": "facegan.models.checkpoint",
    "generate": "facegan.sampling",
    "sample": "facegan.sampling",
    "resume": "facegan.training",
    "train": "facegan.training",
    "train_all_expressions": "facegan.training",
}
"""Imported when first used: PyTorch takes about 2 seconds to import, and `facegan edit` with the geometry
engine does not need it."""


def __getattr__(name: str):
    """`facegan.train` and the rest of _NEED_TORCH, imported on first use (PEP 562)."""
    if name not in _NEED_TORCH:
        raise AttributeError(f"module 'facegan' has no attribute '{name}'")
    return getattr(importlib.import_module(_NEED_TORCH[name]), name)


__all__ = [
    "__version__",
    "EXPRESSIONS",
    "PRESETS",
    "Config",
    "Discriminator",
    "FaceganError",
    "Generator",
    "build_dcgan",
    "generate",
    "load_dataset",
    "load_generator",
    "resume",
    "sample",
    "train",
    "train_all_expressions",
]
