"""The command line: one small function per command over the library."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from facegan.config import DATASETS, PRESETS, Config
from facegan.errors import FaceganError

# Flags that map one-to-one onto Config fields; None means "not given", so presets and defaults apply.
CONFIG_FLAGS = ("dataset", "data", "expression", "split", "image_size", "channels", "epochs", "max_steps",
                "batch_size", "lr", "seed", "device", "run_dir")
# What a resumed run may change: how long it goes on and where and how it reports.
RESUME_FLAGS = ("epochs", "max_steps", "device", "quiet", "tensorboard")


def cmd_train(args: argparse.Namespace) -> None:
    from facegan import training

    given = {name: getattr(args, name) for name in CONFIG_FLAGS if getattr(args, name) is not None}
    if args.resume:
        overrides = {name: getattr(args, name) for name in RESUME_FLAGS if getattr(args, name) not in (None, False)}
        run = Path(args.resume)
        if (run / "checkpoint.pt").exists() or not (run / "config.json").exists():
            print(f"resumed {training.resume(run, **overrides)}")
        else:
            print(f"resumed {training.resume_all_expressions(run, **overrides)}")
        return
    settings = {**PRESETS.get(args.preset, {}), **given, "quiet": args.quiet, "tensorboard": args.tensorboard}
    config = Config(**settings)
    if config.expression == "all":
        run = training.train_all_expressions(config, overwrite=args.overwrite)
    else:
        run = training.train(config, overwrite=args.overwrite)
    print(f"wrote {run}")


def cmd_sample(args: argparse.Namespace) -> None:
    from facegan.sampling import sample

    folder = sample(args.checkpoint, args.n, args.out, grid=args.grid, seed=args.seed, overwrite=args.overwrite)
    print(f"wrote {args.n} images to {folder}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facegan", description="DCGANs for human faces and facial expressions.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a DCGAN (or resume one)")
    train.add_argument("--preset", choices=sorted(PRESETS), help="the report's exact settings for a dataset")
    train.add_argument("--dataset", choices=DATASETS)
    train.add_argument("--data", help="FER2013 CSV or folder, CelebA folder, or any image folder")
    train.add_argument("--expression", help="FER2013: angry, disgust, fear, happy, sad, surprise, neutral, or all")
    train.add_argument("--split", choices=("train", "test", "all"), help="which split to train on (default train)")
    train.add_argument("--image-size", type=int, choices=(48, 64))
    train.add_argument("--channels", type=int, choices=(1, 3))
    train.add_argument("--epochs", type=int, help="default: 50 for FER2013, 25 otherwise")
    train.add_argument("--max-steps", type=int, help="stop after this many iterations in total")
    train.add_argument("--batch-size", type=int, help="default 128")
    train.add_argument("--lr", type=float, help="Adam learning rate for G and D (default 2e-4)")
    train.add_argument("--seed", type=int)
    train.add_argument("--device", help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps")
    train.add_argument("--run-dir", help="default runs/<dataset>-<expression>-<timestamp>")
    train.add_argument("--resume", metavar="RUN", help="continue the run in this folder from its checkpoint")
    train.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    train.add_argument("--quiet", action="store_true", help="plain log lines instead of a progress bar")
    train.add_argument("--tensorboard", action="store_true", help="also log to TensorBoard (pip install facegan[tensorboard])")
    train.set_defaults(func=cmd_train)

    sample = commands.add_parser("sample", help="write generated faces as PNG files")
    sample.add_argument("--checkpoint", required=True, help="RUN/checkpoint.pt")
    sample.add_argument("--n", type=int, default=64, help="how many faces")
    sample.add_argument("--out", required=True, help="output folder (FER2013 models write OUT/<expression>/)")
    sample.add_argument("--grid", action="store_true", help="also write OUT/grid.png of the first 64")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--overwrite", action="store_true", help="write into a folder that already holds samples")
    sample.set_defaults(func=cmd_sample)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.formatwarning = lambda message, *_args, **_kwargs: f"facegan: warning: {message}\n"
    try:
        args.func(args)
    except FaceganError as error:
        print(f"facegan: error: {error}", file=sys.stderr)
        return 2
    return 0
