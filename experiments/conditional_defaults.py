"""Choose the conditional model's default stabilisers by measurement (README, "Choosing the defaults").

Trains one conditional FER2013 model per variant at the report baseline's budget (141,440 images
seen, bf16 on the CPU), scores each with `facegan eval` (1,000 faces per expression) and prints one
JSON line per variant; the default is also scored one expression at a time, as the report's separate
models are.

    python experiments/conditional_defaults.py --data ../shared/data/fer2013 --out runs/defaults [variant ...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from facegan import Config, train
from facegan.config import EXPRESSIONS
from facegan.metrics.evaluate import evaluate_run
from facegan.sampling import generate
from facegan.models.checkpoint import load_generator

BUDGET_IMAGES = 141_440  # what the report's seven per-expression models saw at 5 epochs (1,105 iterations of 128)
OLD = dict(balanced_class_loss=False, uniform_fakes=False)  # the recipe before the two class-balancing options
VARIANTS = {  # the conditional default (class loss 5, balanced; uniform fakes; mode seeking 1) with the changes shown
    "default": {},
    "seed-1": dict(seed=1),
    "data-proportion-fakes": dict(uniform_fakes=False),
    "unbalanced": OLD,
    "unbalanced-seed-1": dict(OLD, seed=1),
    "unbalanced-uniform-fakes": dict(balanced_class_loss=False),
    "no-mode-seeking": dict(OLD, mode_seeking=0.0),
    "class-loss-1": dict(OLD, class_loss=1.0, mode_seeking=0.0),
    "class-loss-10": dict(OLD, class_loss=10.0, mode_seeking=0.0),
    "no-class-loss": dict(OLD, class_loss=0.0, mode_seeking=0.0),
    "no-augment": dict(OLD, augment=False, class_loss=1.0, mode_seeking=0.0),
    "no-stabilisers": dict(OLD, loss="bce", spectral_norm=False, augment=False, lr_d=2e-4, class_loss=1.0, mode_seeking=0.0),
    "no-stabilisers-class-loss-5": dict(OLD, loss="bce", spectral_norm=False, augment=False, lr_d=2e-4, mode_seeking=0.0),
}


def score(run: Path, data: str) -> dict:
    """Scores of the run's G (its weight average, if it keeps one) from facegan's FER2013 evaluation."""
    _, generator = load_generator(run)
    generated = {e: generate(generator, 1000, label=i) for i, e in enumerate(EXPRESSIONS)}
    scores, _ = evaluate_run(generated, data, run / "eval", run.name)
    return scores


def per_expression(run: Path, data: str) -> dict:
    """Each expression scored on its own against its own test faces, as the report's separate models were."""
    from facegan.data import load_fer2013
    from facegan.metrics.classifier import load_classifier
    from facegan.metrics.evaluate import FER2013, evaluate

    _, generator = load_generator(run)
    classifier, _ = load_classifier()
    train, test = load_fer2013(data, "train"), load_fer2013(data, "test")
    rows = {}
    for label, expression in enumerate(EXPRESSIONS):
        scores = evaluate({expression: generate(generator, 1000, label=label)}, FER2013, classifier, train, test)
        rows[expression] = {"n": scores["generated"]["n"], "frechet_distance": scores["generated"]["frechet_distance"],
                            "floor": scores["floor"]["frechet_distance"], "accuracy": scores["generated"]["expression"]["accuracy"]}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default="runs/defaults")
    parser.add_argument("variants", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    results = Path(args.out) / "results.jsonl"
    for name in args.variants:
        run = Path(args.out) / name
        started = time.perf_counter()
        if not (run / "final_samples.png").exists():
            train(Config(dataset="fer2013", data=args.data, conditional=True, precision="bf16",
                         max_steps=BUDGET_IMAGES // Config.batch_size, device="cpu", run_dir=str(run), quiet=True,
                         **VARIANTS[name]), overwrite=True)
        minutes = (time.perf_counter() - started) / 60
        scores = score(run, args.data)
        if name == "default":
            (run / "per_expression.json").write_text(json.dumps(per_expression(run, args.data), indent=2))
        generated = scores["generated"]
        row = {"variant": name, "train_minutes": round(minutes, 1), "n": generated["n"],
               "frechet_distance": generated["frechet_distance"], "kid": generated["kid"],
               "precision": generated["precision"], "recall": generated["recall"],
               "balanced_accuracy": generated["expression"]["balanced_accuracy"], "diversity": generated["diversity"]["mean"],
               "per_class": generated["expression"]["per_class"], "floor_fd": scores["floor"]["frechet_distance"]}
        with results.open("a") as file:
            file.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
