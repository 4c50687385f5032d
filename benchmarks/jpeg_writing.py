"""What writing an edited JPEG with the photo's own blocks costs (`jpeg_blocks.write_with_own_blocks`), against
re-encoding the whole edit with the photo's own tables (the reference, which changes pixels outside the face).

For the bundled astronaut (512x512), the Obama portrait in experiments/photos, and the astronaut upscaled to SIDE
pixels, each saved as a JPEG at quality 90 and turned angry by the default engine: the seconds `save_photo` takes
each way, the median of RUNS runs after a first one (which reads the photo's blocks, once for all of a photo's
expressions, and imports jpeglib).

    python benchmarks/jpeg_writing.py
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import cv2
from PIL import Image

import facegan.data
from facegan.editing.faces import read_photo, read_photo_file, save_photo
from facegan.editing.registry import load_engine
from large_photo import median_seconds

PORTRAIT = Path(__file__).resolve().parents[1] / "experiments" / "photos" / "obama.jpg"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = load_engine(None, "geometry")
    astronaut = read_photo(facegan.data.DEMO_PHOTO)
    photos = {"astronaut": astronaut, "Obama": read_photo(PORTRAIT),
              "astronaut, upscaled": cv2.resize(astronaut, (args.side, args.side), interpolation=cv2.INTER_CUBIC)}
    print("| photo | own blocks, s | re-encoded (reference), s | ratio |\n| --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        for name, pixels in photos.items():
            source, out = Path(folder) / "photo.jpg", Path(folder) / "angry.jpg"
            Image.fromarray(pixels).save(source, quality=90)
            photo, kept = read_photo_file(source)
            edited = engine.render(photo, engine.edit_faces(photo), "angry")
            save_photo(edited, out, kept)  # reads the photo's blocks, once for all of its expressions
            own = median_seconds(lambda: save_photo(edited, out, kept), args.runs)
            reference = median_seconds(lambda: save_photo(edited, out, replace(kept, jpeg_source=None)), args.runs)
            print(f"| {name}, {photo.shape[1]}x{photo.shape[0]} | {own:.3f} | {reference:.3f} | {own / reference:.2f}x |")


if __name__ == "__main__":
    main()
