"""CelebA aligned faces: `img_align_celeba/*.jpg` plus the optional attribute and partition files.

Subsets work: the attribute file's count line may disagree with its rows, rows for missing images
are ignored, and images of any size go through the DCGAN recipe's Resize + CenterCrop.

Evaluation needs real faces the model never trained on. A subset whose partition file has no test
images (such as the first 8,000 faces, all in CelebA's train partition) holds out its last
HELD_OUT images by name as the test split, and the train split leaves them out.
"""

from __future__ import annotations

from pathlib import Path

import torch

from facegan.data.images import ImageSet, decode_files, list_images, require_folder
from facegan.errors import FaceganError

PARTITION_OF_SPLIT = {"train": {0}, "test": {2}, "all": {0, 1, 2}}
HELD_OUT = 1000


def load_celeba(path: str | Path, split: str = "train", image_size: int = 64, channels: int = 3, into: Path | None = None) -> ImageSet:
    root = Path(path)
    require_folder(root, "CelebA folder")
    image_dir = root / "img_align_celeba"
    require_folder(image_dir, "CelebA image folder")
    files = {p.name: p for p in list_images(image_dir)}
    if not files:
        raise FaceganError(f"no images in '{image_dir}': expected img_align_celeba/000001.jpg ...")
    names = sorted(files)
    partition_file = root / "list_eval_partition.txt"
    if partition_file.is_file():
        partition = _read_partition(partition_file)
        if split != "all" and not any(partition.get(n, 0) == 2 for n in names) and len(names) > 2 * HELD_OUT:
            partition.update({n: 2 for n in names[-HELD_OUT:]})
        names = [n for n in names if partition.get(n, 0) in PARTITION_OF_SPLIT[split]]
    elif split == "test":
        raise FaceganError(f"'{root}' has no list_eval_partition.txt, so there is no test split: use --split train")
    if not names:
        raise FaceganError(f"CelebA at '{root}' has no images in split '{split}'")
    images, kept = decode_files([files[n] for n in names], image_size, channels, into)
    names = [names[i] for i in kept]
    attributes, attribute_names = None, ()
    attribute_file = root / "list_attr_celeba.txt"
    if attribute_file.is_file():
        attribute_names, rows = _read_attributes(attribute_file)
        missing = [n for n in names if n not in rows]
        if missing:
            raise FaceganError(f"'{attribute_file}' has no row for {len(missing)} image(s), e.g. {missing[0]}")
        attributes = torch.tensor([rows[n] for n in names], dtype=torch.bool)
    return ImageSet(images, attributes=attributes, attribute_names=attribute_names)


def _read_partition(path: Path) -> dict[str, int]:
    partition = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            partition[parts[0]] = int(parts[1])
    return partition


def _read_attributes(path: Path) -> tuple[tuple[str, ...], dict[str, list[bool]]]:
    """The 40 attribute names and each image's values; the first (count) line is not trusted."""
    lines = path.read_text().splitlines()
    if len(lines) < 2:
        raise FaceganError(f"'{path}' is too short: expected a count line, a header line and one row per image")
    names = tuple(lines[1].split())
    rows = {}
    for number, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != len(names) + 1:
            raise FaceganError(f"'{path}' line {number}: expected an image name and {len(names)} values of 1/-1")
        rows[parts[0]] = [value == "1" for value in parts[1:]]
    return names, rows
