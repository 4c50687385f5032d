"""How much of an engine's Fréchet distance is the resampling, not the edit: the same 500 test faces as
`facegan eval-edit`, each left as it is, shifted by a constant fraction of a pixel, or moved by the geometry
engine, with the photo resampled three ways (facegan.editing.warp.resample: smooth part bicubic and fine
detail by whole pixels, as shipped; all bicubic; all bilinear). A shifted real face is as real as the face,
so a realism score should barely move for it.

    python experiments/resampling_realism.py --data ../shared/data/fer2013 --n 500

Prints one line per case: the appearance network's and the classifier's Fréchet distances, and the paint share.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

import facegan.editing.warp as warp
from facegan.data import load_fer2013
from facegan.editing.geometry import GRID, GeometryEngine
from facegan.editing.scores import edit_quality, edit_test_faces, marks_scores

SHIPPED_RESAMPLE = warp.resample


def resample_with(interpolation: int):
    def resample(photo: np.ndarray, source_x: np.ndarray, source_y: np.ndarray) -> np.ndarray:
        import cv2

        moved = cv2.remap(photo.astype(np.float32), source_x, source_y, interpolation, borderMode=cv2.BORDER_REPLICATE)
        return np.clip(moved + 0.5, 0, 255).astype(np.uint8)

    return resample


def main() -> None:
    import cv2

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    train, test = load_fer2013(args.data, "train"), load_fer2013(args.data, "test")
    engine = GeometryEngine.load()
    names = engine.config.class_names

    def shifted(shift: float):
        def render(faces: torch.Tensor) -> torch.Tensor:
            field = np.full((2, GRID, GRID), shift, np.float32)
            return torch.stack([engine.moved_faces(face, np.stack([field] * len(names))) for face in faces])

        return render

    cases = [("unchanged", "shipped", SHIPPED_RESAMPLE, lambda faces: faces[:, None].repeat(1, len(names), 1, 1, 1))]
    for label, resample in (("shipped", SHIPPED_RESAMPLE), ("bicubic", resample_with(cv2.INTER_CUBIC)),
                            ("bilinear", resample_with(cv2.INTER_LINEAR))):
        cases += [("shift 0.5 px", label, resample, shifted(0.5)), ("geometry engine", label, resample, engine.every_class)]
    for case, label, resample, render in cases:
        warp.resample = resample
        edits = edit_test_faces(render, test, args.n)
        quality = edit_quality(edits, names, test, train)["generated"]
        paint = marks_scores(edits, names, detector=False)["paint_share"]["mean"]
        print(f"{case}, {label} resampling: Fréchet distance appearance {quality['appearance']['frechet_distance']:.2f}, "
              f"classifier {quality['frechet_distance']:.2f}; paint share {paint:.2f}", flush=True)


if __name__ == "__main__":
    main()
