"""`facegan edit`: read a photo, edit its faces with an engine, write the edited photo(s) and strips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from facegan import visuals
from facegan.editing.engine import EditEngine, FaceEdit, check_controls, class_index
from facegan.editing.faces import read_photo_file, save_photo, whole_square
from facegan.editing.registry import load_engine
from facegan.errors import FaceganError
from facegan.files import IMAGE_SUFFIXES, output_file


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
    edits = editor.edit_faces(photo, face, all_faces)
    outputs = [out] if target != "all" else [out.with_name(f"{out.stem}_{name}{out.suffix}") for name in names]
    strips = [out.with_name(f"{out.stem}_strip{number if len(edits) > 1 else ''}.png") for number in range(len(edits) if strip else 0)]
    for path in outputs + strips:  # every name checked before the first file is written
        output_file(path)
    if any(path.resolve() == Path(photo_path).resolve() for path in outputs + strips):
        raise FaceganError("an output file would replace the photo itself: choose another --out, so the original is kept")
    for name, path in zip(names, outputs):
        save_photo(editor.render(photo, edits, name, share, blend), path, kept)
    for edit, path in zip(edits, strips):
        images, columns = editor.strip(edit, share)
        visuals.save_labelled_grid(images, path, columns)
    return editor, edits, outputs + strips



def edit_cropped_folder(folder: str | Path, checkpoint: str | Path | None, target: str, out: str | Path,
                        strength: float | None = None, engine: str | None = None, steps: int | None = None,
                        detail_steps: int | None = None) -> tuple[int, Path]:
    """`facegan edit DIR --cropped`: every image in `folder` is one face already cropped like the model's data
    (any size, grayscale or colour). Each is edited whole, with no detection, and written as
    OUT/<class>/<its stem>.png at its own size, grayscale where it was. Returns the count and OUT."""
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise FaceganError(f"--cropped edits a folder of cropped faces: '{folder}' is not a folder")
    images = sorted(path for path in folder.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file())
    if not images:
        raise FaceganError(f"'{folder}' holds no images ({', '.join(IMAGE_SUFFIXES)}): --cropped takes a folder of cropped faces")
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
