"""How much of the expression the geometry engine gives as its moves grow: each expression's mean landmark
move times GAIN, on the same 500 test faces as `facegan eval-edit` (seed 0), scored by what is cheap to
score: expression (plain classifier, and both classifiers after the blur and JPEG), paint share and the
appearance network's Fréchet distance. Same person and the detector need `facegan eval-edit`.

    python experiments/geometry_strength.py --data ../shared/data/fer2013 --gains 1 1.5 2 3 --out runs/geometry_strength

Writes OUT/strips_<gain>.png (eight faces, then all seven expressions) and prints one line per gain.
"""

from __future__ import annotations

import argparse
from pathlib import Path


import facegan.editing.geometry as geometry
from facegan.data import load_fer2013
from edit_report import report_variant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--gains", type=float, nargs="+", default=[1.0, 1.5, 2.0, 3.0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--closed-lips", action="store_true", help="keep a closed mouth closed (experiments/closed_lips.py)")
    parser.add_argument("--out", default="runs/geometry_strength")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.closed_lips:
        import closed_lips

        closed_lips.patch()
    test, train = load_fer2013(args.data, "test"), load_fer2013(args.data, "train")
    engine = geometry.GeometryEngine.load()
    names = engine.config.class_names
    for gain in args.gains:
        geometry.GAIN = gain
        report_variant(f"gain {gain:g}", engine.every_class, test, train, args.n, names, out / f"strips_{gain:g}.png")


if __name__ == "__main__":
    main()
