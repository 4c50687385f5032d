"""The geometry engine's move from the classifier's blend of expressions instead of its single guess: the source
shape is the expressions' mean shapes weighted by the classifier's probabilities (raised to POWER and renormalised),
so a face the classifier is unsure of moves from between the means. Scored on eval-edit's 500 test faces.

    python experiments/soft_source.py --data ../shared/data/fer2013 --powers 1
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edit_report import report_variant
from facegan.data import load_fer2013
from facegan.editing import geometry
from facegan.metrics.classifier_numpy import numpy_logits, shipped_classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--powers", type=float, nargs="+", default=[1.0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--out", default="runs/soft_source")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    test, train = load_fer2013(args.data, "test"), load_fer2013(args.data, "train")
    engine = geometry.GeometryEngine.load()
    means, weights, shipped_fields = engine.geometry.means, {}, type(engine).face_fields

    def face_fields(self, photo, alignment, face, source):
        logits = numpy_logits(shipped_classifier(), np.asarray(face)[None])[0]
        blend = np.exp((logits - logits.max()) * weights["power"])  # softmax, raised to the power
        weights["blend"] = blend / blend.sum()
        return shipped_fields(self, photo, alignment, face, source)

    engine.geometry.move = lambda source, target: means[target] - np.tensordot(weights["blend"], means, 1)
    engine.face_fields = face_fields.__get__(engine)
    for power in args.powers:
        weights["power"] = power
        report_variant(f"soft source, power {power:g}", engine.every_class, test, train, args.n, engine.geometry.class_names,
                       out / f"strips_{power:g}.png")


if __name__ == "__main__":
    main()
