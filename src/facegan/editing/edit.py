"""Changing the expression of the faces in a photo: detect, cut, invert, re-render, blend back.

`Editor` loads a conditional model, its encoder and the feature network once; the command line and
the web page both call `Editor.edit`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from facegan import visuals
from facegan.config import Config
from facegan.editing.blend import paste_face
from facegan.editing.faces import Box, crop_box, cut, detect_faces, read_photo, save_photo
from facegan.editing.inversion import Features, feature_network, invert, load_encoder
from facegan.errors import FaceganError
from facegan.training.checkpoint import load_checkpoint, load_models


@dataclass
class FaceEdit:
    """One edited face: where it is, what the model saw and drew, and how long it took."""

    box: Box
    source: str
    original: torch.Tensor  # uint8 (C, s, s): the crop the model saw
    reconstruction: torch.Tensor  # the inversion drawn as its source class, before any change
    every_class: torch.Tensor  # the inversion drawn as each class c, the target among them
    seconds: float


class Editor:
    def __init__(self, config: Config, generator: torch.nn.Module, encoder: torch.nn.Module, features: Features) -> None:
        self.config, self.generator, self.encoder, self.features = config, generator, encoder, features

    @classmethod
    def load(cls, checkpoint: str | Path) -> "Editor":
        """A conditional model and the encoder trained for it (RUN/encoder.pt)."""
        state = load_checkpoint(checkpoint)
        config, generator, _ = load_models(state)
        if not config.conditional:
            raise FaceganError("editing needs a conditional model (facegan train --conditional): "
                               "it renders one face in every expression")
        if "generator_ema" in state:
            generator.load_state_dict(state["generator_ema"])
        run = Path(checkpoint).parent if Path(checkpoint).is_file() else Path(checkpoint)
        encoder = load_encoder(run / "encoder.pt", state["step"])
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
        box = crop_box(face, self.config.channels)
        original = cut(photo, box, self.config.image_size, self.config.channels)
        layout, detail, source = invert(self.generator, self.encoder, self.features, original[None], steps, detail_steps)
        every_class = self.render_every_class(layout, detail)  # the source class among them is the reconstruction
        return FaceEdit(box, self.config.class_names[int(source)], original, every_class[int(source)], every_class,
                        time.perf_counter() - started)

    def edit(self, photo: np.ndarray, target: str, face: int | None = None, all_faces: bool = False, steps: int = 30,
             blend: str = "feather", detail_steps: int = 0) -> tuple[np.ndarray, list[FaceEdit]]:
        """The photo with a face (numbered from the left; default the largest), or every face, turned to `target`."""
        label = self.class_index(target)
        found = detect_faces(photo)
        if not found:
            raise FaceganError("no face found in the photo: use a photo with a frontal face at least 40 pixels wide")
        if face is not None and not 0 <= face < len(found):
            raise FaceganError(f"--face {face} does not exist: the photo has {len(found)} face(s), numbered 0 to {len(found) - 1} from the left")
        if all_faces:
            faces = list(range(len(found)))
        else:
            faces = [face if face is not None else max(range(len(found)), key=lambda i: found[i].size)]
        edits = [self.edit_face(photo, found[index], steps, detail_steps) for index in faces]
        result = photo
        for edit in edits:
            result = paste_face(result, edit.every_class[label], edit.box, blend)
        return result, edits

    def strip(self, edit: FaceEdit) -> tuple[torch.Tensor, list[str]]:
        """Before/after: the crop, its reconstruction, then every class; with the column names."""
        images = torch.cat([edit.original[None], edit.reconstruction[None], edit.every_class])
        return images, ["photo", f"redrawn ({edit.source})", *self.config.class_names]


def edit_photo_file(photo_path: str | Path, checkpoint: str | Path, target: str, out: str | Path, face: int | None = None,
                    all_faces: bool = False, steps: int = 30, blend: str = "feather", strip: bool = False,
                    detail_steps: int = 0) -> tuple[list[FaceEdit], list[Path]]:
    """`facegan edit`: read the photo, edit it, write OUT (and OUT_strip.png per face). The original is never overwritten."""
    out = Path(out)
    if out.resolve() == Path(photo_path).resolve():
        raise FaceganError("--out is the photo itself: choose another file, so the original is kept")
    photo = read_photo(photo_path)
    editor = Editor.load(checkpoint)
    result, edits = editor.edit(photo, target, face, all_faces, steps, blend, detail_steps)
    save_photo(result, out)
    written = [out]
    for number, edit in enumerate(edits if strip else []):
        images, names = editor.strip(edit)
        written.append(out.with_name(f"{out.stem}_strip{number if len(edits) > 1 else ''}.png"))
        visuals.save_labelled_grid(images, written[-1], names)
    return edits, written
