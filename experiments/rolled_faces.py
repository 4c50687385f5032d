"""Faces rolled in the photo (a head tilted to a shoulder, a photo taken sideways): OpenCV's cascade finds faces rolled by
up to about 20 degrees, so the search now turns the photo by each of `faces.ROLLS` where it finds none upright.

    python experiments/rolled_faces.py --celeba ../shared/data/celeba --n 100 --out docs

The photos: the five test photos of experiments/engine_photos.py and the first N held-out CelebA faces (the last 1,000
files) the detector finds upright, each upscaled twice, turned by every roll in ANGLES (grey past the photo's corners).
Prints, per roll, the share of photos whose face is found by the upright search alone (as before) and as shipped, where
"found" means the five landmarks lie within FOUND eye distances of the upright photo's own, turned; their largest
distance from those (the median over the faces found); the search's median time; and the share of photos in which
`--all-faces` finds more than one face (each photo shows one person; CelebA's crops sometimes a part of another). Writes OUT/rolled_faces.jpg: the
test photos turned 35 and -60 degrees, each the photo's face, then happy and surprise, at the photo's own resolution.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
from engine_photos import labelled_row, photos, stacked
from PIL import Image

from facegan.editing import load_engine
from facegan.editing.faces import detect_faces, pick_faces, read_photo
from facegan.editing.glasses import HELD_OUT
from facegan.editing.landmarks import photo_landmarks
from facegan.errors import FaceganError

ANGLES = tuple(range(-90, 91, 15))
UPSCALE = 2
FOUND = 0.25
"""Eye distances: a face whose five landmarks all lie this close to where the upright photo's are, turned, is found."""
SHOWN = (35, -60)
TARGETS = ("happy", "surprise")
TILE = 260


def turned(photo: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo turned by `angle` degrees (OpenCV's sense) on a canvas that holds all of it, grey past its corners, and
    the turn (2, 3) from the photo's pixels to the canvas's."""
    height, width = photo.shape[:2]
    turning = cv2.getRotationMatrix2D((width / 2 - 0.5, height / 2 - 0.5), angle, 1.0)
    cos, sin = abs(turning[0, 0]), abs(turning[0, 1])
    side_x, side_y = int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos))
    turning[:, 2] += ((side_x - width) / 2, (side_y - height) / 2)
    return cv2.warpAffine(photo, turning, (side_x, side_y), flags=cv2.INTER_CUBIC, borderValue=(128, 128, 128)), turning


def landmark_error(photo: np.ndarray, boxes: list, expected: np.ndarray) -> float:
    """The largest distance, in eye distances, of the largest box's five landmarks from where they are `expected`."""
    if not boxes:
        return float("inf")
    box = max(boxes, key=lambda found: found.size)
    points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), box, 5)
    eyes = np.linalg.norm(expected[:2].mean(0) - expected[2:4].mean(0))
    return float(np.linalg.norm(points - expected, axis=1).max() / eyes)


def test_photos(root: Path, count: int) -> dict[str, np.ndarray]:
    """The five test photos and the first `count` held-out CelebA faces the detector finds upright, upscaled UPSCALE times."""
    found = photos()
    for path in sorted((root / "img_align_celeba").glob("*.jpg"))[-HELD_OUT:]:
        photo = cv2.resize(read_photo(path), None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
        if detect_faces(photo):
            found[path.stem] = photo
        if len(found) == count + 5:
            break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celeba", required=True)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--out", default="runs/rolled_faces")
    args = parser.parse_args()
    pictures = test_photos(Path(args.celeba), args.n)
    upright = {name: photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 5) for name, photo in pictures.items()}
    print(f"{len(pictures)} photos; found: landmarks within {FOUND} eye distances of the upright photo's")
    print("| roll (degrees) | found upright only | found now | landmarks off (eye distances, median) | search (s, median) | "
          "more than one face, --all-faces |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for angle in ANGLES:
        before, now, seconds, several = [], [], [], []
        for name, photo in pictures.items():
            turned_photo, turning = turned(photo, angle)
            expected = upright[name] @ turning[:, :2].T + turning[:, 2]
            before.append(landmark_error(turned_photo, detect_faces(turned_photo), expected))
            started = time.perf_counter()
            try:
                boxes = pick_faces(turned_photo)
            except FaceganError:
                boxes = []
            seconds.append(time.perf_counter() - started)
            now.append(landmark_error(turned_photo, boxes, expected))
            several.append(len(pick_faces(turned_photo, all_faces=True)) > 1 if boxes else False)
        before, now = np.array(before), np.array(now)
        print(f"| {angle} | {np.mean(before < FOUND):.2f} | {np.mean(now < FOUND):.2f} | {np.median(now[now < FOUND]):.3f} | "
              f"{np.median(seconds):.2f} | {np.mean(several):.2f} |")
    engine = load_engine(None, "geometry")
    rows = []
    for name, photo in photos().items():
        for angle in SHOWN:
            turned_photo, _ = turned(photo, angle)
            edits = engine.edit_faces(turned_photo)
            box = edits[0].box
            left, top = max(box.left, 0), max(box.top, 0)
            side = min(box.size, turned_photo.shape[1] - left, turned_photo.shape[0] - top)
            tiles = [Image.fromarray(np.ascontiguousarray(picture[top : top + side, left : left + side])).resize((TILE, TILE), Image.LANCZOS)
                     for picture in [turned_photo, *(engine.render(turned_photo, edits, target) for target in TARGETS)]]
            rows.append(labelled_row(tiles, [f"{name} turned {angle}", *TARGETS]))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stacked(rows).save(out / "rolled_faces.jpg", quality=88)


if __name__ == "__main__":
    main()
