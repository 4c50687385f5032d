"""Eyes opened by a warp: FER2013's typical surprise opens the eyes 1.6-1.8 times and widens them 1.11 times, and a warp
can only do that by stretching what the eye shows, its iris with it. Now each move opens an eye at most
geometry.EYE_OPENING times and widens it not at all (geometry.eyes_kept_round).

The measure: how many times as wide and as tall the field draws what lies at the centre of each eye (its iris), from
the field's Jacobian there. A real eye that opens keeps its iris's size.

CelebA (`--data`): the held-out faces, upscaled twice, before (no limit) and now, over every target: the median and
the 90th percentile of the larger eye's magnification, per target.

Photos (`--photos`): the astronaut, Obama and Biden, each eye's magnification for fear and surprise, and
OUT/eye_opening.jpg: their eyes at the photo's resolution, the photo, then fear and surprise, before and now.

    python experiments/eye_opening.py --data ../shared/data/celeba --n 300
    python experiments/eye_opening.py --photos --out docs
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from celeba_smile import held_out, upscaled
from engine_photos import labelled_row, photos, stacked
from facegan.editing import geometry, warp
from facegan.editing.faces import read_photo
from facegan.errors import FaceganError
from sealed_corners import landmarks
from smile_opened import photos_or_celeba

VARIANTS = ("before", "now")
SHIPPED_EYES = geometry.eyes_kept_round
CROP_WIDTH = 400


def engine_for(variant: str) -> geometry.GeometryEngine:
    """The geometry engine as shipped ("now"), or with the eyes opened and widened as far as the move takes them ("before")."""
    geometry.eyes_kept_round = SHIPPED_EYES if variant == "now" else (lambda move, points: move)
    return geometry.GeometryEngine.load()


def magnification(field: np.ndarray, centre: np.ndarray, size: int) -> np.ndarray:
    """How many times as wide and as tall a backward field (2, g, g) over a crop of `size` draws what lies at `centre`
    (crop pixels) of the photo it reads from: one over the Jacobian's diagonal there."""
    def source(point: np.ndarray) -> np.ndarray:
        return point + warp.sample_field(field, np.array([[point[0]]]), np.array([[point[1]]]), size)[0, 0]

    return np.array([2 / (source(centre + step) - source(centre - step))[axis] for axis, step in enumerate(np.eye(2))])


def eye_magnifications(engine: geometry.GeometryEngine, photo: np.ndarray) -> dict[str, np.ndarray]:
    """Per target: the magnification (2 eyes, 2 axes) at each eye's centre of the photo's largest face, its eyes found on
    the photo and placed in the aligned crop."""
    edit = engine.edit_faces(photo)[0]
    alignment, fields = edit.prepared[0], edit.prepared[1]
    points = alignment.to_crop(landmarks(photo))
    return {name: np.array([magnification(fields[index], points[eye].mean(0), alignment.size) for eye in geometry.EYES])
            for index, name in enumerate(engine.geometry.class_names) if fields[index].any()}


def celeba_eyes(root: Path, n: int) -> None:
    """The table of the larger eye's magnification over CelebA's held-out faces, per target, before and now."""
    names, _ = held_out(root, n, ("Smiling",))
    found = {variant: {} for variant in VARIANTS}
    for name in names:
        big = upscaled(read_photo(root / "img_align_celeba" / name))
        try:
            for variant in VARIANTS:
                for target, values in eye_magnifications(engine_for(variant), big).items():
                    found[variant].setdefault(target, []).append(values.max(0))
        except FaceganError:
            continue
    engine_for("now")
    print("| target | wide, before: median / 90th pct | now | tall, before | now |\n| --- | ---: | ---: | ---: | ---: |")
    for target in found["now"]:
        before, now = np.array(found["before"][target]), np.array(found["now"][target])
        cells = [f"{np.median(values[:, axis]):.2f} / {np.percentile(values[:, axis], 90):.2f}" for axis in (0, 1) for values in (before, now)]
        print(f"| {target} ({len(now)} faces) | " + " | ".join(cells) + " |")


def photo_eyes(path: Path) -> None:
    """Each photo's eyes' magnification for fear and surprise, and the figure of their eyes."""
    rows = []
    for name in ("astronaut", "obama", "biden"):
        photo = photos()[name]
        points = landmarks(photo)
        width = points[45, 0] - points[36, 0]
        left, right = int(points[36, 0] - 0.3 * width), int(points[45, 0] + 0.3 * width)
        middle, half = int(points[36:48, 1].mean() - 0.1 * width), int(0.35 * width)
        crops, labels = [photo[middle - half : middle + half, left:right]], [f"{name}: photo"]
        for target in ("fear", "surprise"):
            for variant in VARIANTS:
                engine = engine_for(variant)
                found = eye_magnifications(engine, photo)[target]
                print(f"{name}, {target}, {variant}: wide {found[:, 0].round(2).tolist()}, tall {found[:, 1].round(2).tolist()}")
                crops.append(engine.render(photo, engine.edit_faces(photo), target)[middle - half : middle + half, left:right])
                labels.append(f"{target}, {variant}")
        size = (CROP_WIDTH, round(CROP_WIDTH * 2 * half / (right - left)))
        rows.append(labelled_row([Image.fromarray(crop).resize(size, Image.LANCZOS) for crop in crops], labels))
    engine_for("now")
    stacked(rows).save(path, quality=90)


def main() -> None:
    args, out = photos_or_celeba(__doc__.splitlines()[0], "eye_opening", 300)
    if args.photos:
        photo_eyes(out / "eye_opening.jpg")
    if args.data:
        celeba_eyes(Path(args.data), args.n)


if __name__ == "__main__":
    main()
