"""Put the top rows of several `eval-edit` strips.png side by side, to compare translators on the same faces.

    python experiments/side_by_side.py RUN_A/edit_eval/strips.png RUN_B/edit_eval/strips.png --out docs/compare.png
"""

from __future__ import annotations

import argparse

from PIL import Image

# eval-edit's strips (visuals.save_labelled_grid at scale 2): a 14 px title line, a 4 px border, then
# rows of 48 px faces with 2 px gaps, doubled: 100 px each.
TOP, ROW = 14 + 4, 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("strips", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--rows", type=int, default=4)
    args = parser.parse_args()
    pictures = [Image.open(path).convert("RGB") for path in args.strips]
    crops = [picture.crop((0, 0, picture.width, TOP + args.rows * ROW)) for picture in pictures]
    gap = 20
    canvas = Image.new("RGB", (sum(crop.width for crop in crops) + gap * (len(crops) - 1), crops[0].height), "white")
    for index, crop in enumerate(crops):
        canvas.paste(crop, (index * (crop.width + gap), 0))
    canvas.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
