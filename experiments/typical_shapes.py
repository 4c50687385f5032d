"""Whether the geometry engine's moves are weak because each expression's mean shape averages strong and
faint examples (a surprise with the mouth open and one with it closed average to a half-open mouth): the
target's shape is taken as the mean of only its most typical real shapes, those a linear classifier of
landmark shapes gives the highest probability of the target, instead of the mean of all of them. A mean
of real shapes, so not a caricature; stronger than the plain mean.

    python experiments/typical_shapes.py --data ../shared/data/fer2013 --tops 1 0.25 0.1 --n 500

Writes OUT/strips_<top>.png and prints the moves and one line of scores per share kept (1: the shipped engine).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from facegan.data import load_fer2013
from facegan.metrics.classifier_numpy import expressions
from facegan.editing.align import similarity
from facegan.editing.geometry import GRID, RIGID, GeometryEngine, describe_moves, face_landmarks, field_for, load_geometry, pose_removed
from facegan.editing.glasses import load_glasses
from edit_report import report_variant

EXPRESSIVE = [*range(17, 27), 37, 38, 40, 41, 43, 44, 46, 47, *range(48, 68)]
"""The brows, the eyelids and the lips: with --own, these go to the target's typical shape from where the face has them."""

LOWER = [*range(0, 17), *range(48, 68)]
"""The jaw and the lips: with --upper, these keep the mean move."""


def shape_probabilities(shapes: np.ndarray, labels: np.ndarray, classes: int) -> np.ndarray:
    """A softmax regression of the expressions on pose-free shapes (N, 68, 2), classes weighted equally; each
    training shape's probability of its own class (N,)."""
    features = torch.from_numpy(shapes.reshape(len(shapes), -1)).float()
    features = (features - features.mean(0)) / features.std(0)
    truth = torch.from_numpy(labels).long()
    weights = len(truth) / (classes * torch.bincount(truth, minlength=classes).float())
    linear = torch.nn.Linear(features.shape[1], classes)
    optimiser = torch.optim.LBFGS(linear.parameters(), max_iter=200, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        optimiser.zero_grad()
        value = F.cross_entropy(linear(features), truth, weight=weights) + 1e-3 * linear.weight.pow(2).sum()
        value.backward()
        return value

    optimiser.step(loss)
    with torch.no_grad():
        probabilities = linear(features).softmax(1)
    predicted = probabilities.argmax(1)
    recall = torch.stack([(predicted[truth == k] == k).float().mean() for k in range(classes)])
    print(f"shape classifier on its training shapes: balanced accuracy {recall.mean():.3f}", flush=True)
    return probabilities[torch.arange(len(truth)), truth].numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--tops", type=float, nargs="+", default=[1.0, 0.25, 0.1])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--upper", action="store_true", help="only the brows and eyes go to the typical shape; the "
                        "mouth and jaw keep the mean move")
    parser.add_argument("--own", action="store_true", help="move the mouth, brows and eyelids from the face's own shape "
                        "to the target's typical one, instead of from its expression's mean")
    parser.add_argument("--out", default="runs/typical_shapes")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train, test = load_fer2013(args.data, "train"), load_fer2013(args.data, "test")
    geometry = load_geometry()
    names = geometry.class_names
    cache = out / "landmarks.pt"
    if not cache.exists():
        started = time.perf_counter()
        torch.save(torch.from_numpy(face_landmarks(train.images)), cache)
        print(f"landmarks of {len(train)} faces: {time.perf_counter() - started:.0f} s", flush=True)
    shapes = pose_removed(torch.load(cache).numpy(), geometry.reference)
    labels = train.labels.numpy()
    probability = shape_probabilities(shapes, labels, len(names))
    engine = GeometryEngine(geometry, load_glasses())
    for top in args.tops:
        typical = np.stack([shapes[labels == k][np.argsort(-probability[labels == k])[: max(1, int(top * (labels == k).sum()))]].mean(0)
                            for k in range(len(names))])
        shifted = type(geometry)(names, geometry.reference, typical, geometry.modes, geometry.spread, geometry.counts)
        print(f"top {top:g}:\n{describe_moves(shifted)}", flush=True)

        def moves(points: np.ndarray, source: int) -> list[np.ndarray]:
            every = [typical[target] - geometry.means[source] for target in range(len(names))]
            if args.upper:
                for target, move in enumerate(every):
                    move[LOWER] = geometry.move(source, target)[LOWER]
            if not args.own:
                return every
            matrix = similarity(points[list(RIGID)], geometry.reference[list(RIGID)])
            own = points @ matrix[:, :2].T + matrix[:, 2]
            back = np.linalg.inv(matrix[:, :2]).T
            for target, move in enumerate(every):
                move[EXPRESSIVE] = (typical[target][EXPRESSIVE] - own[EXPRESSIVE]) @ back
            return every

        def render(faces: torch.Tensor) -> torch.Tensor:
            edited = []
            for face, source, points in zip(faces, expressions(faces), face_landmarks(faces)):
                fields = np.stack([np.zeros((2, GRID, GRID), np.float32) if target == source else field_for(points, move)
                                   for target, move in enumerate(moves(points, source))])
                edited.append(engine.moved_faces(face, fields))
            return torch.stack(edited)

        report_variant(f"top {top:g}", render, test, train, args.n, names, out / f"strips_{top:g}.png")


if __name__ == "__main__":
    main()
