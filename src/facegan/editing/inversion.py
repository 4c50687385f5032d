"""Inversion: finding the z (and class) from which a conditional generator redraws a given face.

Optimising z from scratch takes hundreds of steps. So an encoder, trained once per generator, makes
an instant first guess, and a short optimisation refines it against a pixel loss plus a feature loss
in the project's own classifier's feature space (facegan.metrics), which keeps what the face looks
like rather than only its pixels.

The encoder learns from two kinds of faces each step: generated ones, whose true z and class are
known (a latent loss), and real training faces, which it must redraw through G (pixel + feature
loss) so that it also works on photos, which are never exactly in G's range.

What z cannot express (a fringe, glasses, the light) pivotal tuning (Roich et al. 2022) can: a copy of
G is fine-tuned on the one face at its z, and renders the other classes from there.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.nn import functional as F

from facegan.config import Config
from facegan.data.images import ImageSet
from facegan.errors import FaceganError
from facegan.models.encoder import Encoder
from facegan.training.step import to_model_range

KIND = "facegan-encoder"
Features = Callable[[torch.Tensor], torch.Tensor]
"""Images in [-1, 1] -> feature vectors, differentiable: the classifier's penultimate layer."""


def feature_network(config: Config) -> Features:
    """The feature extractor of the project's classifier for this model's images."""
    if config.channels == 1:
        from facegan.metrics.classifier import load_classifier

        classifier, _ = load_classifier()
    else:
        from facegan.metrics.attributes import load_attribute_classifier

        classifier, _ = load_attribute_classifier()
    classifier.requires_grad_(False).eval()
    return classifier.features


def train_encoder(generator: torch.nn.Module, real: ImageSet, real_labels: torch.Tensor, features: Features,
                  steps: int = 1500, batch_size: int = 64, lr: float = 1e-3, seed: int = 0, log=print) -> Encoder:
    """Train an encoder for a frozen conditional generator (see the module docstring)."""
    torch.manual_seed(seed)
    generator.eval().requires_grad_(False)
    encoder = Encoder(generator.image_size, generator.channels, generator.nz, generator.num_classes)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=lr, betas=(0.5, 0.999))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    started = time.perf_counter()
    for step in range(steps):
        z = torch.randn(batch_size, generator.nz)
        labels = torch.randint(0, generator.num_classes, (batch_size,))
        with torch.no_grad():
            fake = generator(z, labels)
        pick = torch.randint(0, len(real), (batch_size,))
        faces, faces_labels = to_model_range(real.images[pick]), real_labels[pick]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            z_fake, logits_fake = encoder(fake)
            z_real, logits_real = encoder(faces)
            redrawn = generator(z_real.float(), faces_labels)
            loss_latent = F.mse_loss(z_fake.float(), z) + F.cross_entropy(logits_fake.float(), labels)
            loss_real = (F.l1_loss(redrawn.float(), faces) + F.mse_loss(features(redrawn).float(), features(faces).float())
                         + F.cross_entropy(logits_real.float(), faces_labels))
        loss = loss_latent + loss_real
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if (step + 1) % 250 == 0 or step + 1 == steps:
            log(f"step {step + 1}/{steps} latent loss {loss_latent.item():.3f} real-face loss {loss_real.item():.3f} "
                f"({time.perf_counter() - started:.0f} s)")
    return encoder.eval()


def refine(generator: torch.nn.Module, features: Features, faces: torch.Tensor, z: torch.Tensor, labels: torch.Tensor,
           steps: int = 30, lr: float = 0.05) -> torch.Tensor:
    """A few Adam steps on z so that G(z, labels) matches `faces` (in [-1, 1]) in pixels and features."""
    z = z.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=lr)
    with torch.no_grad():
        target_features = features(faces)
    for _ in range(steps):
        redrawn = generator(z, labels)
        loss = F.l1_loss(redrawn, faces) + F.mse_loss(features(redrawn), target_features) + 1e-3 * z.pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return z.detach()


def invert(generator: torch.nn.Module, encoder: Encoder, features: Features, faces_uint8: torch.Tensor,
           steps: int = 30) -> tuple[torch.Tensor, torch.Tensor]:
    """z and the source class of each face (uint8 (N, C, H, W)): the encoder's guess, refined."""
    generator.eval().requires_grad_(False)
    faces = to_model_range(faces_uint8)
    with torch.no_grad():
        z, logits = encoder(faces)
    labels = logits.argmax(1)
    return (refine(generator, features, faces, z, labels, steps) if steps else z), labels


def tune(generator: torch.nn.Module, features: Features, face: torch.Tensor, z: torch.Tensor, label: torch.Tensor,
         steps: int = 30, lr: float = 1e-3, keep_expression: float = 2.0) -> torch.nn.Module:
    """A copy of G fine-tuned so that G(z, label) redraws `face` ((1, C, H, W) in [-1, 1]).

    The class tables stay fixed, and G(z, c) for every other class c is held to the untuned G's in the
    feature space of the classifier (weight `keep_expression`): the copy may take on the face's details,
    but each class must still read as that class. Holding the pixel change from the face's class
    instead kept the face's own expression in every class (edits succeeded 5% of the time)."""
    classes = torch.arange(generator.num_classes)
    others = classes != label
    tuned = copy.deepcopy(generator).requires_grad_(True)
    for module in tuned.modules():
        if isinstance(module, torch.nn.Embedding):
            module.requires_grad_(False)
    optimizer = torch.optim.Adam([p for p in tuned.parameters() if p.requires_grad], lr=lr)
    with torch.no_grad():
        target_features = features(face)
        untuned_features = features(generator(z.repeat(len(classes), 1), classes))[others]
    for _ in range(steps):
        every_class = tuned(z.repeat(len(classes), 1), classes)
        redrawn = every_class[label]
        loss = (F.l1_loss(redrawn, face) + F.mse_loss(features(redrawn), target_features)
                + keep_expression * F.mse_loss(features(every_class[others]), untuned_features))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return tuned.eval().requires_grad_(False)


def save_encoder(encoder: Encoder, path: Path, generator_step: int) -> None:
    torch.save({"kind": KIND, "generator_step": generator_step, "state": encoder.state_dict(),
                "shape": [encoder.image_size, encoder.channels, encoder.nz, encoder.num_classes]}, path)


def load_encoder(path: Path, generator_step: int) -> Encoder:
    """The encoder trained for this very generator (the checkpoint's iteration must match)."""
    if not path.is_file():
        raise FaceganError(f"no encoder at '{path}': train it once for this model with 'facegan train-encoder --checkpoint {path.parent}'")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:
        raise FaceganError(f"'{path}' is not a readable encoder file: retrain it with 'facegan train-encoder'") from None
    if not isinstance(saved, dict) or saved.get("kind") != KIND:
        raise FaceganError(f"'{path}' is not a facegan encoder: train one with 'facegan train-encoder'")
    if saved["generator_step"] != generator_step:
        raise FaceganError(f"'{path}' was trained for this run's generator at iteration {saved['generator_step']}, "
                           f"not {generator_step}: retrain it with 'facegan train-encoder'")
    encoder = Encoder(*saved["shape"])
    encoder.load_state_dict(saved["state"])
    return encoder.eval()
