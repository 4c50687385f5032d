"""What opening a closed mouth by a seam costs (`warp.MouthOpening`): Joe Biden's portrait (experiments/photos, public
domain) upscaled SCALE times, turned to surprise as shipped, against the same field without the seam (the reference,
which stretches the lips apart); each figure the median of RUNS renders.

    python benchmarks/mouth_opening.py --scale 4
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2

from facegan.editing import geometry
from facegan.editing.faces import read_photo

PHOTO = Path(__file__).parent.parent / "experiments" / "photos" / "biden.jpg"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    photo = read_photo(PHOTO)
    photo = cv2.resize(photo, None, fx=args.scale, fy=args.scale, interpolation=cv2.INTER_CUBIC)
    engine = geometry.GeometryEngine.load()
    shipped = geometry.parted_by_seam
    seconds = {}
    for title, parting in (("field alone (reference)", lambda move, points, growth, dark: (move, None)), ("opened by a seam", shipped)):
        geometry.parted_by_seam = parting
        edits = engine.edit_faces(photo)
        engine.render(photo, edits, "surprise")
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            engine.render(photo, edits, "surprise")
            times.append(time.perf_counter() - started)
        seconds[title] = statistics.median(times)
    geometry.parted_by_seam = shipped
    reference = seconds["field alone (reference)"]
    print(f"| {photo.shape[1]}x{photo.shape[0]} portrait, turned to surprise | s (median of {args.runs}) | vs reference |\n| --- | ---: | ---: |")
    for title, value in seconds.items():
        print(f"| {title} | {value:.3f} | {reference / value:.2f}x |")


if __name__ == "__main__":
    main()
