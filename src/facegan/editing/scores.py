"""How well editing works, measured on real faces the model never trained on (FER2013's test split).

- reconstruction: PSNR and SSIM between each face and its inversion, before any change (from the
  encoder alone, after refining z, and after the detail steps on G's feature maps);
- edit success: the share of faces, each turned to a random other expression, that the classifier
  assigns to the expression asked for (overall and balanced over targets);
- identity kept: the share of edited faces whose nearest neighbour among all the original faces, in
  the classifier's feature space, is their own source face (and the same in pixel space);
- latency: seconds per face for inversion and rendering, one face at a time as `facegan edit` does.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from facegan import visuals
from facegan.data.images import ImageSet
from facegan.editing.edit import Editor
from facegan.editing.inversion import invert, refine_detail
from facegan.errors import FaceganError
from facegan.metrics.classifier import accuracy_summary, load_classifier, predict
from facegan.metrics.distances import nearest_neighbours, psnr, ssim
from facegan.training.step import to_model_range


def score_editing(editor: Editor, test: ImageSet, n: int = 500, steps: int = 30, detail_steps: int = 0,
                  seed: int = 0) -> tuple[dict, torch.Tensor]:
    """Scores (see the module docstring) and example strips: face, reconstruction, every expression."""
    random = torch.Generator().manual_seed(seed)
    faces = test.images[torch.randperm(len(test), generator=random)[:n]]
    classes = len(editor.config.class_names)
    scores = {"n": len(faces), "refine_steps": steps, "detail_steps": detail_steps}

    def reconstruction(name: str, layout: torch.Tensor, detail: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            redrawn = visuals.to_uint8(editor.generator.draw(layout, source, detail))
        scores[name] = {"psnr": float(psnr(faces, redrawn).mean()), "ssim": float(ssim(faces, redrawn).mean())}
        return redrawn

    for name, z_steps in (("encoder_only", 0), ("refined", steps)):
        layout, detail, source = invert(editor.generator, editor.encoder, editor.features, faces, z_steps)
        redrawn = reconstruction(name, layout, detail, source)
    if detail_steps:  # what invert(..., steps, detail_steps) does, without refining z again
        layout, detail = refine_detail(editor.generator, editor.features, to_model_range(faces), layout, source, detail_steps)
        redrawn = reconstruction("detail_refined", layout, detail, source)
    target = (source + torch.randint(1, classes, (len(faces),), generator=random)) % classes
    with torch.no_grad():
        edited = visuals.to_uint8(editor.generator.draw(layout, target, detail))
    examples = torch.cat([torch.cat([faces[i : i + 1], redrawn[i : i + 1],
                                     editor.render_every_class(layout[i : i + 1], detail[i : i + 1])])
                          for i in range(min(8, len(faces)))])
    classifier, _ = load_classifier()
    logits, edited_features = predict(classifier, edited)
    _, source_features = predict(classifier, faces)
    summary = accuracy_summary(logits.argmax(1), target, editor.config.class_names)
    _, nearest = nearest_neighbours(edited_features, source_features)
    scores["edit_success"] = {"accuracy": summary["accuracy"], "balanced_accuracy": summary["balanced_accuracy"],
                              "per_target": summary["per_class"]}
    scores["identity_kept"] = float((nearest == torch.arange(len(faces))).double().mean())
    _, nearest_pixels = nearest_neighbours(edited.flatten(1).float(), faces.flatten(1).float())
    scores["identity_kept_pixels"] = float((nearest_pixels == torch.arange(len(faces))).double().mean())
    started = time.perf_counter()
    timed = faces[:20]
    for face in timed:  # one face at a time, as `facegan edit` does
        layout_one, detail_one, _ = invert(editor.generator, editor.encoder, editor.features, face[None], steps, detail_steps)
        editor.render_every_class(layout_one, detail_one)
    scores["seconds_per_face"] = (time.perf_counter() - started) / len(timed)
    return scores, examples


def evaluate_editing(checkpoint: str | Path, data: str | Path | None = None, n: int = 500, steps: int = 30,
                     out: str | Path | None = None, detail_steps: int = 0) -> tuple[dict, Path]:
    """`facegan eval-edit`: score a conditional FER2013 model's editing; writes edit_eval.json and strips.png."""
    from facegan.data import load_fer2013

    editor = Editor.load(checkpoint)
    if editor.config.dataset != "fer2013":
        raise FaceganError("edit scores use FER2013's test faces: pass a conditional FER2013 model")
    scores, examples = score_editing(editor, load_fer2013(data or editor.config.data, "test"), n, steps, detail_steps)
    out = Path(out or Path(checkpoint).parent / "edit_eval")
    out.mkdir(parents=True, exist_ok=True)
    (out / "edit_eval.json").write_text(json.dumps(scores, indent=2))
    visuals.save_labelled_grid(examples, out / "strips.png", ["photo", "redrawn", *editor.config.class_names])
    return scores, out
