"""Export a trained translator run as the one facegan ships, with its model card.

    facegan train --model translator --dataset fer2013 --data ../shared/data/fer2013 --batch-size 32 \\
        --max-steps 12000 --run-dir runs/translator
    facegan eval-edit --checkpoint runs/translator/checkpoint.pt --data ../shared/data/fer2013 --n 500
    python experiments/ship_translator.py --run runs/translator --command "<the train command>"

Writes src/facegan/editing/weights/fer2013_translator.pt (fp16) and docs/translator_model_card.md from
the run's checkpoint (and the config in it), losses.csv, and the scores in RUN/edit_eval/edit_eval.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import subprocess
from pathlib import Path

import torch

from facegan.editing.translate import SHIPPED, export_translator
from facegan.models.checkpoint import load_checkpoint


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", required=True)
    parser.add_argument("--command", required=True, help="the facegan train command that made the run")
    parser.add_argument("--wall-time", required=True, help="how long the training took, e.g. '98 min'")
    args = parser.parse_args()
    run = Path(args.run)
    state = load_checkpoint(run / "checkpoint.pt")
    config = state["config"]  # as trained last: a resume may have changed it (experiments/resume_with_changes.py)
    scores = json.loads((run / "edit_eval" / "edit_eval.json").read_text())
    with open(run / "losses.csv") as handle:
        last = list(csv.DictReader(handle))[-1]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    card = {
        "command": args.command,
        "commit": commit,
        "iterations": state["step"],
        "images_seen": state["step"] * config["batch_size"],
        "hardware": f"{cpu_name()}, {torch.get_num_threads()} threads, {config['precision']}",
        "wall_time": args.wall_time,
        "scores": scores,
    }
    export_translator(run / "checkpoint.pt", SHIPPED, card)
    same, expression, realism = scores["same_person"], scores["expression"], scores["realism"]
    lines = [
        "# Model card: the shipped expression translator (`fer2013_translator.pt`)",
        "",
        "What `facegan edit`, `facegan web` and `facegan eval-edit` use when no `--checkpoint` is given.",
        "",
        "| | |",
        "| --- | --- |",
        "| task | turn a 48x48 grayscale face to one of FER2013's seven expressions, keeping the person |",
        "| network | `facegan.models.Translator`: 1,458,626 parameters, StarGAN-style G(face, target) with a GANimation mask and colour map |",
        f"| file | `src/facegan/editing/weights/fer2013_translator.pt`, fp16, {SHIPPED.stat().st_size / 1e6:.1f} MB; the EMA of the weights (decay {config['ema']}) |",
        "| data | FER2013's 28,709 training faces (never its test faces) |",
        f"| training | `{args.command}` |",
        f"| recipe | hinge loss, spectral-norm projection D with an auxiliary classifier (weight {config['class_loss']}, balanced), {'DiffAugment without cutout, ' if config['augment'] else ''}cycle {config['cycle_loss']}, mask {config['mask_loss']}, mask smoothness {config['mask_smoothness']}, Adam lr {config['lr']} (D {config['lr_d']}), batch {config['batch_size']} |",
        f"| commit | {commit} |",
        f"| images seen | {card['images_seen']:,} ({state['step']:,} iterations, {card['images_seen'] / 28709:.1f} epochs) |",
        f"| hardware | {card['hardware']} |",
        f"| wall time | {args.wall_time} |",
        f"| last logged losses | D {float(last['loss_D']):.3f}, G {float(last['loss_G']):.3f} |",
        "",
        f"## Scores (`facegan eval-edit --n {scores['n_faces']}`: {scores['n_faces']} FER2013 test faces, each turned to the six other expressions, {scores['n_edits']} edits)",
        "",
        "| score | value | floor |",
        "| --- | ---: | ---: |",
        f"| same person (dlib, distance < 0.6), all edits | {same['all']:.3f} | different people: {same['floor_different_people']:.3f} |",
        f"| same person, asked for its own expression | {same['own_expression']:.3f} | |",
        f"| expression success, balanced over targets | {expression['balanced_accuracy']:.3f} | real test faces: 0.602 |",
        f"| Fréchet distance (appearance features) | {realism['appearance']['frechet_distance']:.2f} | real training faces, same n: {realism['floor']['appearance']['frechet_distance']:.2f} |",
        f"| KID (appearance features) | {realism['appearance']['kid']:.4f} | {realism['floor']['appearance']['kid']:.4f} |",
        f"| Fréchet distance (classifier features) | {realism['frechet_distance']:.2f} | {realism['floor']['frechet_distance']:.2f} |",
        f"| KID (classifier features) | {realism['kid']:.4f} | {realism['floor']['kid']:.4f} |",
        f"| milliseconds per face (all seven expressions, one face at a time) | {scores['seconds_per_face'] * 1000:.1f} | |",
        "",
        "Same person per target: " + ", ".join(f"{k} {v:.2f}" for k, v in same["per_target"].items()) + ".",
        "Expression per target: " + ", ".join(f"{k} {v:.2f}" for k, v in expression["per_class"].items()) + ".",
        "",
        "## Limits",
        "",
        "- 48x48 grayscale, like FER2013: it edits the luminance of a photo's face; the photo's colour is kept.",
        "- It learnt from FER2013's faces: mostly frontal, cropped by a Haar detector. Faces at a strong angle are edited poorly.",
        "- The expression classifier that scores it was trained on the same data; the same-person score is dlib's, which facegan never trains.",
        "",
    ]
    Path("docs/translator_model_card.md").write_text("\n".join(lines))
    print(f"wrote {SHIPPED} and docs/translator_model_card.md")


if __name__ == "__main__":
    main()
