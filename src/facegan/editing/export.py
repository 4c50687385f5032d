"""`facegan export`: a translator or warp translator run as a small file to edit with or ship, and its model card.

Every fact on the card is read from the run: the network's parameters, the images it saw, its recipe
and the command that rebuilds it (a shipped recipe when the run followed one), the hardware and the
training time its checkpoints recorded, and the scores of `facegan eval-edit` when they are in the run.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import torch

from facegan.config import Config, flag_name
from facegan.errors import FaceganError
from facegan.editing.move import export_warp
from facegan.editing.translate import export_translator
from facegan.files import output_file, write_atomically
from facegan.models.checkpoint import generator_of, load_checkpoint, run_folder


EXPORTS = {"translator": export_translator, "warp": export_warp}
RECIPE_FLAGS = {"translator": ("mask_loss", "mask_smoothness"),
                "warp": ("teacher_loss", "teacher_shape_loss", "flow_smoothness", "fold_loss", "area_loss", "still_loss")}
"""What each model's card and rebuild command name besides the class and cycle weights."""
NETWORKS = {"translator": "`facegan.models.Translator`: {parameters:,} parameters, G(face, target) with a mask and a colour map",
            "warp": "`facegan.models.WarpTranslator`: {parameters:,} parameters, G(face, target) with a field that moves the face's pixels"}


def train_command(config: Config) -> str:
    """How to rebuild the run: its shipped recipe, or its training flags and resumes."""
    from facegan.recipes import load_recipe, shipped_recipes

    data = f"--data {config.data}"
    for name in shipped_recipes():
        if load_recipe(name)["stages"] == config.stages:
            return f"facegan train --recipe {name} {data}"
    if config.stages:
        return f"facegan train --recipe RECIPE.json {data} (a recipe of {len(config.stages)} stages, in the run's config.json)"
    flags = " ".join(f"{flag_name(name)} {getattr(config, name)}" for name in ("class_loss", "cycle_loss", *RECIPE_FLAGS[config.model],
                                                                                          "batch_size"))
    resumes = "; then " + "; ".join(f"--resume with {entry['changes']}" for entry in config.history) if config.history else ""
    return f"facegan train --model {config.model} --dataset {config.dataset} {data} {flags} --precision {config.precision}{resumes}"


def card_facts(run: Path, state: dict, config: Config, translator: torch.nn.Module) -> dict:
    """What the model card and the exported file say about the run, all read from it."""
    images_seen = state["step"] * config.batch_size * config.extra.get("processes", 1)
    scores_file = run / "edit_eval" / "edit_eval.json"
    return {
        "command": train_command(config),
        "iterations": state["step"],
        "images_seen": images_seen,
        "training_images": config.extra.get("training_images"),
        "parameters": sum(parameter.numel() for parameter in translator.parameters()),
        "hardware": f"{config.extra.get('device', '?')}, {config.extra.get('threads', '?')} threads, {config.precision} "
                    f"(exported on {platform.machine()})",
        "training_minutes": round(state["seconds"] / 60) if "seconds" in state else None,
        "scores": json.loads(scores_file.read_text()) if scores_file.is_file() else None,
        "facegan_version": config.extra.get("facegan"),
    }


def export_run(checkpoint: str | Path, out: str | Path, card: str | Path | None = None) -> tuple[Path, Path]:
    """The run's averaged translator in fp16 at `out`, and its model card (default: `out` with .md)."""
    out = output_file(out)
    card_path = output_file(card) if card is not None else out.with_suffix(".md")
    state = load_checkpoint(checkpoint)
    model = Config.from_dict(state["config"]).model
    if model not in EXPORTS:
        raise FaceganError(f"'{checkpoint}' holds a {model}: export takes a translator or warp translator run")
    config, translator = generator_of(state, checkpoint, model)
    facts = card_facts(run_folder(checkpoint), state, config, translator)
    EXPORTS[model](checkpoint, out, facts)
    write_atomically(card_path, lambda temporary: temporary.write_text(model_card(out, config, facts)))
    return out, card_path


def model_card(out: Path, config: Config, facts: dict) -> str:
    epochs = f", {facts['images_seen'] / facts['training_images']:.1f} epochs" if facts["training_images"] else ""
    minutes = f"{facts['training_minutes']} min" if facts["training_minutes"] is not None else "not recorded (trained before facegan kept it)"
    lines = [
        f"# Model card: `{out.name}`",
        "",
        "| | |",
        "| --- | --- |",
        f"| task | turn a {config.image_size}x{config.image_size} face to one of {', '.join(config.class_names)}, keeping the person |",
        f"| network | {NETWORKS[config.model].format(parameters=facts['parameters'])} |",
        f"| file | `{out.name}`, fp16, {out.stat().st_size / 1e6:.1f} MB; the average of the weights (decay {config.ema}) |",
        f"| data | {config.dataset} ({facts['training_images'] or 'an unrecorded number of'} training images) |",
        f"| rebuild | `{facts['command']}`, then `facegan export RUN --out {out.name}` |",
        f"| recipe at the end | {config.loss} loss, class {config.class_loss}, cycle {config.cycle_loss}, "
        + "".join(f"{name.replace('_', ' ')} {getattr(config, name)}, " for name in RECIPE_FLAGS[config.model])
        + f"augment {config.augment}, Adam lr {config.lr} (D {config.lr_d}), batch {config.batch_size} |",
        f"| images seen | {facts['images_seen']:,} ({facts['iterations']:,} iterations{epochs}) |",
        f"| hardware | {facts['hardware']} |",
        f"| training time | {minutes} |",
        "",
    ]
    scores = facts["scores"]
    if scores:
        same, realism = scores["same_person"], scores["realism"]

        def unedited(space: str | None = None) -> str:
            """The faces themselves in the edits' places, where the scores have it (cards written before did not)."""
            if "unedited" not in realism:
                return ""
            scored = realism["unedited"][space] if space else realism["unedited"]
            return f"the faces unedited: {scored['frechet_distance']:.2f}; "

        lines += [
            f"## Scores (`facegan eval-edit --n {scores['n_faces']}`: {scores['n_edits']} edits)",
            "",
            "| score | value | floor |",
            "| --- | ---: | ---: |",
            f"| same person (dlib) | {same['all']:.3f} | different people: {same['floor_different_people']:.3f} |",
            f"| expression, balanced | {scores['expression']['balanced_accuracy']:.3f} | |",
            *([f"| expression after a blur and JPEG, balanced (robust classifier) | {scores['expression_blurred']['balanced_accuracy']:.3f} | "
               f"real test faces: {scores['expression_blurred']['real_faces']:.3f} |",
               *([f"| the same, plain classifier | {scores['expression_blurred']['plain_classifier']['balanced_accuracy']:.3f} | "
                  f"real test faces: {scores['expression_blurred']['plain_classifier']['real_faces']:.3f} |"]
                 if "plain_classifier" in scores["expression_blurred"] else []),
               f"| paint share | {scores['paint_share']['mean']:.2f} | a warp: 0 |"] if "paint_share" in scores else []),
            f"| Fréchet distance, appearance features | {realism['appearance']['frechet_distance']:.2f} | "
            f"{unedited('appearance')}real faces: {realism['floor']['appearance']['frechet_distance']:.2f} |",
            f"| Fréchet distance, classifier features | {realism['frechet_distance']:.2f} | "
            f"{unedited()}real faces: {realism['floor']['frechet_distance']:.2f} |",
            f"| ms per face | {scores['seconds_per_face'] * 1000:.1f} | |",
            "",
        ]
    return "\n".join(lines)
