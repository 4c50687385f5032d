"""Facing inner-lip points kept from passing each other (`geometry.lips_not_crossed`): on a mouth open by less than
the move closes it, the spline folded between the upper and lower inner lip and the lip line turned wavy.

    python experiments/lips_not_crossed.py --celeba ../shared/data/celeba --out docs

Writes OUT/lips_not_crossed.jpg: CelebA's 007189.jpg (held out, upscaled 4x; its mouth open by 0.5-0.75 frame pixels)
and Grace Hopper (lips closed), each the photo, then angry, disgust and sad before and with the points not crossed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2

import facegan.editing.geometry as geometry
from engine_photos import face_square, photos, sheet, stacked
from facegan.editing import load_engine
from facegan.editing.faces import read_photo

TARGETS = ("angry", "disgust", "sad")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celeba", required=True)
    parser.add_argument("--out", default="runs/lips_not_crossed")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine = load_engine(None, "geometry")
    shipped = geometry.lips_not_crossed
    faces = {"007189": cv2.resize(read_photo(Path(args.celeba) / "img_align_celeba" / "007189.jpg"), None, fx=4, fy=4,
                                  interpolation=cv2.INTER_CUBIC), "hopper": photos()["hopper"]}
    rows = []
    for photo in faces.values():
        pictures, names = [photo], ["photo"]
        for title, keep in (("before", lambda move, points: move), ("not crossed", shipped)):
            geometry.lips_not_crossed = keep
            edits = engine.edit_faces(photo)
            pictures += [engine.render(photo, edits, target) for target in TARGETS]
            names += [f"{target}: {title}" for target in TARGETS]
        geometry.lips_not_crossed = shipped
        square = face_square(photo)[1]
        rows.append(sheet(pictures, names, square, 256 / square[2]))
    stacked(rows).save(out / "lips_not_crossed.jpg", quality=85)


if __name__ == "__main__":
    main()
