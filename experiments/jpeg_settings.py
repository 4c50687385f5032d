"""How much of a JPEG photo outside the face an edit changes when it is written: with the photo's own blocks
wherever the edit left them alone (shipped since 2026-12-02, evening), re-encoded with the photo's own quantization tables and
chroma subsampling (shipped earlier that day), or at quality 95 with PIL's default subsampling (before).

    python experiments/jpeg_settings.py --out docs

For the bundled photo and the two portraits in experiments/photos, turned angry by the default engine: the share of
the pixels where the edit may not change the photo (outside the face's region) that differ from the photo as decoded,
at all and by more than 4 levels; the pixels that differ more than a pixel away from every block the edit touched;
and the file's size over the photo's. Writes OUT/jpeg_settings.jpg: the bundled photo's edit, then how far each
written file is from the photo, 16 levels to a step of grey (black: unchanged), in the order of the table's columns.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory

import cv2
import numpy as np
from PIL import Image

from engine_photos import PHOTOS, face_square
from facegan.data import DEMO_PHOTO
from facegan.editing import load_engine
from facegan.editing.faces import PhotoFile, read_photo_file, save_photo

MCU = 16  # the photos' chroma is subsampled 2x2, so a changed pixel touches a 16x16 square of blocks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/jpeg_settings")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    engine = load_engine(None, "geometry")
    pictures = []
    ways = ("own blocks", "own tables", "quality 95")
    print(f"| photo | outside the face, changed: {' / '.join(ways)} | by more than 4 levels | past the touched blocks and a pixel "
          "| size over the photo's |\n| --- | ---: | ---: | ---: | ---: |")
    with TemporaryDirectory() as folder:
        for path in (Path(DEMO_PHOTO), PHOTOS / "obama.jpg", PHOTOS / "biden.jpg"):
            photo, kept = read_photo_file(path)
            edited = engine.render(photo, engine.edit_faces(photo), "angry")
            outside = face_square(photo)[0] == 0
            changed = np.any(edited != photo, -1)
            height, width = changed.shape
            padded = np.zeros((-(-height // MCU) * MCU, -(-width // MCU) * MCU), bool)
            padded[:height, :width] = changed
            touched = padded.reshape(padded.shape[0] // MCU, MCU, -1, MCU).any((1, 3))
            touched = np.kron(touched, np.ones((MCU, MCU), bool))[:height, :width]
            beyond = cv2.dilate(touched.astype(np.uint8), np.ones((3, 3), np.uint8)) == 0
            rows = []
            for name, how in zip(ways, (kept, replace(kept, jpeg_source=None), PhotoFile())):
                written = Path(folder) / "edit.jpg"
                save_photo(edited, written, how)
                difference = np.abs(np.asarray(Image.open(written)).astype(int) - photo).max(-1)
                if path == Path(DEMO_PHOTO):
                    pictures.append(np.repeat(np.clip(difference * 16, 0, 255).astype(np.uint8)[..., None], 3, -1))
                rows.append(((difference[outside] > 0).mean(), (difference[outside] > 4).mean(), int((difference[beyond] > 0).sum()),
                             written.stat().st_size / path.stat().st_size))
            print(f"| {path.stem} | " + " | ".join(" / ".join(f"{row[i]:.3f}" if i != 2 else f"{row[i]}" for row in rows)
                                                  for i in range(4)) + " |")
            if path == Path(DEMO_PHOTO):
                pictures.insert(0, edited)
    Image.fromarray(np.concatenate([np.pad(p, ((0, 0), (0, 8), (0, 0)), constant_values=255) for p in pictures], 1)).save(
        Path(args.out) / "jpeg_settings.jpg", quality=90)


if __name__ == "__main__":
    main()
