"""The geometry engine with moves between closed-lip faces for a face whose lips are closed: each expression's mean
shape over its FER2013 training faces whose inner lips part by 0.05 eye distances or less, used for every target
but fear and surprise (whose open mouths are dark: geometry.DARK_MOUTHS). Prints each expression's move from
neutral both ways, then scores the variant on eval-edit's 500 test faces (expression, after the blur and JPEG,
paint share, appearance distance) and writes OUT/strips.png; with `--photos`, writes OUT/closed_lip_means.jpg,
Hopper's and Biden's mouths (the photo, angry, fear, happy, neutral) shipped and with the closed-lip means.

    python experiments/closed_lip_means.py --data ../shared/data/fer2013 --out runs/closed_lip_means
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edit_report import report_variant
from facegan.data import load_fer2013
from facegan.editing import geometry
from facegan.editing.geometry import DARK_MOUTHS, FACING_INNER_LIPS, face_landmarks, pose_removed

CLOSED = 0.05
"""Eye distances: lips parted by no more than this are closed."""


def lip_gap(points: np.ndarray) -> np.ndarray:
    """The widest gap between facing inner-lip points of shapes (..., 68, 2), in eye distances."""
    eyes = np.linalg.norm(points[..., 36:42, :].mean(-2) - points[..., 42:48, :].mean(-2), axis=-1)
    return np.stack([points[..., lower, 1] - points[..., upper, 1] for upper, lower in FACING_INNER_LIPS], -1).max(-1) / eyes


def describe(means: np.ndarray, reference: np.ndarray, names: tuple[str, ...]) -> str:
    eyes = np.linalg.norm(reference[36:42].mean(0) - reference[42:48].mean(0))
    neutral = names.index("neutral")
    lines = []
    for label, name in enumerate(names):
        move = (means[label] - means[neutral]) / eyes
        lines.append(f"  {name}: mouth wider by {move[54, 0] - move[48, 0]:+.3f}, corners up {-(move[48, 1] + move[54, 1]) / 2:+.3f}, "
                     f"lips' outer height {move[57, 1] - move[51, 1]:+.3f}, brows up {-move[17:27, 1].mean():+.3f}")
    return "\n".join(lines)


def conditioned(engine: geometry.GeometryEngine, closed_means: np.ndarray) -> None:
    """Patch `engine` so that a face with closed lips moves between the closed-lip means (but to fear and surprise)."""
    shipped_fields, shipped_move = type(engine).face_fields, engine.geometry.move
    state = {"closed": False}

    def move(source: int, target: int) -> np.ndarray:
        if state["closed"] and engine.geometry.class_names[target] not in DARK_MOUTHS:
            return closed_means[target] - closed_means[source]
        return shipped_move(source, target)

    def face_fields(self, photo, alignment, face, source):
        import cv2

        upright = cv2.cvtColor(geometry.aligned_crop(photo, alignment.resized(geometry.LANDMARK_SIDE)), cv2.COLOR_RGB2GRAY)
        points = (geometry.cropped_landmarks(upright, 68) + 0.5) * geometry.FRAME / geometry.LANDMARK_SIDE - 0.5
        state["closed"] = bool(lip_gap(points) <= CLOSED)
        return shipped_fields(self, photo, alignment, face, source)

    engine.geometry.move = move
    engine.face_fields = face_fields.__get__(engine)


def photo_mouths(closed_means: np.ndarray, path: Path) -> None:
    import cv2
    from PIL import Image
    from engine_photos import photos

    from facegan.editing.faces import pick_faces
    from facegan.editing.landmarks import photo_landmarks

    rows = []
    for name in ("hopper", "biden"):
        photo = photos()[name]
        points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)
        centre, half = points[48:60].mean(0), points[54, 0] - points[48, 0]
        left, top, right, bottom = int(centre[0] - half), int(centre[1] - 0.6 * half), int(centre[0] + half), int(centre[1] + 0.6 * half)
        size = (200, round(200 * (bottom - top) / (right - left)))
        for variant in ("shipped", "closed-lip means"):
            engine = geometry.GeometryEngine.load()
            if variant != "shipped":
                conditioned(engine, closed_means)
            edits = engine.edit_faces(photo)
            crops = [photo] + [engine.render(photo, edits, target) for target in ("angry", "fear", "happy", "neutral")]
            rows.append(np.concatenate([np.asarray(Image.fromarray(c[top:bottom, left:right]).resize(size, Image.LANCZOS)) for c in crops], 1))
    Image.fromarray(np.concatenate(rows, 0)).save(path, quality=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--photos", action="store_true")
    parser.add_argument("--out", default="runs/closed_lip_means")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train = load_fer2013(args.data, "train")
    engine = geometry.GeometryEngine.load()
    shapes = pose_removed(face_landmarks(train.images), engine.geometry.reference)
    labels, names = train.labels.numpy(), train.class_names
    closed = lip_gap(shapes) <= CLOSED
    print("closed lips:", ", ".join(f"{name} {closed[labels == label].mean():.2f}" for label, name in enumerate(names)))
    closed_means = np.stack([shapes[(labels == label) & closed].mean(0) for label in range(len(names))])
    print("moves from neutral, all faces:\n" + describe(engine.geometry.means, engine.geometry.reference, names))
    print("moves from neutral, closed lips only:\n" + describe(closed_means, engine.geometry.reference, names))
    if args.photos:
        photo_mouths(closed_means, out / "closed_lip_means.jpg")
        return
    conditioned(engine, closed_means)
    report_variant("closed-lip means", engine.every_class, load_fer2013(args.data, "test"), train, args.n, names, out / "strips.png")


if __name__ == "__main__":
    main()
