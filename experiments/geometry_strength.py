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

import torch

import facegan.editing.geometry as geometry
from facegan import visuals
from facegan.data import load_fer2013
from facegan.editing.scores import edit_quality, edit_test_faces, marks_scores


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
        edits = edit_test_faces(engine.every_class, test, args.n)
        quality = edit_quality(edits, names, test, train)["generated"]
        marks = marks_scores(edits, names, detector=False)
        blurred = marks["expression_blurred"]
        print(f"gain {gain:g}: expression {quality['expression']['balanced_accuracy']:.3f}, after blur and JPEG "
              f"{blurred['balanced_accuracy']:.3f} (plain classifier {blurred['plain_classifier']['balanced_accuracy']:.3f}), "
              f"paint share {marks['paint_share']['mean']:.2f}, appearance Fréchet distance "
              f"{quality['appearance']['frechet_distance']:.2f}", flush=True)
        strips = torch.cat([torch.cat([edits.faces[i : i + 1], edits.every_class[i]]) for i in range(8)])
        visuals.save_labelled_grid(strips, out / f"strips_{gain:g}.png", ["photo", *names])


if __name__ == "__main__":
    main()
