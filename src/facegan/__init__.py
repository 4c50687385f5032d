"""facegan: DCGANs for human faces and facial expressions.

    import facegan
    run = facegan.train(facegan.Config(dataset="fer2013", data="data/fer2013", expression="happy", epochs=5))
    facegan.sample(run / "checkpoint.pt", n=100, out="samples")
"""

__version__ = "0.1.0"

from facegan.config import EXPRESSIONS, PRESETS, Config  # noqa: E402
from facegan.data import load_dataset  # noqa: E402
from facegan.errors import FaceganError  # noqa: E402
from facegan.models import Discriminator, Generator, build_dcgan  # noqa: E402
from facegan.sampling import generate, sample  # noqa: E402
from facegan.training import load_generator, resume, train, train_all_expressions  # noqa: E402

__all__ = [
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
