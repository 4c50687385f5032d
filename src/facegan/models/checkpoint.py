"""Reading a training checkpoint back: checked with weights_only, its networks rebuilt from its config.

Training writes checkpoints (facegan.training.checkpoint); sampling, evaluation and editing read them
through this module, so none of them imports the training code.
"""

from __future__ import annotations

from pathlib import Path

import torch

from facegan.config import Config
from facegan.errors import FaceganError
from facegan.models.dcgan import Discriminator, Generator, build_dcgan
from facegan.models.translator import Translator, build_translator
from facegan.models.warp import build_warp_translator
from facegan.weights import read_tagged, save_tagged, to_float, to_half

KIND = "facegan-dcgan"
FORMAT_VERSION = 1
CHECKPOINT_SHAPE = {"format_version": int, "config": dict, "generator": dict, "discriminator": dict, "opt_g": dict, "opt_d": dict,
                    "step": int, "epoch": int, "fixed_noise": torch.Tensor, "rng_cpu": list, "rng_cuda": list}
"""What every checkpoint holds (the training loop writes all of it)."""


def load_checkpoint(path: str | Path) -> dict:
    """The checkpoint's contents on the CPU, or a clear error if it is missing or not facegan's."""
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoint.pt"
    state = read_tagged(path, KIND, "facegan checkpoint", "pass RUN/checkpoint.pt of a facegan training run", CHECKPOINT_SHAPE)
    if state.get("format_version") != FORMAT_VERSION:
        raise FaceganError(f"'{path}' has checkpoint format {state.get('format_version')}; this facegan reads format {FORMAT_VERSION}")
    return state


def build_models(config: Config) -> tuple[Generator | Translator, Discriminator]:
    """Freshly initialised networks of the shape a (resolved) config describes."""
    if config.model == "translator":
        return build_translator(config.image_size, config.channels, len(config.class_names), config.ndf, bool(config.spectral_norm))
    if config.model == "warp":
        return build_warp_translator(config.image_size, config.channels, len(config.class_names), config.ndf, bool(config.spectral_norm))
    return build_dcgan(config.image_size, config.channels, config.nz, config.ngf, config.ndf, len(config.class_names),
                       bool(config.spectral_norm), bool(config.conditional and config.class_loss))


def load_models(state: dict) -> tuple[Config, torch.nn.Module, torch.nn.Module]:
    """Rebuild G and D from a checkpoint's config and load their weights, refusing a mismatch clearly."""
    try:
        config = Config.from_dict(state["config"])
        generator, discriminator = build_models(config)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError, RuntimeError, FaceganError):
        raise FaceganError("the checkpoint holds no usable config: it was not written by 'facegan train'") from None
    try:
        generator.load_state_dict(state["generator"])
        discriminator.load_state_dict(state["discriminator"])
    except (RuntimeError, KeyError, TypeError, AttributeError) as error:
        raise FaceganError(
            f"the checkpoint's weights do not fit a {config.image_size}x{config.image_size}x{config.channels} DCGAN "
            f"({str(error).splitlines()[0]}): it comes from another architecture or facegan version"
        ) from None
    return config, generator, discriminator


def run_folder(checkpoint: str | Path) -> Path:
    """The run folder a checkpoint path names (RUN/checkpoint.pt or RUN itself)."""
    path = Path(checkpoint)
    return path.parent if path.is_file() else path


def load_generator(path: str | Path, model: str = "dcgan") -> tuple[Config, Generator | Translator]:
    """The trained generator (or translator) of a checkpoint (the average of its weights, when the run
    kept one), on the CPU and in eval mode, with the run's config."""
    return generator_of(load_checkpoint(path), path, model)


def generator_of(state: dict, path: str | Path, model: str = "dcgan") -> tuple[Config, Generator | Translator]:
    """`load_generator` for a checkpoint already read (`path` only names it in errors)."""
    config, generator, _ = load_models(state)
    if config.model != model:
        wanted = {"translator": "an expression translator (facegan train --model translator)",
                  "warp": "a warp translator (facegan train --model warp)"}.get(model, "a DCGAN")
        raise FaceganError(f"'{path}' holds a {config.model}, and this needs {wanted}")
    if "generator_ema" in state:
        generator.load_state_dict(state["generator_ema"])
    return config, generator.eval()



EXPORT_FORMAT = 1
"""The format of an exported network: its config, its averaged weights in fp16 (under its model's name) and its card."""


def export_generator(checkpoint: str | Path, model: str, kind: str, out: str | Path, card: dict) -> Path:
    """A run's averaged generator in half precision (a few MB) as a file tagged `kind`, with its model card's facts."""
    config, generator = load_generator(checkpoint, model)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_tagged({"format_version": EXPORT_FORMAT, "config": config.to_dict(), model: to_half(generator.state_dict()), "card": card},
                kind, out)
    return out


def load_exported_generator(path: str | Path, model: str, kind: str, name: str, remedy: str) -> tuple[Config, torch.nn.Module]:
    """A file written by `export_generator`, in float32 for the CPU; `name` and `remedy` word its errors."""
    saved = read_tagged(path, kind, name, remedy, {"format_version": int, "config": dict, model: dict})
    try:
        if saved["format_version"] != EXPORT_FORMAT:
            raise ValueError("another format")
        config = Config.from_dict(saved["config"])
        if config.model != model:
            raise ValueError("another model")
        generator = build_models(config)[0]
        generator.load_state_dict(to_float(saved[model]))
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, IndexError, OverflowError, FaceganError):
        raise FaceganError(f"'{path}' is not a readable {name} (format {EXPORT_FORMAT}): {remedy}") from None
    return config, generator.eval()
