"""Faces the cascade misses: behind dark sunglasses, or turned from the camera, OpenCV's Haar cascade finds no face, upright
or rolled, and `facegan edit` said "no face found", or took a box in which it sees no eye, which can be a cap or a
cheek. Now dlib's HOG detector looks where the cascade finds no face with an eye, before the boxes without one, which
are taken only where it responds near them (faces.hog_faces_or_eyeless).

Counts, of the held-out CelebA faces (the last 1,000; the first N), upscaled twice as the other experiments do, those
in which no face is found without the HOG detector (before) and now, and those whose face moved (the box's centre
by more than half the box before's side: `faces.near`), and writes OUT/hog_fallback.png: the first faces found or moved, the photo with the box
before (green) and now (red), then turned sad and to surprise.

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
from facegan.editing.faces import Box, read_photo
from facegan.errors import FaceganError

HELD_OUT = 7001
"""The first of CelebA's held-out faces in the 8,000 the project has (the last 1,000)."""
TARGETS = ("sad", "surprise")
TILE = 160


def picked(photo: np.ndarray, hog: bool) -> Box | None:
    """The face `facegan edit` takes by default, with or without the HOG detector; None where it finds none."""
    shipped = faces.hog_faces_or_eyeless
    if not hog:
        faces.hog_faces_or_eyeless = lambda photo, without: without  # noqa: E731
    try:
        return faces.pick_faces(photo)[0]
    except FaceganError:
        return None
    finally:
        faces.hog_faces_or_eyeless = shipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CelebA")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--out", default="runs/hog_fallback")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine = geometry.GeometryEngine.load()
    counts = {"no face found before": 0, "no face found now": 0, "found now": 0, "another box now": 0}
    tiles = {"found now": [], "another box now": []}
    for index in range(HELD_OUT, HELD_OUT + args.n):
        photo = upscaled(read_photo(Path(args.data) / "img_align_celeba" / f"{index:06d}.jpg"))
        before, now = picked(photo, hog=False), picked(photo, hog=True)
        counts["no face found before"] += before is None
        counts["no face found now"] += now is None
        if now is None or (before is not None and faces.near(before, now)):
            continue
        change = "found now" if before is None else "another box now"
        counts[change] += 1
        if len(tiles[change]) < 5:
            boxed = photo.copy()
            for box, colour in ((before, (0, 255, 0)), (now, (255, 0, 0))):
                if box is not None:
                    cv2.rectangle(boxed, (box.left, box.top), (box.left + box.size, box.top + box.size), colour, 2)
            edits = engine.edit_faces(photo)
            pictures = [boxed, *(engine.render(photo, edits, target) for target in TARGETS)]
            size = (TILE, round(TILE * photo.shape[0] / photo.shape[1]))
            tiles[change].append(labelled_row([Image.fromarray(picture).resize(size, Image.LANCZOS) for picture in pictures],
                                              [f"{index:06d}: {change}", *TARGETS]))
    print(f"of {args.n} held-out CelebA faces (upscaled twice): " + ", ".join(f"{key} {value}" for key, value in counts.items()))
    stacked(tiles["found now"] + tiles["another box now"]).save(out / "hog_fallback.png")


if __name__ == "__main__":
    main()
