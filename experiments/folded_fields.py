"""Where the geometry engine's field folds a face over itself, or stretches a patch of it into streaks, before and now.

    python experiments/folded_fields.py --celeba ../shared/data/celeba --fer ../shared/data/fer2013 --n 200 --out docs

Before: the opened mouth's lips held where the upper lip's move puts them (the seam then lifted the upper lip half
the opening too high, and a mouth corner the move lowers with the jaw passed the lower lip beside it), the jaw lowered
under lips that stay, for the targets without a dark mouth, and no cap on a move. Now: `geometry.lips_on_seam`,
`geometry.lips_kept_apart` and `geometry.STRETCH_FLOOR`. For the first N held-out CelebA faces the detector finds
(upscaled UPSCALE times, so seams apply) and N FER2013 test faces (seed 0, at their own 48 pixels), prints per target
how many fields fold (the smallest area of a patch under the map, `warp.unfolded_share`'s determinant, below zero) and
how many stretch a patch more than tenfold: before, with the lips and jaw placed as now but no cap, and now; writes
OUT/folded_fields.jpg: the CelebA faces whose fields folded before, each the photo, then the target before and now, the
mouth and chin at full resolution.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from engine_photos import labelled_row, stacked
from facegan.config import EXPRESSIONS
from facegan.editing import geometry, load_engine
from facegan.editing.align import FRAME
from facegan.editing.field_engine import frame_alignment
from facegan.editing.faces import Box
from facegan.editing.warp import MouthOpening, area_ratios
from facegan.metrics.classifier_numpy import expressions
from soft_photos import UPSCALE, celeba_photos

SHOWN = 8
TILE = 200
MOUTH_AND_CHIN = np.array([[10.0, 28.0], [38.0, 50.0]])
"""The frame's corners of what a row shows."""


def smallest_area(field: np.ndarray) -> float:
    """The smallest determinant of the map x -> x + field(x) on its grid: below zero where it folds."""
    return float(area_ratios(field, FRAME, np.ones(1)).min())


def parted_before(move: np.ndarray, points: np.ndarray, growth: np.ndarray, dark: bool):
    """`geometry.parted_by_seam` as it was: the lower lip follows the upper lip's move, and the jaw keeps its own."""
    if growth.max() <= geometry.OPENING:
        return move, None
    return geometry.lower_lip_following(move), MouthOpening(points, np.maximum(growth, 0)) if dark else None


@contextmanager
def before():
    shipped = geometry.parted_by_seam, geometry.STRETCH_FLOOR
    geometry.parted_by_seam, geometry.STRETCH_FLOOR = parted_before, -np.inf
    try:
        yield
    finally:
        geometry.parted_by_seam, geometry.STRETCH_FLOOR = shipped


def unguarded_now(fields_of):
    """The fields now with the cap lifted: what the cap shortened."""
    shipped, geometry.STRETCH_FLOOR = geometry.STRETCH_FLOOR, -np.inf
    try:
        return fields_of()
    finally:
        geometry.STRETCH_FLOOR = shipped


def fer_faces(root: Path, count: int) -> np.ndarray:
    files = sorted((root / "test").glob("*/*.jpg"))
    chosen = np.random.default_rng(0).choice(len(files), min(count, len(files)), replace=False)
    return np.stack([np.asarray(Image.open(files[index]).convert("L"))[None] for index in chosen])


def report(title: str, areas: dict[str, np.ndarray]) -> None:
    """One line per target: fields that fold and that stretch a patch tenfold (those the cap shortens), before, with
    the lips and jaw placed as now but no cap, and now."""
    print(f"{title} ({len(areas['before'])} faces), before -> lips and jaw as now, no cap -> now:")
    for label, name in enumerate(EXPRESSIONS):
        old, uncapped, new = (areas[key][:, label] for key in ("before", "uncapped", "now"))
        print(f"  {name}: fold {(old < 0).sum()} -> {(uncapped < 0).sum()} -> {(new < 0).sum()}; stretched tenfold "
              f"{(old < 0.1).sum()} -> {(uncapped < 0.1).sum()} -> {(new < 0.1).sum()}")


def crop(picture: np.ndarray, alignment, side: int) -> Image.Image:
    corners = np.clip(alignment.to_photo(MOUTH_AND_CHIN), 0, None)
    (left, top), (right, bottom) = corners.min(0).astype(int), corners.max(0).astype(int)
    tile = Image.fromarray(np.ascontiguousarray(picture[top:bottom, left:right]))
    return tile.resize((side, round(side * (bottom - top) / max(right - left, 1))), Image.LANCZOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celeba", required=True)
    parser.add_argument("--fer", required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--out", default="runs/folded_fields")
    args = parser.parse_args()
    engine = load_engine(None, "geometry")
    areas = {key: [] for key in ("before", "now", "uncapped")}
    rows = []
    for name, photo in celeba_photos(Path(args.celeba), args.n).items():
        with before():
            old = engine.edit_faces(photo)
        new = engine.edit_faces(photo)
        uncapped = unguarded_now(lambda: engine.edit_faces(photo))
        for key, edits in (("before", old), ("now", new), ("uncapped", uncapped)):
            areas[key].append([smallest_area(field) for field in edits[0].prepared[1]])
        folded = [label for label, area in enumerate(areas["before"][-1]) if area < 0]
        if folded and len(rows) < SHOWN:
            target, alignment = EXPRESSIONS[folded[0]], new[0].prepared[0]
            tiles = [crop(picture, alignment, TILE) for picture in (photo, engine.render(photo, old, target), engine.render(photo, new, target))]
            rows.append(labelled_row(tiles, [f"{name} x{UPSCALE}", f"{target}, before", f"{target}, now"]))
    report(f"CelebA x{UPSCALE}", {key: np.array(value) for key, value in areas.items()})
    faces, frame = fer_faces(Path(args.fer), args.n), frame_alignment(Box(0, 0, FRAME))
    areas = {key: [] for key in ("before", "now", "uncapped")}
    for face, source in zip(faces, expressions(faces)):
        picture = np.repeat(face.transpose(1, 2, 0), 3, axis=2)
        with before():
            areas["before"].append([smallest_area(field) for field in engine.face_fields(picture, frame, face, source)[0]])
        areas["now"].append([smallest_area(field) for field in engine.face_fields(picture, frame, face, source)[0]])
        areas["uncapped"].append([smallest_area(field) for field in
                                  unguarded_now(lambda: engine.face_fields(picture, frame, face, source))[0]])
    report("FER2013 test faces", {key: np.array(value) for key, value in areas.items()})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stacked(rows).save(out / "folded_fields.jpg", quality=90)


if __name__ == "__main__":
    main()
