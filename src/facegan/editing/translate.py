"""Editing with the expression translator: one forward pass per face, the photo's own pixels kept.

The translator (facegan.models.translator) takes the face itself and the target expression, so nothing
has to be inverted: it returns a mask of what to keep and a colour map of what to repaint, and those
are applied to the full-resolution crop (facegan.editing.blend.paste_translation).

facegan ships one, trained on FER2013 (docs/translator_model_card.md), so editing needs no training:
`TranslatorEngine.load()` without a path uses it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from facegan import visuals
from facegan.config import Config
from facegan.editing.blend import paste_translation
from facegan.editing.engine import FaceEdit, class_index, found_faces
from facegan.editing.faces import Box, crop_box, cut
from facegan.models.translator import Translator, composite
from facegan.models.checkpoint import export_generator, load_exported_generator, load_generator
from facegan.metrics.classifier_numpy import expressions
from facegan.models import to_model_range
from facegan.weights import file_kind

SHIPPED = Path(__file__).parent / "weights" / "fer2013_translator.pt"
KIND = "facegan-translator"


class TranslatorEngine:
    """Edits with a translator in one forward pass per face. `strength` scales its repaint pixel by
    pixel: 1 is the translator's own edit, 0 the photo unchanged (the mask A becomes 1 - strength (1 - A))."""

    name = "translator"
    controls = ("strength",)
    settings: tuple[str, ...] = ()

    def __init__(self, config: Config, translator: Translator) -> None:
        self.config, self.translator = config, translator.eval().requires_grad_(False)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "TranslatorEngine":
        """The translator of a training run (its averaged weights), a file written by `export_translator`,
        or, without a path, the one shipped with facegan."""
        if path is None or file_kind(Path(path)) == KIND:
            return cls(*load_exported(SHIPPED if path is None else path))
        return cls(*load_generator(path, "translator"))

    @torch.no_grad()
    def maps(self, faces_uint8: torch.Tensor, batch_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
        """Every face (N, C, s, s) turned to every class: masks (N, K, 1, s, s) and colour maps (N, K, C, s, s)."""
        classes = len(self.config.class_names)
        faces = to_model_range(faces_uint8).repeat_interleave(classes, 0)
        targets = torch.arange(classes).repeat(len(faces_uint8))
        masks, colours = zip(*(self.translator.maps(faces[i : i + batch_size], targets[i : i + batch_size])
                               for i in range(0, len(faces), batch_size)))
        masks, colours = torch.cat(masks), torch.cat(colours)
        shape = (len(faces_uint8), classes)
        return masks.view(*shape, *masks.shape[1:]), colours.view(*shape, *colours.shape[1:])

    def every_class(self, faces: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
        masks, colours = self.maps(faces)
        return visuals.to_uint8(composite(to_model_range(faces)[:, None], at_strength(masks, strength), colours))

    def edit_faces(self, photo: np.ndarray, face: int | None = None, all_faces: bool = False, closer: bool = False) -> list[FaceEdit]:
        boxes, detection = found_faces(photo, face, all_faces)
        return [replace(self.edit_square(photo, crop_box(found, self.config.dataset)), detection=detection) for found in boxes]

    def edit_square(self, photo: np.ndarray, square: Box, closer: bool = False) -> FaceEdit:
        started = time.perf_counter()
        original = cut(photo, square, self.config.image_size, self.config.channels)
        masks, colours = self.maps(torch.from_numpy(original)[None])
        return FaceEdit(square, original, time.perf_counter() - started, (masks[0], colours[0]))

    def render(self, photo: np.ndarray, edits: list[FaceEdit], target: str, strength: float = 1.0,
               blend: str = "feather") -> np.ndarray:
        """The translator's edit applied to every face at the photo's full resolution."""
        label = class_index(self.config, target)
        for edit in edits:
            masks, colours = edit.prepared
            photo = paste_translation(photo, at_strength(masks[label], strength), colours[label], edit.box, blend)
        return photo

    def expression_of(self, edit: FaceEdit) -> str:
        """What the project's classifier sees in the face; "photo" where there is none for the model's data."""
        if self.config.dataset != "fer2013":
            return "photo"
        return self.config.class_names[expressions(edit.original[None])[0]]

    def describe(self, strength: float = 1.0) -> str:
        return f"translator (strength {strength:g})"


def at_strength(masks: torch.Tensor, strength: float) -> torch.Tensor:
    """The translator's masks applying `strength` of its change (untouched at 1, so its edit stays bit-exact)."""
    return masks if strength == 1 else 1 - strength * (1 - masks)


def export_translator(checkpoint: str | Path, out: str | Path, card: dict) -> Path:
    """The averaged translator of a run in half precision (a few MB), with its model card's facts."""
    return export_generator(checkpoint, "translator", KIND, out, card)


def load_exported(path: str | Path) -> tuple[Config, Translator]:
    """A file written by `export_translator`, in float32 for the CPU."""
    return load_exported_generator(path, "translator", KIND, "facegan translator file",
                                   "reinstall facegan, or pass --checkpoint RUN/checkpoint.pt of a translator run")
