"""Closed lips that dlib reads as parted: a lipstick's sheen, or the lower lip's highlight between closed lips, lies
between dlib's inner lip lines, and the seal closed it away, leaving a thin line of lip. Now a mouth whose inside is as
colourful as its lips (geometry.LIP_COLOURED_INSIDE) is taken as closed: not sealed, and moved as FER2013's faces with
closed lips are.

CelebA (`--data`): the held-out faces (the last 1,000; the first N of them), upscaled twice so the lips get their
seams. Counts, by CelebA's Mouth_Slightly_Open label, the faces the engine reads as parted (a seal for sad) and those
it now takes as closed, and writes OUT/lip_coloured_inside.png: the first faces taken as closed, the photo then sad
and neutral, before (the check off) and now.

    python experiments/lip_coloured_inside.py --data ../shared/data/celeba --n 1000 --out docs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from celeba_smile import held_out, upscaled
from engine_photos import labelled_row, stacked
from facegan.editing import geometry
from facegan.editing.faces import read_photo
from facegan.editing.warp import LipSeal
from facegan.errors import FaceganError
from sealed_corners import landmarks, mouth_box

TARGETS = ("sad", "neutral")
SHIPPED = geometry.LIP_COLOURED_INSIDE
TILE = 160
"""Pixels: the width of each mouth in the strip."""


def taken_as_closed(root: Path, n: int, strip: Path) -> None:
    """The counts of mouths sealed before and now, by label, and the strip of the faces now taken as closed."""
    names, labelled = held_out(root, n, ("Mouth_Slightly_Open",))
    engine = geometry.GeometryEngine.load()
    sad = engine.geometry.class_names.index("sad")
    counts = {label: {"read as parted": 0, "taken as closed now": 0} for label in ("open", "closed")}
    tiles = []
    for name, open_mouth in zip(names, labelled["Mouth_Slightly_Open"].tolist()):
        big = upscaled(read_photo(root / "img_align_celeba" / name))
        sealed = {}
        for variant, share in (("before", np.inf), ("now", SHIPPED)):
            geometry.LIP_COLOURED_INSIDE = share
            try:
                edits = engine.edit_faces(big)
            except FaceganError:
                break
            sealed[variant] = isinstance(edits[0].prepared[3][sad], LipSeal), edits
        geometry.LIP_COLOURED_INSIDE = SHIPPED
        if len(sealed) < 2 or not sealed["before"][0]:
            continue
        label = "open" if open_mouth else "closed"
        counts[label]["read as parted"] += 1
        if sealed["now"][0]:
            continue
        counts[label]["taken as closed now"] += 1
        if len(tiles) < 10:
            left, top, right, bottom = mouth_box(landmarks(big))
            size = (TILE, round(TILE * (bottom - top) / (right - left)))
            pictures = [big] + [engine.render(big, sealed[variant][1], target) for target in TARGETS for variant in ("before", "now")]
            labels = [f"{name} ({label})"] + [f"{target}, {variant}" for target in TARGETS for variant in ("before", "now")]
            tiles.append(labelled_row([Image.fromarray(picture[top:bottom, left:right]).resize(size, Image.LANCZOS) for picture in pictures], labels))
    print("| CelebA's label | read as parted (sealed for sad before) | taken as closed now |\n| --- | ---: | ---: |")
    for label, count in counts.items():
        print(f"| {label} | {count['read as parted']} | {count['taken as closed now']} |")
    stacked(tiles).save(strip)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CelebA")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--out", default="runs/lip_coloured_inside")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    taken_as_closed(Path(args.data), args.n, out / "lip_coloured_inside.png")


if __name__ == "__main__":
    main()
