"""What an editing engine is to the command line, the web page and `eval-edit`: the one interface they use.

An engine works on the faces of a photo in two steps: `edit_faces` finds the faces and prepares each in
every class the model renders (the slow part, done once), and `render` draws the photo with them turned
to one class, at a strength. So `--to all`, the web page's slider and the seven columns of a strip cost
one preparation. `facegan.editing.registry` names the engines and loads one from a weight file; adding
an engine is one file with a class like these and one line there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from facegan.config import Config
from facegan.editing.faces import Box, pick_faces
from facegan.errors import FaceganError

if TYPE_CHECKING:
    import torch

CONTROLS = {
    "strength": "how much of the change to apply, from 0 (the photo) to 1 (all of it)",
    "closer": "refine the face further, to keep more of the photo's own detail (slower, a weaker change)",
}
"""What a user may set for each edit; an engine lists those it uses in its `controls`."""


@dataclass
class FaceEdit:
    """One face of a photo, prepared in every class."""

    box: Box  # the square of the photo the engine saw
    original: np.ndarray  # uint8 (C, s, s): that square at the model's size
    seconds: float  # how long the preparation took
    prepared: Any  # the engine's own record of the face in every class
    note: str = ""  # what the engine held back on this face, and why, for the user ("" when nothing)
    detection: float = 0.0  # how long finding the photo's faces took (one search for all of them)
    alignment: float = 0.0  # how long its landmarks and alignment took, for an engine that aligns faces

    def finding(self) -> str:
        """How long finding the face, and aligning it, took, for messages beside the edit's own time."""
        return f"found in {self.detection:.3f} s" + (f", aligned in {self.alignment:.3f} s" if self.alignment else "")


class EditEngine(Protocol):
    name: str  # as `--engine` names it
    config: Config  # the model's: its class names, dataset and image shape
    controls: tuple[str, ...]  # the CONTROLS its edits use

    def edit_faces(self, photo: np.ndarray, face: int | None = None, all_faces: bool = False,
                   closer: bool = False) -> list[FaceEdit]:
        """Face number `face` (from the left), every face, or by default the largest, prepared in every class."""

    def edit_square(self, photo: np.ndarray, square: Box, closer: bool = False) -> FaceEdit:
        """The face in `square`, already framed as the model's data was (no detection, no margin), prepared."""

    def render(self, photo: np.ndarray, edits: list[FaceEdit], target: str, strength: float = 1.0,
               blend: str = "feather") -> np.ndarray:
        """A copy of the photo with every edited face turned to `target`; nothing outside the faces changes."""

    def every_class(self, faces: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
        """Faces already cropped (uint8 (N, C, s, s)) turned to every class: uint8 (N, K, C, s, s), for `eval-edit`."""

    def expression_of(self, edit: FaceEdit) -> str:
        """What the face shows before the edit, for messages."""

    def describe(self, strength: float = 1.0) -> str:
        """The engine and its settings, in a few words, for reports."""


def found_faces(photo: np.ndarray, face: int | None, all_faces: bool) -> tuple[list[Box], float]:
    """`pick_faces`, and the seconds it took: the command reports the search apart from each face's edit, since on a
    large photo it can take longer than the edit."""
    started = time.perf_counter()
    return pick_faces(photo, face, all_faces), time.perf_counter() - started


def class_index(config: Config, name: str) -> int:
    """The label of a class the model renders, or one line naming the ones it does."""
    if name not in config.class_names:
        raise FaceganError(f"'{name}' is not something this model renders: choose one of {', '.join(config.class_names)}")
    return config.class_names.index(name)


def check_controls(engine: EditEngine, strength: float | None = None, closer: bool = False) -> float:
    """The strength to apply (1 when not given), after refusing a control the engine does not use and a
    strength out of [0, 1]."""
    asked = [name for name, given in (("strength", strength is not None), ("closer", closer)) if given]
    for name in asked:
        if name not in engine.controls:
            uses = ", ".join(engine.controls) or "none"
            raise FaceganError(f"the {engine.name} engine has no '{name}' control ({CONTROLS[name]}); it uses: {uses}")
    if strength is not None and not 0 <= strength <= 1:
        raise FaceganError(f"strength {strength} is out of range: pass a number from 0 (the photo unchanged) to 1 (the full edit)")
    return 1.0 if strength is None else strength
