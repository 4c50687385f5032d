"""Editing with the expression translator: one forward pass per face, the photo's own pixels kept.

The translator (facegan.models.translator) takes the face itself and the target expression, so nothing
has to be inverted: it returns a mask of what to keep and a colour map of what to repaint, and those
are applied to the full-resolution crop (facegan.editing.blend.paste_translation).

facegan ships one, trained on FER2013 (docs/translator_model_card.md), so editing needs no training:
`TranslatorEditor.load()` without a checkpoint uses it.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import numpy as np
import torch

from facegan import visuals
from facegan.config import Config
from facegan.editing.blend import paste_translation
from facegan.editing.edit import FaceEdit
from facegan.editing.faces import Box, crop_box, cut, pick_faces
from facegan.errors import FaceganError
from facegan.metrics.classifier import predict
from facegan.models.translator import Translator, composite
from facegan.models.checkpoint import load_generator
from facegan.models import to_model_range
from facegan.weights import file_kind, read_tagged, save_tagged, to_float, to_half

SHIPPED = Path(__file__).parent / "weights" / "fer2013_translator.pt"
KIND = "facegan-translator"
FORMAT_VERSION = 1


class TranslatorEditor:
    """Edits with a translator. `strength` scales how much of the translator's repaint is applied, pixel by
    pixel: 1 is the translator's own edit, 0 the photo unchanged (the mask A becomes 1 - strength (1 - A))."""

    def __init__(self, config: Config, translator: Translator, strength: float = 1.0) -> None:
        self.config, self.translator, self.strength = config, translator.eval().requires_grad_(False), checked_strength(strength)
        self.classifier = None
        if config.dataset == "fer2013":  # names the photo's own expression in messages and strips
            from facegan.metrics.classifier import load_classifier

            self.classifier = load_classifier()[0]

    def with_strength(self, strength: float) -> "TranslatorEditor":
        """The same editor applying `strength` of the change (the web page's slider); nothing is reloaded."""
        edited = copy.copy(self)
        edited.strength = checked_strength(strength)
        return edited

    @classmethod
    def load(cls, checkpoint: str | Path | None = None, strength: float = 1.0) -> "TranslatorEditor":
        """The translator of a training run (its averaged weights), a file written by `export_translator`,
        or, without a path, the one shipped with facegan."""
        if checkpoint is None or file_kind(Path(checkpoint)) == KIND:
            return cls(*load_exported(SHIPPED if checkpoint is None else checkpoint), strength)
        return cls(*load_generator(checkpoint, "translator"), strength)

    def class_index(self, name: str) -> int:
        if name not in self.config.class_names:
            raise FaceganError(f"'{name}' is not something this model renders: choose one of {', '.join(self.config.class_names)}")
        return self.config.class_names.index(name)

    @torch.no_grad()
    def maps(self, faces_uint8: torch.Tensor, batch_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
        """Every face (N, C, s, s) turned to every class: masks (N, K, 1, s, s) and colour maps (N, K, C, s, s)."""
        classes = len(self.config.class_names)
        faces = to_model_range(faces_uint8).repeat_interleave(classes, 0)
        targets = torch.arange(classes).repeat(len(faces_uint8))
        masks, colours = zip(*(self.translator.maps(faces[i : i + batch_size], targets[i : i + batch_size])
                               for i in range(0, len(faces), batch_size)))
        masks, colours = torch.cat(masks), torch.cat(colours)
        if self.strength != 1:
            masks = 1 - self.strength * (1 - masks)
        shape = (len(faces_uint8), classes)
        return masks.view(*shape, *masks.shape[1:]), colours.view(*shape, *colours.shape[1:])

    def translate_every_class(self, faces_uint8: torch.Tensor) -> torch.Tensor:
        """Every face turned to every class, uint8 (N, K, C, s, s)."""
        masks, colours = self.maps(faces_uint8)
        return visuals.to_uint8(composite(to_model_range(faces_uint8)[:, None], masks, colours))

    @torch.no_grad()
    def source_classes(self, faces_uint8: torch.Tensor) -> list[str]:
        """What the project's classifier sees in each face; "photo" where there is no classifier for it."""
        if self.classifier is None:
            return ["photo"] * len(faces_uint8)
        return [self.config.class_names[int(i)] for i in predict(self.classifier, faces_uint8)[0].argmax(1)]

    def edit_face(self, photo: np.ndarray, face: Box) -> FaceEdit:
        started = time.perf_counter()
        box = crop_box(face, self.config.dataset)
        original = cut(photo, box, self.config.image_size, self.config.channels)
        masks, colours = self.maps(original[None])
        every_class = visuals.to_uint8(composite(to_model_range(original[None]), masks[0], colours[0]))
        seconds = time.perf_counter() - started
        source = self.source_classes(original[None])[0]
        reconstruction = every_class[self.config.class_names.index(source)] if source in self.config.class_names else original
        return FaceEdit(box, source, original, reconstruction, every_class, seconds, masks[0], colours[0])

    def edit(self, photo: np.ndarray, target: str, face: int | None = None, all_faces: bool = False,
             blend: str = "feather") -> tuple[np.ndarray, list[FaceEdit]]:
        """The photo with a face (numbered from the left; default the largest), or every face, turned to `target`."""
        edits = self.edit_faces(photo, face, all_faces)
        return self.paste(photo, edits, self.class_index(target), blend), edits

    def edit_faces(self, photo: np.ndarray, face: int | None = None, all_faces: bool = False) -> list[FaceEdit]:
        """Face number `face`, every face, or the largest, each turned to every class."""
        return [self.edit_face(photo, box) for box in pick_faces(photo, face, all_faces)]

    def paste(self, photo: np.ndarray, edits: list[FaceEdit], label: int, blend: str = "feather") -> np.ndarray:
        """The photo with the translator's edit to class `label` applied to every edited face, at full resolution."""
        for edit in edits:
            photo = paste_translation(photo, edit.masks[label], edit.colours[label], edit.box, blend)
        return photo

    def strip(self, edit: FaceEdit) -> tuple[torch.Tensor, list[str]]:
        """Before/after: the crop, then the face turned to every class; with the column names."""
        return torch.cat([edit.original[None], edit.every_class]), ["photo", *self.config.class_names]


def checked_strength(strength: float) -> float:
    if not 0 <= strength <= 1:
        raise FaceganError(f"strength {strength} is out of range: pass a number from 0 (the photo unchanged) to 1 (the full edit)")
    return strength


def export_translator(checkpoint: str | Path, out: str | Path, card: dict) -> Path:
    """The averaged translator of a run in half precision (a few MB), with its model card's facts."""
    config, translator = load_generator(checkpoint, "translator")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_tagged({"format_version": FORMAT_VERSION, "config": config.to_dict(), "translator": to_half(translator.state_dict()),
                 "card": card}, KIND, out)
    return out


def load_exported(path: str | Path) -> tuple[Config, Translator]:
    """A file written by `export_translator`, in float32 for the CPU."""
    saved = read_tagged(path, KIND, "facegan translator file", "reinstall facegan, or pass --checkpoint RUN/checkpoint.pt of a translator run",
                        {"format_version": int, "config": dict, "translator": dict})
    try:
        if saved["format_version"] != FORMAT_VERSION:
            raise ValueError("another format")
        config = Config.from_dict(saved["config"])
        translator = Translator(config.image_size, config.channels, len(config.class_names))
        translator.load_state_dict(to_float(saved["translator"]))
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, IndexError, OverflowError):
        raise FaceganError(f"'{path}' is not a readable facegan translator file (format {FORMAT_VERSION}): "
                           "pass RUN/checkpoint.pt of a translator run") from None
    return config, translator
