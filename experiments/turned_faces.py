"""Faces turned from the camera: FER2013's moves, made on faces mostly facing it, applied whole to a face turned far
stretch its near cheek into its nose and open its mouth across it; the geometry engine now gives such a face a share of
the move (`geometry.turned_share`) and no seam.

    python experiments/turned_faces.py --celeba ../shared/data/celeba --n 200 --out docs

Reads how far each of the first N held-out CelebA faces (the last 1,000 files) the detector finds is turned
(`geometry.turn`; upscaled UPSCALE times, so seams apply) and FER2013's training faces' turns for comparison (a sample
of FER_SAMPLE, with --fer); prints their quantiles and how many faces get a share of the move; writes OUT/turned_faces.jpg:
the SHOWN most turned faces, each the photo, then fear and surprise with the whole move (as before) and as shipped.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine_photos import face_square, labelled_row, stacked
from facegan.editing import geometry, load_engine
from facegan.editing.align import aligned_crop
from facegan.editing.landmarks import cropped_landmarks
from soft_photos import celeba_photos

SHOWN = 10
TARGETS = ("fear", "surprise")
FER_SAMPLE = 2000
TILE = 180


def face_turn(engine, photo: np.ndarray) -> float:
    """How far the photo's largest face is turned, from its landmarks on the aligned face, as the engine finds them."""
    alignment = engine.edit_faces(photo)[0].prepared[0]
    upright = cv2.cvtColor(aligned_crop(photo, alignment.resized(geometry.LANDMARK_SIDE)), cv2.COLOR_RGB2GRAY)
    return geometry.turn(cropped_landmarks(upright, 68))


def fer_turns(root: Path, count: int) -> np.ndarray:
    """The turns of `count` FER2013 training faces drawn at random (seed 0), each upscaled to LANDMARK_SIDE."""
    files = sorted((root / "train").glob("*/*.jpg"))
    chosen = np.random.default_rng(0).choice(len(files), min(count, len(files)), replace=False)
    side = geometry.LANDMARK_SIDE
    return np.array([geometry.turn(cropped_landmarks(cv2.resize(np.asarray(Image.open(files[index]).convert("L")), (side, side),
                                                                interpolation=cv2.INTER_CUBIC), 68)) for index in chosen])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celeba", required=True)
    parser.add_argument("--fer", help="FER2013's folder, to compare its faces' turns")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--out", default="runs/turned_faces")
    args = parser.parse_args()
    engine = load_engine(None, "geometry")
    faces = celeba_photos(Path(args.celeba), args.n)
    turns = {name: face_turn(engine, photo) for name, photo in faces.items()}
    quantiles = (0.5, 0.9, 0.95, 0.99)
    values = np.array(list(turns.values()))
    print(f"CelebA ({len(values)} faces): turn quantiles {quantiles}: {np.quantile(values, quantiles).round(2)}; "
          f"a share of the move: {(values > geometry.TURN_FULL).sum()}, none: {(values >= geometry.TURN_NONE).sum()}")
    if args.fer:
        fer = fer_turns(Path(args.fer), FER_SAMPLE)
        print(f"FER2013 ({len(fer)} training faces): turn quantiles {quantiles}: {np.quantile(fer, quantiles).round(2)}; "
              f"a share of the move: {(fer > geometry.TURN_FULL).sum()}, none: {(fer >= geometry.TURN_NONE).sum()}")
    rows = []
    for name in sorted(turns, key=turns.get, reverse=True)[:SHOWN]:
        photo = faces[name]
        shipped = geometry.TURN_FULL, geometry.TURN_NONE
        geometry.TURN_FULL, geometry.TURN_NONE = 1.0, 2.0  # every face the whole move, as before
        whole = engine.edit_faces(photo)
        before = [engine.render(photo, whole, target) for target in TARGETS]
        geometry.TURN_FULL, geometry.TURN_NONE = shipped
        shared = engine.edit_faces(photo)
        now = [engine.render(photo, shared, target) for target in TARGETS]
        left, top, side = face_square(photo)[1]
        tiles = [Image.fromarray(np.ascontiguousarray(picture[top : top + side, left : left + side])).resize((TILE, TILE), Image.LANCZOS)
                 for picture in [photo, *before, *now]]
        share = geometry.turned_share(turns[name])
        rows.append(labelled_row(tiles, [f"{name}: turn {turns[name]:.2f}", *(f"{t}, whole move" for t in TARGETS),
                                         *(f"{t}, {share:.0%} of it" for t in TARGETS)]))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stacked(rows).save(out / "turned_faces.jpg", quality=88)


if __name__ == "__main__":
    main()
