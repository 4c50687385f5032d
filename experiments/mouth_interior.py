"""What the inside of a real open mouth looks like next to its lips: CelebA's faces labelled Mouth_Slightly_Open,
upscaled 2x, dlib's 68 landmarks found as `facegan edit` finds them; per face, the mean colour of the lips (between
the outer and the inner lip line) and the median colour of the mouth's inside in BANDS bands from the upper inner
lip to the lower, as a ratio to the lips' colour. The median over faces is what an opening mouth is drawn with
(facegan.editing.warp.MOUTH_INSIDE).

    python experiments/mouth_interior.py --data ../shared/data/celeba
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from facegan.editing.faces import pick_faces, read_photo
from facegan.editing.landmarks import photo_landmarks
from facegan.editing.warp import LOWER_INNER_LIP, UPPER_INNER_LIP, lip_curve, lip_masks
from facegan.errors import FaceganError

BANDS = 5


def attributes(folder: Path) -> dict[str, dict[str, int]]:
    lines = (folder / "list_attr_celeba.txt").read_text().splitlines()
    names = lines[1].split()
    return {row.split()[0]: dict(zip(names, map(int, row.split()[1:]))) for row in lines[2:]}


def mouth_colours(photo: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The lips' mean colour (3,) and the inside's median colour per band (BANDS, 3), or None where the lips part
    by less than 3 pixels."""
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    points = photo_landmarks(grey, pick_faces(photo)[0], 68)
    lip_mask, inside_mask = lip_masks(points, grey.shape)
    ys, xs = np.nonzero(inside_mask)
    upper, lower = lip_curve(points[UPPER_INNER_LIP], xs), lip_curve(points[LOWER_INNER_LIP], xs)
    if (lower - upper).max() < 3:
        return None
    lips = photo[lip_mask].astype(np.float64).mean(0)
    where = np.clip((ys - upper) / np.maximum(lower - upper, 1), 0, 0.999)
    band = (where * BANDS).astype(int)
    inside = photo[ys, xs].astype(np.float64)
    if any((band == b).sum() < 3 for b in range(BANDS)):
        return None
    return lips, np.stack([np.median(inside[band == b], 0) for b in range(BANDS)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=400, help="faces of each kind")
    args = parser.parse_args()
    folder = Path(args.data)
    labels = attributes(folder)
    for title, smiling in (("not smiling", -1), ("smiling", 1)):
        names = [name for name, row in labels.items() if row["Mouth_Slightly_Open"] == 1 and row["Smiling"] == smiling]
        ratios, lip_colours = [], []
        for name in names:
            if len(ratios) == args.n:
                break
            photo = read_photo(folder / "img_align_celeba" / name)
            photo = cv2.resize(photo, (photo.shape[1] * 2, photo.shape[0] * 2), interpolation=cv2.INTER_CUBIC)
            try:
                found = mouth_colours(photo)
            except FaceganError:
                continue
            if found is not None:
                ratios.append(found[1] / np.maximum(found[0], 1))
                lip_colours.append(found[0])
        ratios = np.array(ratios)
        print(f"{title}: {len(ratios)} faces; lips' mean colour {np.median(lip_colours, 0).round(0)}")
        for b in range(BANDS):
            quartiles = np.percentile(ratios[:, b], [25, 50, 75], 0)
            print(f"  band {b}: median ratio R G B {quartiles[1].round(2)}, quartiles {quartiles[0].round(2)} - {quartiles[2].round(2)}")


if __name__ == "__main__":
    main()
