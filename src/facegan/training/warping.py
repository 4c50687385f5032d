"""One iteration of the warp translator: the translator's step (facegan.training.translation), played with a field.

D learns as for the translator (facegan.training.translation): real faces with their class against
moved faces with their target, and a classifier of real faces. G only moves pixels, so it cannot draw
marks for that classifier to read; what it learns:
- realism and the class: D scores G(x, t) as a real face of class t;
- the person: moved back, G(G(x, t), s) returns x (the cycle, L1);
- the teacher: the field is near the geometry engine's for the same face and target (the move of
  dlib's 68 landmarks from the source's mean shape to the target's typical shape), a weight a staged recipe lowers;
  and, when the recipe weighs it, so is its local shape (the Jacobian of the field less the teacher's), so that
  the field may move a whole feature further than the teacher but not reshape an eye into a slit;
- a plausible motion: the field is smooth (total variation), never folds the face over itself (its
  Jacobian's negative determinant), changes areas little when the recipe weighs it (the determinant away
  from 1), and asked for the face's own expression, stays still;
- the critic, when the recipe weighs it: the robust expression classifier (frozen, trained on blurred and
  compressed faces) reads the target in the moved face blurred by 1 pixel. D's classifier learns beside G
  and rewards whatever separates its classes, eyes stretched into shapes no face has included; the
  critic was trained on real faces only and reads shape.
"""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from facegan.config import Recipe
from facegan.editing.geometry import Geometry, face_landmarks, field_for, load_geometry
from facegan.files import write_atomically
from facegan.metrics.classifier import ROBUST_WEIGHTS, gaussian_blur, load_classifier
from facegan.models.warp import area_penalty, fold_penalty, warp
from facegan.training.ema import WeightAverage
from facegan.training.step import balancing_weights
from facegan.training.translation import other_classes, smoothness, translator_step


def cached_landmarks_path(images: torch.Tensor, cache_dir: Path) -> Path:
    """Where the data cache keeps the landmarks of these faces (uint8 (N, 1, s, s)): named by their bytes."""
    return cache_dir / f"landmarks-{hashlib.sha256(images.numpy().tobytes()).hexdigest()[:20]}.pt"


def training_landmarks(images: torch.Tensor, run_dir: Path, cache_dir: Path | None = None) -> torch.Tensor:
    """dlib's 68 landmarks of every training face (N, 68, 2) in the 48-pixel frame, found once (minutes for
    FER2013): kept in the data cache (--cache-dir), named by the faces' bytes, for every later run on the same
    faces; without one, in RUN/landmarks.pt for the run's later stages and resumes."""
    path = run_dir / "landmarks.pt" if cache_dir is None else cached_landmarks_path(images, cache_dir)
    if path.is_file():
        kept = torch.load(path, weights_only=True)
        if kept.shape[0] == len(images):
            return kept
    landmarks = torch.from_numpy(face_landmarks(images).astype(np.float32))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda temporary: torch.save(landmarks, temporary))
    return landmarks


def teacher_fields(geometry: Geometry, landmarks: torch.Tensor, sources: torch.Tensor, targets: torch.Tensor, grid: int) -> torch.Tensor:
    """The geometry engine's field (N, 2, grid, grid) for each face's landmarks and its source and target."""
    return torch.from_numpy(np.stack([field_for(points.numpy().astype(np.float64), geometry.move(int(s), int(t)), grid)
                                      for points, s, t in zip(landmarks, sources, targets)]))


def moved(translator: nn.Module, real: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The faces moved by G's fields; G's own output is the field."""
    return translator(real, targets, field=True)


CRITIC_BLUR = 1.0
"""The critic sees the moved face blurred by this many pixels, as eval-edit's expression after blur does."""


def critic_loss(critic: nn.Module, moved: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The critic's cross-entropy of the moved faces (N, 1, s, s) in [-1, 1], blurred, against the targets."""
    blurred = gaussian_blur(moved.float(), torch.full((len(moved),), CRITIC_BLUR, device=moved.device))
    return F.cross_entropy(critic(blurred).float(), targets)


def shape_difference(field: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    """How differently two fields (N, 2, h, w), in grid cells, reshape the face: the mean square of the finite
    differences (the Jacobian) of one less the other. Zero when they differ by a shift."""
    astray = field - other
    return torch.cat([(astray[..., :, 1:] - astray[..., :, :-1]).flatten(1),
                      (astray[..., 1:, :] - astray[..., :-1, :]).flatten(1)], 1).pow(2).mean()


def field_restraint(loss: torch.Tensor, translator: nn.Module, field: torch.Tensor, real: torch.Tensor, sources: torch.Tensor,
                    recipe: Recipe, teacher: torch.Tensor | None = None, critic: nn.Module | None = None,
                    targets: torch.Tensor | None = None) -> torch.Tensor:
    """A smooth field that never folds the face nor (as the recipe weighs it) changes its areas, that stays
    still for the face's own expression, that is near the teacher's and shaped like it (when given), and whose
    moved face the critic (when given) reads as the target."""
    cell = real.shape[-1] / field.shape[-1]
    loss = (loss + recipe.flow_smoothness * smoothness(field)
            + recipe.fold_loss * fold_penalty(field / cell) + recipe.area_loss * area_penalty(field / cell)
            + recipe.still_loss * translator.field(real, sources).abs().mean())
    if critic is not None:
        loss = loss + recipe.critic_loss * critic_loss(critic, warp(real, field, translator.fade, translator.base), targets)
    if teacher is None:
        return loss
    teacher = teacher.to(field.device)
    return (loss + recipe.teacher_loss * (field - teacher).pow(2).mean()
            + recipe.teacher_shape_loss * shape_difference(field / cell, teacher / cell))


def make_warp_step(translator: nn.Module, discriminator: nn.Module, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
                   images: torch.Tensor, labels: torch.Tensor, classes: int, recipe: Recipe, bf16: bool, run_dir: Path,
                   average: WeightAverage | None = None, cache_dir: Path | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function (batch indices into `images`) -> stats that runs one iteration, every face moved
    to a random other class."""
    class_weights = balancing_weights(labels, classes) if recipe.balanced_class_loss else None
    taught = bool(recipe.teacher_loss or recipe.teacher_shape_loss)
    landmarks = training_landmarks(images.cpu(), run_dir, cache_dir) if taught else None
    geometry = load_geometry() if taught else None
    critic = load_classifier(ROBUST_WEIGHTS)[0].requires_grad_(False).to(images.device) if recipe.critic_loss else None
    grid = images.shape[-1] // 4

    def run(indices: torch.Tensor) -> torch.Tensor:
        sources = labels[indices]
        targets = other_classes(sources, classes)
        teacher = None if landmarks is None else teacher_fields(geometry, landmarks[indices.cpu()], sources.cpu(), targets.cpu(), grid)
        stats = translator_step(translator, discriminator, opt_g, opt_d, images[indices], sources, targets, recipe, bf16,
                                class_weights, moved, partial(field_restraint, teacher=teacher, critic=critic, targets=targets))
        if average is not None:
            average.update(getattr(translator, "module", translator))
        return stats

    return run
