"""A two-sample detector: can a small network tell edits from real faces of other people?

A small CNN is trained on half of the edits against half of a set of real faces and scored on the other
halves; 0.5 means it cannot tell them apart. Both sides are blurred first (sigma 1 pixel at 48x48):
without the blur, a detector at 48x48 flags any resampling, plain warps included, and its result swung
between 0.6 and 0.99 from seed to seed (issue 26). The score is the mean over several seeds, reported as
information beside the realism scores, not as a target.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from facegan.metrics.classifier import gaussian_blur, to_input

BLUR_SIGMA = 1.0
EPOCHS = 8
BATCH = 64


def blurred(faces: torch.Tensor, sigma: float = BLUR_SIGMA) -> torch.Tensor:
    """uint8 faces (N, C, s, s) as floats in [-1, 1], blurred by a Gaussian of `sigma` pixels (at 48x48, in proportion)."""
    sigma = sigma * faces.shape[-1] / 48
    return gaussian_blur(to_input(faces), torch.full((len(faces),), sigma))


def small_cnn(channels: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(channels, 16, 3, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(16, 32, 3, 2, 1), nn.LeakyReLU(0.2),
                         nn.Conv2d(32, 64, 3, 2, 1), nn.LeakyReLU(0.2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1))


def held_out_accuracy(real: torch.Tensor, edits: torch.Tensor, seed: int, epochs: int = EPOCHS) -> float:
    """Train on half of each side (equal counts), return the accuracy on the other halves."""
    generator = torch.Generator().manual_seed(seed)
    count = min(len(real), len(edits)) // 2 * 2
    if count < 4:
        return float("nan")  # too few faces to train on and score
    real = blurred(real[torch.randperm(len(real), generator=generator)[:count]])
    edits = blurred(edits[torch.randperm(len(edits), generator=generator)[:count]])
    half = count // 2
    train_x, test_x = torch.cat([real[:half], edits[:half]]), torch.cat([real[half:], edits[half:]])
    train_y = torch.cat([torch.zeros(half), torch.ones(half)])
    test_y = torch.cat([torch.zeros(count - half), torch.ones(count - half)])
    torch.manual_seed(seed)
    model = small_cnn(real.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(epochs):
        order = torch.randperm(len(train_x), generator=generator)
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            loss = F.binary_cross_entropy_with_logits(model(train_x[rows]).squeeze(1), train_y[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return float(((model(test_x).squeeze(1) > 0).float() == test_y).float().mean())


def detector_accuracy(real: torch.Tensor, edits: torch.Tensor, seeds: int = 5) -> dict:
    """The held-out accuracy of the blurred two-sample detector: mean and spread over `seeds` seeds."""
    accuracies = torch.tensor([held_out_accuracy(real, edits, seed) for seed in range(seeds)])
    return {"mean": float(accuracies.mean()), "std": float(accuracies.std()) if seeds > 1 else 0.0, "seeds": seeds}
