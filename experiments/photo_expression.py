"""How often the expression asked for is read in the default engine's edits of colour photos, where the lips get their
seams (sealed for sad and neutral, opened onto the mouth's dark for fear and surprise), which eval-edit's 48-pixel test
faces never get (geometry.SEAM_RESOLUTION).

CelebA's held-out faces (experiments/celeba_smile.py's draw), upscaled twice, are turned to the six expressions other
than their own, with the seams as shipped and without them; each edit, aligned to FER2013's frame in grey as every
engine aligns it, is read by FER2013's robust classifier after eval-edit's blur and JPEG. Prints, per target, the
share read as the target, and beside it the share of the unedited faces read so (how often the classifier says it of
these faces anyway); then the balanced means. Writes OUT/photo_expression.png: the first four faces, the photo and each
target with the seams.

    python experiments/photo_expression.py --data ../shared/data/celeba --n 300 --out docs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import torch

from celeba_smile import classifier_input, held_out, upscaled
from facegan import visuals
from facegan.config import EXPRESSIONS
from facegan.editing import geometry
from facegan.editing.align import aligned_crop
from facegan.editing.faces import read_photo
from facegan.errors import FaceganError
from facegan.metrics.classifier import ROBUST_WEIGHTS, load_classifier, predict
from facegan.metrics.marks import blurred_and_compressed

VARIANTS = {"with seams": geometry.SEAM_RESOLUTION, "without seams": float("inf")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CelebA")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--out", default="runs/photo_expression")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(args.data)
    names, _ = held_out(root, args.n, ())
    robust, _ = load_classifier(ROBUST_WEIGHTS)
    engines = {}
    for variant, resolution in VARIANTS.items():
        geometry.SEAM_RESOLUTION = resolution
        engines[variant] = geometry.GeometryEngine.load()
    grey = {"photo": [], **{variant: [] for variant in VARIANTS}}  # aligned grey faces (1, 48, 48)
    owns, strip = [], []
    for name in names:
        photo = read_photo(root / "img_align_celeba" / name)
        height, width = photo.shape[:2]
        big = upscaled(photo)
        try:
            edited = {}
            for variant, resolution in VARIANTS.items():
                geometry.SEAM_RESOLUTION = resolution
                edits = engines[variant].edit_faces(big)
                edited[variant] = {target: engines[variant].render(big, edits, target) for target in EXPRESSIONS}
        except FaceganError:
            continue
        alignment = edits[0].prepared[0]
        aligned = lambda picture: torch.from_numpy(cv2.cvtColor(aligned_crop(picture, alignment), cv2.COLOR_RGB2GRAY))[None]  # noqa: E731
        owns.append(EXPRESSIONS.index(engines["with seams"].expression_of(edits[0])))
        grey["photo"].append(aligned(big))
        for variant in VARIANTS:
            grey[variant].append(torch.stack([aligned(edited[variant][target]) for target in EXPRESSIONS]))
        if len(strip) < 4 * (len(EXPRESSIONS) + 1):
            back = lambda picture: cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)  # noqa: E731
            strip += [classifier_input(photo)] + [classifier_input(back(edited["with seams"][target])) for target in EXPRESSIONS]
    owns = torch.tensor(owns)
    read_photo_as = predict(robust, blurred_and_compressed(torch.stack(grey["photo"])))[0].argmax(1)
    print(f"{len(owns)} of the {len(names)} held-out faces found\n")
    reads = {}
    for variant in VARIANTS:
        faces = torch.stack(grey[variant])  # (N, 7, 1, 48, 48)
        read = predict(robust, blurred_and_compressed(faces.flatten(0, 1)))[0].argmax(1).view(len(faces), len(EXPRESSIONS))
        reads[variant] = {target: float((read[owns != k, k] == k).float().mean()) for k, target in enumerate(EXPRESSIONS)}
    print("| target | " + " | ".join(f"read as the target, {variant}" for variant in VARIANTS) + " | the faces unedited, read so |")
    print("| --- | " + " | ".join("---:" for _ in VARIANTS) + " | ---: |")
    for k, target in enumerate(EXPRESSIONS):
        before = float((read_photo_as[owns != k] == k).float().mean())
        print(f"| {target} | " + " | ".join(f"{reads[variant][target]:.2f}" for variant in VARIANTS) + f" | {before:.2f} |")
    before = np.mean([float((read_photo_as[owns != k] == k).float().mean()) for k in range(len(EXPRESSIONS))])
    print("| balanced | " + " | ".join(f"**{np.mean(list(reads[variant].values())):.3f}**" for variant in VARIANTS) + f" | {before:.3f} |")
    visuals.save_labelled_grid(torch.stack(strip), out / "photo_expression.png", ["photo", *EXPRESSIONS], scale=3)


if __name__ == "__main__":
    main()
