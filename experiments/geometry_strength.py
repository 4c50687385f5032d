"""How much of the expression the geometry engine gives as its moves grow: each expression's mean landmark
move times GAIN, on the same 500 test faces as `facegan eval-edit` (seed 0), scored by what is cheap to
score: expression (plain classifier, and both classifiers after the blur and JPEG), paint share and the
appearance network's Fréchet distance. Same person and the detector need `facegan eval-edit`.

    python experiments/geometry_strength.py --data ../shared/data/fer2013 --gains 1 1.5 2 3 --out runs/geometry_strength
    python experiments/geometry_strength.py --data ../shared/data/fer2013 --gains 1 1.5 --upper 2

With `--upper`, the brows and eyes move by that gain and only the mouth by each of `--gains` (the jaw and nose by 1).
With `--photos`, no scores: the mouths of the astronaut and Obama at full resolution, the photo and then every
expression, one row per gain, in OUT/geometry_gain.jpg (docs/geometry_gain_sealed.jpg).

    python experiments/geometry_strength.py --photos --gains 1 1.5 2 --out OUT

Writes OUT/strips_<gain>.png (eight faces, then all seven expressions) and prints one line per gain.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import facegan.editing.geometry as geometry
from facegan.data import load_fer2013
from edit_report import report_variant


def region_gains(upper: float, mouth: float) -> np.ndarray:
    """Per landmark (68, 1): `upper` for the brows and eyes, `mouth` for the lips, 1 for the jaw and nose."""
    gains = np.ones((68, 1))
    gains[[*range(17, 27), *range(36, 48)]] = upper
    gains[48:68] = mouth
    return gains


def photo_mouths(gains: list[float], path: Path) -> None:
    """The astronaut's and Obama's mouths, enlarged, at each gain: the photo, then every expression."""
    import cv2
    from PIL import Image, ImageDraw
    from engine_photos import photos

    from facegan.config import EXPRESSIONS
    from facegan.editing.faces import pick_faces
    from facegan.editing.landmarks import photo_landmarks

    engine = geometry.GeometryEngine.load()
    rows = []
    for name in ("astronaut", "obama"):
        photo = photos()[name]
        points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)
        centre, half = points[48:60].mean(0), points[54, 0] - points[48, 0]
        left, top, right, bottom = (int(centre[0] - half), int(centre[1] - 0.5 * half), int(centre[0] + half), int(centre[1] + 0.5 * half))
        size = (160, round(160 * (bottom - top) / (right - left)))
        for gain in gains:
            geometry.GAIN = gain
            edits = engine.edit_faces(photo)
            crops = [photo] + [engine.render(photo, edits, target) for target in EXPRESSIONS]
            row = Image.new("RGB", (len(crops) * (size[0] + 4), size[1] + 18), "white")
            draw = ImageDraw.Draw(row)
            for index, (crop, label) in enumerate(zip(crops, [f"{name}, gain {gain:g}", *EXPRESSIONS])):
                row.paste(Image.fromarray(crop[top:bottom, left:right]).resize(size, Image.LANCZOS), (index * (size[0] + 4), 18))
                draw.text((index * (size[0] + 4) + 4, 3), label, fill="black")
            rows.append(row)
    geometry.GAIN = 1.0
    picture = Image.new("RGB", (rows[0].width, sum(row.height for row in rows)), "white")
    for index, row in enumerate(rows):
        picture.paste(row, (0, sum(above.height for above in rows[:index])))
    picture.save(path, quality=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--photos", action="store_true", help="write the photos' mouths at each gain instead of scoring")
    parser.add_argument("--gains", type=float, nargs="+", default=[1.0, 1.5, 2.0, 3.0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--upper", type=float, help="the brows' and eyes' gain, the mouth's being each of --gains")
    parser.add_argument("--closed-lips", action="store_true", help="keep a closed mouth closed (experiments/closed_lips.py)")
    parser.add_argument("--out", default="runs/geometry_strength")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.closed_lips:
        import closed_lips

        closed_lips.patch()
    if args.photos:
        photo_mouths(args.gains, out / "geometry_gain.jpg")
        return
    test, train = load_fer2013(args.data, "test"), load_fer2013(args.data, "train")
    engine = geometry.GeometryEngine.load()
    names = engine.config.class_names
    for gain in args.gains:
        geometry.GAIN = gain if args.upper is None else region_gains(args.upper, gain)
        report_variant(f"gain {gain:g}" + ("" if args.upper is None else f", brows and eyes {args.upper:g}"), engine.every_class, test, train, args.n, names, out / f"strips_{gain:g}.png")


if __name__ == "__main__":
    main()
