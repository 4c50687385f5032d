"""Editing a large photo: the two parts that grow with it, each against a reference measured in the same run.

- Finding the face: the largest face looked for in copies of 400, then 1,600 pixels first, and found again in the
  photo around where a copy shows it (`faces.pick_faces`), and the same with a 1,600-pixel copy alone (the search
  before the 400-pixel copy), against the Haar cascade over the whole photo (`faces.detect_faces`).
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
from facegan.editing import faces, warp
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
    moved = median_seconds(render_all, args.runs) / 3
    warp.STRIP = args.side + 1
    whole = render_all()
    moved_at_once = median_seconds(render_all, args.runs) / 3
    warp.STRIP = strip
    assert all(np.array_equal(a, b) for a, b in zip(in_strips, whole)), "the strips changed the edit"
    in_copies, whole_photo = median_seconds(lambda: pick_faces(photo), args.runs), median_seconds(lambda: detect_faces(photo), args.runs)
    sides, faces.SEARCH_SIDES = faces.SEARCH_SIDES, faces.SEARCH_SIDES[-1:]
    in_one_copy = median_seconds(lambda: pick_faces(photo), args.runs)
    faces.SEARCH_SIDES = sides
    rows = [("find the face: in copies of 400, then 1,600 pixels first", in_copies, whole_photo),
            ("find the face: in a 1,600-pixel copy first", in_one_copy, whole_photo),
            ("find the face: whole photo (reference)", whole_photo, whole_photo),
            (f"move one expression: {strip} rows at a time", moved, moved_at_once),
            ("move one expression: the whole region at once (reference)", moved_at_once, moved_at_once)]
    print(f"| {args.side}x{args.side} astronaut, the detector's box {pick_faces(photo)[0].size} px | s (median of {args.runs}) | vs reference |\n"
          "| --- | ---: | ---: |")
    for name, seconds, reference in rows:
        print(f"| {name} | {seconds:.3f} | {reference / seconds:.2f}x |")

if __name__ == "__main__":
    main()
