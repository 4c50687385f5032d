"""facegan's weight files: a dict tagged with what it holds, written atomically, read back with weights_only.

Checkpoints, the shipped classifiers, encoders and the exported translator are all such files, so
they share one writer and one reader, and a wrong or damaged file always gets the same kind of line.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import torch

from facegan.errors import FaceganError
from facegan.files import write_atomically

READ_ERRORS = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, KeyError, IndexError, TypeError,
               UnicodeDecodeError, AttributeError)
"""What torch.load raises on text, random bytes or a truncated file."""


def save_tagged(contents: dict, kind: str, path: Path) -> None:
    """Written atomically: a full disk or a crash leaves the previous file as it was, and says so."""
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
    path = Path(path)
    if not path.is_file():
        raise FaceganError(f"{name} '{path}' does not exist: {remedy}")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
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


def all_finite(contents) -> bool:
    """Whether every floating-point tensor in nested dicts, lists and tuples holds only finite numbers."""
    if isinstance(contents, torch.Tensor):
        return not contents.is_floating_point() or bool(torch.isfinite(contents).all())
    if isinstance(contents, dict):
        return all(all_finite(value) for value in contents.values())
    if isinstance(contents, (list, tuple)):
        return all(all_finite(value) for value in contents)
    return True


def file_kind(path: Path) -> str | None:
    """The tag of one of facegan's weight files, or None for anything else (a folder, another file)."""
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
