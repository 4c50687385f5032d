"""Brows and eyes held still behind glasses (`geometry.BEHIND_GLASSES`, with the detector of `facegan train-glasses`):
moved by the warp, the frames of glasses bend with the brows.

    python experiments/glasses_still.py --celeba ../shared/data/celeba --out docs

Prints the detector's probability for each test photo of experiments/engine_photos.py; writes OUT/glasses_still.jpg:
Grace Hopper, then the first SHOWN held-out CelebA faces (the last 1,000 files, upscaled 4x so their frames show)
that CelebA labels and the detector finds with glasses, each the photo, then angry and surprise with the brows and eyes moved (as
before) and held still (shipped).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine_photos import face_square, photos, sheet, stacked
from facegan.editing import load_engine
from facegan.editing.align import FRAME, align, aligned_crop
from facegan.editing.faces import pick_faces, read_photo
from facegan.editing.geometry import LANDMARK_SIDE
from facegan.editing.glasses import HELD_OUT
from facegan.editing.landmarks import photo_landmarks
from facegan.errors import FaceganError

SHOWN = 5
TARGETS = ("angry", "surprise")
TILE = 256


class NoGlasses:
    """A detector that never sees glasses: the engine as it was."""

    def probability(self, upright: np.ndarray) -> float:
        return 0.0


def glasses_probability(engine, photo: np.ndarray) -> float:
    """The detector's probability for the photo's largest face, on the aligned crop the engine gives it."""
    alignment = align(photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 5), FRAME).resized(LANDMARK_SIDE)
    return engine.glasses.probability(cv2.cvtColor(aligned_crop(photo, alignment), cv2.COLOR_RGB2GRAY))


def row_of(engine, photo: np.ndarray) -> Image.Image:
    """The photo, then each target with the brows and eyes moved and held still."""
    held = engine.edit_faces(photo)
    glasses, engine.glasses = engine.glasses, NoGlasses()
    moved = engine.edit_faces(photo)
    engine.glasses = glasses
    pictures, names = [photo], ["photo"]
    for target in TARGETS:
        pictures += [engine.render(photo, moved, target), engine.render(photo, held, target)]
        names += [f"{target}: moved", f"{target}: held still"]
    square = face_square(photo)[1]
    return sheet(pictures, names, square, TILE / square[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celeba", required=True)
    parser.add_argument("--out", default="runs/glasses_still")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine = load_engine(None, "geometry")
    rows = []
    for name, photo in photos().items():
        probability = glasses_probability(engine, photo)
        print(f"{name}: glasses {probability:.3f}")
        if probability > 0.5:
            rows.append(row_of(engine, photo))
    lines = (Path(args.celeba) / "list_attr_celeba.txt").read_text().splitlines()
    column = lines[1].split().index("Eyeglasses") + 1
    labelled = sorted(line.split()[0] for line in lines[2:] if line.split()[column] == "1")
    files = sorted((Path(args.celeba) / "img_align_celeba").glob("*.jpg"))[-HELD_OUT:]
    for path in (path for path in files if path.name in labelled):
        photo = cv2.resize(read_photo(path), None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
        try:
            probability = glasses_probability(engine, photo)
        except FaceganError:  # no face found: CelebA's crops cut some faces off
            continue
        if probability > 0.5:
            rows.append(row_of(engine, photo))
            print(f"{path.name}: glasses {probability:.3f}")
        if len(rows) > SHOWN:  # Hopper's and SHOWN more
            break
    stacked(rows).save(out / "glasses_still.jpg", quality=85)


if __name__ == "__main__":
    main()
