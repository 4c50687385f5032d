"""Closed lips that stay closed, where the photo resolves them: before, they moved between the shapes of all FER2013's
faces, so turned happy they took the typical smile, mostly of faces showing teeth, and stretched into a flat line, and
a closed-lip smile turned neutral or sad lost a smile showing teeth, so its corners dropped into a frown over a
bunched chin; now they move between the shapes of the faces with closed lips (`Geometry.closed_move`).

Prints the two smiles' moves from neutral. With `--photos`: OUT/closed_lip_smile.jpg, Grace Hopper's and Joe Biden's
mouths at the photo's resolution (the photo, then happy before and now). With `--data`: CelebA's held-out faces
(experiments/celeba_smile.py's draw) upscaled twice, those whose edit to happy, neutral or sad the change touches, read
by FER2013's robust classifier after eval-edit's blur and JPEG (the share read as the target), and
OUT/closed_lip_smile_celeba.jpg: the first four closed-lip smiles at 4x, the photo, then neutral and sad before and now.

    python experiments/closed_lip_smile.py --photos --data ../shared/data/celeba --n 300 --out docs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from celeba_smile import held_out, upscaled
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
TARGETS = ("happy", "sad", "neutral")
CROP_WIDTH = 300
FIGURE_UPSCALE = 4


def engine_for(variant: str) -> geometry.GeometryEngine:
    """The geometry engine as shipped ("now"), or with the shapes of all faces for closed lips too ("before")."""
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


def mouth_crop(photo: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) around the largest face's mouth."""
    points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)
    centre, half = points[48:60].mean(0), points[54, 0] - points[48, 0]
    return int(centre[0] - half), int(centre[1] - 0.8 * half), int(centre[0] + half), int(centre[1] + 0.8 * half)


def mouth_row(photo: np.ndarray, title: str, targets: tuple[str, ...]) -> Image.Image:
    """The photo's mouth, then each target's by each variant."""
    left, top, right, bottom = mouth_crop(photo)
    size = (CROP_WIDTH, round(CROP_WIDTH * (bottom - top) / (right - left)))
    crops, labels = [photo[top:bottom, left:right]], [f"{title}: photo"]
    for target in targets:
        for variant in VARIANTS:
            engine = engine_for(variant)
            crops.append(engine.render(photo, engine.edit_faces(photo), target)[top:bottom, left:right])
            labels.append(f"{target}, {variant}")
    return labelled_row([Image.fromarray(crop).resize(size, Image.LANCZOS) for crop in crops], labels)


def celeba_readings(root: Path, n: int, figure: Path) -> None:
    names, _ = held_out(root, n, ())
    engines = {variant: engine_for(variant) for variant in VARIANTS}
    robust, _ = load_classifier(ROBUST_WEIGHTS)
    faces = {(target, variant): [] for target in TARGETS for variant in VARIANTS}
    rows = []
    for name in names:
        photo = read_photo(root / "img_align_celeba" / name)
        big = upscaled(photo)
        try:
            edited, own = {}, None
            for variant, engine in engines.items():
                edits = engine.edit_faces(big)
                own = engine.expression_of(edits[0])
                edited |= {(target, variant): engine.render(big, edits, target) for target in TARGETS if target != own}
        except FaceganError:
            continue
        for target in TARGETS:
            if target != own and not np.array_equal(edited[target, "before"], edited[target, "now"]):
                for variant in VARIANTS:
                    grey = cv2.cvtColor(aligned_crop(edited[target, variant], edits[0].prepared[0]), cv2.COLOR_RGB2GRAY)
                    faces[target, variant].append(torch.from_numpy(grey)[None])
        if own == "happy" and not np.array_equal(edited["neutral", "before"], edited["neutral", "now"]) and len(rows) < 4:
            rows.append(mouth_row(upscaled(photo, FIGURE_UPSCALE),
                                  name.split(".")[0], ("neutral", "sad")))
    for target in TARGETS:
        label = EXPRESSIONS.index(target)
        reads = {variant: float((predict(robust, blurred_and_compressed(torch.stack(faces[target, variant])))[0].argmax(1) == label).float().mean())
                 for variant in VARIANTS}
        print(f"{len(faces[target, 'now'])} of {len(names)} held-out faces turned {target} with their lips closed; read {target} after the "
              "blur and JPEG: " + ", ".join(f"{variant} {read:.2f}" for variant, read in reads.items()))
    stacked(rows).save(figure, quality=90)


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
        stacked([mouth_row(photos()[name], name, ("happy",)) for name in ("hopper", "biden")]).save(out / "closed_lip_smile.jpg", quality=90)
    if args.data:
        celeba_readings(Path(args.data), args.n, out / "closed_lip_smile_celeba.jpg")


if __name__ == "__main__":
    main()
