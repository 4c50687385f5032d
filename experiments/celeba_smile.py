"""Whether an engine's smile shows in colour, at CelebA's resolution, to a classifier that never saw FER2013:
CelebA's held-out faces (the last 1,000 of the 8,000, which the project's attribute classifier did not train
on) are edited through the photo path (upscaled twice so the detector finds them, edited, scaled back), cut
as the attribute classifier's 64x64 input, and read for "Smiling" and "Mouth_Slightly_Open".

    python experiments/celeba_smile.py --data ../shared/data/celeba --n 300 --engines geometry translator

Prints, per engine: the share read as smiling of the faces labelled not smiling, as they are and turned
happy, and of those labelled smiling, as they are and turned neutral and sad; the share read with the mouth
open of closed-mouthed faces turned to surprise, and of open-mouthed ones turned neutral and sad. Writes
OUT/strip_<engine>_<strength>.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from facegan import visuals
from facegan.data.images import resize_and_crop
from facegan.editing import load_engine
from facegan.editing.faces import read_photo
from facegan.errors import FaceganError
from facegan.metrics.attributes import load_attribute_classifier
from facegan.metrics.classifier import predict

TARGETS = ("happy", "neutral", "sad", "surprise")
UPSCALE = 2


def classifier_input(photo: np.ndarray) -> torch.Tensor:
    """A photo (H, W, 3) as the attribute classifier's uint8 (3, 64, 64), cut as CelebA's loader cuts it."""
    return torch.from_numpy(np.asarray(resize_and_crop(Image.fromarray(photo), 64), dtype=np.uint8).transpose(2, 0, 1).copy())


def upscaled(photo: np.ndarray, times: int = UPSCALE) -> np.ndarray:
    """A CelebA face `times` as large (bicubic): at its own half size the detector misses it and no seams apply."""
    import cv2

    return cv2.resize(photo, None, fx=times, fy=times, interpolation=cv2.INTER_CUBIC)


def held_out(root: Path, n: int, attributes: tuple[str, ...]) -> tuple[list[str], dict[str, torch.Tensor]]:
    """n of CelebA's last 1,000 faces (which the attribute classifier did not train on), drawn with seed 0, and
    their labels for each of `attributes`."""
    names = sorted(p.name for p in (root / "img_align_celeba").glob("*.jpg"))[-1000:]
    names = [names[i] for i in torch.randperm(len(names), generator=torch.Generator().manual_seed(0))[:n].tolist()]
    lines = (root / "list_attr_celeba.txt").read_text().splitlines()
    attribute_names = lines[1].split()
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    return names, {attribute: torch.tensor([rows[name][attribute_names.index(attribute)] == "1" for name in names]) for attribute in attributes}


def main() -> None:
    import cv2

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--engines", nargs="+", default=["geometry", "translator"])
    parser.add_argument("--strength", type=float, default=1.0)
    parser.add_argument("--closed-lips", action="store_true", help="the geometry engine keeps a closed mouth closed (experiments/closed_lips.py)")
    parser.add_argument("--no-seal", action="store_true", help="the geometry engine's mean move alone, without the seams that close or open the lips")
    parser.add_argument("--out", default="runs/celeba_smile")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.closed_lips:
        import closed_lips

        closed_lips.patch()
    if args.no_seal:
        from facegan.editing import geometry

        geometry.SEAM_RESOLUTION = float("inf")
    root = Path(args.data)
    names, labelled = held_out(root, args.n, ("Smiling", "Mouth_Slightly_Open"))
    labelled_smiling, labelled_open = labelled["Smiling"], labelled["Mouth_Slightly_Open"]
    classifier, _ = load_attribute_classifier()
    smiling, mouth_open = classifier.attribute_names.index("Smiling"), classifier.attribute_names.index("Mouth_Slightly_Open")
    for engine_name in args.engines:
        engine = load_engine(None, engine_name)
        inputs = {"photo": [], **{target: [] for target in TARGETS}}
        found, strip = [], []
        for name in names:
            photo = read_photo(root / "img_align_celeba" / name)
            height, width = photo.shape[:2]
            big = upscaled(photo)
            try:
                edits = engine.edit_faces(big)
            except FaceganError:
                found.append(False)
                continue
            found.append(True)
            back = lambda picture: cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)  # noqa: E731
            inputs["photo"].append(classifier_input(back(big)))
            for target in TARGETS:
                inputs[target].append(classifier_input(back(engine.render(big, edits, target, args.strength))))
            if len(strip) < 8 * (1 + len(TARGETS)):
                strip += [inputs[key][-1] for key in ("photo", *TARGETS)]
        kept = torch.tensor(found)
        read = {key: torch.sigmoid(predict(classifier, torch.stack(faces))[0]) > 0.5 for key, faces in inputs.items()}
        plain, happy_face = ~labelled_smiling[kept], labelled_smiling[kept]
        closed, parted = ~labelled_open[kept], labelled_open[kept]

        def share(key: str, column: int, among: torch.Tensor) -> str:
            return f"{read[key][among, column].float().mean():.2f}"

        print(f"{engine_name} at strength {args.strength:g}: {int(kept.sum())} of {len(names)} faces found; not smiling ({int(plain.sum())}): read smiling "
              f"{share('photo', smiling, plain)} as they are, {share('happy', smiling, plain)} turned happy; smiling "
              f"({int(happy_face.sum())}): {share('photo', smiling, happy_face)} as they are, {share('neutral', smiling, happy_face)} "
              f"turned neutral, {share('sad', smiling, happy_face)} sad; mouth closed ({int(closed.sum())}): read open "
              f"{share('photo', mouth_open, closed)} as they are, {share('surprise', mouth_open, closed)} turned to surprise; mouth open "
              f"({int(parted.sum())}): read open {share('photo', mouth_open, parted)} as they are, {share('neutral', mouth_open, parted)} "
              f"turned neutral, {share('sad', mouth_open, parted)} sad", flush=True)
        visuals.save_labelled_grid(torch.stack(strip), out / f"strip_{engine_name}_{args.strength:g}{'_closed' if args.closed_lips else ''}.png", ["photo", *TARGETS], scale=3)


if __name__ == "__main__":
    main()
