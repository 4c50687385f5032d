"""Editing real photos: find faces, crop them as the model's data was cropped, invert, change the
expression, and blend the result back into the full-resolution photo."""
