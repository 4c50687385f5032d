"""Editing by inversion: a conditional DCGAN redraws the face in every class.

Each face is inverted (facegan.editing.inversion: the encoder's guess, refined for `steps` on z and
`detail_steps` on G's feature maps) and redrawn as every class; the redrawn face is blended back into
the photo.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from facegan import visuals
from facegan.config import Config
from facegan.editing.blend import paste_face
from facegan.editing.engine import FaceEdit, class_index, found_faces
from facegan.editing.faces import Box, crop_box, cut
from facegan.editing.inversion import Features, feature_network, invert, load_encoder
from facegan.errors import FaceganError
from facegan.models.checkpoint import generator_of, load_checkpoint, run_folder

CLOSER_DETAIL_STEPS = 50
"""Detail steps for the "closer" control when none are set (docs/results.md: editing by inversion)."""


class InversionEngine:
    """A conditional model, the encoder trained for it (RUN/encoder.pt) and the feature network that
    refinement matches faces in."""

    name = "inversion"
    controls = ("closer",)
    settings = ("steps", "detail_steps")

    def __init__(self, config: Config, generator: torch.nn.Module, encoder: torch.nn.Module, features: Features,
                 steps: int = 30, detail_steps: int = 0) -> None:
        self.config, self.generator, self.encoder, self.features = config, generator, encoder, features
        self.steps, self.detail_steps = steps, detail_steps

    @classmethod
    def load(cls, path: str | Path | None = None, steps: int = 30, detail_steps: int = 0) -> "InversionEngine":
        if path is None:
            raise FaceganError("inversion needs a conditional model: pass --checkpoint RUN/checkpoint.pt (with its RUN/encoder.pt)")
        state = load_checkpoint(path)
        config, generator = generator_of(state, path)
        if not config.conditional:
            raise FaceganError("editing needs a conditional model (facegan train --conditional): it renders one face in every expression")
        encoder = load_encoder(run_folder(path) / "encoder.pt", state["step"])
        return cls(config, generator.eval().requires_grad_(False), encoder, feature_network(config), steps, detail_steps)

    @torch.no_grad()
    def draw_every_class(self, layout: torch.Tensor, detail: torch.Tensor) -> torch.Tensor:
        """One inverted face (its layout and detail, (1, ...) each) drawn as every class."""
        classes = len(self.config.class_names)
        return visuals.to_uint8(self.generator.draw(layout.repeat(classes, 1, 1, 1), torch.arange(classes),
                                                    detail.repeat(classes, 1, 1, 1)))

    def every_class(self, faces: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
        layout, detail, _ = invert(self.generator, self.encoder, self.features, faces, self.steps, self.detail_steps)
        return torch.stack([self.draw_every_class(layout[i : i + 1], detail[i : i + 1]) for i in range(len(faces))])

    def edit_faces(self, photo: np.ndarray, face: int | None = None, all_faces: bool = False, closer: bool = False) -> list[FaceEdit]:
        boxes, detection = found_faces(photo, face, all_faces)
        return [replace(self.edit_square(photo, crop_box(found, self.config.dataset), closer), detection=detection) for found in boxes]

    def edit_square(self, photo: np.ndarray, square: Box, closer: bool = False) -> FaceEdit:
        started = time.perf_counter()
        detail_steps = (self.detail_steps or CLOSER_DETAIL_STEPS) if closer else self.detail_steps
        original = cut(photo, square, self.config.image_size, self.config.channels)
        layout, detail, source = invert(self.generator, self.encoder, self.features, torch.from_numpy(original)[None], self.steps, detail_steps)
        every_class = self.draw_every_class(layout, detail)  # the source class among them is the reconstruction
        return FaceEdit(square, original, time.perf_counter() - started, (every_class, int(source)))

    def render(self, photo: np.ndarray, edits: list[FaceEdit], target: str, strength: float = 1.0,
               blend: str = "feather") -> np.ndarray:
        """Every face redrawn as `target`, blended back in."""
        label = class_index(self.config, target)
        for edit in edits:
            photo = paste_face(photo, edit.prepared[0][label], edit.box, blend)
        return photo

    def expression_of(self, edit: FaceEdit) -> str:
        """The class the encoder read in the face."""
        return self.config.class_names[edit.prepared[1]]

    def describe(self, strength: float = 1.0) -> str:
        return f"inversion ({self.steps} steps, {self.detail_steps} detail steps)"
