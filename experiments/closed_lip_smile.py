"""Closed lips turned happy, where the photo resolves them and the seams keep them closed: before, the mouth moved by the
typical smile, mostly of FER2013's faces showing teeth, and stretched into a flat line; now it moves as the faces with
closed lips do (`Geometry.closed_move`).

Prints the two smiles' moves from neutral. With `--photos`: OUT/closed_lip_smile.jpg, Grace Hopper's and Joe Biden's
mouths at the photo's resolution (the photo, then happy before and now). With `--data`: CelebA's held-out faces
(experiments/celeba_smile.py's draw) upscaled twice, those the engine finds with closed lips turned happy both ways,
read by FER2013's robust classifier after eval-edit's blur and JPEG (the share read happy).

    python experiments/closed_lip_smile.py --photos --data ../shared/data/celeba --n 300 --out docs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from celeba_smile import UPSCALE, held_out
from engine_photos import labelled_row, photos, stacked
from facegan.config import EXPRESSIONS
from facegan.editing import geometry
from facegan.editing.align import aligned_crop
from facegan.editing.faces import pick_faces, read_photo
from facegan.editing.landmarks import photo_landmarks
from facegan.errors import FaceganError
from facegan.metrics.classifier import ROBUST_WEIGHTS, load_classifier, predict
from facegan.metrics.marks import blurred_and_compressed

VARIANTS = ("before", "now")
CROP_WIDTH = 300


def engine_for(variant: str) -> geometry.GeometryEngine:
    """The geometry engine as shipped ("now"), or with the typical smile for closed lips too ("before")."""
    engine = geometry.GeometryEngine.load()
    if variant == "before":
        engine.geometry.closed_move = engine.geometry.move
    return engine


def smiles() -> None:
    shapes = geometry.load_geometry()
    names, eyes = shapes.class_names, np.linalg.norm(shapes.reference[36:42].mean(0) - shapes.reference[42:48].mean(0))
    for title, move in (("typical smile", shapes.move), ("typical closed-lip smile", shapes.closed_move)):
        step = move(names.index("neutral"), names.index("happy")) / eyes
        print(f"{title}, from neutral: mouth wider by {step[54, 0] - step[48, 0]:+.3f}, corners up {-(step[48, 1] + step[54, 1]) / 2:+.3f}, "
              f"lips parted by {geometry.lip_growth(step).max():+.3f} eye distances")


def mouth_figure(path: Path) -> None:
    rows = []
    for name in ("hopper", "biden"):
        photo = photos()[name]
        points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)
        centre, half = points[48:60].mean(0), points[54, 0] - points[48, 0]
        left, top, right, bottom = int(centre[0] - half), int(centre[1] - 0.8 * half), int(centre[0] + half), int(centre[1] + 0.6 * half)
        size = (CROP_WIDTH, round(CROP_WIDTH * (bottom - top) / (right - left)))
        crops, labels = [photo[top:bottom, left:right]], [f"{name}: photo"]
        for variant in VARIANTS:
            engine = engine_for(variant)
            crops.append(engine.render(photo, engine.edit_faces(photo), "happy")[top:bottom, left:right])
            labels.append(f"happy, {variant}")
        rows.append(labelled_row([Image.fromarray(crop).resize(size, Image.LANCZOS) for crop in crops], labels))
    stacked(rows).save(path, quality=90)


def celeba_readings(root: Path, n: int) -> None:
    names, _ = held_out(root, n, ())
    engines = {variant: engine_for(variant) for variant in VARIANTS}
    robust, _ = load_classifier(ROBUST_WEIGHTS)
    faces = {variant: [] for variant in VARIANTS}
    for name in names:
        photo = read_photo(root / "img_align_celeba" / name)
        big = cv2.resize(photo, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
        try:
            edited = {}
            for variant, engine in engines.items():
                edits = engine.edit_faces(big)
                edited[variant] = engine.render(big, edits, "happy")
        except FaceganError:
            continue
        if np.array_equal(edited["before"], edited["now"]):
            continue  # lips parted, a face seen happy, or no seams: the same edit both ways
        for variant in VARIANTS:
            faces[variant].append(torch.from_numpy(cv2.cvtColor(aligned_crop(edited[variant], edits[0].prepared[0]), cv2.COLOR_RGB2GRAY))[None])
    happy = EXPRESSIONS.index("happy")
    reads = {variant: float((predict(robust, blurred_and_compressed(torch.stack(faces[variant])))[0].argmax(1) == happy).float().mean())
             for variant in VARIANTS}
    print(f"{len(faces['now'])} of {len(names)} held-out faces turned happy with their lips closed; read happy after the blur and JPEG: "
          + ", ".join(f"{variant} {read:.2f}" for variant, read in reads.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="CelebA")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--photos", action="store_true")
    parser.add_argument("--out", default="runs/closed_lip_smile")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    smiles()
    if args.photos:
        mouth_figure(out / "closed_lip_smile.jpg")
    if args.data:
        celeba_readings(Path(args.data), args.n)


if __name__ == "__main__":
    main()
