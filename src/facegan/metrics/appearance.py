"""The appearance network: the feature space of realism scores, which the expression classifier cannot give.

The expression classifier is trained to see the expression and nothing else, so a Fréchet distance in
its features rewards edits whose expressions match real faces' however they are drawn: a scowl drawn
as black strokes passes (docs/results.md, "A realism score that sees how a face is drawn").
Kynkäänniemi et al. (2023) found the same of Inception FID and ImageNet's classes, and Morozov et al.
(2021) showed that self-supervised features rank generators closer to human judgement. This network is
trained that way, with no labels: SimCLR (Chen et al. 2020) on FER2013's training faces, each face told
apart from the rest of its batch under crops, flips and brightness and contrast changes, and nothing
else. Blur, noise and strokes change what it sees, because it was never taught to ignore them.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from facegan.data.images import ImageSet
from facegan.metrics.classifier import FEATURES, fit, load_feature_network, predict, save_feature_network, vgg_body

SHIPPED_WEIGHTS = Path(__file__).parent / "weights" / "fer2013_appearance.pt"
KIND = "facegan-appearance-network"
PROJECTION = 128
TEMPERATURE = 0.2


class AppearanceNetwork(nn.Module):
    """The expression classifier's body and 256-d features, with SimCLR's projection as its head."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.width = width
        self.body = vgg_body(1, width)
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(8 * width * 3 * 3, FEATURES), nn.BatchNorm1d(FEATURES), nn.ReLU(inplace=True))
        self.head = nn.Linear(FEATURES, PROJECTION)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.embed(self.body(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


def crop_flip_jitter(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """SimCLR's views, for grayscale faces: a random crop of 70-100% of the side, resized back, a random
    flip, contrast scaled by 0.7-1.3 and brightness shifted by up to 0.3 (of the [-1, 1] range), each
    drawn per face."""
    n = len(batch)
    draw = lambda low, high: low + (high - low) * torch.rand(n, generator=generator)  # noqa: E731
    scale = draw(0.7, 1.0)
    flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 1, 1] = scale * flip, scale
    theta[:, 0, 2], theta[:, 1, 2] = (1 - scale) * draw(-1, 1), (1 - scale) * draw(-1, 1)
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    views = F.grid_sample(batch, grid, mode="bilinear", padding_mode="border", align_corners=False)
    mean = views.mean((1, 2, 3), keepdim=True)
    views = (views - mean) * draw(0.7, 1.3)[:, None, None, None] + mean + draw(-0.3, 0.3)[:, None, None, None]
    return views.clamp(-1, 1)


def contrastive_loss(projections: torch.Tensor, temperature: float = TEMPERATURE) -> torch.Tensor:
    """NT-Xent: rows i and i + N are two views of one face; each must pick the other out of the 2N - 1."""
    z = F.normalize(projections, dim=1)
    similarity = (z @ z.T / temperature).fill_diagonal_(float("-inf"))
    n = len(z) // 2
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return F.cross_entropy(similarity, partner)


def train_appearance_network(train: ImageSet, test: ImageSet, epochs: int = 20, batch_size: int = 256, lr: float = 2e-3,
                             seed: int = 0, log=print) -> tuple[AppearanceNetwork, dict]:
    """SimCLR on `train`'s faces (their labels unused); each epoch reports how often a held-out face's
    mirror image is its nearest neighbour among `test`'s faces."""
    torch.manual_seed(seed)
    model = AppearanceNetwork().to(memory_format=torch.channels_last)
    history: dict = {}

    def report(epoch: int, loss: float, seconds: float) -> None:
        history.update(retrieval_accuracy(model, test.images[:2000]))
        log(f"epoch {epoch + 1}/{epochs} loss {loss:.3f} mirror retrieval {history['mirror_retrieval']:.4f} ({seconds:.0f} s)")

    fit(model, train.images, lambda projections, rows: contrastive_loss(projections), epochs, batch_size, lr, seed, report,
        augment=crop_flip_jitter, views=2)
    return model.eval(), history


def retrieval_accuracy(model: AppearanceNetwork, images_uint8: torch.Tensor) -> dict:
    """The share of faces whose nearest neighbour, among the mirror images of all of them, is their own:
    a features-only check that the network tells faces apart, with no labels needed."""
    _, features = predict(model, images_uint8, flip_average=False)
    _, mirrored = predict(model, images_uint8.flip(3), flip_average=False)
    nearest = torch.cdist(features, mirrored).argmin(1)
    return {"mirror_retrieval": float((nearest == torch.arange(len(features))).double().mean())}


def save_appearance_network(model: AppearanceNetwork, path: Path, metrics: dict) -> None:
    save_feature_network(model, path, KIND, metrics)


def load_appearance_network(path: str | Path = SHIPPED_WEIGHTS) -> tuple[AppearanceNetwork, dict]:
    """The network and the checks stored with it; the shipped one by default, always offline."""
    return load_feature_network(path, KIND, "facegan appearance network", "pass a file from 'facegan train-classifier --network appearance'",
                                lambda saved: AppearanceNetwork(saved["width"]))
