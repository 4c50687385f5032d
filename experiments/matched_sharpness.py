"""Can the sharpness score tell removed content from blur? The shipped score (the variance of the Laplacian over
the face, edited over original) falls when the seal hides a smile's teeth, though nothing is blurred. This
tries a score matched to the content shown: the edit's Laplacian energy over the original's, carried to each
edited pixel by DIS optical flow from the edit to the original (so a pixel that now shows lip is compared with
lip). Printed per photo and target, shipped / matched, with a Gaussian blur (sigma 0.7) and a bicubic shift by
half a pixel as checks that blur still counts.

    python experiments/matched_sharpness.py
"""

from __future__ import annotations

import cv2
import numpy as np
from engine_photos import face_square, photos

from facegan.config import EXPRESSIONS
from facegan.editing import load_engine
from facegan.metrics.marks import grey_float, sharpness


def matched_sharpness(original: np.ndarray, edited: np.ndarray, region: np.ndarray) -> float:
    """The edit's Laplacian energy in `region` over the original's, read where the flow says each pixel came from."""
    before, after = cv2.Laplacian(grey_float(original), cv2.CV_32F), cv2.Laplacian(grey_float(edited), cv2.CV_32F)
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(
        cv2.cvtColor(edited, cv2.COLOR_RGB2GRAY), cv2.cvtColor(original, cv2.COLOR_RGB2GRAY), None)
    xs, ys = np.meshgrid(np.arange(before.shape[1], dtype=np.float32), np.arange(before.shape[0], dtype=np.float32))
    expected = cv2.remap(before**2, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return float((after**2 * region).sum() / (expected * region).sum())


def main() -> None:
    engine = load_engine(None, "geometry")
    for name, photo in photos().items():
        region, _ = face_square(photo)
        edits = engine.edit_faces(photo)
        own = engine.expression_of(edits[0])
        checks = {target: engine.render(photo, edits, target) for target in EXPRESSIONS if target != own}
        checks["blur 0.7"] = cv2.GaussianBlur(photo, (0, 0), 0.7)
        checks["half-pixel bicubic shift"] = cv2.warpAffine(photo, np.float32([[1, 0, 0.5], [0, 1, 0.5]]), photo.shape[1::-1],
                                                            flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        cells = [f"{title} {sharpness(edited, region) / sharpness(photo, region):.3f} / {matched_sharpness(photo, edited, region):.3f}"
                 for title, edited in checks.items()]
        print(f"{name} ({own}): " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
