"""Scores that marks drawn on a face cannot win (issue 26).

A classifier reads dark strokes on a brow as anger, and a feature distance can overlook them. These
scores look at how an edit changed the face instead:
- paint share: the share of the change's energy that no smooth motion of the original's own pixels
  explains (DIS optical flow from the original to the edit, then what the moved original leaves over).
  A warp scores near 0, a drawn stroke near 1;
- expression after a blur (sigma 1 pixel at 48x48) and a JPEG round trip at quality 50, which wash out
  fine marks and keep shape;
- at the photo's resolution: the face's sharpness (variance of the Laplacian) and mean saturation,
  edited over original, which show smudging and greying.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

FLOW_SIDE = 192
"""Faces smaller than this are upscaled before the flow: DIS needs a few pixels per feature."""
BLUR_SIGMA = 1.0
JPEG_QUALITY = 50


def grey_float(picture: np.ndarray) -> np.ndarray:
    """A uint8 (H, W) or (H, W, C) picture as float32 luminance."""
    import cv2

    if picture.ndim == 3 and picture.shape[2] == 3:
        picture = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    return picture.reshape(picture.shape[:2]).astype(np.float32)


def paint_share(original: np.ndarray, edited: np.ndarray, region: np.ndarray | None = None) -> float:
    """The share of the change from `original` to `edited` (uint8 pictures of one size) that the original's
    pixels, moved by the optical flow between the two, do not explain; inside `region` (a float weight
    (H, W), default everywhere). 0 when nothing changed."""
    import cv2

    before, after = grey_float(original), grey_float(edited)
    weight = np.ones_like(before) if region is None else region.astype(np.float32)
    scale = max(1.0, FLOW_SIDE / max(before.shape))
    if scale > 1:
        size = (int(round(before.shape[1] * scale)), int(round(before.shape[0] * scale)))
        before, after, weight = (cv2.resize(picture, size, interpolation=cv2.INTER_CUBIC) for picture in (before, after, weight))
    change = ((after - before) ** 2 * weight).sum()
    if change < 1e-6 * weight.sum():
        return 0.0
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(
        np.clip(after, 0, 255).astype(np.uint8), np.clip(before, 0, 255).astype(np.uint8), None)
    height, width = before.shape
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    moved = cv2.remap(before, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return float(min(1.0, ((after - moved) ** 2 * weight).sum() / change))


def paint_shares(originals: torch.Tensor, edits: torch.Tensor) -> torch.Tensor:
    """paint_share of each pair of uint8 faces (N, C, s, s)."""
    return torch.tensor([paint_share(a.permute(1, 2, 0).numpy(), b.permute(1, 2, 0).numpy()) for a, b in zip(originals, edits)])


def blurred_and_compressed(faces: torch.Tensor) -> torch.Tensor:
    """uint8 faces (N, C, s, s) blurred (sigma 1 pixel at 48x48, in proportion at other sizes) and saved as
    JPEG at quality 50: what is left of them when fine marks are gone."""
    import cv2

    sigma = BLUR_SIGMA * faces.shape[-1] / 48
    out = [jpeg_round_trip(cv2.GaussianBlur(face, (0, 0), sigma).reshape(face.shape), JPEG_QUALITY)
           for face in faces.permute(0, 2, 3, 1).numpy()]
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).contiguous()


def jpeg_round_trip(picture: np.ndarray, quality: int) -> np.ndarray:
    """A uint8 picture (H, W, C), C 1 or 3, saved as JPEG at `quality` and read back, same shape."""
    buffer = io.BytesIO()
    Image.fromarray(picture[..., 0] if picture.shape[2] == 1 else picture).save(buffer, format="JPEG", quality=quality)
    return np.array(Image.open(buffer)).reshape(picture.shape)  # a writable copy: torch.from_numpy warns on a read-only one


def sharpness(picture: np.ndarray, region: np.ndarray) -> float:
    """The variance of the Laplacian of the picture's luminance, weighted by `region` (H, W)."""
    import cv2

    laplacian = cv2.Laplacian(grey_float(picture), cv2.CV_32F)
    weight = region / region.sum()
    mean = (laplacian * weight).sum()
    return float(((laplacian - mean) ** 2 * weight).sum())


def saturation(picture: np.ndarray, region: np.ndarray) -> float:
    """The mean HSV saturation of an RGB picture, weighted by `region` (H, W)."""
    import cv2

    channel = cv2.cvtColor(picture, cv2.COLOR_RGB2HSV)[..., 1].astype(np.float32)
    return float((channel * region).sum() / region.sum())


def photo_scores(original: np.ndarray, edited: np.ndarray, region: np.ndarray) -> dict:
    """An edit of a whole photo against the photo, inside the face's `region` (float (H, W)): sharpness and
    saturation edited over original (1 is unchanged) and the paint share."""
    return {"sharpness": sharpness(edited, region) / sharpness(original, region),
            "saturation": saturation(edited, region) / saturation(original, region),
            "paint_share": paint_share(original, edited, region)}
