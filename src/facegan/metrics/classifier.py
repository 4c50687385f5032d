"""The project's own FER2013 expression classifier: the feature network of every FER score.

Standard FID tools download Inception weights at run time; facegan trains this network on FER2013 and
ships its weights, so evaluation works offline right after install. Its 256-d penultimate layer is the
feature space for Fréchet distance, KID, precision/recall and identity checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from facegan.config import EXPRESSIONS
from facegan.data.images import ImageSet
from facegan.metrics.classifier_numpy import KIND, SHIPPED_WEIGHTS
from facegan.metrics.classifier_numpy import ROBUST_WEIGHTS as ROBUST_WEIGHTS  # its files are named where NumPy reads them
from facegan.metrics.marks import blurred_and_compressed, jpeg_round_trip
from facegan.precision import resolve_precision
from facegan.visuals import to_uint8
from facegan.errors import FaceganError
from facegan.weights import read_tagged, save_tagged, to_float, to_half

FEATURES = 256


def _block(channels_in: int, channels_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False), nn.BatchNorm2d(channels_out), nn.ReLU(inplace=True),
        nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False), nn.BatchNorm2d(channels_out), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


def vgg_body(channels: int, width: int) -> nn.Sequential:
    """Four blocks of two 3x3 convolutions, each block halving the side (48 -> 3) and doubling the width."""
    return nn.Sequential(_block(channels, width), _block(width, 2 * width), _block(2 * width, 4 * width), _block(4 * width, 8 * width))


class ExpressionClassifier(nn.Module):
    """A small VGG-style CNN: 48x48 grayscale in [-1, 1] -> 7 expression logits, with 256-d features."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.width = width
        self.body = vgg_body(1, width)
        self.embed = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(8 * width * 3 * 3, FEATURES), nn.BatchNorm1d(FEATURES), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURES, len(EXPRESSIONS)))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.embed(self.body(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


def to_input(images_uint8: torch.Tensor) -> torch.Tensor:
    return images_uint8.float().div(127.5).sub(1.0)


def augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and shifts of up to 4 pixels: faces are near-symmetric and crops vary."""
    flip = torch.rand(len(batch), generator=generator) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
    padded = F.pad(batch, (4, 4, 4, 4), mode="replicate")
    dx, dy = torch.randint(0, 9, (2,), generator=generator).tolist()
    return padded[:, :, dy : dy + batch.shape[2], dx : dx + batch.shape[3]]


def gaussian_blur(batch: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """Each face (N, C, s, s) blurred by its own sigma (N,) in pixels; sigma 0 leaves it as it is."""
    radius = int(torch.ceil(3 * sigmas.max()).clamp(min=1))
    offsets = torch.arange(-radius, radius + 1, dtype=batch.dtype, device=batch.device)
    kernels = torch.exp(-0.5 * (offsets / sigmas.clamp(min=1e-3)[:, None]) ** 2)
    kernels = kernels / kernels.sum(1, keepdim=True)  # (N, k); sigma near 0 gives the identity
    n, c, h, w = batch.shape
    flat = F.pad(batch.reshape(1, n * c, h, w), (radius,) * 4, mode="replicate")
    taps = kernels.repeat_interleave(c, 0)
    flat = F.conv2d(flat, taps[:, None, None, :], groups=n * c)
    flat = F.conv2d(flat, taps[:, None, :, None], groups=n * c)
    return flat.reshape(n, c, h, w)


def robust_augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """`augment`, then, each with probability 1/2, a blur (sigma up to 1.5 pixels), a JPEG round trip
    (quality 30 to 90) and noise (up to 4% of the range): a face keeps its expression through all three,
    marks drawn on it do not, so the classifier learns to read the shape."""
    batch = augment(batch, generator)
    n = len(batch)
    chosen = torch.rand(3, n, generator=generator) < 0.5
    sigmas = torch.rand(n, generator=generator) * 1.5 * chosen[0]
    batch = gaussian_blur(batch, sigmas)
    qualities = torch.randint(30, 91, (n,), generator=generator)
    for index in torch.nonzero(chosen[1]).flatten().tolist():
        face = to_uint8(batch[index]).permute(1, 2, 0).numpy()
        batch[index] = to_input(torch.from_numpy(jpeg_round_trip(face, int(qualities[index]))).permute(2, 0, 1))
    noise = torch.randn(batch.shape, generator=generator) * (torch.rand(n, generator=generator) * 0.08 * chosen[2])[:, None, None, None]
    return (batch + noise).clamp(-1, 1)


def train_classifier(train: ImageSet, test: ImageSet, epochs: int = 20, batch_size: int = 128, lr: float = 2e-3,
                     seed: int = 0, robust: bool = False, log=print) -> tuple[ExpressionClassifier, dict]:
    """Train on `train` (with `robust`: on blurred, compressed and noisy copies too), report accuracy on
    `test` each epoch (with `robust`: also on the test faces blurred and compressed as eval-edit does)."""
    torch.manual_seed(seed)
    model = ExpressionClassifier().to(memory_format=torch.channels_last)
    history: dict = {}
    washed = ImageSet(blurred_and_compressed(test.images), test.labels, test.class_names) if robust else None

    def report(epoch: int, loss: float, seconds: float) -> None:
        history.update(evaluate_classifier(model, test))
        line = f"epoch {epoch + 1}/{epochs} loss {loss:.3f} test accuracy {history['accuracy']:.4f} balanced {history['balanced_accuracy']:.4f}"
        if robust:
            history["blurred"] = evaluate_classifier(model, washed)
            line += f", after blur and JPEG {history['blurred']['balanced_accuracy']:.4f}"
        log(f"{line} ({seconds:.0f} s)")

    fit(model, train.images, lambda logits, rows: F.cross_entropy(logits, train.labels[rows], label_smoothing=0.1),
        epochs, batch_size, lr, seed, report, robust_augment if robust else augment)
    return model.eval(), history


def fit(model: nn.Module, images: torch.Tensor, loss_of: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], epochs: int,
        batch_size: int, lr: float, seed: int, after_epoch: Callable[[int, float, float], None],
        augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] = augment, views: int = 1) -> None:
    """The training every feature network shares: AdamW with a one-cycle schedule, `augment` (default:
    random flips and shifts), bf16 autocast where this CPU runs it natively. `loss_of(logits, rows)` scores
    a batch of the images at `rows`, seen `views` times (the views one after another);
    `after_epoch(epoch, last loss, seconds)` reports."""
    generator = torch.Generator().manual_seed(seed)
    bf16 = resolve_precision("auto", torch.device("cpu")) == "bf16"
    steps_per_epoch = max(1, len(images) // batch_size)  # a set smaller than a batch is one batch
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch)
    for epoch in range(epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(images), generator=generator)
        for step in range(steps_per_epoch):
            rows = order[step * batch_size : (step + 1) * batch_size]
            faces = to_input(images[rows])
            batch = torch.cat([augment(faces, generator) for _ in range(views)]).contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = loss_of(model(batch).float(), rows)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        after_epoch(epoch, loss.item(), time.perf_counter() - start)


@torch.no_grad()
def predict(model: nn.Module, images_uint8: torch.Tensor, batch_size: int = 512, flip_average: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits and 256-d features of uint8 images from any feature network, with flip test-time averaging."""
    model.eval().to(memory_format=torch.channels_last)  # oneDNN's fast layout on CPUs: 1.5x, same numbers
    logits, features = [], []
    for chunk in images_uint8.split(batch_size):
        batch = to_input(chunk).contiguous(memory_format=torch.channels_last)
        feats = (model.features(batch) + model.features(batch.flip(3))) / 2 if flip_average else model.features(batch)
        features.append(feats)
        logits.append(model.head(feats))
    return torch.cat(logits), torch.cat(features)


def evaluate_classifier(model: ExpressionClassifier, data: ImageSet) -> dict:
    """Overall accuracy, balanced accuracy (mean of per-class recalls) and the confusion matrix."""
    logits, _ = predict(model, data.images)
    return accuracy_summary(logits.argmax(1), data.labels)


def accuracy_summary(predicted: torch.Tensor, labels: torch.Tensor, names: tuple[str, ...] = EXPRESSIONS) -> dict:
    """Accuracy, balanced accuracy over the classes present, per-class recall and the confusion matrix."""
    confusion = torch.zeros(len(names), len(names), dtype=torch.long)
    confusion.index_put_((labels, predicted), torch.ones_like(labels), accumulate=True)
    per_class = confusion.diagonal().double() / confusion.sum(1).clamp(min=1)
    present = confusion.sum(1) > 0
    return {
        "accuracy": float((predicted == labels).double().mean()),
        "balanced_accuracy": float(per_class[present].mean()),
        "per_class": {name: float(per_class[i]) for i, name in enumerate(names) if present[i]},
        "confusion": confusion.tolist(),
    }


def save_feature_network(model: nn.Module, path: Path, kind: str, metrics: dict, **extra) -> None:
    """Any of facegan's feature networks: half-precision weights (the file stays small), its width and
    `extra` to rebuild it, and the scores it was shipped with."""
    save_tagged({"width": model.width, **extra, "state": to_half(model.state_dict()), "metrics": metrics}, kind, path)


def load_feature_network(path: str | Path, kind: str, name: str, remedy: str,
                         build: Callable[[dict], nn.Module]) -> tuple[nn.Module, dict]:
    """A file from `save_feature_network`: the network `build(saved)` makes, with its weights, and its scores.
    Building it leaves the caller's random state as it was, so a run that loads one mid-way resumes bit-identically."""
    saved = read_tagged(path, kind, name, remedy, {"width": int, "state": dict, "metrics": dict})
    try:
        with torch.random.fork_rng(devices=[]):
            model = build(saved)
        model.load_state_dict(to_float(saved["state"]))
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError):
        raise FaceganError(f"'{path}' holds a {name} of another shape or version: {remedy}") from None
    return model.eval(), saved["metrics"]


def save_classifier(model: ExpressionClassifier, path: Path, metrics: dict) -> None:
    save_feature_network(model, path, KIND, metrics)


def load_classifier(path: str | Path = SHIPPED_WEIGHTS) -> tuple[ExpressionClassifier, dict]:
    """The classifier and the test scores stored with it; the shipped one by default, always offline."""
    return load_feature_network(path, KIND, "facegan expression classifier", "pass a file from 'facegan train-classifier'",
                                lambda saved: ExpressionClassifier(saved["width"]))
