"""Faces aligned to FER2013's frame by their landmarks, and mapped back to the photo exactly.

An alignment is one similarity transform (rotation, scale, shift) from the photo's pixels to the crop's,
fitted by least squares (Umeyama 1991) from the face's five landmarks to where FER2013's faces have
them on average. A tilted head comes out upright, framed as the training faces were, and whatever is
computed on the crop (a displacement field, landmarks) maps back to the photo through the inverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facegan.editing.faces import Box

FRAME = 48
"""FER2013's side: the face's region below is given in its pixels."""
FACE_CENTRE = (23.5, 25.0)
FACE_AXES = (19.0, 23.0)
"""The face's ellipse in FER2013's frame: a field moves the face fully inside it."""
FADE_REACH = 1.25
"""The move fades out between the ellipse and this many times its size, past the frame's edge where a
photo goes on: no seam where the moving face meets the still photo."""
TEMPLATE = np.array([[35.17, 17.85], [28.30, 18.21], [11.37, 18.10], [18.25, 18.32], [23.37, 30.98]])
"""dlib's five landmarks (the right eye's outer and inner corner, the left eye's outer and inner corner,
the base of the nose), averaged over FER2013's 28,709 training faces (`facegan.editing.geometry`)."""


def face_region(crop_x: np.ndarray, crop_y: np.ndarray, size: int) -> np.ndarray:
    """How much of a field applies at crop points (pixels of a crop of `size`): 1 on the face, easing to 0
    at FADE_REACH times the face's ellipse."""
    frame_x, frame_y = ((crop_x + 0.5) * FRAME / size - 0.5, (crop_y + 0.5) * FRAME / size - 0.5)
    reach = np.hypot((frame_x - FACE_CENTRE[0]) / FACE_AXES[0], (frame_y - FACE_CENTRE[1]) / FACE_AXES[1])
    ease = np.clip((FADE_REACH - reach) / (FADE_REACH - 1), 0, 1)
    return (ease * ease * (3 - 2 * ease)).astype(np.float32)


@dataclass(frozen=True)
class Alignment:
    """photo (x, y) -> crop (x, y): `matrix` (2, 3), for a crop of `size` pixels."""

    matrix: np.ndarray
    size: int

    @property
    def inverse(self) -> np.ndarray:
        """crop -> photo, (2, 3)."""
        import cv2

        return cv2.invertAffineTransform(self.matrix)

    @property
    def scale(self) -> float:
        """Crop pixels per photo pixel."""
        return float(np.sqrt(abs(np.linalg.det(self.matrix[:, :2]))))

    def resized(self, size: int) -> "Alignment":
        """The same framing in a crop of `size` pixels (pixel centres kept)."""
        scale = size / self.size
        matrix = self.matrix * scale
        matrix[:, 2] += 0.5 * scale - 0.5
        return Alignment(matrix, size)

    def to_crop(self, points: np.ndarray) -> np.ndarray:
        return points @ self.matrix[:, :2].T + self.matrix[:, 2]

    def to_photo(self, points: np.ndarray) -> np.ndarray:
        inverse = self.inverse
        return points @ inverse[:, :2].T + inverse[:, 2]

    def box(self) -> Box:
        """The smallest square of the photo that holds the whole crop."""
        corners = self.to_photo(np.array([[0, 0], [self.size, 0], [0, self.size], [self.size, self.size]], np.float64) - 0.5)
        left, top = np.floor(corners.min(0)).astype(int)
        right, bottom = np.ceil(corners.max(0)).astype(int)
        return Box(int(left), int(top), int(max(right - left, bottom - top)) + 1)


def similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The rotation, uniform scale and shift that best map points `source` (n, 2) onto `target` (n, 2), (2, 3)."""
    source_mean, target_mean = source.mean(0), target.mean(0)
    source_centred, target_centred = source - source_mean, target - target_mean
    u, singular, vt = np.linalg.svd(target_centred.T @ source_centred / len(source))
    reflect = np.diag([1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt))])
    rotation = u @ reflect @ vt
    scale = np.trace(np.diag(singular) @ reflect) / (source_centred**2).sum(1).mean()
    return np.hstack([scale * rotation, (target_mean - scale * rotation @ source_mean)[:, None]])


def frame_points(points: np.ndarray, size: int) -> np.ndarray:
    """Points given in FER2013's 48-pixel frame, in a crop of `size` pixels (pixel centres kept)."""
    return (points + 0.5) * size / FRAME - 0.5


def align(landmarks: np.ndarray, size: int) -> Alignment:
    """The alignment that puts a face's five landmarks (5, 2) where FER2013's are, in a crop of `size` pixels."""
    return Alignment(similarity(landmarks, frame_points(TEMPLATE, size)), size)


def aligned_crop(photo: np.ndarray, alignment: Alignment) -> np.ndarray:
    """The crop (size, size, C) of a uint8 photo. A face larger than the crop is first shrunk by area
    averaging, so the crop does not alias; pixels beyond the photo repeat its edge."""
    import cv2

    matrix = alignment.matrix
    shrink = int(1 / alignment.scale)
    if shrink >= 2:
        height, width = photo.shape[0] // shrink * shrink, photo.shape[1] // shrink * shrink
        small = cv2.resize(photo[:height, :width], (width // shrink, height // shrink), interpolation=cv2.INTER_AREA)
        to_small = np.array([[1 / shrink, 0, 0.5 / shrink - 0.5], [0, 1 / shrink, 0.5 / shrink - 0.5]])
        matrix = matrix @ np.vstack([cv2.invertAffineTransform(to_small), [0, 0, 1]])
        photo = small
    crop = cv2.warpAffine(photo, matrix, (alignment.size, alignment.size), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return crop.reshape(alignment.size, alignment.size, -1)


def back_to_photo(crop: np.ndarray, alignment: Alignment, height: int, width: int) -> np.ndarray:
    """The crop drawn back in the photo's pixels (height, width, C): the inverse of `aligned_crop`."""
    import cv2

    drawn = cv2.warpAffine(crop, alignment.inverse, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return drawn.reshape(height, width, -1)
