"""Does a shape score catch caricature? Each face's dlib 68 landmarks, pose removed and in eye distances,
scored by their Mahalanobis distance under a Gaussian of the asked-for expression's real shapes (3,000 real
test faces of other people; covariance shrunk towards its mean variance, as disgust has a hundred faces), for
150 test faces' edits by each engine, with real faces against their own expression as the floor (issue 26).

    python experiments/shape_score.py --data ../shared/data/fer2013

Measured: it does not separate the critic's caricatures from the geometry engine's edits (docs/results.md):
dlib's predictor, a cascade fitted to real faces, puts its points where a face's would be.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from facegan.data import load_fer2013
from facegan.editing.geometry import face_landmarks, load_geometry, pose_removed
from facegan.editing.registry import load_engine
from facegan.editing.scores import edit_test_faces

SHRINKAGE = 0.1


def face_shapes(faces: torch.Tensor) -> np.ndarray:
    """uint8 faces (N, 1, 48, 48) -> their pose-removed landmarks in eye distances, flattened (N, 136)."""
    reference = load_geometry().reference
    eyes = np.linalg.norm(reference[36:42].mean(0) - reference[42:48].mean(0))
    return (pose_removed(face_landmarks(faces), reference) / eyes).reshape(len(faces), -1)


def shape_distances(shapes: np.ndarray, classes: np.ndarray, real_shapes: np.ndarray, real_classes: np.ndarray) -> np.ndarray:
    """The Mahalanobis distance (N,) of each shape from the real shapes of its class."""
    distances = np.zeros(len(shapes))
    for label in np.unique(classes):
        real = real_shapes[real_classes == label]
        centred = real - real.mean(0)
        covariance = centred.T @ centred / max(1, len(real) - 1)
        covariance = (1 - SHRINKAGE) * covariance + SHRINKAGE * np.trace(covariance) / len(covariance) * np.eye(len(covariance))
        offsets = shapes[classes == label] - real.mean(0)
        distances[classes == label] = np.sqrt(np.einsum("nd,dk,nk->n", offsets, np.linalg.inv(covariance), offsets))
    return distances


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--engines", nargs="+", default=["geometry", "runs/warp-1200/checkpoint.pt",
                                                          "runs/warp-critic2/checkpoint.pt", "translator"])
    args = parser.parse_args()
    test = load_fer2013(args.data, "test")
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))  # eval-edit's pick
    picked, others = order[: args.n], order[args.n : args.n + 3000]
    real_shapes, real_labels = face_shapes(test.images[others]), test.labels[others].numpy()
    floor = shape_distances(face_shapes(test.images[picked]), test.labels[picked].numpy(), real_shapes, real_labels)
    print(f"real faces: {floor.mean():.2f}", flush=True)
    for name in args.engines:
        engine = load_engine(name, None) if name.endswith(".pt") else load_engine(None, name)
        edits = edit_test_faces(engine.every_class, test, args.n)
        distances = shape_distances(face_shapes(edits.edited), edits.targets.numpy(), real_shapes, real_labels)
        print(f"{name}: {distances.mean():.2f}", flush=True)


if __name__ == "__main__":
    main()
