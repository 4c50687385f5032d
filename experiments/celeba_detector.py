"""Whether a two-sample detector in colour, at CelebA's resolution, sees what FER2013's blurred one misses:
caricature. Each of CelebA's held-out faces (the last 1,000 of the 8,000) is edited once, to one expression
drawn for it, through the photo path (upscaled twice, edited, scaled back; experiments/celeba_smile.py);
facegan.metrics.detector's small CNN is trained on half of the edits against half of as many real training
faces (other people) and scored on the other halves, with and without its blur, over five seeds. One edit per
face, so no face is on both sides of the split.

    python experiments/celeba_detector.py --data ../shared/data/celeba

Prints one line per case: the faces unedited (through the same upscaling), the geometry engine at strength 1
and 2 (2: caricatures, docs/celeba_smile_strength.jpg), and the paint translator.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import facegan.metrics.detector as detector
from facegan.config import EXPRESSIONS
from facegan.data import load_celeba
from facegan.editing import load_engine
from facegan.editing.faces import read_photo
from facegan.errors import FaceganError

from celeba_smile import UPSCALE, classifier_input

SEEDS = 5


def edited_faces(root: Path, names: list[str], engine_name: str | None, strength: float, targets: list[str]) -> torch.Tensor:
    """Each face edited once to its target, or the next expression where that is the face's own (with no engine:
    only upscaled and scaled back), cut at 64x64."""
    import cv2

    engine = load_engine(None, engine_name or "geometry")
    faces = []
    for name, target in zip(names, targets):
        photo = read_photo(root / "img_align_celeba" / name)
        height, width = photo.shape[:2]
        big = cv2.resize(photo, (width * UPSCALE, height * UPSCALE), interpolation=cv2.INTER_CUBIC)
        try:
            edits = engine.edit_faces(big)
        except FaceganError:
            continue
        if target == engine.expression_of(edits[0]):  # an edit to its own expression changes nothing
            target = EXPRESSIONS[(EXPRESSIONS.index(target) + 1) % len(EXPRESSIONS)]
        result = big if engine_name is None else engine.render(big, edits, target, strength)
        faces.append(classifier_input(cv2.resize(result, (width, height), interpolation=cv2.INTER_AREA)))
    return torch.stack(faces)


def accuracy(real: torch.Tensor, edits: torch.Tensor, blur: bool) -> str:
    keep = detector.blurred
    if not blur:
        detector.blurred = lambda faces, sigma=0.0: detector.to_input(faces)
    try:
        scores = torch.tensor([detector.held_out_accuracy(real, edits, seed) for seed in range(SEEDS)])
    finally:
        detector.blurred = keep
    return f"{scores.mean():.2f} ± {scores.std():.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    root = Path(args.data)
    names = sorted(p.name for p in (root / "img_align_celeba").glob("*.jpg"))[-1000:]
    generator = torch.Generator().manual_seed(0)
    targets = [EXPRESSIONS[i] for i in torch.randint(len(EXPRESSIONS), (len(names),), generator=generator).tolist()]
    real = load_celeba(root, "train").images
    for label, engine_name, strength in (("the faces unedited", None, 1.0), ("geometry, strength 1", "geometry", 1.0),
                                         ("geometry, strength 2", "geometry", 2.0), ("paint translator", "translator", 1.0)):
        edits = edited_faces(root, names, engine_name, strength, targets)
        print(f"{label} ({len(edits)} faces): detector {accuracy(real, edits, blur=True)} blurred, "
              f"{accuracy(real, edits, blur=False)} sharp", flush=True)


if __name__ == "__main__":
    main()
