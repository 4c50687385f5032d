"""Every engine on real colour photos in no data set, at the photos' full resolution, with the scores
that marks cannot win (issue 26): sharpness and saturation of the face, edited over original, and the
paint share; and the time of each part of an edit (detection, landmarks and alignment, the engine's
preparation of all seven expressions, and drawing one into the photo).

    python experiments/engine_photos.py --engines geometry translator warp --warp runs/warp/checkpoint.pt --out docs/photos

The photos: scikit-image's astronaut (public domain, NASA), the astronaut pasted small into scikit-image's
rocket launch ("the scene"), matplotlib's Grace Hopper (public domain, US Navy), and the official
portraits of Barack Obama and Joe Biden (public domain, the White House) that face_recognition's tests
use, cropped to head and shoulders in experiments/photos/. Writes OUT/<engine>_<photo>.jpg (the face at
the photo's own resolution: the photo first, then all seven expressions) and OUT/scores.json (an engine not run
keeps its last scores there); prints a table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw
from skimage import data

from facegan.config import EXPRESSIONS
from facegan.editing import load_engine
from facegan.editing.align import FRAME, align, aligned_crop
from facegan.editing.faces import pick_faces
from facegan.editing.landmarks import photo_landmarks
from facegan.editing.warp import photo_region, region_box
from facegan.editing.scores import largest_face_alignment, photo_quality, scored_photos

PHOTOS = Path(__file__).parent / "photos"
TILE = 300
"""The largest side of a face in the pictures: the photos' own pixels up to that, so skin texture shows."""


def photos() -> dict[str, np.ndarray]:
    astronaut = data.astronaut()
    scene = np.asarray(Image.fromarray(data.rocket()).resize((1200, 800))).copy()
    scene[440:760, 60:380] = np.asarray(Image.fromarray(astronaut).resize((320, 320)))
    return {"astronaut": astronaut, "scene": scene, "hopper": scored_photos()["hopper"],
            **{name: np.asarray(Image.open(PHOTOS / f"{name}.jpg").convert("RGB")) for name in ("obama", "biden")}}


def face_square(photo: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Where the largest face may change (float (H, W)) and the square of the photo that holds it."""
    alignment = largest_face_alignment(photo)
    box = region_box(alignment)
    left, top = max(box.left, 0), max(box.top, 0)
    side = min(box.size, photo.shape[1] - left, photo.shape[0] - top)
    return photo_region(alignment, *photo.shape[:2]), (left, top, side)


def timings(engine, photo: np.ndarray) -> dict[str, float]:
    """Seconds for each part of one edit of the photo's largest face: the median of 3 runs."""
    import time

    def timed(run) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return float(np.median(times))

    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    found = pick_faces(photo)[0]
    detect = timed(lambda: pick_faces(photo))
    landmarks = timed(lambda: aligned_crop(photo, align(photo_landmarks(grey, found, 5), FRAME)))
    prepare = timed(lambda: engine.edit_faces(photo)) - detect
    edits = engine.edit_faces(photo)
    draw = timed(lambda: engine.render(photo, edits, "surprise"))
    return {"detect": detect, "align": landmarks, "prepare": prepare, "draw": draw}


def sheet(pictures: list[np.ndarray], names: list[str], square: tuple[int, int, int], scale: float) -> Image.Image:
    left, top, side = square
    size = min(TILE, max(side, int(side * scale)))
    return labelled_row([Image.fromarray(p[top : top + side, left : left + side]).resize((size, size), Image.LANCZOS) for p in pictures], names)


def labelled_row(tiles: list[Image.Image], names: list[str]) -> Image.Image:
    """Tiles of one size side by side on white, each named above."""
    width, height = tiles[0].size
    canvas = Image.new("RGB", (len(tiles) * (width + 4), height + 18), "white")
    draw = ImageDraw.Draw(canvas)
    for index, (tile, name) in enumerate(zip(tiles, names)):
        canvas.paste(tile, (index * (width + 4), 18))
        draw.text((index * (width + 4) + 4, 3), name, fill="black")
    return canvas


def stacked(rows: list[Image.Image]) -> Image.Image:
    """Sheets one above the other, on white."""
    picture = Image.new("RGB", (max(row.width for row in rows), sum(row.height for row in rows)), "white")
    for index, row in enumerate(rows):
        picture.paste(row, (0, sum(above.height for above in rows[:index])))
    return picture


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", nargs="+", default=["geometry", "translator"])
    parser.add_argument("--out", default="docs/photos")
    parser.add_argument("--warp", help="the warp engine's checkpoint (RUN/checkpoint.pt) when facegan ships none")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kept = out / "scores.json"
    scores: dict = json.loads(kept.read_text()) if kept.is_file() else {}  # the engines not run keep their last scores
    for engine_name in args.engines:
        scores[engine_name] = {}
        engine = load_engine(args.warp if engine_name == "warp" else None, engine_name)
        engine.edit_faces(photos()["astronaut"])  # the first call reads the models
        for photo_name, photo in photos().items():
            region, square = face_square(photo)
            seconds = timings(engine, photo)
            edits = engine.edit_faces(photo)
            own = engine.expression_of(edits[0])
            edited = {target: engine.render(photo, edits, target) for target in EXPRESSIONS}
            quality = photo_quality(photo, {target: picture for target, picture in edited.items() if target != own}, region)
            scores[engine_name][photo_name] = {"own_expression": own, "face_pixels": square[2], "seconds": seconds, **quality}
            sheet([photo, *edited.values()], ["photo", *EXPRESSIONS], square, 256 / square[2]).save(
                out / f"{engine_name}_{photo_name}.jpg", quality=85)
    (out / "scores.json").write_text(json.dumps(scores, indent=2))
    print("| engine | photo | face px | sharpness | saturation | paint share | ms: detect / landmarks and align / prepare all seven / draw one |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for engine_name, by_photo in scores.items():
        for photo_name, s in by_photo.items():
            ms = " / ".join(f"{1000 * s['seconds'][part]:.0f}" for part in ("detect", "align", "prepare", "draw"))
            print(f"| {engine_name} | {photo_name} | {s['face_pixels']} | {s['sharpness']:.3f} | {s['saturation']:.3f} | "
                  f"{s['paint_share']:.2f} | {ms} |")


if __name__ == "__main__":
    main()
