"""The project's own CelebA attribute classifier: the feature network for colour CelebA models.

It plays for CelebA the part the expression classifier plays for FER2013. It is trained on the 40
attributes of list_attr_celeba.txt (multi-label), and its 256-d penultimate layer is the feature
space of Fréchet distance, KID and precision/recall. Its "Smiling" output scores smiling models.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from facegan.data.images import ImageSet
from facegan.errors import FaceganError
from facegan.metrics.classifier import FEATURES, fit, load_feature_network, predict, save_feature_network, vgg_body

SHIPPED_WEIGHTS = Path(__file__).parent / "weights" / "celeba_attributes.pt"
KIND = "facegan-celeba-attribute-classifier"


class AttributeClassifier(nn.Module):
    """VGG-style CNN: 64x64 colour in [-1, 1] -> one logit per attribute, with 256-d features."""

    def __init__(self, attribute_names: tuple[str, ...], width: int = 32) -> None:
        super().__init__()
        self.attribute_names, self.width = tuple(attribute_names), width
        self.body = nn.Sequential(*vgg_body(3, width), nn.AdaptiveAvgPool2d(2))
        self.embed = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(8 * width * 2 * 2, FEATURES), nn.BatchNorm1d(FEATURES), nn.ReLU(inplace=True))
        self.head = nn.Linear(FEATURES, len(self.attribute_names))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.embed(self.body(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


def train_attribute_classifier(train: ImageSet, test: ImageSet, epochs: int = 15, batch_size: int = 128, lr: float = 2e-3,
                               seed: int = 0, log=print) -> tuple[AttributeClassifier, dict]:
    """Multi-label training: one binary cross-entropy per attribute."""
    if train.attributes is None or test.attributes is None:
        raise FaceganError("the CelebA folder has no list_attr_celeba.txt: the attribute classifier needs it")
    torch.manual_seed(seed)
    model = AttributeClassifier(train.attribute_names).to(memory_format=torch.channels_last)
    scores: dict = {}

    def report(epoch: int, loss: float, seconds: float) -> None:
        scores.update(evaluate_attribute_classifier(model, test))
        log(f"epoch {epoch + 1}/{epochs} loss {loss:.3f} mean attribute accuracy {scores['mean_accuracy']:.4f} "
            f"Smiling {scores['per_attribute'].get('Smiling', float('nan')):.4f} ({seconds:.0f} s)")

    fit(model, train.images, lambda logits, rows: F.binary_cross_entropy_with_logits(logits, train.attributes[rows].float()),
        epochs, batch_size, lr, seed, report)
    return model.eval(), scores


def evaluate_attribute_classifier(model: AttributeClassifier, data: ImageSet) -> dict:
    """Accuracy per attribute and its mean over the 40."""
    logits, _ = predict(model, data.images)
    correct = ((logits > 0) == data.attributes).double().mean(0)
    return {"mean_accuracy": float(correct.mean()), "per_attribute": dict(zip(model.attribute_names, map(float, correct)))}


def save_attribute_classifier(model: AttributeClassifier, path: Path, metrics: dict) -> None:
    save_feature_network(model, path, KIND, metrics, attribute_names=list(model.attribute_names))


def load_attribute_classifier(path: str | Path = SHIPPED_WEIGHTS) -> tuple[AttributeClassifier, dict]:
    """The classifier and its held-out scores; the shipped one by default, always offline."""
    return load_feature_network(path, KIND, "facegan CelebA attribute classifier", "pass a file from 'facegan train-classifier --dataset celeba'",
                                lambda saved: AttributeClassifier(tuple(saved["attribute_names"]), saved["width"]))
