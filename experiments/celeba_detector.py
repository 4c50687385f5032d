"""Whether a two-sample detector in colour, at CelebA's resolution, sees what FER2013's blurred one misses:
caricature. Each of CelebA's held-out faces (the last 1,000 of the 8,000) is edited once, to one expression
drawn for it, through the photo path (upscaled twice, edited, scaled back; experiments/celeba_smile.py);
facegan.metrics.detector's small CNN is trained on half of the edits against half of as many real training
faces (other people) and scored on the other halves, with and without its blur. One edit per face, so no face
is on both sides of the split.

    python experiments/celeba_detector.py --data ../shared/data/celeba
    python experiments/celeba_detector.py --data ../shared/data/celeba --aligned --epochs 30 --seeds 3 --sharp-only

With --aligned, every face (the real ones too) is cut as the face alone: aligned by its five landmarks to
FER2013's frame at 64x64, in colour, from the photo at twice CelebA's size. Prints one line per case: the faces
unedited (through the same upscaling), the geometry engine at strength 1 and 2 (2: caricatures,
docs/celeba_smile_strength.jpg), and the paint translator.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import facegan.metrics.detector as detector
from facegan.config import EXPRESSIONS
from facegan.editing import load_engine
from facegan.editing.align import Alignment, align, aligned_crop
from facegan.editing.faces import pick_faces, read_photo
from facegan.editing.landmarks import photo_landmarks
from facegan.errors import FaceganError

from celeba_smile import classifier_input, upscaled

ALIGNED_SIDE = 64


def face_alignment(photo: np.ndarray) -> Alignment | None:
    """The largest face's alignment to FER2013's frame at ALIGNED_SIDE pixels; None where no face is found."""
    import cv2

    try:
        box = pick_faces(photo)[0]
    except FaceganError:
        return None
    return align(photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), box, 5), ALIGNED_SIDE)


def cut_faces(root: Path, names: list[str], engine_name: str | None, strength: float, targets: list[str],
              aligned: bool) -> torch.Tensor:
    """Each face edited once to its target, or the next expression where that is the face's own (with no
    engine: only upscaled), cut at 64x64: as CelebA's loader cuts it, or (`aligned`) the face alone."""
    import cv2

    engine = load_engine(None, engine_name or "geometry")
    faces = []
    for name, target in zip(names, targets):
        photo = read_photo(root / "img_align_celeba" / name)
        height, width = photo.shape[:2]
        big = upscaled(photo)
        alignment = face_alignment(big) if aligned else None
        if aligned and alignment is None:
            continue
        result = big
        if engine_name is not None:
            try:
                edits = engine.edit_faces(big)
            except FaceganError:
                continue
            if target == engine.expression_of(edits[0]):  # an edit to its own expression changes nothing
                target = EXPRESSIONS[(EXPRESSIONS.index(target) + 1) % len(EXPRESSIONS)]
            result = engine.render(big, edits, target, strength)
        if aligned:
            faces.append(torch.from_numpy(aligned_crop(result, alignment)).permute(2, 0, 1).contiguous())
        else:
            faces.append(classifier_input(cv2.resize(result, (width, height), interpolation=cv2.INTER_AREA)))
    return torch.stack(faces)


def accuracy(real: torch.Tensor, edits: torch.Tensor, blur: bool, epochs: int, seeds: int) -> str:
    keep = detector.blurred
    if not blur:
        detector.blurred = lambda faces, sigma=0.0: detector.to_input(faces)
    try:
        scores = torch.tensor([detector.held_out_accuracy(real, edits, seed, epochs) for seed in range(seeds)])
    finally:
        detector.blurred = keep
    return f"{scores.mean():.2f} ± {scores.std():.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--aligned", action="store_true")
    parser.add_argument("--epochs", type=int, default=detector.EPOCHS)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sharp-only", action="store_true")
    args = parser.parse_args()
    root = Path(args.data)
    every = sorted(p.name for p in (root / "img_align_celeba").glob("*.jpg"))
    names, strangers = every[-1000:], every[:1000]
    generator = torch.Generator().manual_seed(0)
    targets = [EXPRESSIONS[i] for i in torch.randint(len(EXPRESSIONS), (len(names),), generator=generator).tolist()]
    real = cut_faces(root, strangers, None, 1.0, targets, args.aligned)
    for label, engine_name, strength in (("the faces unedited", None, 1.0), ("geometry, strength 1", "geometry", 1.0),
                                         ("geometry, strength 2", "geometry", 2.0), ("paint translator", "translator", 1.0)):
        edits = cut_faces(root, names, engine_name, strength, targets, args.aligned)
        blurred = "" if args.sharp_only else f"{accuracy(real, edits, True, args.epochs, args.seeds)} blurred, "
        print(f"{label} ({len(edits)} faces against {len(real)}): detector {blurred}"
              f"{accuracy(real, edits, False, args.epochs, args.seeds)} sharp", flush=True)


if __name__ == "__main__":
    main()
