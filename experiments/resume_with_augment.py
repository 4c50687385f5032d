"""Continue a translator run with DiffAugment (no cutout) turned on: does augmenting what D sees stop the
decline that training on without it showed after about 4 epochs?

    cp -r <a copy of the run at iteration 3926> runs/aug_B
    python experiments/resume_with_augment.py runs/aug_B --max-steps 7399

The CLI's --resume keeps a run's recipe; this changes one option of it through the Python API.
"""

from __future__ import annotations

import argparse

import facegan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("--max-steps", type=int, required=True)
    args = parser.parse_args()
    print(f"wrote {facegan.resume(args.run, max_steps=args.max_steps, augment=True, quiet=True)}")


if __name__ == "__main__":
    main()
