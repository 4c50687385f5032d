"""What the engines that move a face's own pixels share (the geometry engine and the warp translator).

Each face is aligned to FER2013's frame by its five landmarks, the engine computes a field for every
class on the aligned 48-pixel face (`face_fields`), and the field moves the photo's pixels at the
photo's own resolution, through the inverse alignment (facegan.editing.warp). A face already cropped
(`edit_square`, eval-edit's test faces) is its own frame.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from facegan.config import Config
from facegan.editing.align import FRAME, Alignment, align, aligned_crop
from facegan.editing.engine import FaceEdit, class_index, found_faces
from facegan.editing.faces import Box
from facegan.editing.landmarks import photo_landmarks
from facegan.editing.warp import LipSeal, MouthOpening, apply_field, region_box
from facegan.errors import FaceganError
from facegan.metrics.classifier_numpy import expressions

if TYPE_CHECKING:
    import torch


def frame_alignment(square: Box) -> Alignment:
    """A square of the photo taken whole as the 48-pixel frame (a face already cropped like FER2013's)."""
    scale = FRAME / square.size
    shift = 0.5 * scale - 0.5
    return Alignment(np.array([[scale, 0, shift - scale * square.left], [0, scale, shift - scale * square.top]]), FRAME)


Mouths = list["LipSeal | MouthOpening | None"]
"""Per class: what the edit also does to the mouth, at full strength (facegan.editing.warp)."""


def mouth_at(mouth: LipSeal | MouthOpening | None, strength: float) -> LipSeal | MouthOpening | None:
    """A class's mouth change at a strength: a seal closes that share of the lips' gap, an opening parts them by that
    share of its growth."""
    if mouth is None or strength == 0:
        return None
    if isinstance(mouth, LipSeal):
        return LipSeal(mouth.points, strength * mouth.amount)
    return MouthOpening(mouth.points, strength * mouth.growth)


class FieldEngine:
    """An engine whose edits are fields: subclasses give `name`, `config` and `face_fields`."""

    name: str
    config: Config
    controls = ("strength",)
    settings: tuple[str, ...] = ()

    def face_fields(self, photo: np.ndarray, alignment: Alignment, face: np.ndarray, source: int) -> tuple[np.ndarray, Mouths, str]:
        """The field to every class (K, 2, g, g), in pixels of the 48-pixel frame, of the face that `alignment`
        frames in `photo` (its grey 48-pixel crop `face`, uint8 (1, 48, 48), showing expression `source`), what
        each class also does to its mouth, and what the engine held back, for the user (FaceEdit.note)."""
        raise NotImplementedError

    def prepare(self, photo: np.ndarray, alignment: Alignment) -> FaceEdit:
        import cv2

        started = time.perf_counter()
        face = cv2.cvtColor(aligned_crop(photo, alignment), cv2.COLOR_RGB2GRAY)[None]
        source = expressions(face[None])[0]
        fields, mouths, note = self.face_fields(photo, alignment, face, source)
        return FaceEdit(region_box(alignment), face, time.perf_counter() - started, (alignment, fields, source, mouths), note)

    def edit_faces(self, photo: np.ndarray, face: int | None = None, all_faces: bool = False, closer: bool = False) -> list[FaceEdit]:
        import cv2

        boxes, detection = found_faces(photo, face, all_faces)
        grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
        edits = []
        for box in boxes:
            started = time.perf_counter()
            alignment = align(photo_landmarks(grey, box, 5), FRAME)
            aligned = time.perf_counter() - started
            edits.append(replace(self.prepare(photo, alignment), detection=detection, alignment=aligned))
        return edits

    def edit_square(self, photo: np.ndarray, square: Box, closer: bool = False) -> FaceEdit:
        return self.prepare(photo, frame_alignment(square))

    def render(self, photo: np.ndarray, edits: list[FaceEdit], target: str, strength: float = 1.0,
               blend: str = "feather") -> np.ndarray:
        """Every face's pixels moved by its field to `target`, scaled by `strength`; nothing else changes."""
        label = class_index(self.config, target)
        for edit in edits:
            alignment, fields, _, mouths = edit.prepared
            photo = apply_field(photo, alignment, strength * fields[label], mouth_at(mouths[label], strength))
        return photo

    def moved_faces(self, face: np.ndarray | torch.Tensor, fields: np.ndarray, mouths: Mouths | None = None,
                    strength: float = 1.0) -> torch.Tensor:
        """A 48-pixel face (1, 48, 48) moved by every field, at a strength: (K, 1, 48, 48)."""
        import torch

        picture = np.repeat(np.asarray(face).transpose(1, 2, 0), 3, axis=2)
        frame = frame_alignment(Box(0, 0, FRAME))
        mouths = mouths or [None] * len(fields)
        return torch.from_numpy(np.stack([apply_field(picture, frame, strength * field, mouth_at(mouth, strength))[..., :1].transpose(2, 0, 1)
                                          for field, mouth in zip(fields, mouths)]))

    def every_class(self, faces: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
        """Faces already cropped (uint8 (N, 1, 48, 48)) moved to every class, as `facegan edit` moves a photo's."""
        if faces.shape[1] != 1 or faces.shape[-1] != FRAME:
            raise FaceganError(f"the {self.name} engine scores FER2013's 48x48 grayscale faces; got {tuple(faces.shape[1:])}")
        import torch

        frame = frame_alignment(Box(0, 0, FRAME))
        moved = []
        for face, source in zip(faces.numpy(), expressions(faces)):
            picture = np.repeat(face.transpose(1, 2, 0), 3, axis=2)
            fields, mouths, _ = self.face_fields(picture, frame, face, source)
            moved.append(self.moved_faces(face, fields, mouths, strength))
        return torch.stack(moved)

    def expression_of(self, edit: FaceEdit) -> str:
        return self.config.class_names[edit.prepared[2]]

    def describe(self, strength: float = 1.0) -> str:
        return f"{self.name} (strength {strength:g})"


def field_config() -> Config:
    """The config a field engine reports: FER2013's seven expressions on 48-pixel grey faces."""
    return Config(dataset="fer2013", conditional=True, model="warp", image_size=FRAME, channels=1)
