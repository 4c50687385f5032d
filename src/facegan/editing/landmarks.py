"""Facial landmarks from dlib's shape predictors, which ship inside the `face-recognition-models` wheel
(offline), run by facegan.editing.shape_predictor: dlib's own predictions, without dlib's 0.6-0.9 s read
of the 68-point model on every run.

- The 5-point model (eye corners and the base of the nose) aligns faces. Its training data (dlib's own
  5-point data set) carries no restriction on commercial use.
- The 68-point model (iBUG 300-W's markup: jaw, brows, nose, eyes, lips) places the geometry engine's
  moves. Its training data, 300-W, is licensed for research only: commercial use is not allowed.

dlib's predictors were trained inside the boxes of dlib's own HOG detector. facegan finds faces with
OpenCV's Haar cascade (facegan.editing.faces) and turns its box into the HOG detector's: on 150 CelebA
faces the HOG box sits 5% of the side right of the Haar box, 11% below it, and is 0.90 as wide
(docs/results.md). On a face cropped like FER2013's, the HOG box is the crop less a thin border.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

from facegan.editing.faces import HAAR_TO_HOG, Box, upright_square
from facegan.editing.shape_predictor import ShapePredictor, load_predictor
from facegan.errors import FaceganError

MODEL_FILES = {5: "shape_predictor_5_face_landmarks.dat", 68: "shape_predictor_68_face_landmarks.dat"}
CROPPED_TO_HOG = (0.03, 0.08, 0.915, 0.95)
"""The HOG box of a face cropped like FER2013's, as shares of the side: left, top, right, bottom (the mean
of the HOG detector's boxes on 66 FER2013 training faces upscaled to 192 pixels)."""


def model_folder() -> Path:
    """face_recognition_models' weights, found without importing it (its import needs pkg_resources)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("face_recognition_models")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


@functools.cache
def predictor(points: int) -> ShapePredictor:
    """dlib's `points`-point shape predictor, read once per process."""
    try:
        return load_predictor(model_folder() / MODEL_FILES[points])
    except (ImportError, FileNotFoundError):
        raise FaceganError("dlib's landmark models are missing: pip install face-recognition-models") from None


def landmarks_in(grey: np.ndarray, left: float, top: float, right: float, bottom: float, points: int) -> np.ndarray:
    """The landmarks (points, 2) as float (x, y) pixels of a grayscale uint8 image, found inside a HOG-style box
    (corners inclusive, rounded to whole pixels as dlib.rectangle's)."""
    return predictor(points)(grey, *(int(round(side)) for side in (left, top, right, bottom)))


def photo_landmarks(grey: np.ndarray, face: Box, points: int = 5) -> np.ndarray:
    """The landmarks of the face the Haar detector boxed in `face`; for a face found rolled (`Box.roll`), found in the
    square around it turned upright, as the predictors were trained, and turned back."""
    if face.roll:
        return rolled_landmarks(grey, face, points)
    shift_x, shift_y, scale = HAAR_TO_HOG
    left, top, side = face.left + shift_x * face.size, face.top + shift_y * face.size, scale * face.size
    return landmarks_in(grey, left, top, left + side, top + side, points)


def rolled_landmarks(grey: np.ndarray, face: Box, points: int) -> np.ndarray:
    """The landmarks of a face found rolled, in the photo's pixels: the square of twice the box's side around its
    centre, turned upright, holds the face with room for the predictor's reach past the box."""
    import cv2

    square, turning = upright_square(grey, Box(face.left - face.size // 2, face.top - face.size // 2, 2 * face.size, face.roll))
    back = cv2.invertAffineTransform(turning)
    return photo_landmarks(square, Box(face.size // 2, face.size // 2, face.size), points) @ back[:, :2].T + back[:, 2]


def cropped_landmarks(grey: np.ndarray, points: int = 5, upscale_to: int = 192) -> np.ndarray:
    """The landmarks of a face already cropped like FER2013's (grayscale uint8 (s, s)), in its own pixels.
    A small crop is upscaled first: dlib's predictors were trained on faces of 80 pixels and more."""
    import cv2

    side = grey.shape[0]
    scale = max(1.0, upscale_to / side)
    big = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if scale > 1 else grey
    size = big.shape[0]
    left, top, right, bottom = (share * size for share in CROPPED_TO_HOG)
    return (landmarks_in(big, left, top, right, bottom, points) + 0.5) / scale - 0.5
