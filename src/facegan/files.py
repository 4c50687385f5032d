"""How facegan writes a file: through a temporary file of its own beside it, then one atomic rename.

Every file facegan writes (edits, strips, samples, grids, checkpoints, exported models) goes through
`write_atomically`, so a crash, a full disk or a second facegan process writing the same path never
leaves a half-written file, never destroys another file that happens to be called `OUT.tmp`, and
never mixes two processes' output: the file holds one whole write or the one it had before.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from facegan.errors import FaceganError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
"""The files facegan reads as images in data folders."""
PHOTO_SUFFIXES = (*IMAGE_SUFFIXES, ".avif", ".heic", ".heif")
"""The files `facegan edit DIR` reads as photos: a phone's own formats too (HEIC with the `heic` extra)."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


FILE_MODE = 0o666 & ~_umask()
"""The permissions an ordinary new file gets here (mkstemp's own are 0600)."""


def output_file(out: str | Path) -> Path:
    """An output file's path as the user typed it, or one line on why it names no file ('', '.', 'dir/',
    an existing folder)."""
    text = str(out)
    if not text.strip():
        raise FaceganError("the output file name is empty: give one, such as --out edited.jpg")
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.name in ("", ".", "..") or path.is_dir():
        raise FaceganError(f"'{text}' names a folder, not a file: give a file name inside it, such as {path / 'out.png'}")
    return path


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(temporary)` and put the result at `path` in one rename. A symlink at `path` is
    written through to its target, as any editor would. Returns the path written."""
    path = output_file(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    except BaseException:  # a full disk, Ctrl-C, a format PIL cannot write: the old file stays, no partial one
        temporary.unlink(missing_ok=True)
        raise
    return path
