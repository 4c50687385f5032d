"""What the inside of a real open mouth looks like next to its lips: CelebA's faces labelled Mouth_Slightly_Open and
not Smiling, upscaled 2x, dlib's 68 landmarks found as `facegan edit` finds them, those whose inner lips part by at least
WIDEST_SHARE of the mouth's width. Per face, the mean colour of the lips (between the outer and the inner lip line) and
the median colour of the mouth's inside in a grid of BANDS bands from the upper inner lip to the lower by COLUMNS
columns from one corner to the other, as a ratio to the lips' colour. Per cell, the median colour of the darker
quarter of faces there (by brightness): a mouth opened without teeth, a real mouth's dark. That grid is what an
opening mouth is drawn with (facegan.editing.warp.MOUTH_INSIDE).

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

BANDS, COLUMNS = 5, 3
WIDEST_SHARE = 0.15
"""Mouths whose lips part by less than this share of their width are a few pixels tall at CelebA's size: lip edges."""


def attributes(folder: Path) -> dict[str, dict[str, int]]:
    lines = (folder / "list_attr_celeba.txt").read_text().splitlines()
    names = lines[1].split()
    return {row.split()[0]: dict(zip(names, map(int, row.split()[1:]))) for row in lines[2:]}


def mouth_grid(photo: np.ndarray) -> np.ndarray | None:
    """The inside's median colour over the lips' mean colour per band and column (BANDS, COLUMNS, 3), or None where the
    lips part by less than WIDEST_SHARE of the mouth's width or a cell holds fewer than 2 pixels."""
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    points = photo_landmarks(grey, pick_faces(photo)[0], 68)
    lip_mask, inside_mask = lip_masks(points, grey.shape)
    ys, xs = np.nonzero(inside_mask)
    if len(xs) == 0:
        return None
    upper, lower = lip_curve(points[UPPER_INNER_LIP], xs), lip_curve(points[LOWER_INNER_LIP], xs)
    if (lower - upper).max() < WIDEST_SHARE * (points[54, 0] - points[48, 0]):
        return None
    lips = photo[lip_mask].astype(np.float64).mean(0)
    band = (np.clip((ys - upper) / np.maximum(lower - upper, 1), 0, 0.999) * BANDS).astype(int)
    column = (np.clip((xs - points[60, 0]) / max(points[64, 0] - points[60, 0], 1), 0, 0.999) * COLUMNS).astype(int)
    inside = photo[ys, xs].astype(np.float64) / np.maximum(lips, 1)
    grid = np.zeros((BANDS, COLUMNS, 3))
    for b in range(BANDS):
        for c in range(COLUMNS):
            cell = (band == b) & (column == c)
            if cell.sum() < 2:
                return None
            grid[b, c] = np.median(inside[cell], 0)
    return grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    folder = Path(args.data)
    labels = attributes(folder)
    grids = []
    for name, row in labels.items():
        if row["Mouth_Slightly_Open"] != 1 or row["Smiling"] != -1:
            continue
        photo = read_photo(folder / "img_align_celeba" / name)
        photo = cv2.resize(photo, (photo.shape[1] * 2, photo.shape[0] * 2), interpolation=cv2.INTER_CUBIC)
        try:
            found = mouth_grid(photo)
        except FaceganError:
            continue
        if found is not None:
            grids.append(found)
    grids = np.array(grids)
    brightness = cv2.cvtColor(grids.reshape(-1, COLUMNS, 3).astype(np.float32), cv2.COLOR_RGB2GRAY).reshape(grids.shape[:-1])
    darker = brightness <= np.percentile(brightness, 25, axis=0)
    table = np.array([[np.median(grids[darker[:, b, c], b, c], 0) for c in range(COLUMNS)] for b in range(BANDS)])
    print(f"{len(grids)} open mouths, not smiling, lips parted by {WIDEST_SHARE} of the mouth's width or more")
    print("the darker quarter's inside over the lips, bands from the upper lip down, columns corner to corner (R, G, B):")
    print("np.array([" + ",\n          ".join("[" + ", ".join("(" + ", ".join(f"{v:.2f}" for v in cell) + ")" for cell in band) + "]"
                                            for band in table) + "])")
    brightness = cv2.cvtColor(table.astype(np.float32), cv2.COLOR_RGB2GRAY)
    print("brightness:", "; ".join(" / ".join(f"{value:.2f}" for value in band) for band in brightness))


if __name__ == "__main__":
    main()
