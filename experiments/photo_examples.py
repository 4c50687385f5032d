"""Before/after pictures of real photos that are in no data set, for the README and closing notes.

    python experiments/photo_examples.py --out docs                                  # the shipped translator
    python experiments/photo_examples.py --checkpoint runs/COND/checkpoint.pt --out docs/inversion

Writes OUT/edit_astronaut.jpg (scikit-image's astronaut photo, original and edited) with
OUT/edit_astronaut_strip.png (the face and all seven expressions, in colour at the photo's resolution), and the same for
OUT/edit_scene.jpg (that face pasted small into a photo of a rocket launch, to exercise detection and
blending).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

from facegan import visuals
from facegan.editing import load_engine
from facegan.editing.edit import face_strip


def side_by_side(before: np.ndarray, after: np.ndarray, height: int = 320) -> Image.Image:
    pictures = [Image.fromarray(p).resize((round(p.shape[1] * height / p.shape[0]), height)) for p in (before, after)]
    canvas = Image.new("RGB", (sum(p.width for p in pictures) + 8, height), "white")
    canvas.paste(pictures[0], (0, 0))
    canvas.paste(pictures[1], (pictures[0].width + 8, 0))
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", help="default: the shipped translator")
    parser.add_argument("--out", default="docs")
    parser.add_argument("--to", default="surprise", help="the astronaut already looks happy")
    parser.add_argument("--detail-steps", type=int, help="as in facegan edit (inversion only)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    editor = load_engine(args.checkpoint, detail_steps=args.detail_steps)

    astronaut = data.astronaut()
    scene = np.asarray(Image.fromarray(data.rocket()).resize((1200, 800)))
    small = np.asarray(Image.fromarray(astronaut).resize((320, 320)))
    scene = scene.copy()
    scene[440:760, 60:380] = small  # a 320x320 portrait in the corner of a 1200x800 photo of a rocket launch
    for name, photo in (("astronaut", astronaut), ("scene", scene)):
        edits = editor.edit_faces(photo)
        result = editor.render(photo, edits, args.to)
        side_by_side(photo, result).save(out / f"edit_{name}.jpg", quality=90)
        rendered = {target: editor.render(photo, edits, target) for target in editor.config.class_names}
        visuals.save_labelled_grid(face_strip(photo, rendered, edits[0].box), out / f"edit_{name}_strip.png", ["photo", *rendered], scale=1)
        changed = np.argwhere((result != photo).any(2))
        print(f"{name}: {editor.expression_of(edits[0])} -> {args.to} in {edits[0].seconds:.3f} s; changed pixels inside "
              f"rows {changed[:, 0].min()}-{changed[:, 0].max()}, columns {changed[:, 1].min()}-{changed[:, 1].max()} "
              f"of {photo.shape[0]}x{photo.shape[1]}")


if __name__ == "__main__":
    main()
