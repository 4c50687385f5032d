"""Realism of translators' edits in both feature spaces, without the slow same-person score: the same
500 test faces and 3,000 edits as `facegan eval-edit --n 500`, so the numbers sit beside its table.

    python experiments/rescore_realism.py shipped runs/aug_B/checkpoint.pt runs/mask_D/checkpoint.pt --data ../shared/data/fer2013 [--strength S]

"shipped" is the translator inside the package.
"""

from __future__ import annotations

import argparse

from facegan.data import load_fer2013
from facegan.editing import load_engine
from facegan.editing.scores import edit_quality, edit_test_faces


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--strength", type=float, help="as facegan eval-edit's")
    args = parser.parse_args()
    test, train = load_fer2013(args.data, "test"), load_fer2013(args.data, "train")
    print("| translator | expression | FD classifier | KID classifier | FD appearance | KID appearance | precision appearance |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for checkpoint in args.checkpoints:
        editor = load_engine(None if checkpoint == "shipped" else checkpoint)
        strength = 1.0 if args.strength is None else args.strength
        quality = edit_quality(edit_test_faces(lambda faces: editor.every_class(faces, strength), test, args.n),
                               editor.config.class_names, test, train)
        generated, appearance = quality["generated"], quality["generated"]["appearance"]
        label = checkpoint if args.strength is None else f"{checkpoint}, strength {args.strength:g}"
        print(f"| {label} | {generated['expression']['balanced_accuracy']:.3f} | {generated['frechet_distance']:.2f} | "
              f"{generated['kid']:.4f} | {appearance['frechet_distance']:.2f} | {appearance['kid']:.4f} | {appearance['precision']:.3f} |",
              flush=True)
    floor = quality["floor"]
    print(f"| floor (real training faces) | {floor['expression']['balanced_accuracy']:.3f} | {floor['frechet_distance']:.2f} | "
          f"{floor['kid']:.4f} | {floor['appearance']['frechet_distance']:.2f} | {floor['appearance']['kid']:.4f} | "
          f"{floor['appearance']['precision']:.3f} |")


if __name__ == "__main__":
    main()
