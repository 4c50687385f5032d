"""The project's expression classifier run in NumPy, from the same weight file, for editing without PyTorch.

Every edit by the geometry engine starts by reading the expression the face shows (it moves the face from
that expression's mean shape to the target's typical shape). PyTorch takes about 2 seconds to import, twice the rest of a
`facegan edit`, so that one forward pass runs here instead: facegan.metrics.classifier's network (four
blocks of two 3x3 convolutions, batch norm and ReLU, then max-pooling; a 256-d embedding; seven logits),
its batch norms folded into the layers before them, with the same flip averaging as `predict`. The logits
match PyTorch's to float rounding (tests/test_without_torch.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from facegan.errors import FaceganError
from facegan.weights import read_tagged_arrays

if TYPE_CHECKING:
    import torch

SHIPPED_WEIGHTS = Path(__file__).parent / "weights" / "fer2013_classifier.pt"
ROBUST_WEIGHTS = Path(__file__).parent / "weights" / "fer2013_robust.pt"
"""The same network trained on blurred, compressed and noisy faces too (`train-classifier --network robust`):
it scores expression after blur and JPEG, and is the warp translator's critic."""
KIND = "facegan-expression-classifier"
NORM_EPS = 1e-5
"""PyTorch's BatchNorm default."""
BATCH = 8
"""Faces a forward pass takes at a time: its widest layer's shifted copies (8 faces: 7 MB) stay near the cache, and on 2
cores that is 1.22 times as fast as 64 at a time (benchmarks/classifier_batch.py)."""

Layer = tuple[np.ndarray, np.ndarray]
"""A layer's weights (in, out) and bias (out,), its batch norm folded in."""


@dataclass
class NumpyClassifier:
    convolutions: list[Layer]  # eight 3x3 convolutions, weights (9 * in, out) in (row, column, channel) order
    embed: Layer
    head: Layer


def folded(state: dict[str, np.ndarray], weights: np.ndarray, bias: np.ndarray | float, norm: str) -> tuple[np.ndarray, np.ndarray]:
    """A layer (weights (out, ...)) followed by the batch norm `norm`, in eval mode, as one layer."""
    scale = state[f"{norm}.weight"] / np.sqrt(state[f"{norm}.running_var"] + NORM_EPS)
    shift = state[f"{norm}.bias"] - state[f"{norm}.running_mean"] * scale
    return weights * scale.reshape(-1, *[1] * (weights.ndim - 1)), bias * scale + shift


def load_numpy_classifier(path: str | Path = SHIPPED_WEIGHTS) -> NumpyClassifier:
    """A file from `facegan train-classifier` as NumPy layers."""
    saved = read_tagged_arrays(Path(path), KIND, "facegan expression classifier", "pass a file from 'facegan train-classifier'",
                               {"width": int, "state": dict, "metrics": dict})
    state = {name: value.astype(np.float32) for name, value in saved["state"].items()}
    try:
        convolutions = []
        for block in range(4):
            for conv in (0, 3):
                weights, bias = folded(state, state[f"body.{block}.{conv}.weight"], 0.0, f"body.{block}.{conv + 1}")
                convolutions.append((as_matrix(weights), bias))
        weights, bias = folded(state, state["embed.2.weight"], state["embed.2.bias"], "embed.3")
        return NumpyClassifier(convolutions, (weights.T, bias), (state["head.1.weight"].T, state["head.1.bias"]))
    except (KeyError, ValueError):
        raise FaceganError(f"'{path}' holds a facegan expression classifier of another shape or version: "
                           "pass a file from 'facegan train-classifier'") from None


@functools.cache
def shipped_classifier() -> NumpyClassifier:
    """The shipped classifier, read once per process."""
    return load_numpy_classifier()


def features(network: NumpyClassifier, images: np.ndarray) -> np.ndarray:
    """The 256-d embedding of images (N, 48, 48, 1) in [-1, 1]. Channels last, so that each convolution is three
    matrix products of shifted copies laid side by side, with no transposes between the layers."""
    for index, (weights, bias) in enumerate(network.convolutions):
        images = convolution(images, weights, bias)
        if index % 2:
            images = halved(images)
    weights, bias = network.embed
    return np.maximum(images.transpose(0, 3, 1, 2).reshape(len(images), -1) @ weights + bias, 0)  # flattened as PyTorch does


def convolution(images: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A 3x3 convolution (padding 1) and ReLU of images (N, H, W, C), by weights (9 * C, out) in (row, column,
    channel) order. Only the three column shifts are laid side by side (N, H + 2, W, 3C): each row shift is then a
    contiguous run of that array's rows, one matrix product each, with no copy. The two rows of a shift that reach
    into the next image are discarded. A third of the copying of all nine shifts side by side: 1.2 times as fast on
    one face (benchmarks/one_face.py)."""
    count, height, width, channels = images.shape
    padded = np.zeros((count, height + 2, width + 2, channels), images.dtype)
    padded[:, 1:-1, 1:-1] = images
    rows = np.concatenate([padded[:, :, column : column + width] for column in range(3)], 3).reshape(-1, 3 * channels)
    length, step = len(rows) - 2 * width, 3 * channels
    result = np.zeros((len(rows), weights.shape[1]), np.float32)
    for shift in range(3):
        result[:length] += rows[shift * width : shift * width + length] @ weights[shift * step : (shift + 1) * step]
    result += bias
    return np.maximum(result, 0, out=result).reshape(count, height + 2, width, -1)[:, :height]


def halved(images: np.ndarray) -> np.ndarray:
    """2x2 max-pooling of images (N, H, W, C) with even sides."""
    count, height, width, _ = images.shape
    return images.reshape(count, height // 2, 2, width // 2, 2, -1).max((2, 4))


def as_matrix(weights: np.ndarray) -> np.ndarray:
    """A convolution's PyTorch weights (out, in, 3, 3) as `convolution` takes them, (9 * in, out)."""
    return np.ascontiguousarray(weights.transpose(2, 3, 1, 0).reshape(-1, len(weights)))


def numpy_logits(network: NumpyClassifier, faces: np.ndarray) -> np.ndarray:
    """Logits (N, 7) of uint8 faces (N, 1, 48, 48), averaged over the face and its mirror image as `predict` does;
    BATCH faces at a time."""
    weights, bias = network.head
    logits = []
    for start in range(0, len(faces), BATCH):
        images = faces[start : start + BATCH].transpose(0, 2, 3, 1).astype(np.float32) / 127.5 - 1
        logits.append((features(network, images) + features(network, images[:, :, ::-1])) / 2 @ weights + bias)
    return np.concatenate(logits) if logits else np.zeros((0, len(bias)), np.float32)


def expressions(faces: np.ndarray | torch.Tensor) -> list[int]:
    """The expression the shipped classifier sees in each uint8 face (N, 1, 48, 48): what every engine reports,
    and where the geometry engine's move starts."""
    return numpy_logits(shipped_classifier(), np.asarray(faces)).argmax(1).tolist()
