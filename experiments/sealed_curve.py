"""A smile turned sad or neutral, its lips sealed: before, the sealed mouth kept the smile's curve; now its corners
drop to the curve the mean move gives them (geometry.sealed_move). The mean move takes a smile's curve away mostly by
raising the lower lip into the gap between the lips, and the seal closes that gap itself.

Prints, for the astronaut's aligned landmarks, how far the mouth's corners sit above the middle of its lips (in eye
distances): the face's own, the mean move's, and where the field puts them before and now. Then as
experiments/smile_opened.py: the photos (`--photos`: OUT/sealed_curve.jpg and the photo scores) and CelebA's
held-out smiling faces (`--data`: the classifiers' readings and OUT/sealed_curve_celeba.png).

    python experiments/sealed_curve.py --photos --out docs
    python experiments/sealed_curve.py --data ../shared/data/celeba --n 300 --out docs
"""

from __future__ import annotations

import cv2
import numpy as np

from engine_photos import photos
from facegan.editing import geometry
from facegan.editing.geometry import FRAME, LANDMARK_SIDE, aligned_crop, cropped_landmarks
from facegan.editing.warp import lip_edges, moved_points
from smile_opened import run_variants

TARGETS = ("sad", "neutral")
SHIPPED = geometry.sealed_move


def engine_for(variant: str) -> geometry.GeometryEngine:
    """The geometry engine as shipped ("now"), or with a sealed mouth's corners moved by the mean move alone ("before")."""
    geometry.sealed_move = SHIPPED if variant == "now" else (lambda move, points: geometry.lips_kept_apart(move))
    return geometry.GeometryEngine.load()


def corners_above_middle(points: np.ndarray) -> float:
    """How far the inner corners of the mouth (dlib's 60 and 64) sit above the middle of the inner lips, in eye distances."""
    eyes = np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0))
    return float(((points[62, 1] + points[66, 1]) / 2 - (points[60, 1] + points[64, 1]) / 2) / eyes)


def astronaut_curves() -> None:
    photo = photos()["astronaut"]
    for variant in ("before", "now"):
        engine = engine_for(variant)
        alignment, fields, source, _ = engine.edit_faces(photo)[0].prepared
        upright = cv2.cvtColor(aligned_crop(photo, alignment.resized(LANDMARK_SIDE)), cv2.COLOR_RGB2GRAY)
        points = (cropped_landmarks(upright, 68) + 0.5) * FRAME / LANDMARK_SIDE - 0.5
        names = engine.geometry.class_names
        for target in TARGETS:
            label = names.index(target)
            print(f"astronaut, {target}, {variant}: own {corners_above_middle(points):.3f}, mean move "
                  f"{corners_above_middle(points + engine.geometry.move(source, label)):.3f}, target's mean shape "
                  f"{corners_above_middle(engine.geometry.means[label]):.3f}, the field's corners over the seal's line "
                  f"{seal_curve(moved_points(fields[label], points, FRAME)):.3f}")


def seal_curve(points: np.ndarray) -> float:
    """How far the inner corners sit above the line a seal closes the lips on, at the mouth's middle, in eye distances."""
    upper, lower = lip_edges(points)
    eyes = np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0))
    return float(((upper[2, 1] + lower[2, 1]) / 2 - (points[60, 1] + points[64, 1]) / 2) / eyes)


if __name__ == "__main__":
    run_variants(__doc__.splitlines()[0], "sealed_curve", TARGETS, engine_for, astronaut_curves)
