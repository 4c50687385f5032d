"""The geometry engine: each expression's average shape of the face, learned from FER2013's landmarks,
reached by a smooth warp of the photo's own pixels. No network is trained; it is the baseline every
learned engine is measured against, and the teacher of the learned warp.

`fit_geometry` finds dlib's 68 landmarks on every training face, removes each face's pose and size
(a similarity fit of the points an expression barely moves: the nose and the eye corners) and keeps,
per expression, the mean shape and its main modes of variation. A face is edited from the expression
the project's classifier sees in it to the target by the difference of the two means: the mouth
corners, lips, jaw, eyelids and brows move, carried by a thin-plate spline that is still at the face's
border, and the photo is resampled by it at its own resolution (facegan.editing.warp).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from facegan.config import Config
from facegan.data.images import ImageSet
from facegan.editing.align import FRAME, Alignment, align, aligned_crop, similarity
from facegan.editing.engine import FaceEdit, class_index
from facegan.editing.faces import Box, pick_faces
from facegan.editing.landmarks import cropped_landmarks, photo_landmarks
from facegan.editing.warp import apply_field, region_box, thin_plate_field
from facegan.errors import FaceganError
from facegan.weights import read_tagged, save_tagged

SHIPPED = Path(__file__).parent / "weights" / "fer2013_geometry.pt"
KIND = "facegan-geometry"
RIGID = (*range(27, 36), 36, 39, 42, 45)
"""The nose and the eye corners: the landmarks each face's pose is fitted on."""
MODES = 4
GRID = 24
"""The field's grid over the 48-pixel frame: one value per 2 pixels, smooth by construction."""
GAIN = 1.0
"""Strength 1 moves the landmarks by this many times the difference of the two expressions' means."""
ANCHORS = np.array([(x, y) for x in np.linspace(-4, 51, 8) for y in np.linspace(-4, 51, 8)
                    if min(x, y) < 0 or max(x, y) > 47], np.float64)
"""Points around the frame that stay where they are: the spline is still at the face's border."""


@dataclass
class Geometry:
    """Per expression: the mean shape (68, 2) and its modes (MODES, 68, 2) with their spread, in FER2013's frame."""

    class_names: tuple[str, ...]
    reference: np.ndarray  # (68, 2): every face's mean shape, the frame the others are fitted in
    means: np.ndarray  # (K, 68, 2)
    modes: np.ndarray  # (K, MODES, 68, 2), unit vectors
    spread: np.ndarray  # (K, MODES): the standard deviation along each mode, in pixels
    counts: np.ndarray  # (K,)

    def move(self, source: int, target: int) -> np.ndarray:
        """How the landmarks (68, 2) move from one expression's mean shape to another's."""
        return self.means[target] - self.means[source]


def pose_removed(shapes: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each shape (N, 68, 2) moved by the similarity that best puts its rigid points on the reference's."""
    rigid = list(RIGID)
    fitted = np.empty_like(shapes)
    for index, shape in enumerate(shapes):
        matrix = similarity(shape[rigid], reference[rigid])
        fitted[index] = shape @ matrix[:, :2].T + matrix[:, 2]
    return fitted


def face_landmarks(faces: torch.Tensor) -> np.ndarray:
    """dlib's 68 landmarks of faces cropped like FER2013's (uint8 (N, 1, s, s)), in the 48-pixel frame, (N, 68, 2)."""
    side = faces.shape[-1]
    points = np.stack([cropped_landmarks(face[0].numpy(), 68) for face in faces])
    return (points + 0.5) * FRAME / side - 0.5


def fit_geometry(landmarks: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], modes: int = MODES) -> Geometry:
    """The statistics above from the landmarks (N, 68, 2) of labelled faces."""
    reference = landmarks.mean(0)
    for _ in range(2):  # generalised Procrustes: twice is enough for the mean to settle
        shapes = pose_removed(landmarks, reference)
        reference = shapes.mean(0)
    means, all_modes, spread, counts = [], [], [], []
    for label in range(len(class_names)):
        own = shapes[labels == label].reshape(-1, 68 * 2)
        if len(own) <= modes:
            raise FaceganError(f"'{class_names[label]}' has {len(own)} faces with landmarks: the geometry needs more than {modes}")
        centred = own - own.mean(0)
        _, singular, vt = np.linalg.svd(centred, full_matrices=False)
        means.append(own.mean(0).reshape(68, 2))
        all_modes.append(vt[:modes].reshape(modes, 68, 2))
        spread.append(singular[:modes] / np.sqrt(len(own) - 1))
        counts.append(len(own))
    return Geometry(tuple(class_names), reference, np.stack(means), np.stack(all_modes), np.stack(spread), np.array(counts))


def train_geometry(train: ImageSet, out: str | Path, log=print) -> Geometry:
    """`facegan train-geometry`: the statistics of a FER2013-like training set, saved in half precision."""
    started = time.perf_counter()
    landmarks = face_landmarks(train.images)
    geometry = fit_geometry(landmarks, train.labels.numpy(), train.class_names)
    save_geometry(geometry, out, {"faces": len(train), "seconds": round(time.perf_counter() - started, 1)})
    log(describe_moves(geometry))
    return geometry


def describe_moves(geometry: Geometry) -> str:
    """A few of the mean moves from neutral, in eye distances: what a reader checks the statistics by."""
    neutral = geometry.class_names.index("neutral") if "neutral" in geometry.class_names else 0
    eyes = np.linalg.norm(geometry.reference[36:42].mean(0) - geometry.reference[42:48].mean(0))
    lines = []
    for label, name in enumerate(geometry.class_names):
        move = geometry.move(neutral, label) / eyes
        width = (move[54, 0] - move[48, 0])
        corners = -(move[48, 1] + move[54, 1]) / 2
        opening = move[57, 1] - move[51, 1]
        brows = -move[17:27, 1].mean()
        lines.append(f"{name}: mouth wider by {width:+.3f}, corners up {corners:+.3f}, open {opening:+.3f}, brows up {brows:+.3f}")
    return "\n".join(lines)


def save_geometry(geometry: Geometry, out: str | Path, facts: dict) -> None:
    arrays = {key: torch.from_numpy(np.asarray(getattr(geometry, key), np.float32)).half()
              for key in ("reference", "means", "modes", "spread")}
    save_tagged({"class_names": list(geometry.class_names), **arrays, "counts": torch.from_numpy(geometry.counts), "facts": facts},
                KIND, Path(out))


def load_geometry(path: str | Path = SHIPPED) -> Geometry:
    saved = read_tagged(path, KIND, "facegan geometry file", "reinstall facegan, or pass a file from 'facegan train-geometry'",
                        {"class_names": list, "reference": torch.Tensor, "means": torch.Tensor, "modes": torch.Tensor,
                         "spread": torch.Tensor, "counts": torch.Tensor})
    return Geometry(tuple(saved["class_names"]), *(saved[key].float().numpy().astype(np.float64)
                                                   for key in ("reference", "means", "modes", "spread")), saved["counts"].numpy())


def frame_alignment(square: Box) -> Alignment:
    """A square of the photo taken whole as the 48-pixel frame (a face already cropped like FER2013's)."""
    scale = FRAME / square.size
    shift = 0.5 * scale - 0.5
    return Alignment(np.array([[scale, 0, shift - scale * square.left], [0, scale, shift - scale * square.top]]), FRAME)


class GeometryEngine:
    """Moves each face's landmarks from its own expression's mean shape to the target's, by a warp."""

    name = "geometry"
    controls = ("strength",)
    settings: tuple[str, ...] = ()

    def __init__(self, geometry: Geometry) -> None:
        self.geometry = geometry
        self.config = Config(dataset="fer2013", conditional=True, model="translator", image_size=FRAME, channels=1)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "GeometryEngine":
        return cls(load_geometry(SHIPPED if path is None else path))

    def fields(self, landmarks: np.ndarray, source: int) -> np.ndarray:
        """The backward field to every class (K, 2, GRID, GRID) of a face with `landmarks` (68, 2) in the frame."""
        fields = np.zeros((len(self.geometry.class_names), 2, GRID, GRID), np.float32)
        still = np.vstack([landmarks, ANCHORS])
        for target in range(len(fields)):
            if target != source:
                moved = np.vstack([landmarks + GAIN * self.geometry.move(source, target), ANCHORS])
                fields[target] = thin_plate_field(still, moved, FRAME, GRID)
        return fields

    def prepare(self, photo: np.ndarray, alignment: Alignment, landmarks: np.ndarray) -> FaceEdit:
        """A face whose landmarks (68, 2, in the frame) and alignment are known, prepared in every class."""
        import cv2

        started = time.perf_counter()
        crop = cv2.cvtColor(aligned_crop(photo, alignment), cv2.COLOR_RGB2GRAY)
        original = torch.from_numpy(crop)[None]
        source = self.sources(original[None])[0]
        prepared = (alignment, self.fields(landmarks, source), source)
        return FaceEdit(region_box(alignment), original, time.perf_counter() - started, prepared)

    def sources(self, faces: torch.Tensor) -> list[int]:
        """The expression the project's classifier sees in each uint8 face (N, 1, 48, 48)."""
        from facegan.editing.translate import expression_classifier
        from facegan.metrics.classifier import predict

        return predict(expression_classifier(), faces)[0].argmax(1).tolist()

    def edit_faces(self, photo: np.ndarray, face: int | None = None, all_faces: bool = False, closer: bool = False) -> list[FaceEdit]:
        import cv2

        grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
        edits = []
        for found in pick_faces(photo, face, all_faces):
            alignment = align(photo_landmarks(grey, found, 5), FRAME)
            edits.append(self.prepare(photo, alignment, alignment.to_crop(photo_landmarks(grey, found, 68))))
        return edits

    def edit_square(self, photo: np.ndarray, square: Box, closer: bool = False) -> FaceEdit:
        alignment = frame_alignment(square)
        crop = aligned_crop(photo, alignment)
        import cv2

        grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
        return self.prepare(photo, alignment, (cropped_landmarks(grey, 68) + 0.5) * FRAME / grey.shape[0] - 0.5)

    def render(self, photo: np.ndarray, edits: list[FaceEdit], target: str, strength: float = 1.0,
               blend: str = "feather") -> np.ndarray:
        label = class_index(self.config, target)
        for edit in edits:
            alignment, fields, _ = edit.prepared
            photo = apply_field(photo, alignment, strength * fields[label])
        return photo

    def warped_crops(self, face: torch.Tensor, fields: np.ndarray) -> torch.Tensor:
        """A 48-pixel face (1, 48, 48) warped by every field: (K, 1, 48, 48)."""
        picture = np.repeat(face.permute(1, 2, 0).numpy(), 3, axis=2)
        identity = frame_alignment(Box(0, 0, FRAME))
        return torch.stack([torch.from_numpy(apply_field(picture, identity, field)[..., :1]).permute(2, 0, 1) for field in fields])

    def strip(self, edit: FaceEdit, strength: float = 1.0) -> tuple[torch.Tensor, list[str]]:
        _, fields, _ = edit.prepared
        return torch.cat([edit.original[None], self.warped_crops(edit.original, strength * fields)]), ["photo", *self.config.class_names]

    def every_class(self, faces: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
        if faces.shape[-1] != FRAME or faces.shape[1] != 1:
            raise FaceganError(f"the geometry engine edits FER2013's 48x48 grayscale faces; got {tuple(faces.shape[1:])}")
        sources = self.sources(faces)
        landmarks = face_landmarks(faces)
        return torch.stack([self.warped_crops(face, strength * self.fields(points, source))
                            for face, points, source in zip(faces, landmarks, sources)])

    def expression_of(self, edit: FaceEdit) -> str:
        return self.config.class_names[edit.prepared[2]]

    def describe(self, strength: float = 1.0) -> str:
        return f"geometry (strength {strength:g})"
