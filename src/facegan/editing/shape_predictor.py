"""dlib's shape predictor (Kazemi and Sullivan 2014, a cascade of regression trees) run with NumPy.

Why: dlib takes 0.6-0.9 s to read its 68-point model (100 MB of variable-length integers), half of a whole
`facegan edit`. Here the model file is read once per machine into plain arrays, kept in ~/.cache/facegan and
mapped from there in milliseconds. The predictions are dlib's own: the same trees, the same float32
arithmetic in the same order, the same rounding to whole pixels (tests/test_shape_predictor.py compares the
two on photos and FER2013's faces).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from facegan.errors import FaceganError

CACHE = Path.home() / ".cache" / "facegan" / "landmarks"
"""Where each model's arrays are kept, one folder per model file (named by its fingerprint), 72 MB in all."""
FINGERPRINT = 1 << 20
"""Bytes at each end of a model file that name its cache folder, with its size."""
CACHE_FORMAT = 1
"""Part of each folder's name: a new layout of the arrays gets a new number."""
BLOCK = 4096
"""Leaves read at once."""
LARGEST_INTEGER = 9
"""dlib writes an integer as a control byte (the sign in its top bit, the byte count in its low four) and up
to eight bytes, little-endian; a float as two integers, m and e, for m * 2**e."""


@dataclass(frozen=True)
class ShapePredictor:
    """The model's arrays: P points, C cascade levels, T trees a level, S splits and S + 1 leaves a tree, F
    feature pixels a level."""

    initial: np.ndarray  # (2P,) float32: the mean shape, x0, y0, x1, ... in the unit square of the face box
    first: np.ndarray  # (C, T, S) int64: a split compares feature pixel `first` ...
    second: np.ndarray  # (C, T, S) int64: ... with feature pixel `second`
    thresholds: np.ndarray  # (C, T, S) float32: the left child when first - second exceeds it
    leaves: np.ndarray  # (C, T, S + 1, 2P) float32: the shape's update at each leaf
    anchors: np.ndarray  # (C, F) int64: the point each feature pixel hangs from
    offsets: np.ndarray  # (C, F, 2) float32: its offset from that point, in the mean shape's frame

    def __call__(self, grey: np.ndarray, left: int, top: int, right: int, bottom: int) -> np.ndarray:
        """The points (P, 2) as whole (x, y) pixels of a grayscale uint8 image, for a face in the box whose
        corners (inclusive, as dlib.rectangle's) are given."""
        scale, shift = np.array([right - left, bottom - top], np.float64), np.array([left, top], np.float64)
        height, width = grey.shape
        levels, trees, splits = self.first.shape
        tree_splits = np.arange(trees) * splits
        leaf_rows = np.arange(trees) * (splits + 1) - splits  # a tree's leaves follow its splits' node numbers
        # dlib's find_tform_between_shapes, from the mean shape to the current one: Umeyama's least squares in double
        # precision, in its closed form for the plane, with the mean shape's part worked out once
        mean_shape = self.initial.reshape(-1, 2).astype(np.float64)
        centred = mean_shape - mean_shape.mean(0)
        from_x, from_y = (centred / (centred**2).sum()).T
        shape = self.initial
        summed = np.empty((trees + 1, len(shape)), np.float32)  # the shape, then each tree's leaf: added in dlib's order
        for level in range(levels):
            to_x, to_y = shape.reshape(-1, 2).astype(np.float64).T
            cosine, sine = from_x @ to_x + from_y @ to_y, from_x @ to_y - from_y @ to_x
            turn = np.array([[cosine, -sine], [sine, cosine]], np.float32)
            moved = self.offsets[level] @ turn.T + shape.reshape(-1, 2)[self.anchors[level]]
            pixels = np.floor(moved * scale + shift + 0.5).astype(np.int64)
            inside = (pixels[:, 0] >= 0) & (pixels[:, 0] < width) & (pixels[:, 1] >= 0) & (pixels[:, 1] < height)
            values = np.zeros(len(pixels), np.float32)
            values[inside] = grey[pixels[inside, 1], pixels[inside, 0]]
            # every split of the level decided at once (1: its left child, 2: its right); a step down a tree reads one
            child = np.where(values[self.first[level]] - values[self.second[level]] > self.thresholds[level], 1, 2).ravel()
            node = np.zeros(trees, np.int64)
            while node[0] < splits:
                node = 2 * node + child[tree_splits + node]
            summed[0] = shape
            self.leaves[level].reshape(trees * (splits + 1), -1).take(leaf_rows + node, 0, out=summed[1:])
            shape = np.add.reduce(summed, 0)
        return np.floor(shape.reshape(-1, 2) * scale + shift + 0.5)


class DlibStream:
    """dlib's serialized integers, read one at a time for the model's small parts, or skipped and decoded
    later all at once."""

    def __init__(self, path: Path):
        self.path, self.raw, self.at = path, path.read_bytes(), 0
        if len(self.raw) >= 2**31:
            raise self.damaged()
        self.padded = np.frombuffer(self.raw + bytes(LARGEST_INTEGER), np.uint8)

    def integer(self) -> int:
        if self.at >= len(self.raw):
            raise self.damaged()
        control = self.raw[self.at]
        count = control & 15
        value = int.from_bytes(self.raw[self.at + 1 : self.at + 1 + count], "little")
        self.at += 1 + count
        return -value if control & 0x80 else value

    def integers(self, count: int) -> list[int]:
        return [self.integer() for _ in range(count)]

    def skip(self, count: int) -> list[int]:
        """Where the next `count` integers begin; `decoded` reads them."""
        starts, raw, at = [], self.raw, self.at
        for _ in range(count):
            if at >= len(raw):
                raise self.damaged()
            starts.append(at)
            at += 1 + (raw[at] & 15)
        self.at = at
        return starts

    def floats(self, count: int) -> np.ndarray:
        numbers = decoded(self.padded, np.array(self.skip(2 * count), np.int64))
        return as_floats(numbers[0::2], numbers[1::2])

    def damaged(self) -> FaceganError:
        return FaceganError(f"{self.path} is not one of dlib's shape predictors: reinstall face-recognition-models")


def as_floats(mantissas: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """dlib's floats from their two integers, as dlib reads them into a float: ldexp(float(m), e)."""
    return np.ldexp(mantissas.astype(np.float32), exponents.astype(np.int32))


def encoded(value: int) -> bytes:
    """dlib's encoding of an integer."""
    magnitude = abs(value).to_bytes(max(1, (abs(value).bit_length() + 7) // 8), "little")
    return bytes([len(magnitude) | (0x80 if value < 0 else 0)]) + magnitude


def decoded(padded: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The integers that begin at `starts` in a byte array padded with LARGEST_INTEGER zeros: the eight bytes
    after each control byte read as one little-endian word, less those past its own count."""
    words = np.ndarray((len(padded) - 8,), "<u8", padded.data, 1, (1,))[starts]
    control = padded[starts]
    unused = 8 * (8 - np.clip(control & 15, 1, 8))
    values = ((words << unused) >> unused).view(np.int64)
    return np.where(control >= 0x80, -values, values)


def read_leaves(raw: bytes, header: bytes, numbers: int) -> tuple[dict[int, int], list[int], np.ndarray]:
    """Every place where a leaf (a float vector of `numbers` entries) may begin, mapped to its row; where
    each then ends; and their values. A leaf cannot be read before the one before it, since each integer's
    length is in its first byte; but every leaf begins with the same header (its size), so all places that
    show that header are read at once, in step, and the model's structure then picks the true ones. They
    are read a block at a time: on a small machine each fresh array as large as the file costs more than the
    arithmetic."""
    begins, found = [], raw.find(header)
    while found >= 0:
        begins.append(found)
        found = raw.find(header, found + 1)
    padded = np.frombuffer(raw + bytes(2 * numbers * LARGEST_INTEGER + LARGEST_INTEGER), np.uint8)
    ends, values = np.empty(len(begins), np.int64), np.empty((len(begins), numbers), np.float32)
    starts = np.empty((BLOCK, 2 * numbers), np.int64)
    for block in range(0, len(begins), BLOCK):
        position = np.array(begins[block : block + BLOCK], np.int64) + len(header)
        rows = len(position)
        for token in range(2 * numbers):
            starts[:rows, token] = position
            position = position + 1 + (padded[position] & 15)
        ends[block : block + rows] = position
        integers = decoded(padded, starts[:rows])
        values[block : block + rows] = as_floats(integers[:, 0::2], integers[:, 1::2])
    return {begin: row for row, begin in enumerate(begins)}, ends.tolist(), values


def read_dlib_model(path: Path) -> ShapePredictor:
    """The arrays of one of dlib's shape predictor files (dlib's serialize of its shape_predictor, version 1:
    the mean shape, the cascade's trees, then each level's feature pixels)."""
    stream = DlibStream(path)
    if stream.integer() != 1:
        raise stream.damaged()
    rows, columns = -stream.integer(), -stream.integer()
    if columns != 1 or rows <= 0 or rows % 2:  # the mean shape: a column of x, y pairs
        raise stream.damaged()
    initial = stream.floats(rows)
    row_at, ends, leaf_values = read_leaves(stream.raw, encoded(-rows) + encoded(-1), rows)
    split_starts, leaf_rows = [], []
    levels = stream.integer()
    for _ in range(levels):
        for _ in range(trees := stream.integer()):
            split_starts += stream.skip(4 * (splits := stream.integer()))
            for _ in range(stream.integer()):
                if stream.at not in row_at:
                    raise stream.damaged()
                leaf_rows.append(row_at[stream.at])
                stream.at = ends[leaf_rows[-1]]
    full_trees = splits > 0 and (splits + 1) & splits == 0
    if levels <= 0 or not full_trees or len(split_starts) != levels * trees * splits * 4 or len(leaf_rows) != levels * trees * (splits + 1):
        raise FaceganError(f"{path}: only cascades of full trees of one size are supported")
    split_numbers = decoded(stream.padded, np.array(split_starts, np.int64)).reshape(levels, trees, splits, 4)
    try:
        anchors = np.array([stream.integers(stream.integer()) for _ in range(stream.integer())], np.int64)
        offsets = np.array([stream.floats(2 * stream.integer()).reshape(-1, 2) for _ in range(stream.integer())], np.float32)
    except ValueError:  # levels with different numbers of feature pixels
        raise stream.damaged() from None
    features = anchors.shape[-1]
    if (stream.at != len(stream.raw) or anchors.shape != (levels, features) or offsets.shape != (levels, features, 2)
            or not (0 <= split_numbers[..., :2]).all() or not (split_numbers[..., :2] < features).all()
            or not ((0 <= anchors) & (anchors < rows // 2)).all()):
        raise stream.damaged()
    thresholds = as_floats(split_numbers[..., 2], split_numbers[..., 3])
    leaf_array = leaf_values[np.array(leaf_rows)].reshape(levels, trees, splits + 1, rows)
    return ShapePredictor(initial, split_numbers[..., 0], split_numbers[..., 1], thresholds, leaf_array, anchors, offsets)


def fingerprint(path: Path) -> str:
    """The model file's size and a hash of its first and last FINGERPRINT bytes: the same file installed in
    several environments shares one cache folder, and a file that differs gets its own (3 ms, where hashing
    all 100 MB would take 0.15 s on every run)."""
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(FINGERPRINT)
        file.seek(max(size - FINGERPRINT, 0))
        tail = file.read()
    return f"{size}-{hashlib.sha256(head + tail).hexdigest()[:16]}"


def load_predictor(path: Path, cache: Path = CACHE) -> ShapePredictor:
    """The predictor in a dlib model file, read from the cache (its leaves mapped, not read) where an earlier
    run put it there, else read from the file and put there. A cache that cannot be written is skipped."""
    cached = cache / f"{path.stem}-{fingerprint(path)}-{CACHE_FORMAT}"
    names = [field.name for field in fields(ShapePredictor)]
    try:
        return ShapePredictor(*(np.asarray(np.load(cached / f"{name}.npy", mmap_mode="r")) for name in names))
    except (OSError, ValueError):
        shutil.rmtree(cached, ignore_errors=True)  # missing, or damaged: read again below
    model = read_dlib_model(path)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=cached.parent))
    except OSError:
        return model
    try:
        for name in names:
            np.save(building / f"{name}.npy", getattr(model, name))
        os.replace(building, cached)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        return model
    return model
