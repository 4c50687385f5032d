"""facegan's weight files: a dict tagged with what it holds, written atomically, read back with weights_only.

Checkpoints, the shipped classifiers, encoders and the exported translator are all such files, so
they share one writer and one set of checks, and a wrong or damaged file always gets the same kind of line.
They are read by torch.load, or, where PyTorch is not wanted (the geometry engine and the expression it
reads), by a NumPy reader of torch.save's format that builds arrays and plain containers only.
"""

from __future__ import annotations

import collections
import io
import pickle
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from facegan.errors import FaceganError
from facegan.files import write_atomically

if TYPE_CHECKING:
    import torch

READ_ERRORS = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, KeyError, IndexError, TypeError,
               UnicodeDecodeError, AttributeError, zipfile.BadZipFile)
"""What reading raises on text, random bytes or a truncated file."""
STORAGE_DTYPES = {"HalfStorage": "<f2", "FloatStorage": "<f4", "DoubleStorage": "<f8", "LongStorage": "<i8",
                  "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?"}
"""The NumPy type of each of torch.save's storage types (little-endian, as torch writes them)."""


def save_tagged(contents: dict, kind: str, path: Path) -> None:
    """Written atomically: a full disk or a crash leaves the previous file as it was, and says so."""
    import torch

    try:
        write_atomically(path, lambda temporary: torch.save({"kind": kind, **contents}, temporary))
    except (OSError, RuntimeError) as error:  # torch's writer reports a full disk as a RuntimeError ("unexpected pos ...")
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "the write stopped part-way"
        kept = "the previous file is kept" if Path(path).exists() else "nothing was written"
        raise FaceganError(f"cannot write '{path}' ({reason}; is the disk full?): {kept}") from None


def read_tagged(path: Path, kind: str, name: str, remedy: str, shape: dict[str, type | tuple[type, ...]]) -> dict:
    """The contents of a file tagged `kind`, on the CPU, holding every entry of `shape` with its type and
    only finite numbers. Otherwise one line: what `path` is instead (missing, unreadable, another
    `name`, damaged or forged, or a model whose weights went to NaN), then what to do (`remedy`)."""
    import torch

    return checked(Path(path), lambda: torch.load(path, map_location="cpu", weights_only=True), kind, name, remedy, shape)


def read_tagged_arrays(path: Path, kind: str, name: str, remedy: str, shape: dict[str, type | tuple[type, ...]]) -> dict:
    """`read_tagged` without PyTorch, its tensors as NumPy arrays: the geometry engine needs nothing more, and
    importing PyTorch would cost each `facegan edit` about 2 seconds."""
    return checked(Path(path), lambda: load_arrays(path), kind, name, remedy, shape)


def checked(path: Path, load: Callable[[], object], kind: str, name: str, remedy: str, shape: dict[str, type | tuple[type, ...]]) -> dict:
    if not path.is_file():
        raise FaceganError(f"{name} '{path}' does not exist: {remedy}")
    try:
        saved = load()
    except READ_ERRORS:
        raise FaceganError(f"'{path}' is not a readable {name} (corrupt, truncated, or not a plain weights file): {remedy}") from None
    if not isinstance(saved, dict) or saved.get("kind") != kind:
        found = saved.get("kind", "unknown") if isinstance(saved, dict) else type(saved).__name__
        raise FaceganError(f"'{path}' is not a {name} (it holds '{found}'): {remedy}")
    wrong = [entry for entry, kinds in shape.items() if not isinstance(saved.get(entry), kinds)]
    if wrong:
        raise FaceganError(f"'{path}' is a damaged {name} ({', '.join(wrong)} missing or of the wrong type): {remedy}")
    if not all_finite(saved):
        raise FaceganError(f"'{path}' is a {name} whose weights are not finite (NaN or infinite: its training diverged): {remedy}")
    return saved


class ArrayUnpickler(pickle.Unpickler):
    """torch.save's pickle read with NumPy arrays for its tensors. Like torch.load's weights_only, it builds
    nothing but plain containers and tensors: any other class in the file is refused."""

    def __init__(self, archive: zipfile.ZipFile, folder: str) -> None:
        super().__init__(io.BytesIO(archive.read(f"{folder}/data.pkl")))
        self.archive, self.folder = archive, folder

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return rebuilt_array
        if module == "torch" and name in STORAGE_DTYPES:
            return np.dtype(STORAGE_DTYPES[name])
        raise pickle.UnpicklingError(f"{module}.{name} has no place in a weights file")

    def persistent_load(self, saved_id: tuple) -> np.ndarray:
        _, dtype, key, _, count = saved_id
        return np.frombuffer(self.archive.read(f"{self.folder}/data/{key}"), dtype, count)


def rebuilt_array(storage: np.ndarray, offset: int, size: tuple, stride: tuple, *_) -> np.ndarray:
    """A tensor as torch.save describes it (a view into a storage) as a NumPy array of its own."""
    view = storage[offset:]
    return np.lib.stride_tricks.as_strided(view, tuple(size), tuple(step * storage.itemsize for step in stride)).copy()


def load_arrays(path: Path) -> object:
    """What torch.save wrote to `path` (its zip format), tensors as NumPy arrays."""
    with zipfile.ZipFile(path) as archive:
        pickles = [entry for entry in archive.namelist() if entry.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise pickle.UnpicklingError("not one of torch.save's files")
        folder = pickles[0].removesuffix("/data.pkl")
        if f"{folder}/byteorder" in archive.namelist() and archive.read(f"{folder}/byteorder") != b"little":
            raise pickle.UnpicklingError("written on a big-endian machine")
        return ArrayUnpickler(archive, folder).load()


def all_finite(contents) -> bool:
    """Whether every floating-point tensor or array in nested dicts, lists and tuples holds only finite numbers."""
    torch = sys.modules.get("torch")  # without PyTorch imported, there is no tensor to check
    if torch is not None and isinstance(contents, torch.Tensor):
        return not contents.is_floating_point() or bool(torch.isfinite(contents).all())
    if isinstance(contents, np.ndarray):
        return not np.issubdtype(contents.dtype, np.floating) or bool(np.isfinite(contents).all())
    if isinstance(contents, dict):
        return all(all_finite(value) for value in contents.values())
    if isinstance(contents, (list, tuple)):
        return all(all_finite(value) for value in contents)
    return True


def file_kind(path: Path) -> str | None:
    """The tag of one of facegan's weight files, or None for anything else (a folder, another file)."""
    import torch

    try:
        saved = torch.load(path, map_location="cpu", weights_only=True) if Path(path).is_file() else None
    except READ_ERRORS:
        return None
    return saved.get("kind") if isinstance(saved, dict) else None


def to_half(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state dict with its floating-point tensors in fp16, for the small files facegan ships."""
    return {name: value.half() if value.is_floating_point() else value for name, value in state.items()}


def to_float(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A shipped state dict back in fp32, for the CPU."""
    return {name: value.float() if value.is_floating_point() else value for name, value in state.items()}
