"""The quick check that chose the translator's recipe: a run's live weights on 300 FER2013 test faces.

    facegan train --model translator --dataset fer2013 --data DIR --batch-size 32 [--class-loss W]
        [--mask-loss W --mask-smoothness W] --run-dir runs/VARIANT   # stopped after its first epoch (897 iterations)
    python experiments/translator_recipe.py runs/VARIANT/checkpoint.pt --data DIR

Prints how much of the face the mask repaints, the classifier's balanced accuracy on the faces turned to
each other expression (chance: 0.143), and the mean pixel change. It reads G's live weights, not the
average, since an average over the first 900 iterations lags far behind them.
"""

from __future__ import annotations

import argparse

import torch

from facegan.data import load_fer2013
from facegan.editing.translate import TranslatorEngine
from facegan.metrics.classifier import accuracy_summary, load_classifier, predict
from facegan.models.checkpoint import load_checkpoint, load_models


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint")
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    config, live, _ = load_models(load_checkpoint(args.checkpoint))
    editor = TranslatorEngine(config, live)
    test = load_fer2013(args.data, "test")
    pick = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))[: args.n]
    faces, sources = test.images[pick], test.labels[pick]
    masks, _ = editor.maps(faces)
    others = (sources[:, None] + torch.arange(1, 7)) % 7
    edited = editor.every_class(faces)[torch.arange(len(faces))[:, None], others].flatten(0, 1)
    logits, _ = predict(load_classifier()[0], edited)
    summary = accuracy_summary(logits.argmax(1), others.flatten())
    change = (edited.float() - faces.repeat_interleave(6, 0).float()).abs().mean()
    print(f"repainted (A < 0.5): {(masks < 0.5).float().mean():.3f}; balanced expression accuracy {summary['balanced_accuracy']:.3f} "
          f"({', '.join(f'{k} {v:.2f}' for k, v in summary['per_class'].items())}); mean pixel change {change:.1f}")


if __name__ == "__main__":
    main()
