"""What FER2013's open mouths show, per expression: dlib's 68 landmarks of each training face (upscaled to 192
pixels, as the geometry engine finds them), and for faces whose inner lips part by more than 0.08 eye distances,
the mean grey inside the inner lips over the lips' own (between the outer and inner lip lines). Teeth make it
bright (above 1), the mouth's dark makes it dark. The geometry engine opens a mouth with the dark only for the
expressions whose open mouths are mostly dark (facegan.editing.geometry.DARK_OPEN).

    python experiments/open_mouths.py --data ../shared/data/fer2013 --per-class 600
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
import torch

from facegan.data import load_fer2013
from facegan.editing.landmarks import cropped_landmarks
from facegan.editing.warp import lip_masks

SIDE = 192


def inside_over_lips(face: np.ndarray) -> float | None:
    """The ratio for one grey face (48, 48), or None where its lips part by 0.08 eye distances or less."""
    big = cv2.resize(face, (SIDE, SIDE), interpolation=cv2.INTER_CUBIC)
    points = cropped_landmarks(face, 68) * SIDE / face.shape[0]
    eyes = np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0))
    if (points[[65, 66, 67], 1] - points[[63, 62, 61], 1]).max() <= 0.08 * eyes:
        return None
    lip_mask, inside = lip_masks(points, (SIDE, SIDE))
    lips = big[lip_mask]
    if inside.sum() < 20 or lips.size < 20:
        return None
    return float(big[inside].mean() / max(lips.mean(), 1.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--per-class", type=int, default=600)
    args = parser.parse_args()
    train = load_fer2013(args.data, "train")
    generator = torch.Generator().manual_seed(0)
    print("| expression | faces tried | lips parted | inside over lips: median | dark (below 0.9) | bright (above 1.1) |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, name in enumerate(train.class_names):
        chosen = torch.nonzero(train.labels == label)[:, 0]
        chosen = chosen[torch.randperm(len(chosen), generator=generator)[: args.per_class]]
        ratios = [r for r in (inside_over_lips(train.images[i, 0].numpy()) for i in chosen) if r is not None]
        ratios = np.array(ratios)
        print(f"| {name} | {len(chosen)} | {len(ratios)} | {np.median(ratios):.2f} | {(ratios < 0.9).mean():.2f} | {(ratios > 1.1).mean():.2f} |")


if __name__ == "__main__":
    main()
