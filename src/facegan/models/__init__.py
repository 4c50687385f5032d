"""Networks: the report's DCGAN generator and discriminator, and the expression translator."""

from facegan.models.dcgan import Discriminator, Generator, build_dcgan, init_weights
from facegan.models.translator import Translator, build_translator

__all__ = ["Discriminator", "Generator", "Translator", "build_dcgan", "build_translator", "init_weights"]
