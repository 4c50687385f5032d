"""Writing checkpoints (atomically, tagged) and recognising the run folders they live in. Reading them
back is facegan.models.checkpoint's, shared with sampling, evaluation and editing."""

from __future__ import annotations

import json
from pathlib import Path

from facegan.config import EXPRESSIONS
from facegan.models.checkpoint import FORMAT_VERSION, KIND
from facegan.weights import file_kind, save_tagged

RUN_OUTPUTS = frozenset({"config.json", "checkpoint.pt", "losses.csv", "metrics.csv", "real_samples.png", "final_samples.png",
                         "loss_plot.png", "progress.gif", "fixed_noise", "tensorboard", "landmarks.pt"})
"""What a training run writes into its folder."""


def save_checkpoint(state: dict, path: Path) -> None:
    """Atomically, so a crash never leaves a half-written checkpoint."""
    save_tagged({"format_version": FORMAT_VERSION, **state}, KIND, path)


def is_run_folder(folder: Path) -> bool:
    """Whether `--overwrite` may replace `folder`: it holds a checkpoint tagged as facegan's, or (a run
    stopped before its first checkpoint, or the report's seven-model folder) a config.json that facegan
    wrote and nothing but what runs write. A file name alone never makes a folder a run."""
    if file_kind(folder / "checkpoint.pt") == KIND:
        return True
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(config, dict) or not {"model", "dataset", "seed", "extra"} <= config.keys():
        return False
    return all(entry.name in RUN_OUTPUTS or (entry.name in EXPRESSIONS and entry.is_dir() and is_run_folder(entry))
               for entry in folder.iterdir())
