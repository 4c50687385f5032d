"""What an edit moves past the aligned crop (the collar under a chin, the hair above a brow): the geometry engine
on the five photos of experiments/engine_photos.py, with the field held at its edge value past the crop (as
shipped until 2026-12-02) and faded to zero over warp.FIELD_FADE frame pixels (shipped since).

    python experiments/field_past_crop.py --out docs

Prints, per photo, the photo pixels past the crop that change by more than 8 levels, summed over the six targets,
and those of them further than FIELD_FADE frame pixels past it; writes OUT/field_past_crop.jpg: for each photo, the chin and collar at
3x, the photo, then the target that changed most past the crop, held and faded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

import facegan.editing.warp as warp
from engine_photos import photos
from facegan.config import EXPRESSIONS
from facegan.editing import load_engine
from facegan.editing.align import FRAME, align
from facegan.editing.faces import pick_faces
from facegan.editing.landmarks import photo_landmarks

ZOOM = 3
CHANGED = 8
"""Levels: a change smaller than this is JPEG's noise in the photos, not a move."""


def past_crop(photo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How far past its largest face's aligned crop each photo pixel lies, in frame pixels (H, W), and the chin
    in photo pixels."""
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    alignment = align(photo_landmarks(grey, pick_faces(photo)[0], 5), FRAME)
    xs, ys = np.meshgrid(np.arange(photo.shape[1], dtype=np.float64), np.arange(photo.shape[0], dtype=np.float64))
    crop = alignment.to_crop(np.stack([xs, ys], -1))
    past = np.maximum(np.maximum(-0.5 - crop, crop - (alignment.size - 0.5)), 0)
    chin = alignment.to_photo(np.array([[(23.5 + 0.5) * alignment.size / FRAME - 0.5, (46.8 + 0.5) * alignment.size / FRAME - 0.5]]))[0]
    return np.hypot(past[..., 0], past[..., 1]) * FRAME / alignment.size, chin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/field_past_crop")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    engine = load_engine(None, "geometry")
    shipped_fade, rows = warp.FIELD_FADE, []
    print("| photo | pixels changed past the crop: held / faded | of them, further than the fade: held / faded |\n| --- | ---: | ---: |")
    for name, photo in photos().items():
        past, chin = past_crop(photo)
        outside = past > 0
        edits = engine.edit_faces(photo)
        results = {}
        for label, fade in (("held", np.inf), ("faded", shipped_fade)):
            warp.FIELD_FADE = fade
            results[label] = {target: engine.render(photo, edits, target) for target in EXPRESSIONS
                              if target != engine.expression_of(edits[0])}
        warp.FIELD_FADE = shipped_fade
        changed = {label: {t: (np.abs(p.astype(int) - photo).max(-1) > CHANGED) & outside for t, p in r.items()}
                   for label, r in results.items()}
        counts = {label: sum(int(c.sum()) for c in by_target.values()) for label, by_target in changed.items()}
        further = {label: sum(int((c & (past > shipped_fade)).sum()) for c in by_target.values()) for label, by_target in changed.items()}
        print(f"| {name} | {counts['held']} / {counts['faded']} | {further['held']} / {further['faded']} |")
        worst = max(changed["held"], key=lambda t: changed["held"][t].sum())
        side = int(0.45 * abs(chin[1] - pick_faces(photo)[0].top))
        left, top = int(chin[0] - side), int(chin[1] - side // 3)
        tiles = [photo, results["held"][worst], results["faded"][worst]]
        rows.append((name, worst, [Image.fromarray(t[top : top + side, left : left + 2 * side]).resize(
            (2 * side * ZOOM, side * ZOOM), Image.NEAREST) for t in tiles]))
    width = max(sum(tile.width + 4 for tile in tiles) for _, _, tiles in rows)
    sheet = Image.new("RGB", (width, sum(tiles[0].height + 18 for _, _, tiles in rows)), "white")
    draw, y = ImageDraw.Draw(sheet), 0
    for name, worst, tiles in rows:
        x = 0
        for tile, label in zip(tiles, (f"{name}: photo", f"{worst}: field held past the crop", f"{worst}: faded (shipped)")):
            draw.text((x + 4, y + 3), label, fill="black")
            sheet.paste(tile, (x, y + 18))
            x += tile.width + 4
        y += tiles[0].height + 18
    sheet.save(out / "field_past_crop.jpg", quality=88)


if __name__ == "__main__":
    main()
