"""The line sealed lips meet on: a smile turned sad or neutral showed each lip's pixels up to the seam, as bright as the
rest of the lips, so the closed mouth had no line between its lips; real closed lips meet on one darker and warmer than
the lips (warp.LINE_COLOUR).

CelebA (`--data`): the held-out faces labelled with the mouth closed, upscaled twice, give the line's colour: at five
places from one of dlib's inner corners to the other, the darkest pixel within half a lip's thickness of the inner lip
line, over the lips' median colour (the median over faces, per channel): warp.LINE_COLOUR. Then the line's depth, one
minus that pixel's brightness over the lips' median, the median over the middle places, for the closed mouths as they
are and for the held-out smiling faces with the mouth open turned sad and neutral where the engine seals them, before
(no line) and now, each read on its own landmarks. Writes OUT/lip_line_celeba.png (the first sealed faces' mouths: the
photo, then sad and neutral, before and now).

Photos (`--photos`): the astronaut, the scene and Obama, the mouth at the photo's resolution, the photo then sad and
neutral, before and now, with each edit's photo scores; writes OUT/lip_line.jpg.

    python experiments/lip_line.py --data ../shared/data/celeba --n 1000 --out docs
    python experiments/lip_line.py --photos --out docs
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engine_photos import stacked
from facegan.editing import geometry, warp
from facegan.errors import FaceganError
from sealed_corners import TARGETS, held_out_mouths, landmarks, mouth_tile, sealed_edits
from smile_opened import VARIANTS, mouth_figure, photos_or_celeba

SHIPPED_LINE = warp.line_colour
PLACES = np.linspace(0.05, 0.95, 5)
"""Where across the mouth the line is read, as a share of the span between dlib's inner corners (warp.LINE_PLACES)."""
MIDDLE = slice(1, 4)
"""The places whose depth is reported: the corners' line is the mouth's dark as often as the lips'."""


def engine_for(variant: str) -> geometry.GeometryEngine:
    """The geometry engine as shipped ("now"), or with sealed lips meeting on their own pixels alone ("before")."""
    warp.line_colour = SHIPPED_LINE if variant == "now" else (lambda *_: None)
    return geometry.GeometryEngine.load()


def line_colours(picture: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The line's colour over the lips' median colour (len(PLACES), C), at PLACES; `points` (68, 2) are the picture's
    own landmarks."""
    pixels = picture.astype(np.float32)
    lips, _ = warp.lip_masks(points, pixels.shape[:2])
    across = points[60, 0] + PLACES * (points[64, 0] - points[60, 0])
    line = (warp.lip_curve(points[warp.UPPER_INNER_LIP], across) + warp.lip_curve(points[warp.LOWER_INNER_LIP], across)) / 2
    upper_lip = line - warp.lip_curve(points[warp.UPPER_LIP_OUTLINE], across)
    lower_lip = warp.lip_curve(points[warp.LOWER_LIP_OUTLINE], across) - line
    colours = []
    for x, middle, reach in zip(across, line, np.maximum(np.minimum(upper_lip, lower_lip) / 2, 1.5)):
        down = np.linspace(middle - reach, middle + reach, 25, dtype=np.float32)[None]
        profile = cv2.remap(pixels, np.full_like(down, x), down, cv2.INTER_LINEAR)[0]
        colours.append(profile[profile.mean(-1).argmin()])
    return np.array(colours) / np.median(pixels[lips], 0)


def depth(colours: np.ndarray, lips: np.ndarray) -> float:
    """One minus the line's brightness over the lips' (`line_colours` over the lips' median colour `lips`), in the middle."""
    return float(1 - np.median(colours[MIDDLE] @ lips / lips.sum()))


def celeba_lines(root: Path, n: int, strip: Path) -> None:
    """The line's colour on the held-out closed mouths, and the table of its depth there and on the sealed smiles, with
    the strip of the first sealed mouths."""
    engines = {variant: engine_for(variant) for variant in VARIANTS}
    closed, depths = [], {key: [] for key in ["closed mouths, unedited", *((target, variant) for target in TARGETS for variant in VARIANTS)]}
    tiles = []
    for name, big, points, smiling, open_mouth in held_out_mouths(root, n):
        lips = np.median(big[warp.lip_masks(points, big.shape[:2])[0]].astype(np.float32), 0)
        if not open_mouth:
            closed.append(line_colours(big, points))
            depths["closed mouths, unedited"].append(depth(closed[-1], lips))
            continue
        if not smiling:
            continue
        edited = sealed_edits(engines, engine_for, big)
        for key, picture in edited.items():
            try:
                own = landmarks(picture)
            except FaceganError:
                continue
            depths[key].append(depth(line_colours(picture, own), np.median(picture[warp.lip_masks(own, picture.shape[:2])[0]].astype(np.float32), 0)))
        if len(tiles) < 8 and len(edited) == len(TARGETS) * len(VARIANTS):
            tiles.append(mouth_tile(big, points, name, edited))
    engine_for("now")
    print(f"The line's colour over the lips', per RGB channel, at {PLACES.round(3).tolist()} of the span between the inner "
          f"corners ({len(closed)} closed mouths):\n{np.median(closed, 0).round(3)}\n")
    print("| mouths (CelebA held out, upscaled twice) | n | the line's depth: median | quartiles |\n| --- | ---: | ---: | ---: |")
    for key, values in depths.items():
        print(f"| {key if isinstance(key, str) else ', '.join(key)} | {len(values)} | {np.median(values):.3f} | "
              f"{np.percentile(values, 25):.3f}-{np.percentile(values, 75):.3f} |")
    stacked(tiles).save(strip)


def main() -> None:
    args, out = photos_or_celeba(__doc__.splitlines()[0], "lip_line", 1000)
    if args.photos:
        mouth_figure(TARGETS, engine_for, out / "lip_line.jpg")
    if args.data:
        celeba_lines(Path(args.data), args.n, out / "lip_line_celeba.png")


if __name__ == "__main__":
    main()
