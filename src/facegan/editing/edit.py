"""`facegan edit`: read a photo, edit its faces with an engine, write the edited photo(s) and strips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from facegan import visuals
from facegan.editing.engine import EditEngine, FaceEdit, check_controls, class_index
from facegan.editing.faces import Box, PhotoFile, read_photo_file, save_photo, whole_square
from facegan.editing.registry import load_engine
from facegan.errors import FaceganError
from facegan.files import PHOTO_SUFFIXES, output_file


STRIP_SIDE = 256
"""The largest side of a face in OUT_strip.png: the photo's own pixels up to that, so its skin texture shows."""
STRIP_MARGIN = 1.3
"""How much of the photo around the face a strip shows, in sizes of the square the engine saw."""


def engine_for_edits(checkpoint: str | Path | None, engine: str | None, steps: int | None, detail_steps: int | None,
                     strength: float | None, target: str) -> tuple[EditEngine, float, tuple[str, ...]]:
    """The engine, the strength to apply and the classes to write (`target`, or every class for "all"), all
    checked before any face is edited."""
    editor = load_engine(checkpoint, engine, steps=steps, detail_steps=detail_steps)
    share = check_controls(editor, strength)
    names = editor.config.class_names if target == "all" else (target,)
    class_index(editor.config, names[0])
    return editor, share, names


def edit_photo_file(photo_path: str | Path, checkpoint: str | Path | None, target: str, out: str | Path, face: int | None = None,
                    all_faces: bool = False, blend: str = "feather", strip: bool = False, steps: int | None = None,
                    detail_steps: int | None = None, strength: float | None = None, engine: str | None = None,
                    ) -> tuple[EditEngine, list[FaceEdit], list[Path]]:
    """Read the photo, edit it, write OUT (and OUT_strip.png per face). The original is never overwritten.

    `target` "all" writes OUT_<class> for every class. Without a checkpoint facegan's default
    engine edits; `strength` is a control of the edit, `steps` and `detail_steps` settings of the inversion engine."""
    out = output_file(out)
    photo, kept = read_photo_file(photo_path)
    editor, share, names = engine_for_edits(checkpoint, engine, steps, detail_steps, strength, target)
    outputs = [out] if target != "all" else [out.with_name(f"{out.stem}_{name}{out.suffix}") for name in names]
    edits, written = write_edits(editor, share, names, photo_path, photo, kept, outputs, out if strip else None, face, all_faces, blend)
    return editor, edits, written


def write_edits(editor: EditEngine, share: float, names: tuple[str, ...], photo_path: str | Path, photo: np.ndarray, kept: PhotoFile,
                outputs: list[Path], strip: Path | None, face: int | None, all_faces: bool, blend: str) -> tuple[list[FaceEdit], list[Path]]:
    """Edit the photo's faces and write one file per class in `names` (`outputs`, in the same order), and with
    `strip`, STRIP_strip.png per face: its square of the photo, then of the photo in every class, in colour at the
    photo's resolution. Every name is checked before the first file is written."""
    edits = editor.edit_faces(photo, face, all_faces)
    strips = [] if strip is None else [strip.with_name(f"{strip.stem}_strip{number if len(edits) > 1 else ''}.png") for number in range(len(edits))]
    for path in outputs + strips:
        output_file(path)
    if any(path.resolve() == Path(photo_path).resolve() for path in outputs + strips):
        raise FaceganError("an output file would replace the photo itself: choose another --out, so the original is kept")
    rendered = {name: editor.render(photo, edits, name, share, blend) for name in (editor.config.class_names if strips else names)}
    for name, path in zip(names, outputs):
        save_photo(rendered[name], path, kept)
    for edit, path in zip(edits, strips):
        visuals.save_labelled_grid(face_strip(photo, rendered, edit.box), path, ["photo", *rendered], scale=1)
    return edits, outputs + strips


def face_strip(photo: np.ndarray, rendered: dict[str, np.ndarray], box: Box) -> np.ndarray:
    """Before and after, uint8 (1 + classes, 3, s, s): one face's square of the photo, then of the photo rendered in
    each class, in colour at the photo's resolution up to STRIP_SIDE."""
    return np.stack([face_tile(picture, box) for picture in (photo, *rendered.values())])


def face_tile(picture: np.ndarray, box: Box) -> np.ndarray:
    """The face's square of a photo, STRIP_MARGIN times the box the engine saw, at the photo's own resolution up to
    STRIP_SIDE pixels: uint8 (3, s, s)."""
    import cv2

    height, width = picture.shape[:2]
    side = min(int(box.size * STRIP_MARGIN), height, width)
    left = int(np.clip(box.left + box.size / 2 - side / 2, 0, width - side))
    top = int(np.clip(box.top + box.size / 2 - side / 2, 0, height - side))
    square = picture[top : top + side, left : left + side]
    shown = min(side, STRIP_SIDE)
    return cv2.resize(square, (shown, shown), interpolation=cv2.INTER_AREA).transpose(2, 0, 1)


def edit_photo_folder(folder: str | Path, checkpoint: str | Path | None, target: str, out: str | Path, face: int | None = None,
                      all_faces: bool = False, blend: str = "feather", strip: bool = False, steps: int | None = None,
                      detail_steps: int | None = None, strength: float | None = None, engine: str | None = None,
                      log=print) -> tuple[int, list[str]]:
    """`facegan edit DIR --out OUTDIR`: every photo in DIR edited as `edit_photo_file` edits one, written as
    OUTDIR/<stem>_<class><suffix> (and OUTDIR/<stem>_strip.png). The engine is loaded once. A photo that cannot
    be edited (no face, not an image) is reported through `log` and skipped, and the others are still written.
    Returns the number of photos edited and one line per photo skipped."""
    folder, out = Path(folder), Path(out)
    photos = images_in(folder, "photos")
    if out.exists() and not out.is_dir():
        raise FaceganError(f"'{out}' is a file: with a folder of photos, --out names the folder to write the edits into")
    if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
        raise FaceganError("--out is inside the folder of photos: choose a folder elsewhere, so the photos are never mixed with edits")
    editor, share, names = engine_for_edits(checkpoint, engine, steps, detail_steps, strength, target)
    edited, skipped = 0, []
    for path in photos:
        try:
            photo, kept = read_photo_file(path, shown_as=path.name)
            outputs = [out / f"{path.stem}_{name}{path.suffix}" for name in names]
            edits, written = write_edits(editor, share, names, path, photo, kept, outputs, out / path.name if strip else None,
                                         face, all_faces, blend)
        except FaceganError as error:
            skipped.append(f"{path.name}: {error}")
            log(f"skipped {skipped[-1]}")
            continue
        edited += 1
        faces = ", ".join(f"{editor.expression_of(edit)} at ({edit.box.left}, {edit.box.top})" for edit in edits)
        notes = "".join(f"; at ({edit.box.left}, {edit.box.top}), {edit.note}" for edit in edits if edit.note)
        log(f"{path.name}: {faces} -> {target}: wrote {len(written)} file{'s' if len(written) > 1 else ''}{notes}")
    return edited, skipped


def images_in(folder: Path, kind: str) -> list[Path]:
    """The images in a folder (PHOTO_SUFFIXES), sorted, or one line on why there are none; `kind` is what the
    folder should hold."""
    if not folder.is_dir():
        raise FaceganError(f"'{folder}' is not a folder: give a folder of {kind}")
    images = sorted(path for path in folder.iterdir() if path.suffix.lower() in PHOTO_SUFFIXES and path.is_file())
    if not images:
        raise FaceganError(f"'{folder}' holds no images ({', '.join(PHOTO_SUFFIXES)}): give a folder of {kind}")
    return images


def edit_cropped_folder(folder: str | Path, checkpoint: str | Path | None, target: str, out: str | Path,
                        strength: float | None = None, engine: str | None = None, steps: int | None = None,
                        detail_steps: int | None = None) -> tuple[int, Path]:
    """`facegan edit DIR --cropped`: every image in `folder` is one face already cropped like the model's data
    (any size, grayscale or colour). Each is edited whole, with no detection, and written as
    OUT/<class>/<its stem>.png at its own size, grayscale where it was. Returns the count and OUT."""
    folder, out = Path(folder), Path(out)
    images = images_in(folder, "cropped faces (--cropped)")
    if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
        raise FaceganError("--out is inside the folder of faces: choose a folder elsewhere, so the faces are never mixed with edits")
    editor, share, names = engine_for_edits(checkpoint, engine, steps, detail_steps, strength, target)
    for path in images:
        photo, kept = read_photo_file(path)
        grey = bool((photo[..., 0] == photo[..., 1]).all() and (photo[..., 1] == photo[..., 2]).all())
        kept = replace(kept, grey=grey)
        edit = editor.edit_square(photo, whole_square(photo))
        for name in names:
            edited = editor.render(photo, [edit], name, share)
            save_photo(edited, out / name / f"{path.stem}.png", kept)
    return len(images), out
