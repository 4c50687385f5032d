"""Networks: the report's DCGAN generator and discriminator."""

from facegan.models.dcgan import Discriminator, Generator, build_dcgan, init_weights

__all__ = ["Discriminator", "Generator", "build_dcgan", "init_weights"]
