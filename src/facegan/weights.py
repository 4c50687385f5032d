"""facegan's weight files: a dict tagged with what it holds, written atomically, read back with weights_only.

Checkpoints, the shipped classifiers, encoders and the exported translator are all such files, so
they share one writer and one reader, and a wrong or damaged file always gets the same kind of line.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import torch

from facegan.errors import FaceganError

READ_ERRORS = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, KeyError, IndexError, TypeError,
               UnicodeDecodeError, AttributeError)
"""What torch.load raises on text, random bytes or a truncated file."""


def save_tagged(contents: dict, kind: str, path: Path) -> None:
    """Write to a temporary file and rename it, so a crash never leaves a half-written file."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    try:
        torch.save({"kind": kind, **contents}, temporary)
        os.replace(temporary, path)
    except BaseException:  # a full disk, Ctrl-C: leave the last good file and no partial one
        temporary.unlink(missing_ok=True)
        raise


def read_tagged(path: Path, kind: str, name: str, remedy: str) -> dict:
    """The contents of a file tagged `kind`, on the CPU. Otherwise one line: what `path` is instead
    (missing, unreadable, or another `name`), then what to do (`remedy`)."""
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
    return saved


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
