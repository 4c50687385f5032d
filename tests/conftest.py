"""Shared fixtures: small generated data sets in each supported layout, and the shared real data when present."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facegan.config import EXPRESSIONS

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

if "PYTEST_XDIST_WORKER_COUNT" in os.environ:  # `make test` runs a file per core: share the cores, do not oversubscribe them
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))


def shared_data(name: str) -> Path:
    """A folder of ../shared/data, or a skip saying why the test cannot run here."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"real data not present: {path} is missing (only on the development machine)")
    return path


def write_image(path: Path, size: tuple[int, int], mode: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(path)


@pytest.fixture
def fer_folder(tmp_path: Path) -> Path:
    """FER2013 image-folder layout: 6 train and 2 test images per expression, 48x48 grayscale."""
    root = tmp_path / "fer"
    for label, expression in enumerate(EXPRESSIONS):
        for i in range(6):
            write_image(root / "train" / expression / f"Training_{label}{i}.jpg", (48, 48), "L", label * 100 + i)
        for i in range(2):
            write_image(root / "test" / expression / f"PublicTest_{label}{i}.jpg", (48, 48), "L", label * 100 + 50 + i)
    return root


def fer_rows(count: int, seed: int = 0) -> list[tuple[int, str, str]]:
    """Rows (emotion, pixels, Usage) cycling through labels and usages."""
    rng = np.random.default_rng(seed)
    usages = ("Training", "Training", "PublicTest", "PrivateTest")
    return [
        (i % 7, " ".join(map(str, rng.integers(0, 256, 48 * 48))), usages[i % 4])
        for i in range(count)
    ]


def write_fer_csv(path: Path, rows: list[tuple[int, str, str]], header: tuple[str, ...] = ("emotion", "pixels", "Usage")) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row[: len(header)])
    return path
