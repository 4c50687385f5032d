"""How the geometry engine's typical shapes were chosen (geometry.TYPICAL_SHARE): each expression's mean shape
averages strong and faint examples (a surprise with the mouth open and one with it closed average to a
half-open mouth), so the target's shape is the mean of only its most typical real shapes, those a linear
classifier of landmark shapes gives the highest probability of the target. A mean of real shapes, so not a
caricature; stronger than the plain mean. Each share kept (`--tops`; 1 is all of them, the engine before)
is tried as the engine has it: the expressions drawn with the mouth closed keep their mean (`--all`: not).

    python experiments/typical_shapes.py --data ../shared/data/fer2013 --tops 1 0.25 0.1 --n 500
    python experiments/typical_shapes.py --data ../shared/data/fer2013 --tops 1 0.25 --photos

Writes OUT/strips_<top>.png and prints the moves and one line of scores per share kept (0.25: the shipped engine).
With --photos, the shipped engine itself (its seams, glasses and lips kept apart) moves four photos of
experiments/engine_photos.py to each share's typical shapes instead: OUT/typical_shapes_photos.jpg (the photo,
then angry, disgust, happy and surprise, each by every share), and the photo scores.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import torch

from facegan.data import load_fer2013
from facegan.metrics.classifier_numpy import expressions
from facegan.editing.align import similarity
from facegan.editing.geometry import (GRID, RIGID, GeometryEngine, closed_lips, describe_moves, face_landmarks, field_for, load_geometry,
                                      pose_removed, shape_probabilities)
from facegan.editing.glasses import load_glasses
from edit_report import report_variant
from engine_photos import face_square, photos, sheet, stacked
from facegan.config import EXPRESSIONS
from facegan.editing.scores import photo_quality

EXPRESSIVE = [*range(17, 27), 37, 38, 40, 41, 43, 44, 46, 47, *range(48, 68)]
"""The brows, the eyelids and the lips: with --own, these go to the target's typical shape from where the face has them."""

LOWER = [*range(0, 17), *range(48, 68)]
"""The jaw and the lips: with --upper, these keep the mean move."""


FIGURE_TARGETS = ("angry", "disgust", "happy", "surprise")
"""The targets the photo figure shows for every share: those whose typical shapes differ most from their means."""
FIGURE_PHOTOS = ("astronaut", "hopper", "obama", "biden")


def photo_figure(engines: dict[float, GeometryEngine], path: Path) -> None:
    """Four photos at their own resolution, one row each: the photo, then each of FIGURE_TARGETS by every share's
    engine; prints each engine's photo scores (the mean over the six targets other than the face's own)."""
    rows = []
    for name in FIGURE_PHOTOS:
        photo = photos()[name]
        region, square = face_square(photo)
        pictures, labels = [photo], ["photo"]
        for top, engine in engines.items():
            edits = engine.edit_faces(photo)
            own = engine.expression_of(edits[0])
            edited = {target: engine.render(photo, edits, target) for target in EXPRESSIONS}
            quality = photo_quality(photo, {target: picture for target, picture in edited.items() if target != own}, region)
            print(f"top {top:g}, {name}: sharpness {quality['sharpness']:.3f}, saturation {quality['saturation']:.3f}, "
                  f"paint share {quality['paint_share']:.2f}", flush=True)
            pictures += [edited[target] for target in FIGURE_TARGETS]
            labels += [f"{target}, top {top:g}" for target in FIGURE_TARGETS]
        order = [0, *(1 + index * len(FIGURE_TARGETS) + column for column in range(len(FIGURE_TARGETS)) for index in range(len(engines)))]
        rows.append(sheet([pictures[i] for i in order], [labels[i] for i in order], square, 200 / square[2]))
    stacked(rows).save(path, quality=85)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--tops", type=float, nargs="+", default=[1.0, 0.25, 0.1])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--upper", action="store_true", help="only the brows and eyes go to the typical shape; the "
                        "mouth and jaw keep the mean move")
    parser.add_argument("--own", action="store_true", help="move the mouth, brows and eyelids from the face's own shape "
                        "to the target's typical one, instead of from its expression's mean")
    parser.add_argument("--all", action="store_true", help="sad and neutral move to their typical shapes too")
    parser.add_argument("--photos", action="store_true", help="the five photos through the shipped engine, not the test faces")
    parser.add_argument("--out", default="runs/typical_shapes")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train, test = load_fer2013(args.data, "train"), load_fer2013(args.data, "test")
    geometry = load_geometry()
    names = geometry.class_names
    cache = out / "landmarks.pt"
    if not cache.exists():
        started = time.perf_counter()
        torch.save(torch.from_numpy(face_landmarks(train.images)), cache)
        print(f"landmarks of {len(train)} faces: {time.perf_counter() - started:.0f} s", flush=True)
    shapes = pose_removed(torch.load(cache).numpy(), geometry.reference)
    labels = train.labels.numpy()
    probability = shape_probabilities(shapes, labels, len(names))
    engine, engines = GeometryEngine(geometry, load_glasses()), {}
    for top in args.tops:
        typical = np.stack([shapes[labels == k][np.argsort(-probability[labels == k], kind="stable")[: max(1, round(top * (labels == k).sum()))]].mean(0)
                            for k in range(len(names))])
        if not args.all:
            for k in range(len(names)):
                if closed_lips(geometry.means[k], geometry.reference):
                    typical[k] = geometry.means[k]
        shifted = dataclasses.replace(geometry, typical=typical)
        print(f"top {top:g}:\n{describe_moves(shifted)}", flush=True)
        if args.photos:
            engines[top] = GeometryEngine(shifted, load_glasses())
            continue

        def moves(points: np.ndarray, source: int) -> list[np.ndarray]:
            every = [typical[target] - geometry.means[source] for target in range(len(names))]
            if args.upper:
                for target, move in enumerate(every):
                    move[LOWER] = (geometry.means[target] - geometry.means[source])[LOWER]
            if not args.own:
                return every
            matrix = similarity(points[list(RIGID)], geometry.reference[list(RIGID)])
            own = points @ matrix[:, :2].T + matrix[:, 2]
            back = np.linalg.inv(matrix[:, :2]).T
            for target, move in enumerate(every):
                move[EXPRESSIVE] = (typical[target][EXPRESSIVE] - own[EXPRESSIVE]) @ back
            return every

        def render(faces: torch.Tensor) -> torch.Tensor:
            edited = []
            for face, source, points in zip(faces, expressions(faces), face_landmarks(faces)):
                fields = np.stack([np.zeros((2, GRID, GRID), np.float32) if target == source else field_for(points, move)
                                   for target, move in enumerate(moves(points, source))])
                edited.append(engine.moved_faces(face, fields))
            return torch.stack(edited)

        report_variant(f"top {top:g}", render, test, train, args.n, names, out / f"strips_{top:g}.png")
    if engines:
        photo_figure(engines, out / "typical_shapes_photos.jpg")


if __name__ == "__main__":
    main()
