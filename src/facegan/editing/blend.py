"""Putting an edited face back into the full-resolution photo so that nothing outside its box changes.

A grayscale (FER2013) model edits only brightness: its output replaces the luminance of the face
region and the photo's own colour (chroma) is kept, so a colour photo stays in colour. The translator's
edit is applied at the photo's own resolution: its mask keeps the photo's own pixels where the
expression does not need a change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from facegan.editing.faces import Box, upright_square

if TYPE_CHECKING:
    import torch

BLENDS = ("feather", "seamless")


def feathered_mask(size: int) -> np.ndarray:
    """An ellipse over the face that fades to 0 well inside the box's edges, as float (size, size)."""
    import cv2

    mask = np.zeros((size, size), np.float32)
    centre = (size // 2, size // 2)
    cv2.ellipse(mask, centre, (int(size * 0.36), int(size * 0.44)), 0, 0, 360, 1.0, -1)
    sigma = max(1.0, size * 0.06)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    border = max(1, int(size * 0.04))
    mask[:border], mask[-border:], mask[:, :border], mask[:, -border:] = 0, 0, 0, 0
    return mask


def with_luminance(region: np.ndarray, luminance: np.ndarray) -> np.ndarray:
    """The RGB region with its luminance replaced and its own colour (chroma) kept."""
    import cv2

    ycrcb = cv2.cvtColor(region, cv2.COLOR_RGB2YCrCb)
    ycrcb[..., 0] = np.clip(luminance + 0.5, 0, 255).astype(np.uint8)
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)


def render_into_region(region: np.ndarray, face: torch.Tensor) -> np.ndarray:
    """The edited face at the region's size, in colour: a grayscale face becomes the region's new luminance."""
    import cv2

    size = region.shape[0]
    face = face.permute(1, 2, 0).numpy()
    face = cv2.resize(face, (size, size), interpolation=cv2.INTER_CUBIC).reshape(size, size, -1)
    if face.shape[2] == 3:
        return face
    return with_luminance(region, face[..., 0].astype(np.float32))


def translate_region(region: np.ndarray, mask: torch.Tensor, colour: torch.Tensor) -> np.ndarray:
    """GANimation's composite at the photo's own resolution: the translator's mask A (1, s, s) in [0, 1]
    and colour map C (C, s, s) in [-1, 1], upsampled smoothly to the region, give A * photo + (1 - A) * C.
    Where A is 1 the photo's own pixels stay, sharp. A grayscale translator's C is luminance, so the
    photo's own colour is kept everywhere; a colour translator's C is RGB, every channel of it."""
    import cv2

    size = region.shape[0]
    mask = cv2.resize(mask[0].float().numpy(), (size, size), interpolation=cv2.INTER_LINEAR)
    painted = (colour.float().permute(1, 2, 0).numpy() + 1) * 127.5
    painted = cv2.resize(painted, (size, size), interpolation=cv2.INTER_CUBIC).reshape(size, size, -1)
    if painted.shape[2] == 3:
        mask = mask[..., None]
        return np.clip(mask * region.astype(np.float32) + (1 - mask) * painted + 0.5, 0, 255).astype(np.uint8)
    luminance = cv2.cvtColor(region, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return with_luminance(region, mask * luminance + (1 - mask) * painted[..., 0])


def paste_face(photo: np.ndarray, face: torch.Tensor, box: Box, blend: str = "feather") -> np.ndarray:
    """A copy of the photo with `face` (uint8 (C, s, s)) blended into `box`; pixels outside the box
    are left exactly as they were."""
    return paste_region(photo, box, lambda region: render_into_region(region, face), blend)


def paste_translation(photo: np.ndarray, mask: torch.Tensor, colour: torch.Tensor, box: Box, blend: str = "feather") -> np.ndarray:
    """A copy of the photo with the translator's edit applied at full resolution inside `box` (see
    `translate_region`); pixels outside the box are left exactly as they were."""
    return paste_region(photo, box, lambda region: translate_region(region, mask, colour), blend)


def paste_region(photo: np.ndarray, box: Box, render: Callable[[np.ndarray], np.ndarray], blend: str) -> np.ndarray:
    """Blend `render(region)` (RGB uint8, the box's size, turned upright by its roll) back into a copy of the photo,
    inside the box only."""
    import cv2

    height, width = photo.shape[:2]
    if box.roll:
        region, to_square = upright_square(photo, box)
        corners = cv2.transform(np.array([[[0, 0], [box.size, 0], [0, box.size], [box.size, box.size]]], np.float32) - 0.5,
                                cv2.invertAffineTransform(to_square))[0]
        left, top = np.maximum(np.floor(corners.min(0)).astype(int), 0)
        right, bottom = np.minimum(np.ceil(corners.max(0)).astype(int) + 1, (width, height))
        if right <= left or bottom <= top:
            return photo.copy()
        back = cv2.invertAffineTransform(to_square @ np.array([[1, 0, left], [0, 1, top], [0, 0, 1]], np.float64))
        turned_back = lambda picture: cv2.warpAffine(picture, back, (right - left, bottom - top), flags=cv2.INTER_LINEAR)
        edited, mask = turned_back(render(region)), turned_back(feathered_mask(box.size))
    else:
        left, top = max(box.left, 0), max(box.top, 0)
        right, bottom = min(box.left + box.size, width), min(box.top + box.size, height)
        if right <= left or bottom <= top:
            return photo.copy()
        inner = (slice(top - box.top, bottom - box.top), slice(left - box.left, right - box.left))
        region = np.zeros((box.size, box.size, 3), np.uint8)
        region[inner] = photo[top:bottom, left:right]
        edited, mask = render(region)[inner], feathered_mask(box.size)[inner]
    result = photo.copy()
    if blend == "seamless":
        binary = (mask > 0.5).astype(np.uint8) * 255
        if binary.any():
            ys, xs = np.nonzero(binary)
            centre = (left + (xs.min() + xs.max() + 1) // 2, top + (ys.min() + ys.max() + 1) // 2)
            # OpenCV erodes the mask it is given in place, and changes pixels anywhere in its bounding rectangle, which
            # for a rolled box reaches past the box: the clone is kept only inside the mask
            cloned = cv2.seamlessClone(np.ascontiguousarray(edited), photo, binary.copy(), centre, cv2.NORMAL_CLONE)
            result[top:bottom, left:right] = np.where(binary[..., None] > 0, cloned[top:bottom, left:right], photo[top:bottom, left:right])
        return result
    alpha = mask[..., None]
    old = photo[top:bottom, left:right].astype(np.float32)
    result[top:bottom, left:right] = np.clip(alpha * edited + (1 - alpha) * old + 0.5, 0, 255).astype(np.uint8)
    return result
