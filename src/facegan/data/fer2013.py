"""FER2013 in the layouts people actually have: the original CSVs and the train/test image folders.

- `fer2013.csv`: emotion, pixels, Usage (Training / PublicTest / PrivateTest).
- `icml_face_data.csv`: the same with a space before each header name.
- Kaggle challenge `train.csv`: emotion, pixels and no Usage column (every row is training data).
- Image folders: `train/<expression>/*.jpg` and `test/<expression>/*.jpg`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch

from facegan.config import EXPRESSIONS
from facegan.data.images import ImageSet, decode_files, list_images, require_folder
from facegan.errors import FaceganError

CSV_NAMES = ("fer2013.csv", "icml_face_data.csv", "train.csv")
USAGE_OF_SPLIT = {"train": {"Training"}, "test": {"PublicTest", "PrivateTest"}, "all": {"Training", "PublicTest", "PrivateTest"}}
SIZE = 48


def load_fer2013(path: str | Path, split: str = "train", into: Path | None = None) -> ImageSet:
    """FER2013 as 48x48 grayscale uint8 images with labels 0..6 in EXPRESSIONS order.

    `into`: a raw file the image folders are decoded into (see `decode_files`); a CSV is parsed in memory.
    """
    path = Path(path)
    if not path.exists():
        raise FaceganError(f"FER2013 path '{path}' does not exist: pass a fer2013.csv file or a folder with train/ and test/")
    if path.is_file():
        return _load_csv(path, split)
    if (path / "train").is_dir() or (path / "test").is_dir():
        return _load_folders(path, split, into)
    for name in CSV_NAMES:
        if (path / name).is_file():
            return _load_csv(path / name, split)
    raise FaceganError(
        f"'{path}' holds no FER2013 data: expected train/<expression>/ image folders or one of {', '.join(CSV_NAMES)}"
    )


def _load_csv(path: Path, split: str) -> ImageSet:
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            raise FaceganError(f"'{path}' is empty: expected a CSV with columns emotion, pixels[, Usage]") from None
        if "emotion" not in header or "pixels" not in header:
            raise FaceganError(
                f"'{path}' has columns {', '.join(header)}; FER2013 needs 'emotion' and 'pixels' (and optionally 'Usage')"
            )
        emotion_col, pixels_col = header.index("emotion"), header.index("pixels")
        usage_col = header.index("usage") if "usage" in header else None
        if usage_col is None and split != "train":
            raise FaceganError(f"'{path}' has no Usage column, so all its rows are training data: use --split train")
        wanted = USAGE_OF_SPLIT[split]
        images, labels = [], []
        for line_number, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) < len(header):
                raise FaceganError(f"'{path}' line {line_number}: {len(row)} fields where the header names {len(header)}")
            if usage_col is not None and row[usage_col].strip() not in wanted:
                continue
            pixels, label = _parse_row(row[pixels_col], row[emotion_col])
            if pixels is None or pixels.size != SIZE * SIZE or label is None:
                raise FaceganError(
                    f"'{path}' line {line_number}: expected {SIZE * SIZE} pixels (whole numbers 0-255) and an emotion 0-6, got "
                    f"{'unreadable pixels' if pixels is None else f'{pixels.size} pixels'} and emotion '{row[emotion_col].strip()}'"
                )
            images.append(pixels.reshape(1, SIZE, SIZE))
            labels.append(label)
    if not images:
        raise FaceganError(f"'{path}' has no rows for split '{split}'")
    return ImageSet(torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.long), EXPRESSIONS)


def _parse_row(pixels: str, emotion: str) -> tuple[np.ndarray | None, int | None]:
    """A row's pixels as uint8 (None unless every value is a whole number 0-255) and its label 0-6 (or None)."""
    try:
        values = np.array(pixels.split(), dtype=np.int64)
    except ValueError:
        values = None
    if values is not None and (values.min(initial=0) < 0 or values.max(initial=0) > 255):
        values = None
    label = int(emotion) if emotion.strip().isdigit() and int(emotion) < len(EXPRESSIONS) else None
    return (None if values is None else values.astype(np.uint8)), label


def _load_folders(root: Path, split: str, into: Path | None) -> ImageSet:
    splits = ["train", "test"] if split == "all" else [split]
    paths, labels = [], []
    for name in splits:
        require_folder(root / name, f"FER2013 {name} folder")
        for label, expression in enumerate(EXPRESSIONS):
            files = list_images(root / name / expression)
            paths += files
            labels += [label] * len(files)
    if not paths:
        raise FaceganError(f"no images under '{root}/{'|'.join(splits)}/<expression>/': expected e.g. train/happy/*.jpg")
    images, kept = decode_files(paths, SIZE, 1, into)
    return ImageSet(images, torch.tensor(labels, dtype=torch.long)[kept], EXPRESSIONS)
