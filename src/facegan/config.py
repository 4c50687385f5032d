"""One dataclass of training settings, and the named presets that fill it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from facegan.errors import FaceganError

EXPRESSIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""FER2013's label order: label i of the original CSV is EXPRESSIONS[i]."""

DATASETS: tuple[str, ...] = ("fer2013", "celeba", "folder")

# The report trains CelebA for 25 epochs and each FER2013 expression for 50.
DEFAULT_EPOCHS = {"fer2013": 50, "celeba": 25, "folder": 25}
DEFAULT_SHAPE = {"fer2013": (48, 1), "celeba": (64, 3), "folder": (64, 3)}


@dataclass
class Config:
    """Everything a training run depends on; saved as config.json and inside every checkpoint."""

    dataset: str = "fer2013"
    data: str = ""
    expression: str | None = None  # FER2013 only: one of EXPRESSIONS; None trains on every face
    split: str = "train"
    cache_dir: str | None = None  # decode once into a memory-mapped file here and reuse it across runs
    image_size: int | None = None  # None: the dataset's natural size (FER2013 48, CelebA 64)
    channels: int | None = None  # None: 1 for FER2013, 3 otherwise
    nz: int = 100
    ngf: int = 64
    ndf: int = 64
    batch_size: int = 128
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    epochs: int | None = None  # None: 50 for FER2013, 25 otherwise (the report's schedule)
    max_steps: int | None = None
    num_fixed_noise: int = 64
    precision: str = "fp32"  # or "bf16": autocast on CPU and GPU; the report trained in fp32
    cuda_graphs: bool = True  # on one CUDA device, capture the iteration once and replay it
    seed: int = 0
    eval_every: int | None = None  # epochs between scores in metrics.csv (FER2013 runs; see facegan.metrics)
    device: str = "auto"
    run_dir: str = ""
    quiet: bool = False
    tensorboard: bool = False
    extra: dict = field(default_factory=dict)  # filled at run time: versions, resolved device

    def resolved(self) -> "Config":
        """Fill every None with the dataset's default and check the combination makes sense."""
        if self.dataset not in DATASETS:
            raise FaceganError(f"unknown dataset '{self.dataset}': choose one of {', '.join(DATASETS)}")
        size, channels = DEFAULT_SHAPE[self.dataset]
        config = dataclasses.replace(
            self,
            image_size=self.image_size or size,
            channels=self.channels or channels,
            epochs=self.epochs or DEFAULT_EPOCHS[self.dataset],
        )
        if config.expression is not None:
            if config.dataset != "fer2013":
                raise FaceganError("--expression only applies to --dataset fer2013")
            if config.expression not in EXPRESSIONS:
                raise FaceganError(
                    f"unknown expression '{config.expression}': choose one of {', '.join(EXPRESSIONS)} or all"
                )
        if config.image_size not in (48, 64):
            raise FaceganError(f"--image-size {config.image_size} is not supported: the report's DCGAN is built for 48 or 64")
        if config.channels not in (1, 3):
            raise FaceganError(f"--channels {config.channels} is not supported: use 1 (grayscale) or 3 (colour)")
        if config.split not in ("train", "test", "all"):
            raise FaceganError(f"unknown split '{config.split}': choose train, test or all")
        if config.eval_every is not None and (config.eval_every < 1 or config.dataset != "fer2013"):
            raise FaceganError("--eval-every takes a number of epochs >= 1 and scores FER2013 runs only so far")
        if config.precision not in ("fp32", "bf16"):
            raise FaceganError(f"unknown precision '{config.precision}': choose fp32 or bf16")
        if not config.data:
            raise FaceganError("no data given: pass --data PATH")
        return config

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Config":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


PRESETS: dict[str, dict] = {
    # Exactly the report's recipe (section 3 and 4): batch 128, Adam(2e-4, 0.5), BCE, nz 100.
    "report-fer": dict(dataset="fer2013", image_size=48, channels=1, epochs=50, nz=100, ngf=64, ndf=64,
                       batch_size=128, lr=2e-4, beta1=0.5, beta2=0.999, precision="fp32"),
    "report-celeba": dict(dataset="celeba", image_size=64, channels=3, epochs=25, nz=100, ngf=64, ndf=64,
                          batch_size=128, lr=2e-4, beta1=0.5, beta2=0.999, precision="fp32"),
}


def default_run_dir(config: Config, timestamp: str) -> Path:
    return Path("runs") / f"{config.dataset}-{config.expression or 'all'}-{timestamp}"
