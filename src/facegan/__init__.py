"""facegan: DCGANs for human faces and facial expressions.

    import facegan
    run = facegan.train(facegan.Config(dataset="fer2013", data="data/fer2013", expression="happy", epochs=5))
    facegan.sample(run / "checkpoint.pt", n=100, out="samples")
"""

from facegan.config import EXPRESSIONS, PRESETS, Config
from facegan.data import load_dataset
from facegan.errors import FaceganError
from facegan.models import Discriminator, Generator, build_dcgan
from facegan.models.checkpoint import load_generator
from facegan.sampling import generate, sample
from facegan.training import resume, train, train_all_expressions
from facegan.version import __version__

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
