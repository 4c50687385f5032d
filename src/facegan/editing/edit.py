"""`facegan edit`: read a photo, edit its faces with an engine, write the edited photo(s) and strips."""

from __future__ import annotations

from pathlib import Path

from facegan import visuals
from facegan.editing.engine import EditEngine, FaceEdit, check_controls, class_index
from facegan.editing.faces import read_photo_with_alpha, save_photo
from facegan.editing.registry import load_engine
from facegan.errors import FaceganError
from facegan.files import output_file


def edit_photo_file(photo_path: str | Path, checkpoint: str | Path | None, target: str, out: str | Path, face: int | None = None,
                    all_faces: bool = False, blend: str = "feather", strip: bool = False, steps: int | None = None,
                    detail_steps: int | None = None, strength: float | None = None, engine: str | None = None,
                    ) -> tuple[EditEngine, list[FaceEdit], list[Path]]:
    """Read the photo, edit it, write OUT (and OUT_strip.png per face). The original is never overwritten.

    `target` "all" writes OUT_<class> for every class. Without a checkpoint the shipped translator
    edits; `strength` is a control of the edit, `steps` and `detail_steps` settings of the inversion engine."""
    out = output_file(out)
    photo, alpha = read_photo_with_alpha(photo_path)
    editor = load_engine(checkpoint, engine, steps=steps, detail_steps=detail_steps)
    share = check_controls(editor, strength)
    names = editor.config.class_names if target == "all" else (target,)
    class_index(editor.config, names[0])  # an unknown target is refused before any face is edited
    edits = editor.edit_faces(photo, face, all_faces)
    outputs = [out] if target != "all" else [out.with_name(f"{out.stem}_{name}{out.suffix}") for name in names]
    strips = [out.with_name(f"{out.stem}_strip{number if len(edits) > 1 else ''}.png") for number in range(len(edits) if strip else 0)]
    for path in outputs + strips:  # every name checked before the first file is written
        output_file(path)
    if any(path.resolve() == Path(photo_path).resolve() for path in outputs + strips):
        raise FaceganError("an output file would replace the photo itself: choose another --out, so the original is kept")
    for name, path in zip(names, outputs):
        save_photo(editor.render(photo, edits, name, share, blend), path, alpha)
    for edit, path in zip(edits, strips):
        images, columns = editor.strip(edit, share)
        visuals.save_labelled_grid(images, path, columns)
    return editor, edits, outputs + strips

