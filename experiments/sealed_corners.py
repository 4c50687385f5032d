"""A smile turned sad or neutral, its lips sealed: before, the dark between a broad smile's teeth and lips, which lies
past dlib's inner lips near the corners and past its inner corners, stayed as two dark marks at the ends of the closed
lips; now the seal closes the dark where the photo shows it (warp.dark_reach).

CelebA (`--data`): the held-out faces labelled smiling with the mouth open (of experiments/celeba_smile.py's draw),
upscaled twice so the lips get their seams, turned sad and neutral both ways where the engine seals them. Each edit's
dark is the height of its thickest column of pixels darker than DARK_SHARE of the lips' brightness, within the photo's
lips (dlib's outline, widened by two pixels), over the mouth's width: a dark mark at a corner is tall, the line closed
lips meet on is not. The same for the held-out faces with the mouth closed, unedited, is what real closed lips show. Prints a table and writes OUT/sealed_corners_celeba.png (the
first faces: the photo, then sad and neutral, before and now).

Photos (`--photos`): the astronaut, the scene and Obama, the mouth at the photo's resolution, the photo then sad and
neutral, before and now; writes OUT/sealed_corners.jpg and prints the photo scores and the dark of each edit.

    python experiments/sealed_corners.py --data ../shared/data/celeba --n 1000 --out docs
    python experiments/sealed_corners.py --photos --out docs
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from celeba_smile import held_out, upscaled
from engine_photos import labelled_row, stacked
from facegan.editing import geometry, warp
from facegan.editing.faces import pick_faces, read_photo
from facegan.editing.landmarks import photo_landmarks
from facegan.editing.warp import LipSeal
from facegan.errors import FaceganError
from smile_opened import VARIANTS, mouth_figure, photos_or_celeba

TARGETS = ("sad", "neutral")
SHIPPED_REACH = warp.dark_reach, warp.DARK_PAST_CORNERS
DARK_SHARE = 0.6
"""A mouth's pixel is dark below this share of the median brightness of its lips."""
TILE = 160
"""Pixels: the width of each mouth in the CelebA strip."""


def engine_for(variant: str) -> geometry.GeometryEngine:
    """The geometry engine as shipped ("now"), or with a seal that takes the lips from the landmarks' lines alone
    ("before")."""
    if variant == "now":
        warp.dark_reach, warp.DARK_PAST_CORNERS = SHIPPED_REACH
    else:
        warp.dark_reach, warp.DARK_PAST_CORNERS = (lambda *_: (np.zeros(warp.DARK_PLACES), np.zeros(warp.DARK_PLACES))), 0.0
    return geometry.GeometryEngine.load()


def landmarks(photo: np.ndarray) -> np.ndarray:
    """The largest face's 68 landmarks, in photo pixels."""
    return photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)


def held_out_mouths(root: Path, n: int) -> Iterator[tuple[str, np.ndarray, np.ndarray, bool, bool]]:
    """CelebA's held-out faces (experiments/celeba_smile.py's draw of n) upscaled twice, where dlib finds their landmarks:
    the file's name, the face, its 68 landmarks, and whether it is labelled smiling and with the mouth open."""
    names, labelled = held_out(root, n, ("Smiling", "Mouth_Slightly_Open"))
    for name, smiling, open_mouth in zip(names, labelled["Smiling"].tolist(), labelled["Mouth_Slightly_Open"].tolist()):
        big = upscaled(read_photo(root / "img_align_celeba" / name))
        try:
            points = landmarks(big)
        except FaceganError:
            continue
        yield name, big, points, smiling, open_mouth


def mouth_box(points: np.ndarray) -> tuple[int, int, int, int]:
    """Left, top, right and bottom of the mouth's landmarks (48-67), widened by a fifth of the mouth's width each way:
    room for the picture's dark beside them."""
    width = np.ptp(points[48:60, 0])
    left, top = np.floor(points[48:68].min(0) - width / 5).astype(int).clip(0)
    right, bottom = np.ceil(points[48:68].max(0) + width / 5).astype(int)
    return int(left), int(top), int(right), int(bottom)


def mouth_dark(picture: np.ndarray, points: np.ndarray) -> float:
    """The height of the thickest column of the picture's (RGB uint8) pixels within the lips' outline darker than
    DARK_SHARE of the lips' median brightness, over the mouth's width; `points` (68, 2) are the unedited photo's
    landmarks, in its pixels."""
    left, top, right, bottom = mouth_box(points)
    box = picture[top:bottom, left:right].astype(np.float32).mean(-1)
    lips, inside = warp.lip_masks(points - (left, top), box.shape)
    if not lips.any():
        return float("nan")
    mouth = cv2.dilate((lips | inside).astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))) > 0
    return float((mouth & (box < DARK_SHARE * np.median(box[lips]))).sum(0).max() / np.ptp(points[48:60, 0]))


def summary(darks: list[float]) -> str:
    return f"{np.nanmean(darks):.4f} | {np.nanmedian(darks):.4f} | {np.nanpercentile(darks, 90):.4f}"


def celeba_darks(root: Path, n: int, strip: Path) -> None:
    """The held-out smiling faces with the mouth open, sealed both ways, and the faces with the mouth closed as they
    are: the table of their mouths' dark, and the strip of the first sealed faces."""
    engines = {variant: engine_for(variant) for variant in VARIANTS}
    columns = {key: [] for key in ["closed mouths, unedited", "the photo", *((target, variant) for target in TARGETS for variant in VARIANTS)]}
    tiles = []
    for name, big, points, smiling, open_mouth in held_out_mouths(root, n):
        if not open_mouth:
            columns["closed mouths, unedited"].append(mouth_dark(big, points))
            continue
        if not smiling:
            continue
        edited = sealed_edits(engines, engine_for, big)
        if not edited:
            continue
        columns["the photo"].append(mouth_dark(big, points))
        for key, picture in edited.items():
            columns[key].append(mouth_dark(picture, points))
        if len(tiles) < 8 and len(edited) == len(TARGETS) * len(VARIANTS):
            tiles.append(mouth_tile(big, points, name, edited))
    engine_for("now")
    print("| mouths (CelebA held out, upscaled twice) | n | dark: mean | median | 90th percentile |\n| --- | ---: | ---: | ---: | ---: |")
    for key, darks in columns.items():
        print(f"| {key if isinstance(key, str) else ', '.join(key)} | {len(darks)} | {summary(darks)} |")
    stacked(tiles).save(strip)


def sealed_edits(engines: dict[str, geometry.GeometryEngine], engine_for: Callable[[str], geometry.GeometryEngine],
                 photo: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """The photo turned to each of TARGETS by each variant's engine (`engine_for(variant)` sets the variant up), where
    that engine seals the lips, keyed by (target, variant)."""
    edited = {}
    for variant, engine in engines.items():
        engine_for(variant)
        edits = engine.edit_faces(photo)
        mouths = edits[0].prepared[3]
        for target in TARGETS:
            if isinstance(mouths[engine.geometry.class_names.index(target)], LipSeal):
                edited[target, variant] = engine.render(photo, edits, target)
    return edited


def mouth_tile(photo: np.ndarray, points: np.ndarray, name: str, edited: dict[tuple[str, str], np.ndarray]) -> Image.Image:
    """A row of the photo's mouth (`points`, its 68 landmarks) and of each edit's, TILE pixels wide each, labelled."""
    left, top, right, bottom = mouth_box(points)
    size = (TILE, round(TILE * (bottom - top) / (right - left)))
    return labelled_row([Image.fromarray(picture[top:bottom, left:right]).resize(size, Image.LANCZOS) for picture in (photo, *edited.values())],
                        [name, *(", ".join(key) for key in edited)])


def photo_darks() -> None:
    """The dark of the astronaut's, the scene's and Obama's mouths, sealed both ways."""
    from engine_photos import photos

    for name in ("astronaut", "scene", "obama"):
        photo = photos()[name]
        points = landmarks(photo)
        darks = []
        for target in TARGETS:
            for variant in VARIANTS:
                engine = engine_for(variant)
                darks.append(f"{target}, {variant} {mouth_dark(engine.render(photo, engine.edit_faces(photo), target), points):.4f}")
        print(f"{name}: dark, the photo {mouth_dark(photo, points):.4f}; " + "; ".join(darks))
    engine_for("now")


def main() -> None:
    args, out = photos_or_celeba(__doc__.splitlines()[0], "sealed_corners", 600)
    if args.photos:
        photo_darks()
        mouth_figure(TARGETS, engine_for, out / "sealed_corners.jpg")
    if args.data:
        celeba_darks(Path(args.data), args.n, out / "sealed_corners_celeba.png")


if __name__ == "__main__":
    main()
