"""The NumPy expression classifier that starts every geometry edit (`classifier_numpy.numpy_logits`), at its batch
(`classifier_numpy.BATCH`) against 64 faces at a time (the reference, its batch before), measured in one run.

FER2013's test faces (every 50th, up to FACES) when `--data` is given, else the bundled demo faces; the figure is the
best of RUNS passes over them of each, alternated, in milliseconds per face (the face and its mirror image).

    python benchmarks/classifier_batch.py --data ../shared/data/fer2013
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image

import facegan.data
from facegan.metrics import classifier_numpy

FACES, RUNS, REFERENCE_BATCH = 120, 5, 64


def milliseconds_per_face(faces: np.ndarray, batch: int) -> float:
    shipped, classifier_numpy.BATCH = classifier_numpy.BATCH, batch
    try:
        started = time.perf_counter()
        classifier_numpy.numpy_logits(classifier_numpy.shipped_classifier(), faces)
        return (time.perf_counter() - started) / len(faces) * 1000
    finally:
        classifier_numpy.BATCH = shipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="FER2013 in its image-folder layout")
    args = parser.parse_args()
    root = Path(args.data) / "test" if args.data else facegan.data.DEMO_DATA / "train"
    paths = sorted(root.glob("*/*.jpg"))[:: 50 if args.data else 1][:FACES]
    faces = np.stack([np.array(Image.open(path).convert("L"))[None] for path in paths])
    milliseconds_per_face(faces[:8], classifier_numpy.BATCH)  # reads the weights
    times = {batch: [] for batch in (REFERENCE_BATCH, classifier_numpy.BATCH)}
    for _ in range(RUNS):
        for batch in times:
            times[batch].append(milliseconds_per_face(faces, batch))
    reference = min(times[REFERENCE_BATCH])
    print(f"{len(faces)} faces, best of {RUNS}")
    for batch, runs in times.items():
        print(f"batch {batch:>3}: {min(runs):5.1f} ms per face, {reference / min(runs):.2f}x")


if __name__ == "__main__":
    main()
