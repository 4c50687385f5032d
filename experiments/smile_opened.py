"""A smile turned afraid or surprised: before, the geometry engine kept its teeth in a smile (FER2013's mean happy
mouth parts the lips as far as the mean surprised one, so the move between them opens nothing); now it opens the
jaw onto the mouth's dark as a neutral face would, below the upper teeth (geometry.OPENS_AS_NEUTRAL).

CelebA (`--data`): the held-out faces labelled smiling (of experiments/celeba_smile.py's draw), upscaled twice so
the lips get their seams, turned to fear and to surprise both ways. Each edit is read by the project's CelebA
attribute classifier in colour (smiling? mouth open?), and by FER2013's robust classifier on the face aligned
to its 48-pixel frame in grey, after eval-edit's blur and JPEG (the target? still happy?). Prints a table and
writes OUT/smile_opened_celeba.png (the first faces: the photo, then fear and surprise, before and now).

Photos (`--photos`): the astronaut, the scene and Obama, the mouth at the photo's resolution, the photo then
fear and surprise, before and now; writes OUT/smile_opened.jpg and prints the photo scores (sharpness,
saturation, paint share over the face) of each edit.

    python experiments/smile_opened.py --data ../shared/data/celeba --n 300 --out docs
    python experiments/smile_opened.py --photos --out docs
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from celeba_smile import classifier_input, held_out, upscaled
from engine_photos import face_square, labelled_row, photos, stacked
from facegan import visuals
from facegan.config import EXPRESSIONS
from facegan.editing import geometry
from facegan.editing.align import aligned_crop
from facegan.editing.faces import pick_faces, read_photo
from facegan.editing.landmarks import photo_landmarks
from facegan.errors import FaceganError
from facegan.metrics.attributes import load_attribute_classifier
from facegan.metrics.classifier import ROBUST_WEIGHTS, load_classifier, predict
from facegan.metrics.marks import blurred_and_compressed, photo_scores

TARGETS = ("fear", "surprise")
VARIANTS = ("before", "now")
CROP_WIDTH = 240
"""Pixels: each mouth crop of the photo figure is enlarged (or shrunk) to this width."""


def engine_for(variant: str) -> geometry.GeometryEngine:
    """The geometry engine as shipped ("now"), or with a smile opening as any other face does ("before")."""
    geometry.OPENS_AS_NEUTRAL = () if variant == "before" else ("happy",)
    return geometry.GeometryEngine.load()


def mean_mouths() -> None:
    """Each expression's mean inner-lip gap in the shipped geometry, and how far the move from happy and from neutral
    parts the lips for fear and surprise, in eye distances."""
    shapes = geometry.load_geometry()
    names, eyes = shapes.class_names, np.linalg.norm(shapes.reference[36:42].mean(0) - shapes.reference[42:48].mean(0))
    gaps = [geometry.lip_growth(mean).max() / eyes for mean in shapes.means]  # a shape's "growth" from nothing is its gap
    print("mean inner-lip gap, eye distances: " + ", ".join(f"{name} {gap:.3f}" for name, gap in zip(names, gaps)))
    for target in TARGETS:
        moves = {source: geometry.lip_growth(shapes.move(names.index(source), names.index(target))).max() / eyes for source in ("happy", "neutral")}
        print(f"{target}: the move from happy parts the lips by {moves['happy']:+.3f}, from neutral by {moves['neutral']:+.3f}")


def celeba_readings(root: Path, n: int, targets: tuple[str, ...], engine_for: Callable[[str], geometry.GeometryEngine],
                    strip: Path) -> None:
    """The held-out smiling faces turned to `targets` by each variant's engine (`engine_for(variant)`), read in colour by
    the attribute classifier and in grey by FER2013's robust classifier; prints the table, writes the strip."""
    names, labelled = held_out(root, n, ("Smiling",))
    names = [name for name, smiling in zip(names, labelled["Smiling"].tolist()) if smiling]
    attributes, _ = load_attribute_classifier()
    robust, _ = load_classifier(ROBUST_WEIGHTS)
    keys = ["photo", *((target, variant) for target in targets for variant in VARIANTS)]
    columns = {key: ([], []) for key in keys}
    for name in names:
        photo = read_photo(root / "img_align_celeba" / name)
        height, width = photo.shape[:2]
        big = upscaled(photo)
        back = lambda picture: cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)  # noqa: E731
        try:
            edited = {"photo": big}
            for variant in VARIANTS:
                engine = engine_for(variant)
                edits = engine.edit_faces(big)
                edited |= {(target, variant): engine.render(big, edits, target) for target in targets}
        except FaceganError:
            continue
        alignment = edits[0].prepared[0]
        for key in keys:
            columns[key][0].append(classifier_input(back(edited[key])))
            columns[key][1].append(torch.from_numpy(cv2.cvtColor(aligned_crop(edited[key], alignment), cv2.COLOR_RGB2GRAY))[None])
    smiling, mouth_open = attributes.attribute_names.index("Smiling"), attributes.attribute_names.index("Mouth_Slightly_Open")
    print(f"{len(columns['photo'][0])} of the {len(names)} held-out smiling faces found\n")
    print("| edit | read smiling | read with the mouth open | FER2013, after blur and JPEG: the target | still happy |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for key, (colour, grey) in columns.items():
        read = torch.sigmoid(predict(attributes, torch.stack(colour))[0]) > 0.5
        expression = predict(robust, blurred_and_compressed(torch.stack(grey)))[0].argmax(1)
        target = "" if key == "photo" else f"{(expression == EXPRESSIONS.index(key[0])).float().mean():.2f}"
        title = "the photo" if key == "photo" else ", ".join(key)
        print(f"| {title} | {read[:, smiling].float().mean():.2f} | {read[:, mouth_open].float().mean():.2f} | {target} | "
              f"{(expression == EXPRESSIONS.index('happy')).float().mean():.2f} |")
    pictures = [columns[key][0][index] for index in range(min(8, len(columns["photo"][0]))) for key in keys]
    visuals.save_labelled_grid(torch.stack(pictures), strip, ["photo", *(", ".join(key) for key in keys[1:])], scale=3)


def mouth_figure(targets: tuple[str, ...], engine_for: Callable[[str], geometry.GeometryEngine], path: Path) -> None:
    """The astronaut's, the scene's and Obama's mouths at the photo's resolution turned to `targets` by each variant,
    with the photo scores of each edit over the face."""
    rows = []
    for name in ("astronaut", "scene", "obama"):
        photo = photos()[name]
        points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)
        centre, half = points[48:60].mean(0), points[54, 0] - points[48, 0]
        left, top, right, bottom = int(centre[0] - half), int(centre[1] - 0.7 * half), int(centre[0] + half), int(centre[1] + 0.8 * half)
        size = (CROP_WIDTH, round(CROP_WIDTH * (bottom - top) / (right - left)))
        region, _ = face_square(photo)
        crops, labels = [photo[top:bottom, left:right]], [f"{name}: photo"]
        for target in targets:
            for variant in VARIANTS:
                engine = engine_for(variant)
                edited = engine.render(photo, engine.edit_faces(photo), target)
                scores = photo_scores(photo, edited, region)
                print(f"{name}, {target}, {variant}: sharpness {scores['sharpness']:.3f}, saturation {scores['saturation']:.3f}, "
                      f"paint share {scores['paint_share']:.2f}")
                crops.append(edited[top:bottom, left:right])
                labels.append(f"{target}, {variant}")
        rows.append(labelled_row([Image.fromarray(crop).resize(size, Image.LANCZOS) for crop in crops], labels))
    stacked(rows).save(path, quality=90)


def photos_or_celeba(description: str, name: str, n: int = 300) -> tuple[argparse.Namespace, Path]:
    """The command line of the experiments that draw the photos (`--photos`) and read CelebA's held-out faces (`--data`,
    `--n` of them), and the folder they write to (`--out`, runs/NAME by default), made."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", help="CelebA")
    parser.add_argument("--n", type=int, default=n)
    parser.add_argument("--photos", action="store_true")
    parser.add_argument("--out", default=f"runs/{name}")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return args, out


def run_variants(description: str, name: str, targets: tuple[str, ...], engine_for: Callable[[str], geometry.GeometryEngine],
                 describe: Callable[[], None]) -> None:
    """The command line of this experiment and of those built like it (experiments/sealed_curve.py): `describe()`, then
    with `--photos` OUT/NAME.jpg, with `--data` CelebA's readings and OUT/NAME_celeba.png."""
    args, out = photos_or_celeba(description, name)
    describe()
    if args.photos:
        mouth_figure(targets, engine_for, out / f"{name}.jpg")
    if args.data:
        celeba_readings(Path(args.data), args.n, targets, engine_for, out / f"{name}_celeba.png")


if __name__ == "__main__":
    run_variants(__doc__.splitlines()[0], "smile_opened", TARGETS, engine_for, mean_mouths)
