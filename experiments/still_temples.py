"""The face's outline at the temples and cheekbones kept still: FER2013's mean shapes move dlib's jaw points 0-3 and
13-16 (beside the eyes and cheekbones) by as much as the mouth (0.75 frame pixels on average over the 42 moves,
the mouth 0.77, the brows 0.57), though no expression moves the skull there: it is the classes' poses (a head
tipped up or down looks longer or shorter) and their people's face shapes. Moving them narrows or widens the
face, moves the background beside it, and is no part of the expression.

    python experiments/still_temples.py --data ../shared/data/fer2013 --out docs

Prints the scores of `experiments/edit_report.py` for the shipped moves and with those points still, on the same
500 test faces as `facegan eval-edit`, then the photo scores of `experiments/engine_photos.py`; writes
OUT/still_temples.jpg: for each photo, its face (engine_photos' sheet): the photo, then disgust, fear and surprise,
each shipped and with the temples still.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import facegan.editing.geometry as geometry
from edit_report import report_variant
from engine_photos import face_square, photos, sheet, stacked
from facegan.data import load_fer2013
from facegan.editing import load_engine
from facegan.metrics.marks import photo_scores

TEMPLES = [0, 1, 2, 3, 13, 14, 15, 16]
SHOWN = ("disgust", "fear", "surprise")
TILE = 256


def still_temples(moves: np.ndarray) -> np.ndarray:
    kept = moves.copy()
    kept[..., TEMPLES, :] = 0
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--out", default="runs/still_temples")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shipped_move = geometry.Geometry.move
    variants = {"shipped": shipped_move, "temples still": lambda self, source, target: still_temples(shipped_move(self, source, target))}
    engine = load_engine(None, "geometry")
    names = engine.config.class_names
    test, train = load_fer2013(args.data, "test"), load_fer2013(args.data, "train")
    for title, move in variants.items():
        geometry.Geometry.move = move
        report_variant(title, engine.every_class, test, train, args.n, names, out / f"still_temples_{title.replace(' ', '_')}.png")
    rows = []
    print("| photo | sharpness: shipped / still | saturation | paint share |\n| --- | ---: | ---: | ---: |")
    for photo_name, photo in photos().items():
        region, square = face_square(photo)
        edited, scores = {}, {}
        for title, move in variants.items():
            geometry.Geometry.move = move
            edits = engine.edit_faces(photo)
            own = engine.expression_of(edits[0])
            edited[title] = {target: engine.render(photo, edits, target) for target in names if target != own}
            per_target = [photo_scores(photo, picture, region) for picture in edited[title].values()]
            scores[title] = {key: np.mean([s[key] for s in per_target]) for key in ("sharpness", "saturation", "paint_share")}
        geometry.Geometry.move = shipped_move
        print(f"| {photo_name} | " + " | ".join(f"{scores['shipped'][key]:.3f} / {scores['temples still'][key]:.3f}"
                                                for key in ("sharpness", "saturation", "paint_share")) + " |")
        shown = [(target, title) for target in SHOWN if target != own for title in variants]
        rows.append(sheet([photo, *(edited[title][target] for target, title in shown)],
                          ["photo", *(f"{target}: {title}" for target, title in shown)], square, TILE / square[2]))
    stacked(rows).save(out / "still_temples.jpg", quality=80)

if __name__ == "__main__":
    main()
