"""Whether strong edges should be interpolated rather than split. The shipped resampling (editing/warp.py)
interpolates a photo's smooth part and moves its fine detail by whole pixels, which keeps skin texture
sharp; at a strong edge (the astronaut's black collar on her neck) the two halves land up to half a pixel
apart, and the edge fringes, light and dark, wherever the move's fraction of a pixel changes along it. Here
the detail near strong edges (its largest size within 3x3 pixels between LOW and HIGH levels) is
interpolated instead, bilinearly, and every engine_photos photo is scored for sharpness (edited over
original, the mean over the six targets); a vertical step edge moved by 0 to 1 pixel along its length gives
the largest jump between neighbouring columns (the fringe's size; 0 for a clean edge).

    python experiments/edge_resampling.py --thresholds 45 90 30 60

Writes OUT/collar.png: the astronaut's collar turned to disgust, shipped, then each threshold, enlarged 4x.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from engine_photos import face_square, photos
from PIL import Image

from facegan.editing import warp
from facegan.editing.geometry import GeometryEngine
from facegan.metrics.marks import sharpness

SHIPPED = warp.resample
COLLAR = (150, 160, 290, 200)


def edge_aware(low: float, high: float):
    """The shipped resampling, with detail near strong edges interpolated bilinearly."""

    def resample(photo: np.ndarray, source_x: np.ndarray, source_y: np.ndarray) -> np.ndarray:
        picture = photo.astype(np.float32)
        smooth = cv2.GaussianBlur(picture, (0, 0), warp.DETAIL_SIGMA)
        detail = picture - smooth
        read = lambda image, how: cv2.remap(image, source_x, source_y, how, borderMode=cv2.BORDER_REPLICATE).reshape(*source_x.shape, -1)  # noqa: E731
        texture, edges = read(detail, cv2.INTER_NEAREST), read(detail, cv2.INTER_LINEAR)
        strength = cv2.dilate(np.abs(detail).reshape(*detail.shape[:2], -1).max(-1), np.ones((3, 3), np.uint8))
        weight = np.clip((read(strength, cv2.INTER_LINEAR) - low) / (high - low), 0, 1)
        return np.clip(read(smooth, cv2.INTER_CUBIC) + texture + weight * (edges - texture) + 0.5, 0, 255).astype(np.uint8)

    return resample


def fringe() -> int:
    """The largest jump between neighbouring columns along a step edge moved by 0 to 1 pixel along its length."""
    from facegan.editing.align import FRAME, Alignment

    picture = np.full((96, 96, 3), 200, np.uint8)
    picture[48:] = 20
    field = np.zeros((2, 24, 24), np.float32)
    field[1] = np.linspace(0, 0.5, 24)[None, :]
    moved = warp.apply_field(picture, Alignment(np.array([[FRAME / 96, 0, 0], [0, FRAME / 96, 0]]), FRAME), field).astype(int)
    return int(np.abs(np.diff(moved[40:56, 30:66, 0], axis=1)).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", type=float, nargs="+", default=[45, 90], help="pairs of LOW HIGH levels")
    parser.add_argument("--out", default="runs/edge_resampling")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine = GeometryEngine.load()
    pictures = photos()
    prepared = {name: (engine.edit_faces(photo), face_square(photo)[0]) for name, photo in pictures.items()}
    settings = [("shipped", SHIPPED)] + [(f"{low:g}-{high:g}", edge_aware(low, high))
                                         for low, high in zip(args.thresholds[::2], args.thresholds[1::2])]
    collars = [Image.fromarray(pictures["astronaut"]).crop(COLLAR)]
    for title, resample in settings:
        warp.resample = resample
        scores = []
        for name, photo in pictures.items():
            edits, region = prepared[name]
            targets = [t for t in engine.config.class_names if t != engine.expression_of(edits[0])]
            scores.append(f"{name} {np.mean([sharpness(engine.render(photo, edits, t), region) for t in targets]) / sharpness(photo, region):.3f}")
        print(f"{title}: sharpness {', '.join(scores)}; fringe {fringe()}", flush=True)
        collars.append(Image.fromarray(engine.render(pictures["astronaut"], prepared["astronaut"][0], "disgust")).crop(COLLAR))
    warp.resample = SHIPPED
    width, height = collars[0].width * 4, collars[0].height * 4
    sheet = Image.new("RGB", (width, height * len(collars)))
    for row, collar in enumerate(collars):
        sheet.paste(collar.resize((width, height), Image.NEAREST), (0, row * height))
    sheet.save(out / "collar.png")


if __name__ == "__main__":
    main()
