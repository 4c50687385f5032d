"""The warp translator trained on a GPU machine that has no dlib and no FER2013 (issue 26).

The device machine receives only the working tree (64 MiB in all), so the training faces and their dlib
landmarks travel packed:
- `pack` (here): FER2013's training faces in one mosaic JPEG at quality 95 (43 MB; a face differs from its
  original file by 0.09 levels on average, since the originals are JPEGs of the same blocks), their names
  and labels, and dlib's 68 landmarks of each face (float16, at most 0.016 px off).
- `unpack` (there): the faces back into FER2013's folders, as PNG, and the landmarks into the data
  cache where `facegan train --cache-dir` looks for them (facegan.training.warping.training_landmarks).

    python experiments/warp_gpu.py pack --data ../shared/data/fer2013 --into .gpu
    python experiments/warp_gpu.py unpack --packed .gpu --into /tmp/fer --cache /tmp/cache   # on the device
    python experiments/warp_gpu.py recipes --scale 6 --into /tmp/recipes

experiments/warp_gpu.sh runs it all there; docs/results.md has what came of it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from facegan.config import Config
from facegan.data.fer2013 import EXPRESSIONS
from facegan.data.images import list_images
from facegan.training.loop import load_training_data
from facegan.training.warping import cached_landmarks_path

COLUMNS = 200
"""Faces per row of the mosaic (48 x 200 = 9,600 pixels wide)."""
QUALITY = 95

RECIPES = {
    "recipe": ("the shipped recipe's two stages, each {scale} times as long: the teacher at 1, then at 0.3 with the rates "
               "falling to 0", {"teacher_loss": 0.3}),
    "area": ("the shipped recipe's stages, each {scale} times as long, the teacher kept at 1 and the field's change of area "
             "weighed (10) in the second", {"area_loss": 10.0}),
    "shape": ("the shipped recipe's stages, each {scale} times as long, the teacher kept at 1 and its local shape "
              "weighed (100) in the second", {"teacher_shape_loss": 100.0}),
    "critic": ("the shipped recipe's stages, each {scale} times as long, the teacher kept at 1 and the robust classifier as "
               "a critic (weight 1) in the second", {"critic_loss": 1.0}),
}
"""The runs, named: what each changes in the shipped recipe's second stage (facegan/recipes/fer2013-warp.json)."""


def training_faces(data: Path) -> tuple[torch.Tensor, list[str], torch.Tensor]:
    """FER2013's training faces (N, 1, 48, 48) in the loader's order, their paths under the data root, their labels."""
    names = [str(path.relative_to(data)) for expression in EXPRESSIONS for path in list_images(data / "train" / expression)]
    faces = load_training_data(Config(dataset="fer2013", data=str(data), model="warp").resolved())
    return faces.images, names, faces.labels


def pack(data: Path, into: Path) -> None:
    from facegan.editing.geometry import face_landmarks

    images, names, labels = training_faces(data)
    into.mkdir(parents=True, exist_ok=True)
    rows = -(-len(images) // COLUMNS)
    padded = np.zeros((rows * COLUMNS, 48, 48), np.uint8)
    padded[: len(images)] = images[:, 0].numpy()
    Image.fromarray(padded.reshape(rows, COLUMNS, 48, 48).transpose(0, 2, 1, 3).reshape(rows * 48, COLUMNS * 48)).save(
        into / "faces.jpg", quality=QUALITY)
    (into / "faces.json").write_text(json.dumps({"names": names, "labels": labels.tolist()}))
    np.save(into / "landmarks.npy", face_landmarks(images).astype(np.float16))
    error = np.abs(packed_faces(into)[: len(images)].astype(int) - images[:, 0].numpy()).mean()
    print(f"packed {len(images)} faces into {into}: mean difference from the originals {error:.3f} levels")


def packed_faces(packed: Path) -> np.ndarray:
    """The faces (N, 48, 48) of the mosaic, row by row, the padding at the end included."""
    mosaic = np.asarray(Image.open(packed / "faces.jpg"))
    return mosaic.reshape(-1, 48, COLUMNS, 48).transpose(0, 2, 1, 3).reshape(-1, 48, 48)


def unpack(packed: Path, into: Path, cache: Path) -> None:
    index = json.loads((packed / "faces.json").read_text())
    for face, name in zip(packed_faces(packed), index["names"]):
        path = (into / name).with_suffix(".png")
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(face).save(path)
    images = load_training_data(Config(dataset="fer2013", data=str(into), model="warp", cache_dir=str(cache)).resolved()).images
    landmarks = torch.from_numpy(np.load(packed / "landmarks.npy").astype(np.float32))
    assert len(landmarks) == len(images), (len(landmarks), len(images))
    cache.mkdir(parents=True, exist_ok=True)
    torch.save(landmarks, cached_landmarks_path(images, cache))
    print(f"unpacked {len(images)} faces into {into}, their landmarks into {cache}")


def write_recipes(scale: int, into: Path) -> None:
    shipped = json.loads((Path(__file__).parents[1] / "src/facegan/recipes/fer2013-warp.json").read_text())
    into.mkdir(parents=True, exist_ok=True)
    for name, (description, changes) in RECIPES.items():
        first, second = shipped["stages"]
        stages = [{"iterations": scale * first["iterations"], "changes": {}},
                  {"iterations": scale * second["iterations"], "changes": {**changes, "lr_decay": scale * second["iterations"]}}]
        recipe = {"description": description.format(scale=scale), "start": shipped["start"], "stages": stages}
        (into / f"{name}.json").write_text(json.dumps(recipe, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    packing = commands.add_parser("pack")
    packing.add_argument("--data", type=Path, required=True)
    packing.add_argument("--into", type=Path, required=True)
    unpacking = commands.add_parser("unpack")
    unpacking.add_argument("--packed", type=Path, required=True)
    unpacking.add_argument("--into", type=Path, required=True)
    unpacking.add_argument("--cache", type=Path, required=True)
    recipes = commands.add_parser("recipes")
    recipes.add_argument("--scale", type=int, required=True)
    recipes.add_argument("--into", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "pack":
        pack(args.data, args.into)
    elif args.command == "unpack":
        unpack(args.packed, args.into, args.cache)
    else:
        write_recipes(args.scale, args.into)


if __name__ == "__main__":
    main()
