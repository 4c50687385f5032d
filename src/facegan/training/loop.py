"""The training loop: one run folder, read top to bottom.

A run is fully described by its config. Every epoch (and on stop, Ctrl-C or --max-steps) it writes
its losses, a fixed-noise grid and an atomic checkpoint holding everything needed to continue
bit-for-bit: weights, optimizer states, step, RNG state and the fixed noise. Each epoch's shuffle
order is derived from (seed, epoch), so a run resumed mid-epoch sees the same batches.
"""

from __future__ import annotations

import json
import platform
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

import torch
from torch import nn

from facegan import visuals
from facegan.config import EXPRESSIONS, RESUMABLE, TRANSLATORS, Config, default_run_dir, flag_name
from facegan.data import ImageSet, class_labels, load_dataset
from facegan.errors import FaceganError
from facegan.files import write_atomically
from facegan.training import distributed
from facegan.models.checkpoint import build_models, load_checkpoint, load_models
from facegan.training.checkpoint import is_run_folder, save_checkpoint
from facegan.training.ema import WeightAverage
from facegan.training.log import RunLog, require_tensorboard
from facegan.precision import resolve_precision
from facegan.models import to_model_range
from facegan.recipes import stage_ends
from facegan.training.step import make_optimizers, make_step
from facegan.training.translation import make_translator_step
from facegan.training.warping import make_warp_step
from facegan.version import __version__
from facegan.weights import all_finite

Evaluator = Callable[[torch.nn.Module, str], dict]
"""Scores a generator for an expression; facegan.metrics.epoch.EpochEvaluator is the standard one."""


def resolve_device(name: str) -> torch.device:
    """'auto' picks cuda, then mps, then cpu."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise FaceganError(f"unknown device '{name}': use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise FaceganError("--device cuda was asked for but no CUDA GPU is available: use --device cpu")
    return device


@contextmanager
def run_folder_for(run_dir: Path, overwrite: bool) -> Iterator[None]:
    """Create the run folder for the run inside the `with`. An existing non-empty one is an error unless
    --overwrite, and --overwrite only ever replaces a facegan run (`is_run_folder`), never any other
    folder. The run it replaces is set aside in a hidden folder of its own, not deleted, until the new
    run has written a checkpoint: a new run that fails before then leaves the old one as it was, and a
    folder it created and wrote no checkpoint into is removed. Rank 0 alone touches the folders."""
    if not run_dir.resolve().name:
        raise FaceganError(f"--run-dir '{run_dir}' is the file system's root: choose a folder for the run")
    if run_dir.exists() and not run_dir.is_dir():
        raise FaceganError(f"--run-dir '{run_dir}' is a file: choose a folder")
    created, set_aside = not run_dir.exists(), None
    if run_dir.exists() and any(run_dir.iterdir()):
        if not is_run_folder(run_dir):
            raise FaceganError(f"'{run_dir}' is not empty and not a facegan run, so it is left alone: choose a new --run-dir")
        if not overwrite:
            if not any(run_dir.rglob("checkpoint.pt")):
                raise FaceganError(f"run folder '{run_dir}' stopped before its first checkpoint: start it again with --overwrite")
            raise FaceganError(f"run folder '{run_dir}' already exists: continue it with --resume {run_dir}, or pass --overwrite")
        if distributed.is_main():
            resolved = run_dir.resolve()
            set_aside = Path(tempfile.mkdtemp(prefix=f".{resolved.name}.replaced-", dir=resolved.parent)) / resolved.name
            run_dir.rename(set_aside)
    distributed.barrier()
    if distributed.is_main():
        run_dir.mkdir(parents=True, exist_ok=True)
    distributed.barrier()
    try:
        yield
    finally:
        if distributed.is_main():
            wrote_checkpoint = run_dir.is_dir() and any(run_dir.rglob("checkpoint.pt"))
            if not wrote_checkpoint and (created or set_aside is not None):
                shutil.rmtree(run_dir, ignore_errors=True)
            if set_aside is not None:
                if not wrote_checkpoint:  # the new run wrote nothing worth keeping: the old one comes back
                    set_aside.rename(run_dir)
                else:
                    shutil.rmtree(set_aside)
                set_aside.parent.rmdir()


def load_training_data(config: Config) -> ImageSet:
    """The run's images, decoded once. Under DDP with --cache-dir, rank 0 builds the cache file first
    and the others then map it."""
    builds_cache = bool(config.cache_dir) and distributed.world_size() > 1
    if builds_cache and distributed.rank() > 0:
        distributed.barrier()
    data = load_dataset(config)
    if builds_cache and distributed.rank() == 0:
        distributed.barrier()
    return data


def epoch_order(seed: int, epoch: int, count: int) -> torch.Tensor:
    """The shuffle of one epoch, a function of (seed, epoch) alone so that resuming mid-epoch is exact."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(count, generator=generator)


def train(config: Config, overwrite: bool = False, data: ImageSet | None = None, evaluator: Evaluator | None = None) -> Path:
    """Start a new run (or, with --expression all, the report's seven). Returns its folder.
    `evaluator(generator, expression)` scores every config.eval_every epochs."""
    config = config.resolved()
    if config.tensorboard:
        require_tensorboard()
    if config.protocol:
        return train_all_expressions(config, overwrite, evaluator)
    if data is None:
        data = load_training_data(config)  # a wrong data path fails here, before any folder is touched
    run_dir = Path(config.run_dir or distributed.from_rank_zero(default_run_dir(config, time.strftime("%Y%m%d-%H%M%S"))))
    with run_folder_for(run_dir, overwrite):
        return _run(replace(config, run_dir=str(run_dir)), data, None, evaluator)


def resume(run_dir: str | Path, evaluator: Evaluator | None = None, **overrides) -> Path:
    """Continue a run (or a seven-expression protocol folder, or a staged recipe's run through its
    remaining stages) from its checkpoint(s).

    `overrides` may extend epochs/max_steps, change how the rates end, the device and logging (RESUMABLE)."""
    refused = sorted(set(overrides) - set(RESUMABLE))
    if refused:
        raise FaceganError(f"{', '.join(map(flag_name, refused))} cannot change when a run resumes (only "
                           f"{', '.join(map(flag_name, RESUMABLE))} can): a staged recipe "
                           "(facegan train --recipe) changes the recipe between stages")
    run_dir = Path(run_dir)
    if is_protocol_folder(run_dir):
        return resume_all_expressions(run_dir, evaluator, **overrides)
    saved = read_resumable(run_dir)
    if Config.from_dict(saved["config"]).stages:
        return continue_recipe(run_dir, saved, overrides, evaluator)
    return resume_with(run_dir, saved, overrides, evaluator)


def read_resumable(run_dir: Path) -> dict:
    """The checkpoint of a run that can be resumed, or one line on why not."""
    if not (run_dir / "checkpoint.pt").is_file() and (run_dir / "config.json").is_file():
        raise FaceganError(f"'{run_dir}' stopped before its first checkpoint, so there is nothing to resume: "
                           "start it again with 'facegan train ... --overwrite'")
    return load_checkpoint(run_dir / "checkpoint.pt")


def resume_with(run_dir: Path, saved: dict, changes: dict, evaluator: Evaluator | None = None) -> Path:
    """Continue from a checkpoint already read with `changes` to its config (a recipe stage may change
    the step's recipe too), recording in its history what actually changed."""
    before = Config.from_dict(saved["config"])
    changed = {name: value for name, value in changes.items() if getattr(before, name) != value}
    config = replace(before, run_dir=str(run_dir), **changes).resolved()
    if changed:
        config = replace(config, history=[*before.history, {"from_iteration": saved["step"], "changes": changed}])
    return _run(config, load_training_data(config), saved, evaluator)


def train_recipe(recipe: dict, settings: dict | None = None, overwrite: bool = False, evaluator: Evaluator | None = None) -> Path:
    """Run every stage of `recipe`, its start overridden by `settings` (data, run folder, device, ...)."""
    stages, end = recipe["stages"], stage_ends(recipe["stages"])[0]
    first = {**recipe["start"], **(settings or {}), **stages[0].get("changes", {})}
    run = train(Config(**first, max_steps=end, stages=stages), overwrite, evaluator=evaluator)
    return continue_recipe(run, read_resumable(run), {}, evaluator)


def continue_recipe(run_dir: Path, saved: dict, overrides: dict, evaluator: Evaluator | None = None) -> Path:
    """Go on through the stages a run has left, from its checkpoint already read (`overrides`: what any resume may change)."""
    stages = Config.from_dict(saved["config"]).stages
    for stage, end in zip(stages, stage_ends(stages)):
        if end <= saved["step"]:
            continue
        resume_with(run_dir, saved, {**stage.get("changes", {}), **overrides, "max_steps": end}, evaluator)
        saved = read_resumable(run_dir)
    return run_dir


def is_protocol_folder(folder: Path) -> bool:
    """A folder of the report's protocol: no checkpoint of its own, a config, and one run folder per expression."""
    return (not (folder / "checkpoint.pt").exists() and (folder / "config.json").is_file()
            and any((folder / expression).is_dir() for expression in EXPRESSIONS))


def train_all_expressions(config: Config, overwrite: bool = False, evaluator: Evaluator | None = None) -> Path:
    """The report's protocol: seven separate models, one per expression, each in RUN/<expression>/."""
    base = replace(config, expression="all").resolved()
    parent = Path(base.run_dir or distributed.from_rank_zero(default_run_dir(base, time.strftime("%Y%m%d-%H%M%S"))))
    with run_folder_for(parent, overwrite):
        base = replace(base, run_dir=str(parent))
        if distributed.is_main():
            write_atomically(parent / "config.json", lambda temporary: temporary.write_text(json.dumps(base.to_dict(), indent=2)))
        return _run_expressions(base, parent, evaluator)


def resume_all_expressions(parent: Path, evaluator: Evaluator | None = None, **overrides) -> Path:
    """Continue the protocol: finished models are kept, the interrupted one resumes, the rest start."""
    base = replace(Config.from_dict(json.loads((parent / "config.json").read_text())), expression="all", **overrides)
    return _run_expressions(base.resolved(), parent, evaluator)


def _run_expressions(base: Config, parent: Path, evaluator: Evaluator | None) -> Path:
    everything = load_dataset(replace(base, expression=None))
    overrides = {name: getattr(base, name) for name in RESUMABLE}
    for expression in EXPRESSIONS:
        run_dir = parent / expression
        if (run_dir / "checkpoint.pt").exists():
            resume(run_dir, evaluator, **overrides)
        else:
            train(replace(base, expression=expression, run_dir=str(run_dir)), True, everything.only_class(expression), evaluator)
    return parent


@dataclass
class TrainingState:
    """What a run carries from one iteration to the next. Its checkpoint holds all of it."""

    generator: nn.Module
    discriminator: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    average: WeightAverage | None  # the average of G's weights, if the recipe keeps one
    step: int
    fixed_inputs: torch.Tensor  # the monitoring noise, or the translator's monitoring faces
    fixed_labels: torch.Tensor | None
    saved_step: int | None  # the iteration of the last checkpoint written, None before the first
    seconds: float  # training wall time before this process took the run over (its checkpoint's)
    started: float = field(default_factory=time.perf_counter)

    @property
    def sampler(self) -> nn.Module:
        """What the grids show and sampling uses: the average of G's weights, if kept."""
        return self.average.model if self.average is not None else self.generator


def _run(config: Config, data: ImageSet, saved: dict | None, evaluator: Evaluator | None) -> Path:
    """Train from a checkpoint's contents (`saved`) or from scratch, up to the config's last iteration."""
    # Setup: device, precision, seeds, data on the device.
    run_dir = Path(config.run_dir)
    device = resolve_device(config.device)
    config = replace(config, precision=resolve_precision(config.precision, device))  # what config.json records
    rank, world, main = distributed.rank(), distributed.world_size(), distributed.is_main()
    torch.manual_seed(config.seed + rank)  # each rank draws its own noise
    if len(data) // world < config.batch_size:
        raise FaceganError(f"only {len(data)} training images, fewer than one batch of {config.batch_size} per process: lower --batch-size")
    images = data.images.to(device)  # decoded once, kept as uint8 on the training device
    labels = class_labels(config, data)
    labels = None if labels is None else labels.to(device)
    # A captured iteration replays its learning rate as a constant, so a decaying one runs uncaptured.
    graph = device.type == "cuda" and config.cuda_graphs and world == 1 and config.model == "dcgan" and not config.lr_decay

    # The training state, new or as saved, and the function that runs one iteration on it.
    try:
        state = build_state(config, data, saved, device, graph)
    except (KeyError, ValueError, RuntimeError, TypeError, IndexError) as error:
        if saved is None:
            raise
        raise FaceganError(f"'{run_dir / 'checkpoint.pt'}' cannot be resumed ({str(error).strip().splitlines()[0]}): it is damaged "
                           "or from another facegan version") from None
    step_fn = make_training_step(config, state, images, labels, graph)

    # The schedule and the run folder's log.
    config = replace(config, extra={**_environment(config, device, world), "training_images": len(data)})
    steps_per_epoch = len(images) // world // config.batch_size  # drop_last: every batch has the same shape
    total_steps = config.epochs * steps_per_epoch
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    log = RunLog(run_dir, config, start_step=state.step, total_steps=total_steps) if main else None
    if main:  # rewritten on every resume, so that it holds the options now in force and their history
        write_atomically(run_dir / "config.json", lambda temporary: temporary.write_text(json.dumps(config.to_dict(), indent=2)))
    if main and saved is None:
        visuals.save_grid(data.images[epoch_order(config.seed, 0, len(data))[:64]], run_dir / "real_samples.png")

    # Training: an iteration per batch; a grid, scores and a checkpoint at the end of every epoch.
    interrupted = False
    try:
        with StopRequest() as stop:
            while state.step < total_steps:
                epoch, first_batch = divmod(state.step, steps_per_epoch)
                order = distributed.shard(epoch_order(config.seed, epoch, len(images)), rank, world).to(device)
                for batch in range(first_batch, steps_per_epoch):
                    if state.step >= total_steps:
                        break
                    if stop.requested:
                        raise KeyboardInterrupt
                    if config.lr_decay:
                        scale = learning_rate_scale(state.step, total_steps, config.lr_decay)
                        set_learning_rates(state, config.lr * scale, config.lr_d * scale)
                    stats = step_fn(order[batch * config.batch_size : (batch + 1) * config.batch_size])
                    state.step += 1
                    if main:
                        log.step(epoch, state.step, stats)
                    if state.step % LOSS_CHECK_EVERY == 0:
                        stop_if_diverged(state, finite=bool(torch.isfinite(stats).all()))
                end_of_epoch(config, state, epoch, steps_per_epoch, log, evaluator, device)
    except KeyboardInterrupt:
        interrupted = True
        last_epoch = max(state.step - 1, 0) // steps_per_epoch  # the epoch the last finished iteration belongs to
        end_of_epoch(config, state, last_epoch, steps_per_epoch, log, evaluator, device)

    # Done: every process holds the same weights; the main one writes the final grid and plots.
    distributed.check_in_sync(state.generator, state.discriminator)
    if main:
        log.finish(_generate(state.sampler, state.fixed_inputs, state.fixed_labels))
    distributed.barrier()
    if interrupted:
        raise FaceganError(f"interrupted at iteration {state.step}; everything is saved: continue with --resume {run_dir}")
    return run_dir


LOSS_CHECK_EVERY = 25
"""Iterations between two looks at the losses (a look waits for the device, so not every iteration)."""


def stop_if_diverged(state: TrainingState, finite: bool) -> None:
    """Stop the run, on every process at once, when a loss or a weight has gone NaN or infinite, before
    anything of it is saved: the last checkpoint stays the last good one."""
    if distributed.all_true(finite):
        return
    kept = f"the checkpoint of iteration {state.saved_step} is kept" if state.saved_step is not None else "no checkpoint was written"
    raise FaceganError(f"training diverged: a loss or weight became NaN or infinite by iteration {state.step}, so the run stopped "
                       f"and {kept}: lower --lr or the recipe's weights and start again")


def learning_rate_scale(step: int, total_steps: int, decay_steps: int) -> float:
    """StarGAN's schedule: the full rates, then linearly lower over the last `decay_steps` iterations,
    down to 1 / decay_steps for the last one. A function of the iteration alone, so a resumed run follows it exactly."""
    return min(1.0, (total_steps - step) / decay_steps)


def set_learning_rates(state: TrainingState, lr_g: float, lr_d: float) -> None:
    for optimizer, lr in ((state.opt_g, lr_g), (state.opt_d, lr_d)):
        for group in optimizer.param_groups:
            group["lr"] = lr


def build_state(config: Config, data: ImageSet, saved: dict | None, device: torch.device, graph: bool) -> TrainingState:
    """New networks, optimisers and fixed monitoring inputs, or those of a checkpoint (with its RNG state)."""
    generator, discriminator = build_models(config)
    fixed_inputs, fixed_labels = make_fixed_faces(config, data) if config.model in TRANSLATORS else make_fixed_inputs(config)
    step = 0
    if saved is not None:
        _, generator, discriminator = load_models(saved)
        fixed_inputs, step = saved["fixed_noise"], saved["step"]
        rank, world = distributed.rank(), distributed.world_size()
        if len(saved["rng_cpu"]) != world:
            raise FaceganError(f"this run was trained by {len(saved['rng_cpu'])} process(es): resume it with as many, not {world}")
        torch.set_rng_state(saved["rng_cpu"][rank])
        if device.type == "cuda" and len(saved["rng_cuda"][rank]):
            torch.cuda.set_rng_state(saved["rng_cuda"][rank], device)
    generator.to(device, memory_format=torch.channels_last)
    discriminator.to(device, memory_format=torch.channels_last)
    opt_g, opt_d = make_optimizers(generator, discriminator, config.lr, config.lr_d, (config.beta1, config.beta2), graph)
    average = WeightAverage(generator, config.ema, step) if config.ema else None
    if saved is not None:
        opt_g.load_state_dict(saved["opt_g"])
        opt_d.load_state_dict(saved["opt_d"])
        if average is not None:
            average.model.load_state_dict(saved["generator_ema"])
    fixed_labels = None if fixed_labels is None else fixed_labels.to(device)
    return TrainingState(generator, discriminator, opt_g, opt_d, average, step, fixed_inputs.to(device), fixed_labels,
                         step if saved is not None else None, float(saved.get("seconds", 0.0)) if saved is not None else 0.0)


def make_training_step(config: Config, state: TrainingState, images: torch.Tensor, labels: torch.Tensor | None,
                       graph: bool) -> Callable[[torch.Tensor], torch.Tensor]:
    """One iteration of the run's model and recipe, under DDP when there are several processes."""
    train_g, train_d = state.generator, state.discriminator
    if distributed.world_size() > 1:
        ids = [images.device.index] if images.is_cuda else None
        train_g = torch.nn.parallel.DistributedDataParallel(train_g, device_ids=ids)
        # D's classifier head scores real faces only, so its fake-batch pass leaves that head unused.
        train_d = torch.nn.parallel.DistributedDataParallel(train_d, device_ids=ids, find_unused_parameters=hasattr(train_d, "classify"))
    bf16, classes = config.precision == "bf16", len(config.class_names)
    if config.model == "translator":
        return make_translator_step(train_g, train_d, state.opt_g, state.opt_d, images, labels, classes, config.recipe, bf16,
                                    state.average)
    if config.model == "warp":
        return make_warp_step(train_g, train_d, state.opt_g, state.opt_d, images, labels, classes, config.recipe, bf16,
                              Path(config.run_dir), state.average, Path(config.cache_dir) if config.cache_dir else None)
    return make_step(train_g, train_d, state.opt_g, state.opt_d, images, labels, config.nz, config.recipe, bf16, graph,
                     state.average, classes)


def end_of_epoch(config: Config, state: TrainingState, epoch: int, steps_per_epoch: int, log: RunLog | None,
                 evaluator: Evaluator | None, device: torch.device) -> None:
    """Every process hands in its RNG state; the main one writes the grid, the scores and the checkpoint,
    unless the weights have diverged."""
    models = (state.generator, state.discriminator) + ((state.average.model,) if state.average is not None else ())
    stop_if_diverged(state, finite=all(all_finite(model.state_dict()) for model in models))
    rng_cpu = distributed.gather(torch.get_rng_state())
    rng_cuda = distributed.gather(torch.cuda.get_rng_state(device) if device.type == "cuda" else torch.empty(0, dtype=torch.uint8))
    state.saved_step = state.step  # on every process: rank 0 writes it next, or stops the run if it cannot
    if not distributed.is_main():
        return
    log.flush()
    log.fixed_noise_grid(epoch, _generate(state.sampler, state.fixed_inputs, state.fixed_labels))
    whole_epoch = state.step % steps_per_epoch == 0
    if evaluator is not None and config.eval_every and whole_epoch and (epoch + 1) % config.eval_every == 0:
        log.scores(epoch, state.step, evaluator(state.sampler, config.expression))
    save_checkpoint(
        {
            "config": config.to_dict(),
            "generator": state.generator.state_dict(),
            "discriminator": state.discriminator.state_dict(),
            "opt_g": state.opt_g.state_dict(),
            "opt_d": state.opt_d.state_dict(),
            "step": state.step,
            "epoch": state.step // steps_per_epoch,
            "seconds": state.seconds + time.perf_counter() - state.started,  # the run's training wall time so far
            **({"generator_ema": state.average.model.state_dict()} if state.average is not None else {}),
            "fixed_noise": state.fixed_inputs.cpu(),
            "rng_cpu": rng_cpu,
            "rng_cuda": rng_cuda,
        },
        Path(config.run_dir) / "checkpoint.pt",
    )


def make_fixed_inputs(config: Config) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The monitoring noise (the report's fixed-noise grid). A conditional model shows each of its
    identities in every class, one row per identity and one column per class."""
    classes = len(config.class_names)
    identities = config.num_fixed_noise // classes if classes else config.num_fixed_noise
    noise = torch.randn(identities, config.nz, generator=torch.Generator().manual_seed(config.seed))
    if not classes:
        return noise, None
    return noise.repeat_interleave(classes, 0), torch.arange(classes).repeat(identities)


def make_fixed_faces(config: Config, data: ImageSet) -> tuple[torch.Tensor, torch.Tensor]:
    """The translator's monitoring inputs: fixed training faces, one row each, turned to every class
    (one column per class), in [-1, 1]."""
    classes = len(config.class_names)
    identities = max(1, config.num_fixed_noise // classes)
    chosen = torch.randperm(len(data), generator=torch.Generator().manual_seed(config.seed))[:identities]
    faces = to_model_range(data.images[chosen])
    return faces.repeat_interleave(classes, 0), torch.arange(classes).repeat(len(chosen))


@torch.no_grad()
def _generate(generator: torch.nn.Module, noise: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """Images from fixed noise, with BatchNorm in eval mode so monitoring does not disturb training."""
    was_training = generator.training
    generator.eval()
    images = generator(noise) if labels is None else generator(noise, labels)
    generator.train(was_training)
    return images


class StopRequest:
    """Ctrl-C or SIGTERM (how batch schedulers stop jobs) asks the loop to stop after the current
    iteration, so that nothing is half-written; a second signal stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: dict = {}

    def _handle(self, signum: int, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            self.previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def _environment(config: Config, device: torch.device, world: int) -> dict:
    """What the run ran on. With DDP each process takes batch_size images a step and gradients are
    averaged, so the global batch is batch_size x processes at the same learning rate."""
    import torchvision

    return {
        "device": str(device),
        "processes": world,
        "global_batch_size": config.batch_size * world,
        "learning_rate": config.lr,
        "facegan": __version__,
        "torch": str(torch.__version__),
        "torchvision": str(torchvision.__version__),
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
    }
