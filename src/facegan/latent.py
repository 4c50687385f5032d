"""Walking a trained generator's latent space: the same face in every class, smooth walks between
faces and between classes, and Radford et al.'s vector arithmetic.

A conditional model separates who (z) from what expression (the label). So the same z rendered
with each label is "the same face, another expression", the report's goal made literal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from facegan import visuals
from facegan.config import EXPRESSIONS, Config
from facegan.errors import FaceganError
from facegan.sampling import latent_noise, render
from facegan.models.checkpoint import load_generator

DIRECTION_SAMPLES = 2000  # faces scored to find an arithmetic direction: its top and bottom 10% are 200 each
EFFECT_SAMPLES = 500  # new faces scored before and after one step along it


def slerp(start: torch.Tensor, end: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation (White 2016): points along the way keep the norm Gaussian z has, so
    the faces in between stay as sharp as the ends. start, end: (N, nz); t: (T,) -> (N, T, nz)."""
    cosine = torch.nn.functional.cosine_similarity(start, end, dim=1).clamp(-1 + 1e-7, 1 - 1e-7)
    angle = torch.acos(cosine)[:, None, None]
    t = t[None, :, None]
    return (torch.sin((1 - t) * angle) * start[:, None] + torch.sin(t * angle) * end[:, None]) / torch.sin(angle)


def class_index(config: Config, name: str) -> int:
    if name not in config.class_names:
        raise FaceganError(f"'{name}' is not a class of this model: choose one of {', '.join(config.class_names)}")
    return config.class_names.index(name)


def require_conditional(config: Config) -> None:
    if not config.conditional:
        raise FaceganError("this model is not conditional, so it has one class only: train one with 'facegan train --conditional'")


def transfer_grid(generator: torch.nn.Module, identities: int, seed: int = 0) -> torch.Tensor:
    """identities x classes images: row i is z_i rendered with every label in turn."""
    classes = generator.num_classes
    noise = latent_noise(identities, generator.nz, seed).repeat_interleave(classes, 0)
    return render(generator, noise, torch.arange(classes).repeat(identities))


def identity_walk(generator: torch.nn.Module, walks: int, steps: int, labels: torch.Tensor | None, seed: int = 0) -> torch.Tensor:
    """walks x steps images: each row morphs one face into another (slerp in z), in the row's class."""
    ends = latent_noise(2 * walks, generator.nz, seed)
    noise = slerp(ends[:walks], ends[walks:], torch.linspace(0, 1, steps)).reshape(-1, generator.nz)
    return render(generator, noise, None if labels is None else labels.repeat_interleave(steps))


def class_walk(generator: torch.nn.Module, identities: int, steps: int, source: int, target: int, seed: int = 0) -> torch.Tensor:
    """identities x steps images: each row is one face moving from class `source` to `target` by
    blending the two labels, z unchanged."""
    weights = torch.zeros(steps, generator.num_classes)
    t = torch.linspace(0, 1, steps)
    weights[:, source] += 1 - t
    weights[:, target] += t
    noise = latent_noise(identities, generator.nz, seed).repeat_interleave(steps, 0)
    return render(generator, noise, weights.repeat(identities, 1))


def write_transfer(checkpoint: str | Path, out: str | Path, identities: int = 8, seed: int = 0) -> Path:
    """The transfer grid as a PNG with the class names above the columns."""
    config, generator = load_generator(checkpoint)
    require_conditional(config)
    if identities < 1:
        raise FaceganError(f"--n must be at least 1, got {identities}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    visuals.save_labelled_grid(transfer_grid(generator, identities, seed), out, list(config.class_names))
    return out


def write_interpolations(checkpoint: str | Path, out: str | Path, walks: int = 6, steps: int = 10, source: str | None = None,
                         target: str | None = None, seed: int = 0) -> list[Path]:
    """OUT/faces.png and faces.gif (walks between identities); for conditional models also
    OUT/classes.png and classes.gif (each face from class `source` to `target`). Returns the files."""
    config, generator = load_generator(checkpoint)
    if walks < 1 or steps < 2:
        raise FaceganError("interpolation needs at least 1 walk and 2 steps")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    labels = torch.arange(walks) % generator.num_classes if config.conditional else None
    strips = {"faces": identity_walk(generator, walks, steps, labels, seed)}
    if config.conditional:
        default_source, default_target = _default_walk(config)
        source_name, target_name = source or default_source, target or default_target
        strips["classes"] = class_walk(generator, walks, steps, class_index(config, source_name), class_index(config, target_name), seed)
    elif source or target:
        raise FaceganError("--from/--to walk between classes, which needs a conditional model")
    written = []
    for name, images in strips.items():
        visuals.save_grid(images, out / f"{name}.png", steps)
        frames = [visuals.make_grid_uint8(images.view(walks, steps, *images.shape[1:])[:, t], walks) for t in range(steps)]
        visuals.save_gif(frames + frames[-2:0:-1], out / f"{name}.gif", 120)
        written += [out / f"{name}.png", out / f"{name}.gif"]
    return written


def _default_walk(config: Config) -> tuple[str, str]:
    """FER2013: neutral -> happy; CelebA: without the attribute -> with it."""
    return ("neutral", "happy") if config.dataset == "fer2013" else config.class_names


def latent_direction(generator: torch.nn.Module, score: Callable[[torch.Tensor], torch.Tensor], samples: int = DIRECTION_SAMPLES,
                     share: float = 0.1, seed: int = 1) -> torch.Tensor:
    """Radford et al.'s vector arithmetic with a classifier instead of hand-picked exemplars: the mean z
    of the `share` of samples that score highest minus the mean z of those that score lowest."""
    noise = latent_noise(samples, generator.nz, seed)
    order = score(render(generator, noise)).argsort()
    count = max(1, int(samples * share))
    return noise[order[-count:]].mean(0) - noise[order[:count]].mean(0)


def attribute_scorer(config: Config, source: str | None, target: str) -> tuple[Callable[[torch.Tensor], torch.Tensor], str]:
    """How strongly a batch of uint8 faces shows `target` (rather than `source`), from the project's
    own classifiers: FER2013 expressions for 48x48 grayscale models, CelebA attributes for colour ones.
    Returns the scorer and the name of what it scores."""
    from facegan.metrics.classifier import predict
    from facegan.metrics.evaluate import FER2013, feature_space

    if feature_space(config) is FER2013:
        from facegan.metrics.classifier import load_classifier

        classifier, _ = load_classifier()
        names = [source or "neutral", target]
        for name in names:
            if name not in EXPRESSIONS:
                raise FaceganError(f"'{name}' is not an expression: choose from {', '.join(EXPRESSIONS)}")
        a, b = (EXPRESSIONS.index(name) for name in names)
        def prefers_target(images: torch.Tensor) -> torch.Tensor:
            log_probabilities = predict(classifier, images)[0].log_softmax(1)
            return log_probabilities[:, b] - log_probabilities[:, a]

        return prefers_target, target
    from facegan.metrics.attributes import load_attribute_classifier

    classifier, _ = load_attribute_classifier()
    if target not in classifier.attribute_names or source is not None:
        raise FaceganError(f"colour models move towards a CelebA attribute (--to NAME, no --from): choose from {', '.join(classifier.attribute_names)}")
    column = classifier.attribute_names.index(target)
    return (lambda images: predict(classifier, images)[0][:, column]), target


def write_arithmetic(checkpoint: str | Path, out: str | Path, target: str, source: str | None = None, faces: int = 8,
                     seed: int = 0) -> tuple[Path, dict]:
    """A grid of new faces (rows) pushed along the source -> target direction (columns: 0, 0.5, 1,
    1.5 and 2 times it), and how often the classifier sees the target before and after one step."""
    config, generator = load_generator(checkpoint)
    if config.conditional:
        raise FaceganError("this model is conditional: its label already is the expression, so use 'facegan transfer'")
    score, name = attribute_scorer(config, source, target)
    direction = latent_direction(generator, score, DIRECTION_SAMPLES)
    noise = latent_noise(faces, generator.nz, seed)
    scales = (0.0, 0.5, 1.0, 1.5, 2.0)
    images = render(generator, (noise[:, None] + torch.tensor(scales)[None, :, None] * direction).reshape(-1, generator.nz))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    visuals.save_labelled_grid(images, out, ["original"] + [f"+{s:g} x dir" for s in scales[1:]])
    test_noise = latent_noise(EFFECT_SAMPLES, generator.nz, seed + 1)
    before, after = score(render(generator, test_noise)), score(render(generator, test_noise + direction))
    return out, {"attribute": name, "share_before": float((before > 0).double().mean()), "share_after": float((after > 0).double().mean())}
