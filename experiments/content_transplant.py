"""How much expression real content would give, where a move cannot: each test face is moved by the geometry
engine, then the mouth (or the mouth, eyes and brows) of a real training face of the target expression, warped
onto the moved landmarks, is cloned in (OpenCV's Poisson seamless cloning, so the donor's shading meets the
face's). It is paint by construction (another person's pixels), and not a candidate engine: it measures the
ceiling of drawing the right content in the right place, before anything learns to draw it.

    python experiments/content_transplant.py --data ../shared/data/fer2013 --n 200 --regions mouth
    python experiments/content_transplant.py --data ../shared/data/fer2013 --n 200 --regions mouth eyes

Writes OUT/strips_<regions>.png and prints one line of scores.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from facegan.data import load_fer2013
from facegan.metrics.classifier_numpy import expressions
from facegan.editing.geometry import GeometryEngine, face_landmarks, field_for, load_geometry
from facegan.editing.glasses import load_glasses
from facegan.editing.warp import thin_plate_field
from facegan.editing.align import FRAME
from edit_report import report_variant

REGIONS = {"mouth": [list(range(48, 60))], "eyes": [[*range(17, 22), *range(36, 42)], [*range(22, 27), *range(42, 48)]]}
DONORS = 300
"""Training faces per expression the donors are drawn from."""


def warped_donor(donor: np.ndarray, donor_points: np.ndarray, points: np.ndarray) -> np.ndarray:
    """A donor face (48, 48) uint8 warped so its landmarks land on `points`."""
    import cv2

    field = thin_plate_field(donor_points, points, FRAME, FRAME)
    xs, ys = np.meshgrid(np.arange(FRAME, dtype=np.float32), np.arange(FRAME, dtype=np.float32))
    return cv2.remap(donor, xs + field[0], ys + field[1], cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def region_mask(points: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    import cv2

    mask = np.zeros((FRAME, FRAME), np.uint8)
    for group in groups:
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points[group]).astype(np.int32)), 255)
    return cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=2)


def main() -> None:
    import cv2

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--regions", nargs="+", choices=list(REGIONS), default=["mouth"])
    parser.add_argument("--out", default="runs/content_transplant")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train, test = load_fer2013(args.data, "train"), load_fer2013(args.data, "test")
    geometry = load_geometry()
    engine = GeometryEngine(geometry, load_glasses())
    names = geometry.class_names
    generator = torch.Generator().manual_seed(0)
    donors = []
    for label in range(len(names)):
        own = torch.nonzero(train.labels == label).flatten()
        own = own[torch.randperm(len(own), generator=generator)[:DONORS]]
        donors.append((train.images[own, 0].numpy(), face_landmarks(train.images[own])))
    groups = [group for region in args.regions for group in REGIONS[region]]
    rng = np.random.default_rng(0)

    def render(faces: torch.Tensor) -> torch.Tensor:
        edited = []
        for face, source, points in zip(faces, expressions(faces), face_landmarks(faces)):
            moves = [geometry.move(source, target) for target in range(len(names))]
            moved = engine.moved_faces(face, np.stack([field_for(points, move) for move in moves]))
            for target, move in enumerate(moves):
                if target == source:
                    continue
                images, landmarks = donors[target]
                pick = rng.integers(len(images))
                goal = points + move
                donor = warped_donor(images[pick], landmarks[pick], goal)
                mask = region_mask(goal, groups)
                base = np.repeat(moved[target, 0].numpy()[..., None], 3, 2)
                ys, xs = np.nonzero(mask)
                centre = (int((xs.min() + xs.max() + 1) // 2), int((ys.min() + ys.max() + 1) // 2))
                cloned = cv2.seamlessClone(np.repeat(donor[..., None], 3, 2), base, mask, centre, cv2.NORMAL_CLONE)
                moved[target, 0] = torch.from_numpy(cloned[..., 0])
            edited.append(moved)
        return torch.stack(edited)

    tag = "_".join(args.regions)
    report_variant(tag, render, test, train, args.n, names, out / f"strips_{tag}.png")


if __name__ == "__main__":
    main()
