"""Continue a translator run with DiffAugment (no cutout) turned on, and optionally new mask and class weights: does
augmenting what D sees stop the decline that training on without it showed after about 4 epochs, and do
a heavier mask or a lighter class loss buy the person back?

    cp -r <a copy of the run at iteration 3926> runs/aug_B
    python experiments/resume_with_changes.py runs/aug_B --max-steps 7399
    cp -r runs/aug_B runs/mask_C
    python experiments/resume_with_changes.py runs/mask_C --max-steps 8296 --mask-loss 1.0
    cp -r runs/mask_C runs/mask_D
    python experiments/resume_with_changes.py runs/mask_D --max-steps 9193 --mask-loss 3.0
    cp -r runs/mask_D runs/mask_E
    python experiments/resume_with_changes.py runs/mask_E --max-steps 10090 --mask-loss 10.0
    cp -r runs/mask_E runs/class_F
    python experiments/resume_with_changes.py runs/class_F --max-steps 10987 --class-loss 2.5

The stages after that, up to the shipped translator (runs/r4_c65, mask 30 and class 6.5 at iteration 18,163),
are listed in docs/results.md and in the model card.

The CLI's --resume keeps a run's recipe; this changes options of it through the Python API.
"""

from __future__ import annotations

import argparse

import facegan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("--max-steps", type=int, required=True)
    parser.add_argument("--mask-loss", type=float, help="default: the run's own")
    parser.add_argument("--class-loss", type=float, help="default: the run's own (D's classifier and G's push towards it)")
    args = parser.parse_args()
    changes = {name: value for name, value in (("mask_loss", args.mask_loss), ("class_loss", args.class_loss)) if value is not None}
    print(f"wrote {facegan.resume(args.run, max_steps=args.max_steps, augment=True, quiet=True, **changes)}")


if __name__ == "__main__":
    main()
