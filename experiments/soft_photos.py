"""An opening mouth's dark on soft photos: photos with many pixels but little detail (upscaled, or out of focus), where a
lip's edge into the dark two photo pixels wide is sharper than every edge around it and the dark reads as a patch.

    python experiments/soft_photos.py --celeba ../shared/data/celeba --n 40 --out docs

The photos: the five test photos of experiments/engine_photos.py and the first N held-out CelebA faces (the last 1,000
files) that the detector finds, each upscaled UPSCALE times (bicubic), turned to fear and surprise with the edge at
EDGE_PIXELS (as before) and at least EDGE_PER_BLUR times the photo's own blur (`warp.edge_blur`, shipped). Prints the
face's sharpness (the variance of its Laplacian, edited over original) and the paint share, the mean over each set of
photos, and the sharp test photos' as they are; writes OUT/soft_photos.jpg: the mouths of the first CelebA faces whose
lips the engine opens and of Hopper and Biden, the photo, then surprise as before and as shipped, at full resolution.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine_photos import labelled_row, photos, stacked
from facegan.editing import load_engine, warp
from facegan.editing.faces import pick_faces, read_photo
from facegan.editing.glasses import HELD_OUT
from facegan.editing.landmarks import photo_landmarks
from facegan.editing.scores import largest_face_alignment, photo_scores
from facegan.errors import FaceganError

UPSCALE = 4
"""The sets are named for it."""
TARGETS = ("fear", "surprise")
SHOWN = 6
TILE = 240


def celeba_photos(root: Path, count: int) -> dict[str, np.ndarray]:
    """The first `count` held-out CelebA faces the detector finds once upscaled, by file name."""
    found = {}
    for path in sorted((root / "img_align_celeba").glob("*.jpg"))[-HELD_OUT:]:
        photo = cv2.resize(read_photo(path), None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
        try:
            pick_faces(photo)
        except FaceganError:  # no face found: CelebA's crops cut some faces off
            continue
        found[path.stem] = photo
        if len(found) == count:
            break
    return found


def edits(engine, photo: np.ndarray, faces: list, edge_per_blur: float) -> dict[str, np.ndarray]:
    """The photo's prepared `faces` drawn in each target with the dark's edge at `edge_per_blur` (read when drawn)."""
    shipped, warp.EDGE_PER_BLUR = warp.EDGE_PER_BLUR, edge_per_blur
    pictures = {target: engine.render(photo, faces, target) for target in TARGETS}
    warp.EDGE_PER_BLUR = shipped
    return pictures


def mouth_crop(photo: np.ndarray, pictures: list[np.ndarray]) -> list[Image.Image]:
    """The mouth of each picture, as a tile TILE wide."""
    points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)
    centre, half = points[48:60].mean(0), 0.9 * (points[54, 0] - points[48, 0])
    left, top = int(max(centre[0] - half, 0)), int(max(centre[1] - 0.7 * half, 0))
    right, bottom = int(centre[0] + half), int(centre[1] + 0.7 * half)
    size = (TILE, round(TILE * (bottom - top) / (right - left)))
    return [Image.fromarray(np.ascontiguousarray(picture[top:bottom, left:right])).resize(size, Image.LANCZOS) for picture in pictures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celeba", required=True)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--out", default="runs/soft_photos")
    args = parser.parse_args()
    engine = load_engine(None, "geometry")
    sharp = photos()
    soft = {name: cv2.resize(photo, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC) for name, photo in sharp.items()}
    sets = {"test photos": sharp, "test photos x4": soft, "CelebA x4": celeba_photos(Path(args.celeba), args.n)}
    rows = {"test photos x4": [], "CelebA x4": []}
    for title, group in sets.items():
        scores = {"before": [], "shipped": []}
        widened = 0
        for name, photo in group.items():
            region = warp.photo_region(largest_face_alignment(photo), *photo.shape[:2])
            faces = engine.edit_faces(photo)
            before, shipped = edits(engine, photo, faces, 0.0), edits(engine, photo, faces, warp.EDGE_PER_BLUR)
            for label, pictures in (("before", before), ("shipped", shipped)):
                scores[label] += [photo_scores(photo, pictures[target], region) for target in TARGETS]
            if not np.array_equal(before["surprise"], shipped["surprise"]):
                widened += 1
                if title in rows and (title.startswith("CelebA") or name in ("hopper", "biden")):
                    tiles = mouth_crop(photo, [photo, before["surprise"], shipped["surprise"]])
                    rows[title].append(labelled_row(tiles, [f"{name} x{UPSCALE}: photo", "surprise, before", "surprise, shipped"]))
        summary = ", ".join(f"{label}: sharpness {np.mean([one['sharpness'] for one in both]):.3f}, "
                            f"paint share {np.mean([one['paint_share'] for one in both]):.3f}" for label, both in scores.items())
        print(f"{title} ({len(group)} photos, {widened} with a wider edge than before): {summary}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stacked(rows["CelebA x4"][:SHOWN] + rows["test photos x4"]).save(out / "soft_photos.jpg", quality=90)


if __name__ == "__main__":
    main()
