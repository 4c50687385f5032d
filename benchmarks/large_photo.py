"""Editing a large photo: the two parts that grow with it, each against a reference measured in the same run.

- Finding the face: the largest face looked for in a 1,600-pixel copy first (`faces.pick_faces`), against the
  Haar cascade over the whole photo (`faces.detect_faces`).
- Moving the face's pixels, one expression at a time: STRIP rows at a time (`warp.apply_field`), against the
  whole face's region at once (STRIP set past the photo's height); the results are checked to be equal.

The photo is the bundled astronaut upscaled (bicubic) to SIDE pixels; each figure is the median of RUNS runs.

    python benchmarks/large_photo.py --side 4096
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import cv2
import numpy as np

import facegan.data
from facegan.editing import warp
from facegan.editing.faces import detect_faces, pick_faces, read_photo
from facegan.editing.registry import load_engine


def median_seconds(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    photo = cv2.resize(read_photo(facegan.data.DEMO_PHOTO), (args.side, args.side), interpolation=cv2.INTER_CUBIC)
    engine = load_engine(None, "geometry")
    edits = engine.edit_faces(photo)

    def render_all() -> list[np.ndarray]:
        return [engine.render(photo, edits, target) for target in ("surprise", "sad", "happy")]

    strip = warp.STRIP
    in_strips = render_all()
    seconds = {"find the face: in a copy first": median_seconds(lambda: pick_faces(photo), args.runs),
               "find the face: whole photo (reference)": median_seconds(lambda: detect_faces(photo), args.runs),
               f"move one expression: {strip} rows at a time": median_seconds(render_all, args.runs) / 3}
    warp.STRIP = args.side + 1
    whole = render_all()
    seconds["move one expression: the whole region at once (reference)"] = median_seconds(render_all, args.runs) / 3
    warp.STRIP = strip
    assert all(np.array_equal(a, b) for a, b in zip(in_strips, whole)), "the strips changed the edit"
    names = list(seconds)
    print(f"| {args.side}x{args.side} astronaut, the detector's box {pick_faces(photo)[0].size} px | s (median of {args.runs}) | vs reference |\n"
          "| --- | ---: | ---: |")
    for name, reference in ((names[0], names[1]), (names[1], names[1]), (names[2], names[3]), (names[3], names[3])):
        print(f"| {name} | {seconds[name]:.3f} | {seconds[reference] / seconds[name]:.2f}x |")


if __name__ == "__main__":
    main()
