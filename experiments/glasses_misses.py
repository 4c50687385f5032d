"""What the glasses detector gets wrong on CelebA's held-out faces: the faces labelled with glasses that it misses,
and those labelled without that it takes for glasses, and whether another threshold than 0.5 would serve.

    python experiments/glasses_misses.py --celeba ../shared/data/celeba --out docs

Each held-out face (the last 1,000 files) is upscaled twice and scored as `facegan train-glasses` scores it. Prints
how many are found and how many false alarms there are at several thresholds, and each mistake's probability;
writes OUT/glasses_misses.jpg: the misses in the first row, the false alarms below, each the CelebA photo enlarged
3x with its probability; then each miss turned to surprise, as shipped (its brows and eyes moved) and as it would be
with its glasses found (held still).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine_photos import labelled_row, stacked
from facegan.editing import load_engine
from facegan.editing.faces import read_photo
from facegan.editing.glasses import HELD_OUT
from facegan.errors import FaceganError
from glasses_still import TILE, glasses_probability

THRESHOLDS = (0.5, 0.4, 0.3, 0.2, 0.1, 0.05)
PER_ROW = 6


class Glasses:
    """A detector that always sees glasses: the edit as it would be had the shipped one found them."""

    def probability(self, upright: np.ndarray) -> float:
        return 1.0


def surprise_row(engine, photo: np.ndarray, name: str) -> Image.Image:
    """A missed face 4x: the photo, surprise as shipped, and surprise with its brows and eyes held still."""
    large = cv2.resize(photo, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    shipped = engine.render(large, engine.edit_faces(large), "surprise")
    detector, engine.glasses = engine.glasses, Glasses()
    held = engine.render(large, engine.edit_faces(large), "surprise")
    engine.glasses = detector
    tiles = [Image.fromarray(picture).resize((TILE, round(TILE * picture.shape[0] / picture.shape[1])), Image.LANCZOS)
             for picture in (large, shipped, held)]
    return labelled_row(tiles, [f"{name}: photo", "surprise, shipped", "surprise, glasses found"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celeba", required=True)
    parser.add_argument("--out", default="runs/glasses_misses")
    args = parser.parse_args()
    engine = load_engine(None, "geometry")
    lines = (Path(args.celeba) / "list_attr_celeba.txt").read_text().splitlines()
    column = lines[1].split().index("Eyeglasses") + 1
    labelled = {line.split()[0] for line in lines[2:] if line.split()[column] == "1"}
    files = sorted((Path(args.celeba) / "img_align_celeba").glob("*.jpg"))[-HELD_OUT:]
    probabilities, wears, photos = [], [], []
    for path in files:
        photo = read_photo(path)
        try:
            probabilities.append(glasses_probability(engine, cv2.resize(photo, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)))
        except FaceganError:  # no face found: CelebA's crops cut some faces off
            continue
        wears.append(path.name in labelled)
        photos.append((path.name, photo))
    probabilities, wears = np.array(probabilities), np.array(wears)
    print(f"{len(wears)} faces found, {wears.sum()} labelled with glasses")
    for threshold in THRESHOLDS:
        found = probabilities > threshold
        print(f"threshold {threshold}: {(found & wears).sum()} of {wears.sum()} found, "
              f"{(found & ~wears).sum()} of {(~wears).sum()} false alarms")
    rows = []
    for title, chosen in (("miss", wears & (probabilities <= 0.5)), ("false alarm", ~wears & (probabilities > 0.5))):
        indices = np.flatnonzero(chosen)[np.argsort(probabilities[chosen])]
        for index in indices:
            print(f"{title}: {photos[index][0]} {probabilities[index]:.3f}")
        tiles = [Image.fromarray(photos[index][1]).resize((3 * photos[index][1].shape[1], 3 * photos[index][1].shape[0]), Image.LANCZOS)
                 for index in indices]
        names = [f"{title}: {photos[index][0]}, {probabilities[index]:.2f}" for index in indices]
        rows += [labelled_row(tiles[start : start + PER_ROW], names[start : start + PER_ROW]) for start in range(0, len(tiles), PER_ROW)]
    rows += [surprise_row(engine, photos[index][1], photos[index][0]) for index in np.flatnonzero(wears & (probabilities <= 0.5))]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stacked(rows).save(out / "glasses_misses.jpg", quality=85)


if __name__ == "__main__":
    main()
