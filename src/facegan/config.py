"""What a training run depends on: the step's recipe (one table of options) and the Config around it.

Every training option is one field, declared once with its help line. The fields of `Recipe` also
carry their default for each kind of run (the report's DCGAN, the conditional DCGAN, the translator)
and the value that reproduces runs saved before the option existed. The CLI's flags, the report
presets and the loading of older runs are all derived from these declarations, so adding a training
option means a field of `Recipe`, its use in the step, and a test.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from facegan.errors import FaceganError

EXPRESSIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""FER2013's label order: label i of the original CSV is EXPRESSIONS[i]."""

DATASETS: tuple[str, ...] = ("fer2013", "celeba", "folder")
MODELS: tuple[str, ...] = ("dcgan", "translator", "warp")
KINDS: tuple[str, ...] = ("report", "conditional", "translator", "warp")
"""The kinds of run, each with its own recipe defaults: the report's DCGAN, the conditional DCGAN, the translator
that repaints, and the one that moves the face's own pixels (the warp translator)."""
TRANSLATORS: tuple[str, ...] = ("translator", "warp")
"""The models that take a face and a target (no noise)."""

# The report trains CelebA for 25 epochs and each FER2013 expression for 50.
DEFAULT_EPOCHS = {"fer2013": 50, "celeba": 25, "folder": 25}
DEFAULT_SHAPE = {"fer2013": (48, 1), "celeba": (64, 3), "folder": (64, 3)}
LR_D_RATIO = {"report": 1.0, "conditional": 2.0, "translator": 2.0, "warp": 2.0}
# What a resumed run may change: how long it goes on, how its rates end, and where and how it reports. A staged
# recipe's stages may also change the step's recipe (Recipe's fields).
RESUMABLE = ("epochs", "max_steps", "lr_decay", "device", "quiet", "tensorboard")
"""D's learning rate over G's when --lr-d is not given (Heusel et al.'s two time-scale rule beyond the report)."""


def flag(help: str, default: Any = None, **argparse: Any) -> Any:
    """A Config field that is also a `facegan train` flag; `argparse` holds choices, metavar or action."""
    return field(default=default, metadata=dict(help=help, argparse=argparse))


def option(report: Any, conditional: Any, translator: Any, help: str, *, warp: Any = "as translator", before: Any = None,
           only: tuple[str, ...] = KINDS, **argparse: Any) -> Any:
    """A recipe field: its default for each kind of run (the warp translator's is the translator's unless
    given), the value runs saved `before` it existed were trained with (None: every saved run has it), and
    the kinds of run it applies to (`only`)."""
    defaults = dict(zip(KINDS, (report, conditional, translator, translator if warp == "as translator" else warp)))
    return field(default=None, metadata=dict(help=help, argparse=argparse, defaults=defaults, before=before, only=only))


@dataclass
class Recipe:
    """What one training step computes. None means "the run kind's default" until Config.resolved()."""

    loss: str | None = option("bce", "hinge", "hinge", "D's and G's loss: bce (the report's) or hinge", choices=("bce", "hinge"))
    spectral_norm: bool | None = option(False, True, True, "spectral normalisation in D instead of its BatchNorms")
    augment: bool | None = option(False, True, False, "DiffAugment (translation, cutout, brightness, contrast) on all D sees; "
                                        "the translator's has no cutout")
    ema: float | None = option(0.0, 0.0, 0.999, "decay of the average of G's weights used for sampling; 0 = off", metavar="DECAY")
    class_loss: float | None = option(0.0, 5.0, 5.0, "D also classifies real faces and G is pushed towards its classes",
                                      metavar="WEIGHT")
    mode_seeking: float | None = option(0.0, 1.0, 0.0, "reward faces that differ as their z differ (MSGAN), against collapse",
                                        before=0.0, only=("report", "conditional"), metavar="WEIGHT")
    uniform_fakes: bool | None = option(False, True, False, "G draws every class equally often, not in the data's proportion",
                                        before=False, only=("conditional",))
    balanced_class_loss: bool | None = option(False, True, True, "D's classifier weighs each real face by 1 / its class's share",
                                              before=False)
    cycle_loss: float | None = option(0.0, 0.0, 10.0, "the L1 round trip G(G(x, t), s) = x", only=TRANSLATORS, metavar="WEIGHT")
    mask_loss: float | None = option(0.0, 0.0, 0.1, "the share of the face the mask repaints", warp=0.0, only=("translator",),
                                     metavar="WEIGHT")
    mask_smoothness: float | None = option(0.0, 0.0, 1.0, "the total variation of the mask", warp=0.0, only=("translator",),
                                           metavar="WEIGHT")
    teacher_loss: float | None = option(0.0, 0.0, 0.0, "squared distance of the field from the geometry engine's for the same "
                                        "face and target", warp=1.0, before=0.0, only=("warp",), metavar="WEIGHT")
    teacher_shape_loss: float | None = option(0.0, 0.0, 0.0, "squared difference of the field's local shape (its Jacobian, in "
                                              "grid cells) from the geometry engine's", before=0.0, only=("warp",), metavar="WEIGHT")
    flow_smoothness: float | None = option(0.0, 0.0, 0.0, "the total variation of the field", warp=2.0, before=0.0, only=("warp",),
                                           metavar="WEIGHT")
    fold_loss: float | None = option(0.0, 0.0, 0.0, "where the field folds the face over itself (its Jacobian's negative "
                                     "determinant)", warp=10.0, before=0.0, only=("warp",), metavar="WEIGHT")
    area_loss: float | None = option(0.0, 0.0, 0.0, "where the field changes the face's areas (its Jacobian's determinant "
                                     "away from 1, squared)", before=0.0, only=("warp",), metavar="WEIGHT")
    still_loss: float | None = option(0.0, 0.0, 0.0, "the field asked for the face's own expression, which should not move",
                                      warp=1.0, before=0.0, only=("warp",), metavar="WEIGHT")
    critic_loss: float | None = option(0.0, 0.0, 0.0, "the robust expression classifier's cross-entropy of the moved face, "
                                       "blurred, against the target; alone it buys expressions with caricatures (docs/results.md)", before=0.0,
                                       only=("warp",), metavar="WEIGHT")

    @classmethod
    def of(cls, kind: str, **changes: Any) -> "Recipe":
        """The recipe a kind of run uses by default, with `changes`."""
        return cls(**{**{f.name: f.metadata["defaults"][kind] for f in fields(Recipe)}, **changes})

    @property
    def recipe(self) -> "Recipe":
        """Only the recipe's fields (a Config carries many more)."""
        return Recipe(**{f.name: getattr(self, f.name) for f in fields(Recipe)})


@dataclass
class Config(Recipe):
    """A recipe plus everything else a training run depends on; saved as config.json and inside every checkpoint."""

    dataset: str = flag("fer2013, celeba, or any image folder", "fer2013", choices=DATASETS)
    data: str = flag("FER2013 CSV or folder, CelebA folder, or any image folder", "")
    expression: str | None = flag("FER2013: one of angry, disgust, fear, happy, sad, surprise, neutral; all: the report's "
                                  "seven models, one after another")
    split: str = flag("which split to train on", "train", choices=("train", "test", "all"))
    cache_dir: str | None = flag("decode the data once into a memory-mapped file here, reused while the source is unchanged")
    image_size: int | None = flag("default: the dataset's own (FER2013 48, CelebA 64)", choices=(48, 64))
    channels: int | None = flag("default: 1 for FER2013, 3 otherwise", choices=(1, 3))
    model: str = flag("dcgan: noise -> face; translator: a face and an expression -> the same face with it (photo editing)",
                      "dcgan", choices=MODELS)
    conditional: bool = flag("one model for every class: FER2013's seven expressions, or CelebA's --attribute", False,
                             action="store_true")
    attribute: str | None = flag("CelebA with --conditional: the attribute the label is, e.g. Smiling")
    nz: int = 100
    ngf: int = 64
    ndf: int = 64
    batch_size: int = flag("images per iteration and process", 128)
    lr: float = flag("Adam learning rate of G, and of D unless --lr-d", 2e-4)
    lr_d: float | None = flag("D's learning rate; default: --lr, or 2x --lr for conditional models and the translator")
    lr_decay: int | None = flag("lower both learning rates linearly to 0 over the run's last N iterations (StarGAN's "
                                "schedule); 0 or unset: constant", metavar="N")
    beta1: float = 0.5
    beta2: float = 0.999
    epochs: int | None = flag("default: 50 for FER2013, 25 otherwise (the report's schedule)")
    max_steps: int | None = flag("stop after this many iterations in total")
    num_fixed_noise: int = 64
    precision: str = flag("auto: bf16 autocast where the hardware runs it natively (GPUs, CPUs with AVX512-BF16 or AMX), "
                          "else fp32", "auto", choices=("auto", "fp32", "bf16"))
    cuda_graphs: bool = True  # on one CUDA device, capture the iteration once and replay it (--no-cuda-graphs)
    seed: int = flag("seeds the weights, the noise and the shuffle", 0)
    eval_every: int | None = flag("score the generator every N epochs into metrics.csv (FER2013)", metavar="N")
    device: str = flag("auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps", "auto")
    run_dir: str = flag("default runs/<dataset>-<kind>-<timestamp>", "")
    quiet: bool = flag("plain log lines instead of a progress bar", False, action="store_true")
    tensorboard: bool = flag("also log to TensorBoard (pip install facegan[tensorboard])", False, action="store_true")
    stages: list = field(default_factory=list)  # a staged recipe's plan (facegan.recipes), [] for a plain run
    history: list = field(default_factory=list)  # every resume: the iteration it started from and what it changed
    extra: dict = field(default_factory=dict)  # filled at run time: versions, resolved device

    @property
    def kind(self) -> str:
        """Which recipe defaults apply: one of KINDS."""
        return self.model if self.model in TRANSLATORS else "conditional" if self.conditional else "report"

    @property
    def protocol(self) -> bool:
        """The report's protocol: seven FER2013 models, one per expression."""
        return self.expression == "all"

    def resolved(self) -> "Config":
        """Fill every None with the dataset's and run kind's default, and check that the combination makes sense.
        This is the one place a configuration is validated."""
        for config_field in fields(Config):
            choices, value = config_field.metadata.get("argparse", {}).get("choices"), getattr(self, config_field.name)
            if choices and value is not None and value not in choices:
                raise FaceganError(f"unknown {config_field.name.replace('_', ' ')} '{value}': choose one of {', '.join(map(str, choices))}")
        kind = self.kind
        for option_field in fields(Recipe):
            given = getattr(self, option_field.name)
            if given not in (None, option_field.metadata["defaults"][kind]) and kind not in option_field.metadata["only"]:
                raise FaceganError(_not_for_this_kind(option_field, kind))
        size, channels = DEFAULT_SHAPE[self.dataset]
        defaults = Recipe.of(kind)
        config = dataclasses.replace(
            self,
            conditional=self.conditional or kind in TRANSLATORS,
            image_size=self.image_size or size,
            channels=self.channels or channels,
            epochs=DEFAULT_EPOCHS[self.dataset] if self.epochs is None else self.epochs,
            lr_d=self.lr * LR_D_RATIO[kind] if self.lr_d is None else self.lr_d,
            **{f.name: getattr(defaults, f.name) for f in fields(Recipe) if getattr(self, f.name) is None},
        )
        config._check()
        return config

    def _check(self) -> None:
        for config_field in fields(Config):
            value = getattr(self, config_field.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise FaceganError(f"{flag_name(config_field.name)} {value} is not a number facegan can train with: give a finite one")
        for name in ("lr", "lr_d"):
            if getattr(self, name) <= 0:
                raise FaceganError(f"{flag_name(name)} {getattr(self, name)} is not a learning rate: use a number > 0, e.g. 2e-4")
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise FaceganError(f"Adam's betas ({self.beta1}, {self.beta2}) must each be in [0, 1)")
        if not 0 <= self.seed < 2**32:
            raise FaceganError(f"--seed {self.seed}: use a whole number from 0 to {2**32 - 1}")
        if self.expression is not None:
            if self.dataset != "fer2013":
                raise FaceganError("--expression only applies to --dataset fer2013")
            if self.expression not in EXPRESSIONS + ("all",):
                raise FaceganError(f"unknown expression '{self.expression}': choose one of {', '.join(EXPRESSIONS)} or all")
        if self.dataset == "fer2013" and self.expression is None and not self.conditional:
            raise FaceganError("FER2013 models are trained per expression, as in the report (--expression NAME or all), "
                               "or as one model for all seven: --conditional")
        if self.model in TRANSLATORS and self.dataset == "folder":
            raise FaceganError("the translator needs a class for every face: use --dataset fer2013 (expressions) or celeba with --attribute")
        if self.conditional and self.expression is not None:
            raise FaceganError("a conditional model learns every expression at once: drop --expression")
        if self.conditional and self.dataset == "folder":
            raise FaceganError("--conditional needs labels: use --dataset fer2013 (expressions) or celeba with --attribute")
        if self.dataset == "celeba" and self.conditional != (self.attribute is not None):
            raise FaceganError("a conditional CelebA model needs --attribute NAME (e.g. Smiling), and --attribute needs --conditional")
        if self.attribute is not None and self.dataset != "celeba":
            raise FaceganError("--attribute only applies to --dataset celeba")
        for option_field in fields(Recipe):
            weight = getattr(self, option_field.name)
            if option_field.metadata["argparse"].get("metavar") == "WEIGHT" and weight < 0:
                raise FaceganError(f"{flag_name(option_field.name)} {weight} is a weight: use a number >= 0 (0 turns it off)")
        if not 0 <= self.ema < 1:
            raise FaceganError(f"--ema {self.ema} is not a decay: use a number in [0, 1), e.g. 0.999, or 0 to turn it off")
        if self.eval_every is not None and (self.eval_every < 1 or self.dataset != "fer2013"):
            raise FaceganError("--eval-every takes a number of epochs >= 1 and scores FER2013 runs only so far")
        if self.lr_decay is not None and self.lr_decay < 0:
            raise FaceganError(f"--lr-decay {self.lr_decay}: use a number of iterations >= 0 (0 keeps the rates constant)")
        for name in ("epochs", "max_steps", "batch_size"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise FaceganError(f"{flag_name(name)} {value}: use a whole number of at least 1")
        if not self.data:
            raise FaceganError("no data given: pass --data PATH")

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
        """A saved config; an option it predates takes the value that reproduces how the run was trained."""
        known = {f.name for f in fields(cls)}
        before = {f.name: f.metadata["before"] for f in fields(Recipe) if f.metadata["before"] is not None}
        return cls(**{**before, **{k: v for k, v in values.items() if k in known}})


def flag_name(name: str) -> str:
    """A Config field's command-line flag: lr_d -> --lr-d."""
    return "--" + name.replace("_", "-")


def _not_for_this_kind(option_field: dataclasses.Field, kind: str) -> str:
    """Why an option cannot be used in this kind of run, and what to add."""
    name = option_field.name
    if option_field.metadata["only"] in (("translator",), ("warp",), TRANSLATORS):
        model = option_field.metadata["only"][0]
        return f"{flag_name(name)} trains the {'warp ' if model == 'warp' else ''}translator: add --model {model}"
    if kind in TRANSLATORS:
        return "--mode-seeking and --uniform-fakes shape a DCGAN's noise: the translator draws every target uniformly already"
    return f"{flag_name(name)} draws the classes of a conditional model: add --conditional"


def _report_preset(dataset: str, image_size: int, channels: int, epochs: int) -> dict:
    # The report's sections 3 and 4: batch 128, Adam(2e-4, 0.5), BCE, nz 100, nothing added.
    return dict(dataset=dataset, image_size=image_size, channels=channels, epochs=epochs, nz=100, ngf=64, ndf=64, batch_size=128,
                lr=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999, precision="fp32", conditional=False,
                **dataclasses.asdict(Recipe.of("report")))


PRESETS: dict[str, dict] = {
    "report-fer": _report_preset("fer2013", 48, 1, 50),
    "report-celeba": _report_preset("celeba", 64, 3, 25),
}


def default_run_dir(config: Config, timestamp: str) -> Path:
    kind = config.kind if config.kind != "report" else config.expression or "all"
    return Path("runs") / f"{config.dataset}-{kind}-{timestamp}"
