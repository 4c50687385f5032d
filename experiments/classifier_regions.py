"""Where the expression classifiers look: eval-edit's 500 real test faces (seed 0), with the mouth, or the eyes
and brows, washed out (replaced by the face's own heavy blur, sigma 4 pixels, inside the landmarks' box
widened by 2 pixels), scored by the plain classifier and, after eval-edit's blur and JPEG, by the robust one.
An engine that only moves pixels changes shapes; this says which shapes, and which contents, the scores rest on.

    python experiments/classifier_regions.py --data ../shared/data/fer2013

Prints one line per region: balanced accuracy, and the per-class accuracy.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from facegan.data import load_fer2013
from facegan.editing.geometry import face_landmarks
from facegan.metrics.classifier import ROBUST_WEIGHTS, accuracy_summary, load_classifier, predict
from facegan.metrics.marks import blurred_and_compressed

REGIONS = {"nothing": [], "the mouth": list(range(48, 68)), "the eyes and brows": [*range(17, 27), *range(36, 48)]}
WASH_SIGMA = 4.0


def washed(faces: torch.Tensor, landmarks: np.ndarray, points: list[int]) -> torch.Tensor:
    import cv2

    out = faces.clone()
    for face, shape in zip(out, landmarks):
        if not points:
            continue
        picture = face[0].numpy()
        soft = cv2.GaussianBlur(picture, (0, 0), WASH_SIGMA)
        left, top = np.floor(shape[points].min(0) - 2).astype(int).clip(0, 47)
        right, bottom = np.ceil(shape[points].max(0) + 2).astype(int).clip(0, 47)
        picture[top : bottom + 1, left : right + 1] = soft[top : bottom + 1, left : right + 1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    test = load_fer2013(args.data, "test")
    pick = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))[: args.n]
    faces, labels = test.images[pick], test.labels[pick]
    landmarks = face_landmarks(faces)
    plain, robust = load_classifier()[0], load_classifier(ROBUST_WEIGHTS)[0]
    for region, points in REGIONS.items():
        shown = washed(faces, landmarks, points)
        plain_score = accuracy_summary(predict(plain, shown)[0].argmax(1), labels, test.class_names)
        robust_score = accuracy_summary(predict(robust, blurred_and_compressed(shown))[0].argmax(1), labels, test.class_names)
        per_class = ", ".join(f"{name} {value:.2f}" for name, value in robust_score["per_class"].items())
        print(f"{region} washed out: plain {plain_score['balanced_accuracy']:.3f}, robust after blur and JPEG "
              f"{robust_score['balanced_accuracy']:.3f} ({per_class})", flush=True)


if __name__ == "__main__":
    main()
