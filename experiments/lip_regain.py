"""A smile turned sad or neutral, its lips sealed: a smile stretches its lips thin, and a seal that kept them as thin
gave closed lips thinner than real closed mouths have, and a pale patch of skin where the upper lip should be; now each
lip shows LIP_REGAIN times as thick as the smile left it (warp.thickened).

CelebA (`--data`): the held-out faces (the last 1,000; the first N of them), upscaled twice so the lips get their seams.
Each lip's thickness is measured by dlib's 68 landmarks on the picture (the upper lip from 50-52 to 61-63, the lower
from 65-67 to 56-58), over the mouth's width (48 to 54): for the faces with the mouth closed and no smile as they are
(what real closed lips show), for the smiling faces with the mouth open as they are, and for those turned sad and
neutral where the engine seals them, with the lips kept as thin ("before"), as shipped ("now") and regained by 1.6.
Prints a table of the medians and 10th and 90th percentiles.

Photos (`--photos`): the astronaut, the scene and Obama, the mouth at the photo's resolution, the photo then sad and
neutral, before and now; writes OUT/lip_regain.jpg and prints the photo scores of each edit.

    python experiments/lip_regain.py --data ../shared/data/celeba --n 500
    python experiments/lip_regain.py --photos --out docs
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facegan.editing import geometry, warp
from facegan.editing.warp import LipSeal
from facegan.errors import FaceganError
from sealed_corners import held_out_mouths, landmarks
from smile_opened import mouth_figure, photos_or_celeba

TARGETS = ("sad", "neutral")
SHIPPED = warp.LIP_REGAIN
REGAINS = {"before": 1.0, "now": SHIPPED, "1.6": 1.6}


def engine_for(variant: str) -> geometry.GeometryEngine:
    """The geometry engine with its seal regaining the lips' thickness by the variant's factor."""
    warp.LIP_REGAIN = REGAINS[variant]
    return geometry.GeometryEngine.load()


def lip_thickness(points: np.ndarray) -> tuple[float, float]:
    """The upper and the lower lip's thickness at their middle three landmarks, over the mouth's width."""
    width = float(np.linalg.norm(points[54] - points[48]))
    upper = np.mean(points[[61, 62, 63], 1] - points[[50, 51, 52], 1])
    lower = np.mean(points[[56, 57, 58], 1] - points[[65, 66, 67], 1])
    return float(upper / width), float(lower / width)


def celeba_thickness(root: Path, n: int) -> None:
    """The table of lip thickness: real closed mouths, the smiles, and the smiles sealed by each variant."""
    engine = geometry.GeometryEngine.load()
    columns = {key: [] for key in ["closed mouths without a smile, unedited", "the smiles", *((t, v) for t in TARGETS for v in REGAINS)]}
    for name, big, points, smiling, open_mouth in held_out_mouths(root, n):
        if not open_mouth and not smiling:
            columns["closed mouths without a smile, unedited"].append(lip_thickness(points))
        if not (open_mouth and smiling):
            continue
        edits = engine.edit_faces(big)
        sealed = [t for t in TARGETS if isinstance(edits[0].prepared[3][engine.geometry.class_names.index(t)], LipSeal)]
        if not sealed:
            continue
        columns["the smiles"].append(lip_thickness(points))
        for target in sealed:
            for variant, regain in REGAINS.items():
                warp.LIP_REGAIN = regain
                try:
                    columns[target, variant].append(lip_thickness(landmarks(engine.render(big, edits, target))))
                except FaceganError:  # dlib finds no face in the edit: left out of that column
                    pass
    warp.LIP_REGAIN = SHIPPED
    print("| mouths (CelebA held out, upscaled twice) | n | upper lip: median (10th-90th) | lower lip: median (10th-90th) |")
    print("| --- | ---: | ---: | ---: |")
    for key, values in columns.items():
        upper, lower = np.array(values).T
        spread = lambda v: f"{np.median(v):.3f} ({np.percentile(v, 10):.3f}-{np.percentile(v, 90):.3f})"  # noqa: E731
        print(f"| {key if isinstance(key, str) else ', '.join(key)} | {len(values)} | {spread(upper)} | {spread(lower)} |")


def main() -> None:
    args, out = photos_or_celeba(__doc__.splitlines()[0], "lip_regain", 500)
    if args.photos:
        mouth_figure(TARGETS, engine_for, out / "lip_regain.jpg")
        engine_for("now")
    if args.data:
        celeba_thickness(Path(args.data), args.n)


if __name__ == "__main__":
    main()
