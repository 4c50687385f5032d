"""Whether a face wears glasses: a small CNN on the band across its brows and eyes, in the face aligned to
FER2013's frame, trained on CelebA's Eyeglasses attribute (`facegan train-glasses`) and run with NumPy.

The geometry engine moves the brows and eyelids by a smooth warp; on a face with glasses the frames move with
them and bend, into a V where the brows lower and a bow where they rise (docs/results.md). So behind glasses the
engine holds the brows and eyes still and moves the mouth, jaw and cheeks alone. A logistic regression on the
band's HOG found 69-79% of CelebA's held-out faces with glasses, missing thick black frames; this network finds 91%,
with 1% false alarms (docs/glasses_model_card.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facegan.editing.align import FRAME
from facegan.metrics.classifier_numpy import as_matrix, convolution, folded, halved
from facegan.weights import read_tagged_arrays, save_tagged

SHIPPED = Path(__file__).parent / "weights" / "celeba_glasses.pt"
KIND = "facegan-glasses"
BAND = (9.5, 25.0, 5.0, 43.0)
"""The band the frames of glasses cross, in FER2013's 48-pixel frame (top, bottom, left, right): from above the brows
to below the eyes' lower rims, from temple to temple (the template's brows span rows 11.7-14.7, its eyes 16.8-19.1)."""
BAND_SIZE = (96, 32)
"""(width, height) of the band the network sees."""
WIDTHS = (16, 32, 64, 64)
"""Channels of the network's four 3x3 convolutions; the first three are followed by 2x2 max-pooling, the last by a
max over the band, then one linear output."""
HELD_OUT = 1000
"""CelebA's last faces, held out from fitting (the attribute classifier's held-out faces); a fifth of a smaller folder."""


@dataclass
class GlassesDetector:
    convolutions: list[tuple[np.ndarray, np.ndarray]]  # weights (9 * in, out), bias (out,), batch norms folded in
    head: tuple[np.ndarray, np.ndarray]  # (64,), ()

    def probability(self, upright: np.ndarray) -> float:
        """The probability that a face wears glasses, from its aligned grey crop (side, side) uint8."""
        return float(self.probabilities(face_band(upright)[None])[0])

    def probabilities(self, bands: np.ndarray) -> np.ndarray:
        """The probability of glasses for bands (N, 32, 96) uint8, averaged over each band and its mirror image."""
        images = bands[..., None].astype(np.float32) / 127.5 - 1
        logits = (self.logits(images) + self.logits(images[:, :, ::-1])) / 2
        return 1 / (1 + np.exp(-logits))

    def logits(self, images: np.ndarray) -> np.ndarray:
        for index, (weights, bias) in enumerate(self.convolutions):
            images = convolution(images, weights, bias)
            if index < len(self.convolutions) - 1:
                images = halved(images)
        weights, bias = self.head
        return images.max((1, 2)) @ weights + bias


def face_band(upright: np.ndarray) -> np.ndarray:
    """The band across the brows and eyes of an aligned grey face (side, side), resized to BAND_SIZE."""
    import cv2

    scale = upright.shape[0] / FRAME
    top, bottom, left, right = (int(round(value * scale)) for value in BAND)
    return cv2.resize(upright[top:bottom, left:right], BAND_SIZE, interpolation=cv2.INTER_AREA)


def network():
    """The detector as a PyTorch module, for training."""
    from torch import nn

    layers, channels = [], 1
    for index, width in enumerate(WIDTHS):
        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
        layers.append(nn.MaxPool2d(2) if index < len(WIDTHS) - 1 else nn.AdaptiveMaxPool2d(1))
        channels = width
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels, 1))


def as_detector(state: dict[str, np.ndarray]) -> GlassesDetector:
    """The NumPy detector from the PyTorch module's state."""
    convolutions = []
    for index in range(len(WIDTHS)):
        conv, norm = 4 * index, 4 * index + 1
        weights, bias = folded(state, state[f"{conv}.weight"], state[f"{conv}.bias"], str(norm))
        convolutions.append((as_matrix(weights), bias))
    last = 4 * len(WIDTHS) + 1
    return GlassesDetector(convolutions, (state[f"{last}.weight"][0], state[f"{last}.bias"][0]))


def save_glasses(state: dict, out: str | Path, facts: dict) -> None:
    save_tagged({"state": {name: value.half() if value.is_floating_point() else value for name, value in state.items()}, "facts": facts},
                KIND, Path(out))


def load_glasses(path: str | Path = SHIPPED) -> GlassesDetector:
    saved = read_tagged_arrays(path, KIND, "facegan glasses detector", "reinstall facegan, or pass a file from 'facegan train-glasses'",
                               {"state": dict, "facts": dict})
    return as_detector({name: value.astype(np.float32) for name, value in saved["state"].items()})


def celeba_bands(root: str | Path, side: int = 192, log=print) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every CelebA face the detector finds, upscaled twice (CelebA's half-size faces are under the detector's 40
    pixels), aligned by its five landmarks at `side` pixels: its band (N, 32, 96) uint8, the Eyeglasses attribute,
    and whether it is among the held-out files (the last HELD_OUT, or the last fifth of a smaller folder)."""
    import cv2

    from facegan.editing.align import align, aligned_crop
    from facegan.editing.faces import pick_faces, read_photo
    from facegan.editing.landmarks import photo_landmarks
    from facegan.errors import FaceganError

    root = Path(root)
    lines = (root / "list_attr_celeba.txt").read_text().splitlines()
    column = lines[1].split().index("Eyeglasses") + 1
    wears = {line.split()[0]: line.split()[column] == "1" for line in lines[2:]}
    bands, labels, held = [], [], []
    names = sorted(wears)
    first_held = len(names) - min(HELD_OUT, len(names) // 5)
    for index, name in enumerate(names):
        photo = cv2.resize(read_photo(root / "img_align_celeba" / name), None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        try:
            box = pick_faces(photo)[0]
        except FaceganError:
            continue
        alignment = align(photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), box, 5), FRAME).resized(side)
        bands.append(face_band(cv2.cvtColor(aligned_crop(photo, alignment), cv2.COLOR_RGB2GRAY)))
        labels.append(wears[name])
        held.append(index >= first_held)
        if (index + 1) % 1000 == 0:
            log(f"{index + 1} of {len(names)} faces read, {len(labels)} found")
    return np.array(bands), np.array(labels), np.array(held)


def train_glasses(root: str | Path, out: str | Path, epochs: int = 12, seed: int = 0, log=print) -> GlassesDetector:
    """`facegan train-glasses`: the network fitted on CelebA's faces but the last HELD_OUT, with mirror images,
    brightness, contrast and shifts of up to 3 pixels; Adam with cosine decay; the loss weighs the rarer class
    (about 6% wear glasses) by the square root of its rarity. Reports accuracy on the held-out faces and saves in
    half precision."""
    import torch
    from torch.nn import functional as F

    started = time.perf_counter()
    bands, labels, held = celeba_bands(root, log=log)
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)
    images = torch.from_numpy(bands).float()[:, None] / 127.5 - 1
    targets = torch.from_numpy(labels).float()
    fit = torch.from_numpy(~held)
    inputs, answers = images[fit], targets[fit]
    model = network()
    optimizer = torch.optim.Adam(model.parameters(), 2e-3)
    steps = epochs * -(-len(inputs) // 64)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    rarity = ((1 - answers.mean()) / answers.mean()).sqrt()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(inputs))
        for start in range(0, len(inputs), 64):
            rows = order[start : start + 64]
            batch = inputs[rows].clone()
            mirrored = torch.rand(len(batch)) < 0.5
            batch[mirrored] = batch[mirrored].flip(-1)
            batch = batch * (0.7 + 0.6 * torch.rand(len(batch), 1, 1, 1)) + 0.3 * (torch.rand(len(batch), 1, 1, 1) - 0.5)
            batch = torch.roll(batch, tuple(int(shift) for shift in generator.integers(-3, 4, 2)), (2, 3))
            loss = F.binary_cross_entropy_with_logits(model(batch)[:, 0], answers[rows], pos_weight=rarity)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        log(f"epoch {epoch + 1}/{epochs} loss {loss.item():.3f} ({time.perf_counter() - started:.0f} s)")
    model.eval()
    state = {name: value.detach() for name, value in model.state_dict().items()}
    detector = as_detector({name: value.float().numpy() for name, value in state.items()})
    found = np.concatenate([detector.probabilities(bands[start : start + 256]) for start in range(0, len(bands), 256)]) > 0.5
    scores = {split: {"faces": int(chosen.sum()), "with glasses": int(labels[chosen].sum()),
                      "accuracy": round(float((found == labels)[chosen].mean()), 4),
                      "glasses found": round(float(found[chosen & labels].mean()), 4),
                      "false alarms": round(float(found[chosen & ~labels].mean()), 4)}
              for split, chosen in (("fit", ~held), ("held out", held))}
    save_glasses(state, out, {**scores, "epochs": epochs, "seed": seed, "seconds": round(time.perf_counter() - started, 1)})
    log(f"held out: {scores['held out']}")
    return detector
