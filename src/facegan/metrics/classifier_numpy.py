"""The project's expression classifier run in NumPy, from the same weight file, for editing without PyTorch.

Every edit by the geometry engine starts by reading the expression the face shows (it moves the face from
that expression's mean shape to the target's). PyTorch takes about 2 seconds to import, twice the rest of a
`facegan edit`, so that one forward pass runs here instead: facegan.metrics.classifier's network (four
blocks of two 3x3 convolutions, batch norm and ReLU, then max-pooling; a 256-d embedding; seven logits),
its batch norms folded into the layers before them, with the same flip averaging as `predict`. The logits
match PyTorch's to float rounding (tests/test_classifier_numpy.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facegan.weights import read_tagged_arrays

SHIPPED_WEIGHTS = Path(__file__).parent / "weights" / "fer2013_classifier.pt"
ROBUST_WEIGHTS = Path(__file__).parent / "weights" / "fer2013_robust.pt"
"""The same network trained on blurred, compressed and noisy faces too (`train-classifier --network robust`):
it scores expression after blur and JPEG, and is the warp translator's critic."""
KIND = "facegan-expression-classifier"
NORM_EPS = 1e-5
"""PyTorch's BatchNorm default."""

Layer = tuple[np.ndarray, np.ndarray]
"""A layer's weights (out, in) and bias (out,), its batch norm folded in."""


@dataclass
class NumpyClassifier:
    convolutions: list[Layer]  # eight 3x3 convolutions, weights flattened to (out, in * 9)
    embed: Layer
    head: Layer


def folded(state: dict[str, np.ndarray], weights: np.ndarray, bias: np.ndarray | float, norm: str) -> Layer:
    """A layer followed by the batch norm `norm` (in eval mode) as one layer."""
    scale = state[f"{norm}.weight"] / np.sqrt(state[f"{norm}.running_var"] + NORM_EPS)
    shift = state[f"{norm}.bias"] - state[f"{norm}.running_mean"] * scale
    return weights.reshape(len(weights), -1) * scale[:, None], bias * scale + shift


def load_numpy_classifier(path: str | Path = SHIPPED_WEIGHTS) -> NumpyClassifier:
    """A file from `facegan train-classifier` as NumPy layers."""
    saved = read_tagged_arrays(Path(path), KIND, "facegan expression classifier", "pass a file from 'facegan train-classifier'",
                               {"width": int, "state": dict, "metrics": dict})
    state = {name: value.astype(np.float32) for name, value in saved["state"].items()}
    convolutions = [folded(state, state[f"body.{block}.{conv}.weight"], 0.0, f"body.{block}.{conv + 1}")
                    for block in range(4) for conv in (0, 3)]
    embed = folded(state, state["embed.2.weight"], state["embed.2.bias"], "embed.3")
    return NumpyClassifier(convolutions, embed, (state["head.1.weight"], state["head.1.bias"]))


@functools.cache
def shipped_classifier() -> NumpyClassifier:
    """The shipped classifier, read once per process."""
    return load_numpy_classifier()


def convolved(images: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A 3x3 convolution with padding 1 of images (N, C, H, W) by weights (out, C * 9)."""
    count, channels, height, width = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    patches = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))  # (N, C, H, W, 3, 3)
    columns = patches.transpose(0, 2, 3, 1, 4, 5).reshape(count * height * width, channels * 9)
    return (columns @ weights.T).reshape(count, height, width, -1).transpose(0, 3, 1, 2)


def features(network: NumpyClassifier, images: np.ndarray) -> np.ndarray:
    """The 256-d embedding of images (N, 1, 48, 48) in [-1, 1]."""
    for index, (weights, bias) in enumerate(network.convolutions):
        images = np.maximum(convolved(images, weights) + bias[None, :, None, None], 0)
        if index % 2:
            count, channels, height, width = images.shape
            images = images.reshape(count, channels, height // 2, 2, width // 2, 2).max((3, 5))
    weights, bias = network.embed
    return np.maximum(images.reshape(len(images), -1) @ weights.T + bias, 0)


def numpy_logits(network: NumpyClassifier, faces: np.ndarray) -> np.ndarray:
    """Logits (N, 7) of uint8 faces (N, 1, 48, 48), averaged over the face and its mirror image as `predict` does."""
    images = faces.astype(np.float32) / 127.5 - 1
    weights, bias = network.head
    return (features(network, images) + features(network, images[..., ::-1])) / 2 @ weights.T + bias
