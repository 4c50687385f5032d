"""Training the inversion encoder for one conditional run, on that run's own training faces."""

from __future__ import annotations

from pathlib import Path

from facegan.data import load_dataset
from facegan.editing.inversion import feature_network, save_encoder, train_encoder
from facegan.errors import FaceganError
from facegan.training.checkpoint import load_checkpoint, load_models, run_folder
from facegan.training.loop import training_labels


def train_encoder_for(checkpoint: str | Path, steps: int = 1500, seed: int = 0) -> Path:
    """Train RUN/encoder.pt for the (averaged) generator in RUN/checkpoint.pt. Returns its path."""
    state = load_checkpoint(checkpoint)
    config, generator, _ = load_models(state)
    if not config.conditional:
        raise FaceganError("the encoder inverts conditional models: train one with 'facegan train --conditional'")
    if "generator_ema" in state:
        generator.load_state_dict(state["generator_ema"])
    real = load_dataset(config)
    encoder = train_encoder(generator, real, training_labels(config, real), feature_network(config), steps=steps, seed=seed)
    run = run_folder(checkpoint)
    save_encoder(encoder, run / "encoder.pt", state["step"])
    return run / "encoder.pt"
