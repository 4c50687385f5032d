"""Where the geometry engine's move parts a face's lips, at photo resolution: the field alone (which stretches the
line where the lips meet), and what ships (a seam that opens the lips with the mouth's dark for fear and surprise,
and the lips kept at their gap for the others). The mouths of the photos whose lips are closed (Grace Hopper and
Joe Biden), the photo first, at full resolution and enlarged; writes OUT/mouth_opening.jpg.

    python experiments/mouth_opening.py --out docs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from engine_photos import photos
from facegan.editing import geometry
from facegan.editing.faces import pick_faces
from facegan.editing.landmarks import photo_landmarks

TARGETS = ("angry", "happy", "fear", "surprise")
CROP_WIDTH = 240
"""Pixels: each mouth crop is enlarged to this width."""


def field_alone(move: np.ndarray, points: np.ndarray, growth: np.ndarray, dark: bool) -> tuple[np.ndarray, None]:
    return move, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()
    engine = geometry.GeometryEngine.load()
    shipped = geometry.parted_by_seam
    rows = []
    for name in ("hopper", "biden"):
        photo = photos()[name]
        points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)
        centre, half = points[48:60].mean(0), 1.0 * (points[54, 0] - points[48, 0])
        left, top = int(centre[0] - half), int(centre[1] - 0.55 * half)
        right, bottom = int(centre[0] + half), int(centre[1] + 0.55 * half)
        for title, parting in (("field alone", field_alone), ("shipped", shipped)):
            geometry.parted_by_seam = parting
            edits = engine.edit_faces(photo)
            crops = [photo[top:bottom, left:right]] + [engine.render(photo, edits, t)[top:bottom, left:right] for t in TARGETS]
            size = (CROP_WIDTH, round(CROP_WIDTH * (bottom - top) / (right - left)))
            tiles = [Image.fromarray(crop).resize(size, Image.LANCZOS) for crop in crops]
            row = Image.new("RGB", (len(tiles) * (size[0] + 4), size[1] + 18), "white")
            draw = ImageDraw.Draw(row)
            for index, (tile, label) in enumerate(zip(tiles, [f"{name}: photo", *(f"{t}, {title}" for t in TARGETS)])):
                row.paste(tile, (index * (size[0] + 4), 18))
                draw.text((index * (size[0] + 4) + 4, 3), label, fill="black")
            rows.append(row)
    geometry.parted_by_seam = shipped
    picture = Image.new("RGB", (rows[0].width, sum(row.height for row in rows)), "white")
    for index, row in enumerate(rows):
        picture.paste(row, (0, sum(above.height for above in rows[:index])))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    picture.save(out / "mouth_opening.jpg", quality=90)


if __name__ == "__main__":
    main()
