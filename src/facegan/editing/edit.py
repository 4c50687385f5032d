"""Changing the expression of the faces in a photo: detect, cut, invert, re-render, blend back.

`Editor` loads a conditional model, its encoder and the feature network once; the command line and
the web page both call `Editor.edit`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from pathlib import Path

import numpy as np
import torch

from facegan import visuals
from facegan.config import Config
from facegan.editing.blend import paste_face
from facegan.editing.faces import Box, crop_box, cut, pick_faces, read_photo_with_alpha, save_photo
from facegan.editing.inversion import Features, feature_network, invert, load_encoder
from facegan.errors import FaceganError
from facegan.files import output_file
from facegan.models.checkpoint import generator_of, load_checkpoint, run_folder

if TYPE_CHECKING:
    from facegan.editing.translate import TranslatorEditor


@dataclass
class FaceEdit:
    """One edited face: where it is, what the model saw and drew, and how long it took."""

    box: Box
    source: str
    original: torch.Tensor  # uint8 (C, s, s): the crop the model saw
    reconstruction: torch.Tensor  # the inversion drawn as its source class, before any change
    every_class: torch.Tensor  # the face drawn as each class c, the target among them
    seconds: float
    masks: torch.Tensor | None = None  # the translator's: what it keeps of the face, per class (K, 1, s, s)
    colours: torch.Tensor | None = None  # and what it paints where it does not (K, C, s, s)


class Editor:
    def __init__(self, config: Config, generator: torch.nn.Module, encoder: torch.nn.Module, features: Features) -> None:
        self.config, self.generator, self.encoder, self.features = config, generator, encoder, features

    @classmethod
    def load(cls, checkpoint: str | Path) -> "Editor":
        """A conditional model and the encoder trained for it (RUN/encoder.pt)."""
        return cls.from_state(load_checkpoint(checkpoint), checkpoint)

    @classmethod
    def from_state(cls, state: dict, checkpoint: str | Path) -> "Editor":
        """`load` for a checkpoint already read."""
        config, generator = generator_of(state, checkpoint)
        if not config.conditional:
            raise FaceganError("editing needs a conditional model (facegan train --conditional): "
                               "it renders one face in every expression")
        encoder = load_encoder(run_folder(checkpoint) / "encoder.pt", state["step"])
        return cls(config, generator.eval().requires_grad_(False), encoder, feature_network(config))

    def class_index(self, name: str) -> int:
        if name not in self.config.class_names:
            raise FaceganError(f"'{name}' is not something this model renders: choose one of {', '.join(self.config.class_names)}")
        return self.config.class_names.index(name)

    @torch.no_grad()
    def render_every_class(self, layout: torch.Tensor, detail: torch.Tensor) -> torch.Tensor:
        """One inverted face (its layout and detail, (1, ...) each) drawn as every class."""
        classes = len(self.config.class_names)
        return visuals.to_uint8(self.generator.draw(layout.repeat(classes, 1, 1, 1), torch.arange(classes),
                                                    detail.repeat(classes, 1, 1, 1)))

    def edit_face(self, photo: np.ndarray, face: Box, steps: int = 30, detail_steps: int = 0) -> FaceEdit:
        started = time.perf_counter()
        box = crop_box(face, self.config.dataset)
        original = cut(photo, box, self.config.image_size, self.config.channels)
        layout, detail, source = invert(self.generator, self.encoder, self.features, original[None], steps, detail_steps)
        every_class = self.render_every_class(layout, detail)  # the source class among them is the reconstruction
        return FaceEdit(box, self.config.class_names[int(source)], original, every_class[int(source)], every_class,
                        time.perf_counter() - started)

    def edit(self, photo: np.ndarray, target: str, face: int | None = None, all_faces: bool = False, steps: int = 30,
             blend: str = "feather", detail_steps: int = 0) -> tuple[np.ndarray, list[FaceEdit]]:
        """The photo with a face (numbered from the left; default the largest), or every face, turned to `target`."""
        label = self.class_index(target)
        edits = self.edit_faces(photo, face, all_faces, steps, detail_steps)
        return self.paste(photo, edits, label, blend), edits

    def edit_faces(self, photo: np.ndarray, face: int | None = None, all_faces: bool = False, steps: int = 30,
                   detail_steps: int = 0) -> list[FaceEdit]:
        """Face number `face`, every face, or the largest, each inverted and drawn as every class."""
        return [self.edit_face(photo, box, steps, detail_steps) for box in pick_faces(photo, face, all_faces)]

    def paste(self, photo: np.ndarray, edits: list[FaceEdit], label: int, blend: str = "feather") -> np.ndarray:
        """The photo with every edited face, drawn as class `label`, blended back in."""
        for edit in edits:
            photo = paste_face(photo, edit.every_class[label], edit.box, blend)
        return photo

    def strip(self, edit: FaceEdit) -> tuple[torch.Tensor, list[str]]:
        """Before/after: the crop, its reconstruction, then every class; with the column names."""
        images = torch.cat([edit.original[None], edit.reconstruction[None], edit.every_class])
        return images, ["photo", f"redrawn ({edit.source})", *self.config.class_names]


def load_editor(checkpoint: str | Path | None = None, strength: float | None = None) -> "Editor | TranslatorEditor":
    """What edits with a checkpoint: a translator run (or none: the translator shipped with facegan)
    translates the face, applying `strength` of its edit (None: all of it); a conditional DCGAN inverts
    it and redraws it."""
    from facegan.editing.translate import KIND, SHIPPED, TranslatorEditor, load_exported
    from facegan.weights import file_kind

    share = 1.0 if strength is None else strength
    if checkpoint is None or file_kind(Path(checkpoint)) == KIND:
        return TranslatorEditor(*load_exported(SHIPPED if checkpoint is None else checkpoint), share)  # its kind is read once
    state = load_checkpoint(checkpoint)  # read once, whichever editor it becomes
    if Config.from_dict(state["config"]).model == "translator":
        return TranslatorEditor(*generator_of(state, checkpoint, "translator"), share)
    if strength is not None:
        raise FaceganError(f"'{checkpoint}' edits by inversion, which has no strength: leave out --strength "
                           "(--detail-steps keeps more of the photo)")
    return Editor.from_state(state, checkpoint)


def edit_photo_file(photo_path: str | Path, checkpoint: str | Path | None, target: str, out: str | Path, face: int | None = None,
                    all_faces: bool = False, blend: str = "feather", strip: bool = False, steps: int | None = None,
                    detail_steps: int | None = None, strength: float | None = None) -> tuple[list[FaceEdit], list[Path]]:
    """`facegan edit`: read the photo, edit it, write OUT (and OUT_strip.png per face). The original is never overwritten.

    `target` "all" writes OUT_<class> for every class. Without a checkpoint the shipped translator
    edits, applying `strength` of its change; `steps` and `detail_steps` tune inversion (DCGAN checkpoints)."""
    out = output_file(out)
    photo, alpha = read_photo_with_alpha(photo_path)
    editor = load_editor(checkpoint, strength)
    names = editor.config.class_names if target == "all" else (target,)
    labels = [editor.class_index(name) for name in names]
    if isinstance(editor, Editor):
        edits = editor.edit_faces(photo, face, all_faces, 30 if steps is None else steps, detail_steps or 0)
    elif steps is not None or detail_steps is not None:
        raise FaceganError("--steps and --detail-steps tune inversion into a DCGAN: the translator edits in one pass, drop them")
    else:
        edits = editor.edit_faces(photo, face, all_faces)
    outputs = [out] if target != "all" else [out.with_name(f"{out.stem}_{name}{out.suffix}") for name in names]
    strips = [out.with_name(f"{out.stem}_strip{number if len(edits) > 1 else ''}.png") for number in range(len(edits) if strip else 0)]
    for path in outputs + strips:  # every name checked before the first file is written
        output_file(path)
    if any(path.resolve() == Path(photo_path).resolve() for path in outputs + strips):
        raise FaceganError("an output file would replace the photo itself: choose another --out, so the original is kept")
    for label, path in zip(labels, outputs):
        save_photo(editor.paste(photo, edits, label, blend), path, alpha)
    for edit, path in zip(edits, strips):
        images, columns = editor.strip(edit)
        visuals.save_labelled_grid(images, path, columns)
    return edits, outputs + strips
