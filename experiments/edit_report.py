"""The line and the strips several experiments print for one variant of an engine on FER2013's test faces:
expression, after eval-edit's blur and JPEG by the robust and the plain classifier, the paint share and the
appearance-feature Fréchet distance (the detector and same person left out, for speed), and the first eight
faces in every expression."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

from facegan import visuals
from facegan.data.images import ImageSet
from facegan.editing.scores import edit_quality, edit_test_faces, marks_scores


def report_variant(title: str, render: Callable[[torch.Tensor], torch.Tensor], test: ImageSet, train: ImageSet, n: int,
                   names: tuple[str, ...], strips: Path) -> None:
    """Edit `n` test faces by `render` (uint8 faces (N, 1, 48, 48) -> (N, K, 1, 48, 48)), print the scores after
    `title`, and save the strips to `strips`."""
    edits = edit_test_faces(render, test, n)
    quality = edit_quality(edits, names, test, train)["generated"]
    marks = marks_scores(edits, names, detector=False)
    blurred = marks["expression_blurred"]
    print(f"{title}: expression {quality['expression']['balanced_accuracy']:.3f}, after blur and JPEG "
          f"{blurred['balanced_accuracy']:.3f} (plain classifier {blurred['plain_classifier']['balanced_accuracy']:.3f}), "
          f"paint share {marks['paint_share']['mean']:.2f}, appearance Fréchet distance "
          f"{quality['appearance']['frechet_distance']:.2f}", flush=True)
    faces = torch.cat([torch.cat([edits.faces[i : i + 1], edits.every_class[i]]) for i in range(8)])
    visuals.save_labelled_grid(faces, strips, ["photo", *names])
