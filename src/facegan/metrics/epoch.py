"""Scores during training (`facegan train --eval-every N`): FER2013 generators, every N epochs, into metrics.csv."""

from __future__ import annotations

from pathlib import Path

import torch

from facegan.config import EXPRESSIONS
from facegan.metrics.classifier import accuracy_summary, predict
from facegan.metrics.evaluate import compare


class EpochEvaluator:
    """Scores a FER2013 generator every few epochs of training (`--eval-every`): the classifier and the
    real faces are loaded once, and each call generates `n` faces and returns the headline scores.
    A conditional generator (expression None) makes its faces in the test split's class proportions
    and is scored against the whole test split; its expression accuracy is the balanced one."""

    def __init__(self, data: str | Path, n: int = 500, classifier_path: str | Path | None = None) -> None:
        from facegan.data import load_fer2013
        from facegan.metrics.classifier import SHIPPED_WEIGHTS, load_classifier

        self.classifier, _ = load_classifier(classifier_path or SHIPPED_WEIGHTS)
        self.test = load_fer2013(data, "test")
        self.n = n
        self.reference: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def __call__(self, generator: torch.nn.Module, expression: str | None) -> dict[str, float]:
        from facegan.sampling import latent_noise, render

        key = expression or "all"
        if key not in self.reference:
            real = self.test.only_class(expression) if expression else self.test
            _, self.reference[key] = predict(self.classifier, real.images)
        if expression:
            labels = torch.full((self.n,), EXPRESSIONS.index(expression))
        else:
            labels = self.test.labels[torch.randperm(len(self.test), generator=torch.Generator().manual_seed(0))[: self.n]]
        was_training = generator.training
        generator.eval()
        faces = render(generator, latent_noise(len(labels), generator.nz, 0), labels if generator.num_classes else None)
        generator.train(was_training)
        logits, features = predict(self.classifier, faces)
        scores = compare(features, self.reference[key])
        scores["expression_accuracy"] = accuracy_summary(logits.argmax(1), labels)["balanced_accuracy"]
        return {k: v for k, v in scores.items() if k != "n"}
