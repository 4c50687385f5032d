"""One dataclass of training settings, and the named presets that fill it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from facegan.errors import FaceganError

EXPRESSIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""FER2013's label order: label i of the original CSV is EXPRESSIONS[i]."""

DATASETS: tuple[str, ...] = ("fer2013", "celeba", "folder")
MODELS: tuple[str, ...] = ("dcgan", "translator")
LOSSES: tuple[str, ...] = ("bce", "hinge")

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
    model: str = "dcgan"  # "dcgan" (z -> face) or "translator" (face and target expression -> the same face, edited)
    conditional: bool = False  # one model for every class: FER2013's seven expressions, or CelebA's --attribute
    attribute: str | None = None  # CelebA conditional models: the attribute (e.g. Smiling) the label is
    nz: int = 100
    ngf: int = 64
    ndf: int = 64
    batch_size: int = 128
    lr: float = 2e-4
    lr_d: float | None = None  # D's learning rate (two time-scale rule); None: the run kind's default
    beta1: float = 0.5
    beta2: float = 0.999
    epochs: int | None = None  # None: 50 for FER2013, 25 otherwise (the report's schedule)
    max_steps: int | None = None
    num_fixed_noise: int = 64
    loss: str | None = None  # "bce" (the report's) or "hinge"; None: the run kind's default
    spectral_norm: bool | None = None  # in D, replacing its BatchNorms
    augment: bool | None = None  # DiffAugment on everything D sees
    ema: float | None = None  # decay of the average of G's weights used for sampling; 0 turns it off
    class_loss: float | None = None  # conditional models: weight of D's auxiliary classifier loss; 0 turns it off
    mode_seeking: float | None = None  # weight of MSGAN's term against faces that ignore z; 0 turns it off
    uniform_fakes: bool | None = None  # conditional models: G draws every class equally often, not in the data's proportion
    balanced_class_loss: bool | None = None  # D's auxiliary classifier weighs each real face by 1 / its class's share
    cycle_loss: float | None = None  # translator: weight of the L1 round trip G(G(x, t), s) = x
    mask_loss: float | None = None  # translator: weight of the share of the face its mask repaints
    mask_smoothness: float | None = None  # translator: weight of the total variation of its mask
    precision: str = "auto"  # "bf16" autocast where the hardware runs it natively, else "fp32" (resolved when a run starts)
    cuda_graphs: bool = True  # on one CUDA device, capture the iteration once and replay it
    seed: int = 0
    eval_every: int | None = None  # epochs between scores in metrics.csv (FER2013 runs; see facegan.metrics)
    device: str = "auto"
    run_dir: str = ""
    quiet: bool = False
    tensorboard: bool = False
    extra: dict = field(default_factory=dict)  # filled at run time: versions, resolved device

    def resolved(self) -> "Config":
        """Fill every None with the dataset's and run kind's default and check the combination makes sense."""
        if self.dataset not in DATASETS:
            raise FaceganError(f"unknown dataset '{self.dataset}': choose one of {', '.join(DATASETS)}")
        if self.model not in MODELS:
            raise FaceganError(f"unknown model '{self.model}': choose one of {', '.join(MODELS)}")
        size, channels = DEFAULT_SHAPE[self.dataset]
        translator = self.model == "translator"
        recipe = TRANSLATOR_RECIPE if translator else CONDITIONAL_RECIPE if self.conditional else REPORT_RECIPE
        if not translator and any(getattr(self, name) is not None for name in TRANSLATOR_TERMS):
            raise FaceganError("--cycle-loss, --mask-loss and --mask-smoothness train the translator: add --model translator")
        config = dataclasses.replace(
            self,
            conditional=self.conditional or translator,
            image_size=self.image_size or size,
            channels=self.channels or channels,
            epochs=DEFAULT_EPOCHS[self.dataset] if self.epochs is None else self.epochs,
            **{name: recipe[name] for name in STABILISERS + (TRANSLATOR_TERMS if translator else ()) if getattr(self, name) is None},
        )
        if config.lr_d is None:
            config = dataclasses.replace(config, lr_d=config.lr * recipe["lr_d_ratio"])
        if config.expression is not None:
            if config.dataset != "fer2013":
                raise FaceganError("--expression only applies to --dataset fer2013")
            if config.expression not in EXPRESSIONS:
                raise FaceganError(
                    f"unknown expression '{config.expression}': choose one of {', '.join(EXPRESSIONS)} or all"
                )
        if translator and (config.mode_seeking or config.uniform_fakes):
            raise FaceganError("--mode-seeking and --uniform-fakes shape a DCGAN's noise: the translator draws every target uniformly already")
        if translator and config.dataset == "folder":
            raise FaceganError("the translator needs a class for every face: use --dataset fer2013 (expressions) or celeba with --attribute")
        for flag, weight in (("--cycle-loss", config.cycle_loss), ("--mask-loss", config.mask_loss), ("--mask-smoothness", config.mask_smoothness)):
            if weight is not None and weight < 0:
                raise FaceganError(f"{flag} {weight} is a weight: use a number >= 0 (0 turns it off)")
        if config.conditional and config.expression is not None:
            raise FaceganError("a conditional model learns every expression at once: drop --expression")
        if config.conditional and config.dataset == "folder":
            raise FaceganError("--conditional needs labels: use --dataset fer2013 (expressions) or celeba with --attribute")
        if config.dataset == "celeba" and config.conditional != (config.attribute is not None):
            raise FaceganError("a conditional CelebA model needs --attribute NAME (e.g. Smiling), and --attribute needs --conditional")
        if config.uniform_fakes and not config.conditional:
            raise FaceganError("--uniform-fakes draws the classes of a conditional model: add --conditional")
        if config.attribute is not None and config.dataset != "celeba":
            raise FaceganError("--attribute only applies to --dataset celeba")
        if config.loss not in LOSSES:
            raise FaceganError(f"unknown loss '{config.loss}': choose bce or hinge")
        for flag, weight in (("--class-loss", config.class_loss), ("--mode-seeking", config.mode_seeking)):
            if weight < 0:
                raise FaceganError(f"{flag} {weight} is a weight: use a number >= 0 (0 turns it off)")
        if not 0 <= config.ema < 1:
            raise FaceganError(f"--ema {config.ema} is not a decay: use a number in [0, 1), e.g. 0.999, or 0 to turn it off")
        if config.image_size not in (48, 64):
            raise FaceganError(f"--image-size {config.image_size} is not supported: the report's DCGAN is built for 48 or 64")
        if config.channels not in (1, 3):
            raise FaceganError(f"--channels {config.channels} is not supported: use 1 (grayscale) or 3 (colour)")
        if config.split not in ("train", "test", "all"):
            raise FaceganError(f"unknown split '{config.split}': choose train, test or all")
        if config.eval_every is not None and (config.eval_every < 1 or config.dataset != "fer2013"):
            raise FaceganError("--eval-every takes a number of epochs >= 1 and scores FER2013 runs only so far")
        if config.precision not in ("auto", "fp32", "bf16"):
            raise FaceganError(f"unknown precision '{config.precision}': choose auto, fp32 or bf16")
        for flag, value in (("--epochs", config.epochs), ("--max-steps", config.max_steps), ("--batch-size", config.batch_size)):
            if value is not None and value < 1:
                raise FaceganError(f"{flag} {value}: use a whole number of at least 1")
        if not config.data:
            raise FaceganError("no data given: pass --data PATH")
        return config

    @property
    def class_names(self) -> tuple[str, ...]:
        """The labels of a conditional model, in label order; () for an unconditional one."""
        if not self.conditional:
            return ()
        if self.dataset == "fer2013":
            return EXPRESSIONS
        return (f"not_{self.attribute}", self.attribute)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Config":
        """A saved config; options it predates are read as off, since that is how the run was trained."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{**ADDED_LATER, **{k: v for k, v in values.items() if k in known}})


STABILISERS = ("loss", "spectral_norm", "augment", "ema", "class_loss", "mode_seeking", "uniform_fakes", "balanced_class_loss")
REPORT_RECIPE = dict(loss="bce", spectral_norm=False, augment=False, ema=0.0, class_loss=0.0, mode_seeking=0.0,
                     uniform_fakes=False, balanced_class_loss=False, lr_d_ratio=1.0)
"""What an unconditional run does unless told otherwise: the report's training, nothing added."""
CONDITIONAL_RECIPE = dict(loss="hinge", spectral_norm=True, augment=True, ema=0.0, class_loss=5.0, mode_seeking=1.0,
                          uniform_fakes=True, balanced_class_loss=True, lr_d_ratio=2.0)
"""The stabilisers a conditional run uses by default, chosen by measurement (docs/results.md, the conditional model)."""

TRANSLATOR_TERMS = ("cycle_loss", "mask_loss", "mask_smoothness")
TRANSLATOR_RECIPE = dict(loss="hinge", spectral_norm=True, augment=False, ema=0.999, class_loss=5.0, mode_seeking=0.0,
                         uniform_fakes=False, balanced_class_loss=True, lr_d_ratio=2.0, cycle_loss=10.0, mask_loss=0.1,
                         mask_smoothness=1.0)
"""The expression translator's training (StarGAN's losses, GANimation's mask), chosen by measurement (docs/results.md)."""

ADDED_LATER = dict(mode_seeking=0.0, uniform_fakes=False, balanced_class_loss=False)
"""Training options newer than some saved runs, with the value that reproduces those runs."""

PRESETS: dict[str, dict] = {
    # Exactly the report's recipe (section 3 and 4): batch 128, Adam(2e-4, 0.5), BCE, nz 100.
    "report-fer": dict(dataset="fer2013", image_size=48, channels=1, epochs=50, nz=100, ngf=64, ndf=64,
                       batch_size=128, lr=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999, precision="fp32", conditional=False,
                       **{k: v for k, v in REPORT_RECIPE.items() if k != "lr_d_ratio"}),
    "report-celeba": dict(dataset="celeba", image_size=64, channels=3, epochs=25, nz=100, ngf=64, ndf=64,
                          batch_size=128, lr=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999, precision="fp32", conditional=False,
                          **{k: v for k, v in REPORT_RECIPE.items() if k != "lr_d_ratio"}),
}


def default_run_dir(config: Config, timestamp: str) -> Path:
    kind = "translator" if config.model == "translator" else "conditional" if config.conditional else config.expression or "all"
    return Path("runs") / f"{config.dataset}-{kind}-{timestamp}"
