"""Faces the cascade misses: behind dark sunglasses, or turned from the camera, OpenCV's Haar cascade finds no face, upright
or rolled, and `facegan edit` said "no face found". Now dlib's HOG detector looks where the cascade finds nothing
(faces.hog_faces).

Counts, of the held-out CelebA faces (the last 1,000; the first N), upscaled twice as the other experiments do, those
in which no face is found by the cascade alone (before) and now, with the HOG detector's scores of the faces it adds,
and writes OUT/hog_fallback.png: the first faces it adds, the photo with its box, then turned sad and to surprise.

    python experiments/hog_fallback.py --data ../shared/data/celeba --n 1000 --out docs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from celeba_smile import upscaled
from engine_photos import labelled_row, stacked
from facegan.editing import faces, geometry
from facegan.editing.faces import read_photo
from facegan.errors import FaceganError

HELD_OUT = 7001
"""The first of CelebA's held-out faces in the 8,000 the project has (the last 1,000)."""
TARGETS = ("sad", "surprise")
TILE = 160


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CelebA")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--out", default="runs/hog_fallback")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine = geometry.GeometryEngine.load()
    hog_faces = faces.hog_faces
    missed, added, tiles = {"before": 0, "now": 0}, [], []
    for index in range(HELD_OUT, HELD_OUT + args.n):
        photo = upscaled(read_photo(Path(args.data) / "img_align_celeba" / f"{index:06d}.jpg"))
        faces.hog_faces = lambda photo: []  # noqa: E731
        try:
            faces.pick_faces(photo)
            continue
        except FaceganError:
            missed["before"] += 1
        finally:
            faces.hog_faces = hog_faces
        found = hog_faces(photo)
        if not found:
            missed["now"] += 1
            continue
        added.append(found)
        if len(tiles) < 8:
            box = max(found, key=lambda box: box.size)
            boxed = cv2.rectangle(photo.copy(), (box.left, box.top), (box.left + box.size, box.top + box.size), (0, 255, 0), 2)
            edits = engine.edit_faces(photo)
            pictures = [boxed, *(engine.render(photo, edits, target) for target in TARGETS)]
            size = (TILE, round(TILE * photo.shape[0] / photo.shape[1]))
            tiles.append(labelled_row([Image.fromarray(picture).resize(size, Image.LANCZOS) for picture in pictures],
                                      [f"{index:06d}: found", *TARGETS]))
    print(f"of {args.n} held-out CelebA faces (upscaled twice), no face found: before {missed['before']}, now {missed['now']}")
    print(f"faces the HOG detector adds: {len(added)} (score at least {faces.HOG_SCORE}); boxes per photo "
          f"{np.bincount([len(found) for found in added]).tolist()}")
    stacked(tiles).save(out / "hog_fallback.png")


if __name__ == "__main__":
    main()
