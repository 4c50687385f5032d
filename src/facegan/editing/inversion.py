"""Inversion: finding the z (and class) from which a conditional generator redraws a given face.

Optimising z from scratch takes hundreds of steps. So an encoder, trained once per generator, makes
an instant first guess, and a short optimisation refines it against a pixel loss plus a feature loss
in the project's own classifier's feature space (facegan.metrics), which keeps what the face looks
like rather than only its pixels.

The encoder learns from two kinds of faces each step: generated ones, whose true z and class are
known (a latent loss), and real training faces, which it must redraw through G (pixel + feature
loss) so that it also works on photos, which are never exactly in G's range.

What z cannot express (a fringe, glasses, the light) G's feature maps can: the first, which comes
before any label enters G, and an offset to the third once it is normalised, before its label's gain
and bias. So the face is refined there last, and every class draws the same maps in its own way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.nn import functional as F

from facegan.config import Config
from facegan.data.images import ImageSet
from facegan.errors import FaceganError
from facegan.models.encoder import Encoder
from facegan.precision import resolve_precision
from facegan.models import to_model_range
from facegan.weights import read_tagged, save_tagged

KIND = "facegan-encoder"
Features = Callable[[torch.Tensor], torch.Tensor]
"""Images in [-1, 1] -> feature vectors, differentiable: the classifier's penultimate layer."""


def feature_network(config: Config) -> Features:
    """The feature extractor of the project's classifier for this model's dataset (see `feature_space`)."""
    from facegan.metrics.evaluate import feature_space

    classifier = feature_space(config).load_network(None)
    classifier.requires_grad_(False).eval()
    return classifier.features


def train_encoder(generator: torch.nn.Module, real: ImageSet, real_labels: torch.Tensor, features: Features,
                  steps: int = 1500, batch_size: int = 64, lr: float = 1e-3, seed: int = 0, log=print) -> Encoder:
    """Train an encoder for a frozen conditional generator (see the module docstring), in bf16 where
    this CPU runs it natively (facegan.precision)."""
    torch.manual_seed(seed)
    bf16 = resolve_precision("auto", torch.device("cpu")) == "bf16"
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
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
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


def refine_detail(generator: torch.nn.Module, features: Features, faces: torch.Tensor, layout: torch.Tensor,
                  labels: torch.Tensor, steps: int = 50, lr: float = 0.05, keep_expression: float = 0.2,
                  seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Adam steps on G's first feature map and on a detail offset to its third (`Generator.draw`) so
    that they redraw `faces` in pixels and features; returns both.

    Together they hold far more of a face than z, enough to also hold its expression, which no other
    class should draw. So each step also draws one other class per face, picked at random, and holds it
    to what the starting map drew, in the classifier's feature space (weight `keep_expression`)."""
    classes = generator.num_classes
    rows = torch.arange(len(faces))
    others = (labels[:, None] + torch.arange(1, classes)) % classes  # (N, classes - 1)
    random = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        target_features = features(faces)
        held = features(generator.draw(layout.repeat_interleave(classes - 1, 0), others.flatten()))
        held = held.view(len(faces), classes - 1, -1)
    layout = layout.detach().clone().requires_grad_(True)
    detail = torch.zeros(len(faces), *generator.detail_shape, requires_grad=True)
    optimizer = torch.optim.Adam([layout, detail], lr=lr)
    for _ in range(steps):
        pick = torch.randint(0, classes - 1, (len(faces),), generator=random)
        both = generator.draw(layout.repeat(2, 1, 1, 1), torch.cat([labels, others[rows, pick]]),
                              detail.repeat(2, 1, 1, 1))  # one pass: faster on a CPU
        redrawn, both_features = both[: len(faces)], features(both)
        loss = (F.l1_loss(redrawn, faces) + F.mse_loss(both_features[: len(faces)], target_features)
                + keep_expression * F.mse_loss(both_features[len(faces) :], held[rows, pick]))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return layout.detach(), detail.detach()


def invert(generator: torch.nn.Module, encoder: Encoder, features: Features, faces_uint8: torch.Tensor,
           steps: int = 30, detail_steps: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The layout (G's first feature map), the detail offset (zero without detail steps) and the source
    class of each face (uint8 (N, C, H, W)): the encoder's z, refined for `steps`, then the two maps
    refined for `detail_steps`. G.draw(layout, labels, detail) renders it."""
    generator.eval().requires_grad_(False)
    faces = to_model_range(faces_uint8)
    with torch.no_grad():
        z, logits = encoder(faces)
    labels = logits.argmax(1)
    if steps:
        z = refine(generator, features, faces, z, labels, steps)
    with torch.no_grad():
        layout = generator.layout(z)
    if detail_steps:
        layout, detail = refine_detail(generator, features, faces, layout, labels, detail_steps)
    else:
        detail = torch.zeros(len(faces), *generator.detail_shape)
    return layout, detail, labels


def save_encoder(encoder: Encoder, path: Path, generator_step: int) -> None:
    save_tagged({"generator_step": generator_step, "state": encoder.state_dict(),
                 "shape": [encoder.image_size, encoder.channels, encoder.nz, encoder.num_classes]}, KIND, path)


def load_encoder(path: Path, generator_step: int) -> Encoder:
    """The encoder trained for this very generator (the checkpoint's iteration must match)."""
    remedy = f"train it once for this model with 'facegan train-encoder --checkpoint {path.parent}'"
    saved = read_tagged(path, KIND, "facegan encoder", remedy, {"generator_step": int, "state": dict, "shape": list})
    if saved["generator_step"] != generator_step:
        raise FaceganError(f"'{path}' was trained for this run's generator at iteration {saved['generator_step']}, "
                           f"not {generator_step}: retrain it with 'facegan train-encoder'")
    try:
        encoder = Encoder(*saved["shape"])
        encoder.load_state_dict(saved["state"])
    except (TypeError, ValueError, RuntimeError, AttributeError):
        raise FaceganError(f"'{path}' holds an encoder of another shape or version: {remedy}") from None
    return encoder.eval()


def train_encoder_for(checkpoint: str | Path, steps: int = 1500, seed: int = 0) -> Path:
    """Train RUN/encoder.pt for the (averaged) generator in RUN/checkpoint.pt, on the run's own training faces. Returns its path."""
    from facegan.data import class_labels, load_dataset
    from facegan.models.checkpoint import generator_of, load_checkpoint, run_folder

    state = load_checkpoint(checkpoint)
    config, generator = generator_of(state, checkpoint)
    if not config.conditional:
        raise FaceganError("the encoder inverts conditional models: train one with 'facegan train --conditional'")
    real = load_dataset(config)
    encoder = train_encoder(generator, real, class_labels(config, real), feature_network(config), steps=steps, seed=seed)
    run = run_folder(checkpoint)
    save_encoder(encoder, run / "encoder.pt", state["step"])
    return run / "encoder.pt"
