"""Why a smile turned angry, disgusted or fearful keeps its teeth: three ways to take the smile away, on
the photos whose faces smile (the astronaut and Obama), at full resolution.

- the shipped edit: the mean move from happy to the target (FER2013's mean shapes for these part the lips);
- a partial seal: the lips closed (warp.LipSeal) down to the target's mean gap, in proportion to happy's;
- a full seal, as sad and neutral are closed;
- the face's own shape: the brows, eyelids and lips moved to the target's mean shape from where this face
  has them, instead of by the difference of the two means (with the seal, since it closes the mouth).

Writes OUT/smile_kept.jpg: per photo, the photo, then each target by each way; prints the seals' amounts.

    python experiments/smile_kept.py --out docs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from engine_photos import face_square, photos, sheet
from PIL import Image

from facegan.editing.align import FRAME, aligned_crop, similarity
from facegan.editing.geometry import GAIN, LANDMARK_SIDE, RIGID, GeometryEngine, field_for, lips_kept_apart
from facegan.editing.landmarks import cropped_landmarks
from facegan.editing.warp import LOWER_INNER_LIP, UPPER_INNER_LIP, LipSeal, apply_field

TARGETS = ("angry", "disgust", "fear")
EXPRESSIVE = [*range(17, 27), 37, 38, 40, 41, 43, 44, 46, 47, *range(48, 68)]
"""The brows, the eyelids and the lips: moved to the target's mean from where the face has them."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/smile_kept")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    engine = GeometryEngine.load()
    geometry, names = engine.geometry, engine.geometry.class_names
    eyes = np.linalg.norm(geometry.reference[36:42].mean(0) - geometry.reference[42:48].mean(0))

    def gap(shape: np.ndarray) -> float:
        return float((shape[LOWER_INNER_LIP[1:4], 1] - shape[UPPER_INNER_LIP[1:4], 1]).mean() / eyes)

    sheets = []
    for name in ("astronaut", "obama"):
        photo = photos()[name]
        edits = engine.edit_faces(photo)
        alignment, _, source, _ = edits[0].prepared
        upright = cv2.cvtColor(aligned_crop(photo, alignment.resized(LANDMARK_SIDE)), cv2.COLOR_RGB2GRAY)
        points = (cropped_landmarks(upright, 68) + 0.5) * FRAME / LANDMARK_SIDE - 0.5
        matrix = similarity(points[list(RIGID)], geometry.reference[list(RIGID)])
        own, back = points @ matrix[:, :2].T + matrix[:, 2], np.linalg.inv(matrix[:, :2]).T
        columns, titles = [photo], [f"photo ({names[source]})"]
        for target_name in TARGETS:
            target = names.index(target_name)
            kept = field_for(points, lips_kept_apart(GAIN * geometry.move(source, target)))
            amount = float(np.clip(1 - gap(geometry.means[target]) / gap(geometry.means[source]), 0, 1))
            print(f"{name}, {target_name}: the partial seal closes {amount:.2f} of the gap")
            own_move = GAIN * geometry.move(source, target)
            own_move[EXPRESSIVE] = (geometry.means[target][EXPRESSIVE] - own[EXPRESSIVE]) @ back
            columns += [engine.render(photo, edits, target_name), apply_field(photo, alignment, kept, LipSeal(points, amount)),
                        apply_field(photo, alignment, kept, LipSeal(points, 1.0)),
                        apply_field(photo, alignment, field_for(points, lips_kept_apart(own_move)), LipSeal(points, 1.0))]
            titles += [f"{target_name}: shipped", "partial seal", "full seal", "own shape"]
        _, square = face_square(photo)
        sheets.append(sheet(columns, titles, square, 200 / square[2]))
    width = min(picture.width for picture in sheets)
    sheets = [picture.resize((width, round(picture.height * width / picture.width)), Image.LANCZOS) for picture in sheets]
    figure = Image.new("RGB", (width, sum(picture.height for picture in sheets)), "white")
    for index, picture in enumerate(sheets):
        figure.paste(picture, (0, sum(p.height for p in sheets[:index])))
    figure.save(out / "smile_kept.jpg", quality=88)
    print(f"wrote {out / 'smile_kept.jpg'}")


if __name__ == "__main__":
    main()
