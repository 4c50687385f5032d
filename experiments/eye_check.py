"""How often `facegan.editing.faces.has_eyes` keeps a real face and a false one (issue 25, bug 16).

Real faces: the first 300 CelebA faces, upscaled 3x and padded, as the face cascade finds them. False
faces: every box the face cascade reports in a mosaic of scikit-image's textures and in blurred noise.

    python experiments/eye_check.py --celeba ../shared/data/celeba --picture docs/eye_check.png

The picture: the first real faces the check drops, then the first it keeps; then every false face, kept or dropped.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import skimage.data
from PIL import Image

from facegan.editing.faces import MIN_FACE, Box, cascade, has_eyes


def boxes_in(grey: np.ndarray) -> list[Box]:
    """What the face cascade reports, with detect_faces' settings but before its eye check."""
    found = cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        grey, scaleFactor=1.1, minNeighbors=8, minSize=(MIN_FACE * 3 // 4, MIN_FACE * 3 // 4))
    return [Box(int(x), int(y), int(max(w, h))) for x, y, w, h in found if max(w, h) >= MIN_FACE]


def real_faces(celeba: Path, count: int) -> list[tuple[np.ndarray, Box]]:
    faces = []
    for path in sorted((celeba / "img_align_celeba").glob("*.jpg"))[:count]:
        grey = np.asarray(Image.open(path).convert("L"))
        grey = cv2.copyMakeBorder(cv2.resize(grey, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC), 60, 60, 60, 60, cv2.BORDER_REPLICATE)
        found = boxes_in(grey)
        if found:
            faces.append((grey, max(found, key=lambda box: box.size)))
    return faces


def false_faces() -> list[tuple[np.ndarray, Box]]:
    textures = [skimage.data.brick(), skimage.data.grass(), skimage.data.gravel(), skimage.data.moon(), skimage.data.text(),
                skimage.data.page(), skimage.data.horse().astype(np.uint8) * 255]
    tiles = [cv2.resize(texture if texture.ndim == 2 else cv2.cvtColor(texture, cv2.COLOR_RGB2GRAY), (1500, 1500)) for texture in textures]
    mosaic = np.vstack([np.hstack(tiles[:4]), np.hstack(tiles[3:7])])
    found = [(mosaic, box) for box in boxes_in(mosaic)]
    rng = np.random.default_rng(0)
    for blur in range(2, 8):
        noise = cv2.resize(rng.integers(0, 256, (300, 450), dtype=np.uint8), (3000, 2000), interpolation=cv2.INTER_CUBIC)
        noise = cv2.GaussianBlur(noise, (0, 0), blur)
        found += [(noise, box) for box in boxes_in(noise)]
    return found


def write_picture(real: list, false: list, path: str) -> None:
    """Rows of 64-pixel boxes, each titled with what it is and whether the check keeps it."""
    from PIL import ImageDraw

    dropped = [item for item in real if not has_eyes(*item)][:10]
    kept = [item for item in real if has_eyes(*item)][:10]
    rows = [("real, dropped", dropped), ("real, kept", kept), ("false faces", false[:10]), ("false faces", false[10:20])]
    canvas = Image.new("L", (110 + 10 * 68, 4 * 80), 255)
    draw = ImageDraw.Draw(canvas)
    for row, (title, items) in enumerate(rows):
        draw.text((4, row * 80 + 30), title, fill=0)
        for column, (grey, box) in enumerate(items):
            crop = Image.fromarray(grey[box.top : box.top + box.size, box.left : box.left + box.size]).resize((64, 64))
            canvas.paste(crop, (110 + column * 68, row * 80 + 12))
            draw.text((110 + column * 68, row * 80), "kept" if has_eyes(grey, box) else "dropped", fill=0)
    canvas.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--celeba", required=True, help="the CelebA folder with img_align_celeba/")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--picture", help="also write this PNG of the boxes and the check's verdicts")
    args = parser.parse_args()
    real, false = real_faces(Path(args.celeba), args.count), false_faces()
    kept_real = sum(has_eyes(grey, box) for grey, box in real)
    kept_false = sum(has_eyes(grey, box) for grey, box in false)
    if args.picture:
        write_picture(real, false, args.picture)
    print(f"real faces with an eye found: {kept_real}/{len(real)} ({kept_real / len(real):.0%}); "
          f"false faces: {kept_false}/{len(false)} ({kept_false / len(false):.0%})")


if __name__ == "__main__":
    main()
