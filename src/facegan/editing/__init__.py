"""Editing real photos: find faces, crop them as the model's data was cropped, change the expression
with an engine (facegan.editing.engine: the translator, or inversion into a conditional DCGAN), and
blend the result back into the full-resolution photo."""

from facegan.editing.faces import read_photo
from facegan.editing.registry import ENGINES, load_engine

__all__ = ["ENGINES", "load_engine", "read_photo"]
