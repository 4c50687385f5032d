"""Editing real photos: find faces, crop them as the model's data was cropped, change the expression
(with the translator, or by inverting a conditional DCGAN), and blend the result back into the
full-resolution photo."""

from facegan.editing.edit import load_editor
from facegan.editing.faces import read_photo

__all__ = ["load_editor", "read_photo"]
