"""How much of a JPEG photo outside the face an edit changes when it is written: with the photo's own quantization
tables and chroma subsampling (shipped since 2026-12-02), or at quality 95 with PIL's default subsampling (before).

    python experiments/jpeg_settings.py --out docs

For the bundled photo and the two portraits in experiments/photos, turned angry by the default engine: the share of
the pixels where the edit may not change the photo (outside the face's region) that differ from the photo as decoded,
at all and by more than 4 levels, and the file's size over the photo's. Writes OUT/jpeg_settings.jpg: the bundled
photo's edit, then how far each written file is from the photo, 16 levels to a step of grey (black: unchanged),
with its own tables and at quality 95.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from PIL import Image

from engine_photos import PHOTOS, face_square
from facegan.data import DEMO_PHOTO
from facegan.editing import load_engine
from facegan.editing.faces import PhotoFile, read_photo_file, save_photo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/jpeg_settings")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    engine = load_engine(None, "geometry")
    pictures = []
    print("| photo | outside the face, changed: own tables / quality 95 | by more than 4 levels | size over the photo's |\n"
          "| --- | ---: | ---: | ---: |")
    with TemporaryDirectory() as folder:
        for path in (Path(DEMO_PHOTO), PHOTOS / "obama.jpg", PHOTOS / "biden.jpg"):
            photo, kept = read_photo_file(path)
            edits = engine.edit_faces(photo)
            edited = engine.render(photo, edits, "angry")
            outside = face_square(photo)[0] == 0
            rows = {}
            for name, how in (("own", kept), ("q95", PhotoFile())):
                written = Path(folder) / f"{name}.jpg"
                save_photo(edited, written, how)
                difference = np.abs(np.asarray(Image.open(written)).astype(int) - photo).max(-1)
                if path == Path(DEMO_PHOTO):
                    pictures.append(np.repeat(np.clip(difference * 16, 0, 255).astype(np.uint8)[..., None], 3, -1))
                difference = difference[outside]
                rows[name] = ((difference > 0).mean(), (difference > 4).mean(), written.stat().st_size / path.stat().st_size)
            print(f"| {path.stem} | " + " | ".join(f"{rows['own'][i]:.3f} / {rows['q95'][i]:.3f}" for i in range(3)) + " |")
            if path == Path(DEMO_PHOTO):
                pictures.insert(0, edited)
    Image.fromarray(np.concatenate([np.pad(p, ((0, 0), (0, 8), (0, 0)), constant_values=255) for p in pictures], 1)).save(
        Path(args.out) / "jpeg_settings.jpg", quality=90)


if __name__ == "__main__":
    main()
