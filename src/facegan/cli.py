"""The command line: one small function per command over the library."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import warnings
from pathlib import Path
from typing import NoReturn

from facegan.config import PRESETS, Config, flag_name
from facegan.editing.blend import BLENDS
from facegan.errors import FaceganError
from facegan.files import output_file


def config_flags() -> list[dataclasses.Field]:
    """The Config fields that are `facegan train` flags (those declared with a help line), the recipe's last."""
    flags = [config_field for config_field in dataclasses.fields(Config) if "help" in config_field.metadata]
    return sorted(flags, key=lambda config_field: "defaults" in config_field.metadata)


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per Config field with a help line; a recipe option's help gives each kind of run's default.
    Every flag defaults to None ("not given"), so presets and run-kind defaults apply."""
    for config_field in config_flags():
        settings = dict(config_field.metadata["argparse"])
        annotation = str(config_field.type)
        if "action" not in settings:
            if annotation.startswith("bool"):
                settings["action"] = argparse.BooleanOptionalAction
            elif annotation.startswith(("int", "float")):
                settings["type"] = int if annotation.startswith("int") else float
        help_text = config_field.metadata["help"]
        if "defaults" in config_field.metadata:
            help_text += f" (default: {_defaults_by_kind(config_field)})"
        elif config_field.default not in (None, "", False):
            help_text += f" (default: {config_field.default})"
        parser.add_argument(flag_name(config_field.name), default=None, help=help_text, **settings)


def _defaults_by_kind(option: dataclasses.Field) -> str:
    """'5' when every kind of run that uses the option has the same default, else 'report 0, conditional 5, ...'."""
    shown = {kind: value for kind, value in option.metadata["defaults"].items() if kind in option.metadata["only"]}
    words = {kind: {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) else f"{value:g}" if isinstance(value, float)
             else value for kind, value in shown.items()}
    if len(set(words.values())) == 1:
        return str(next(iter(words.values())))
    return ", ".join(f"{kind} {word}" for kind, word in words.items())


def join_torchrun(args: argparse.Namespace) -> None:
    """Under torchrun (WORLD_SIZE > 1), join the process group and give each process its own device."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return
    import torch

    from facegan.training import distributed

    wants_gpu = args.device in (None, "auto", "cuda") and torch.cuda.is_available()
    args.device = f"cuda:{os.environ['LOCAL_RANK']}" if wants_gpu else "cpu"
    if wants_gpu:
        torch.cuda.set_device(args.device)
    distributed.init("cuda" if wants_gpu else "cpu")


def cmd_train(args: argparse.Namespace) -> None:
    from facegan import training
    from facegan.training import distributed

    join_torchrun(args)
    given = {flag.name: getattr(args, flag.name) for flag in config_flags() if getattr(args, flag.name) is not None}
    try:
        if args.resume:
            overrides = {name: value for name, value in given.items() if name != "run_dir"}  # resume refuses what cannot change
            run = training.resume(args.resume, epoch_evaluator(args.resume), **overrides)
        elif args.recipe:
            from facegan.recipes import load_recipe
            from facegan.training.loop import train_recipe

            recipe = load_recipe(args.recipe)
            config = Config(**{**recipe["start"], **given}).resolved()
            run = train_recipe(recipe, given, args.overwrite, evaluator=epoch_evaluator_for(config))
        else:
            settings = {**PRESETS.get(args.preset, {}), **given, "cuda_graphs": not args.no_cuda_graphs}
            if "lr" in given and "lr_d" not in given:
                settings.pop("lr_d", None)  # D's rate follows a given --lr, also over a preset's
            config = Config(**settings).resolved()
            run = training.train(config, args.overwrite, evaluator=epoch_evaluator_for(config))
        main_process = distributed.is_main()  # asked before close(): afterwards every process believes it is the main one
    finally:
        distributed.close()
    if main_process:
        print(f"wrote {run}")


def epoch_evaluator_for(config: Config):
    """The scorer --eval-every uses (Config allows it for FER2013 only), or None; built here because training never imports metrics."""
    if not config.eval_every:
        return None
    from facegan.metrics.epoch import EpochEvaluator

    return EpochEvaluator(config.data)


def epoch_evaluator(run: str):
    """The scorer for a resumed run (or protocol folder), from the settings it was started with."""
    import json

    config_file = Path(run) / "config.json"
    return epoch_evaluator_for(Config.from_dict(json.loads(config_file.read_text()))) if config_file.is_file() else None


def cmd_sample(args: argparse.Namespace) -> None:
    from facegan.sampling import sample

    folder = sample(args.checkpoint, args.n, args.out, grid=args.grid, seed=args.seed, overwrite=args.overwrite)
    print(f"wrote {args.n} images to {folder}")


def cmd_transfer(args: argparse.Namespace) -> None:
    from facegan.latent import write_transfer

    print(f"wrote {write_transfer(args.checkpoint, args.out, args.n, args.seed)}")


def cmd_interpolate(args: argparse.Namespace) -> None:
    from facegan.latent import write_interpolations

    written = write_interpolations(args.checkpoint, args.out, args.walks, args.steps, args.source, args.target, args.seed)
    print("wrote " + ", ".join(str(path) for path in written))


def cmd_arithmetic(args: argparse.Namespace) -> None:
    from facegan.latent import write_arithmetic

    out, effect = write_arithmetic(args.checkpoint, args.out, args.target, args.source, args.n, args.seed)
    print(f"wrote {out}: {effect['attribute']} seen in {effect['share_before']:.0%} of faces before, "
          f"{effect['share_after']:.0%} after adding the direction once")


def cmd_train_encoder(args: argparse.Namespace) -> None:
    from facegan.editing.inversion import train_encoder_for

    out = train_encoder_for(args.checkpoint, steps=args.steps, seed=args.seed)
    print(f"wrote {out}")


def cmd_edit(args: argparse.Namespace) -> None:
    from facegan.editing.edit import edit_cropped_folder, edit_photo_file, edit_photo_folder

    if args.cropped:
        if args.face is not None or args.all_faces or args.strip:
            raise FaceganError("--cropped edits each image whole, as one face: drop --face, --all-faces and --strip")
        count, out = edit_cropped_folder(args.photo, args.checkpoint, args.to, args.out, args.strength, args.engine, args.steps,
                                         args.detail_steps)
        print(f"wrote {count} faces in {'every expression' if args.to == 'all' else args.to} into {out}/<expression>/")
        return
    if Path(args.photo).is_dir():
        edited, skipped = edit_photo_folder(args.photo, args.checkpoint, args.to, args.out, args.face, args.all_faces, args.blend,
                                            args.strip, args.steps, args.detail_steps, args.strength, args.engine)
        print(f"edited {edited} photos into {args.out}/")
        if skipped:
            raise FaceganError(f"{len(skipped)} of {edited + len(skipped)} photos were not edited (listed above); the others were written")
        return
    engine, edits, written = edit_photo_file(args.photo, args.checkpoint, args.to, args.out, args.face, args.all_faces,
                                             args.blend, args.strip, args.steps, args.detail_steps, args.strength, args.engine)
    for edit in edits:
        print(f"face at ({edit.box.left}, {edit.box.top}), {edit.box.size} px: {engine.expression_of(edit)} -> {args.to} "
              f"in {edit.seconds:.3f} s ({edit.finding()})" + (f"; {edit.note}" if edit.note else ""))
    print("wrote " + ", ".join(str(path) for path in written))


def cmd_export(args: argparse.Namespace) -> None:
    from facegan.editing.export import export_run

    out, card = export_run(args.run, args.out, args.card)
    print(f"wrote {out} and its model card {card}")


def cmd_eval_edit(args: argparse.Namespace) -> None:
    from facegan.editing.scores import evaluate_editing, headline

    scores, out = evaluate_editing(args.checkpoint, args.data, args.n, args.out, args.steps, args.detail_steps, args.strength,
                                   args.engine)
    print(f"{headline(scores)}; wrote {out}")


def cmd_web(args: argparse.Namespace) -> None:
    from facegan.editing.web import require_gradio, serve

    require_gradio()
    serve(args.checkpoint, args.host, args.port, args.engine)


def cmd_bench(args: argparse.Namespace) -> None:
    from facegan.benchmark import format_table, run_benchmark
    from facegan.training.loop import resolve_device

    device = resolve_device(args.device)
    data_root = Path(args.data_root) if Path(args.data_root).is_dir() else None
    print(f"{args.model}: batch 128, {device}, data: {data_root or 'generated images'}", flush=True)
    reference, results = run_benchmark(args.model, device, data_root, steps=args.steps, blocks=args.blocks)
    print(format_table(args.model, args.precision, reference, results))


def cmd_train_classifier(args: argparse.Namespace) -> None:
    if args.network != "classifier" and args.dataset != "fer2013":
        raise FaceganError(f"the {args.network} network is trained on FER2013: pass --dataset fer2013")
    out = Path(args.out or f"runs/{args.dataset}_{args.network}.pt")
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.dataset == "celeba":
        from facegan.data import load_celeba
        from facegan.metrics.attributes import save_attribute_classifier, train_attribute_classifier

        model, scores = train_attribute_classifier(load_celeba(args.data, "train"), load_celeba(args.data, "test"),
                                                   epochs=args.epochs, seed=args.seed)
        save_attribute_classifier(model, out, scores)
        print(f"wrote {out}: held-out mean attribute accuracy {scores['mean_accuracy']:.4f}, "
              f"Smiling {scores['per_attribute'].get('Smiling', float('nan')):.4f}")
        return
    from facegan.data import load_fer2013

    if args.network == "appearance":
        from facegan.metrics.appearance import save_appearance_network, train_appearance_network

        model, scores = train_appearance_network(load_fer2013(args.data, "train"), load_fer2013(args.data, "test"),
                                                 epochs=args.epochs, seed=args.seed)
        save_appearance_network(model, out, scores)
        print(f"wrote {out}: held-out mirror retrieval {scores['mirror_retrieval']:.4f}")
        return
    from facegan.metrics.classifier import save_classifier, train_classifier

    model, scores = train_classifier(load_fer2013(args.data, "train"), load_fer2013(args.data, "test"), epochs=args.epochs, seed=args.seed,
                                     robust=args.network == "robust")
    save_classifier(model, out, scores)
    blurred = f", after blur and JPEG {scores['blurred']['balanced_accuracy']:.4f}" if "blurred" in scores else ""
    print(f"wrote {out}: test accuracy {scores['accuracy']:.4f}, balanced {scores['balanced_accuracy']:.4f}{blurred}")


def cmd_train_geometry(args: argparse.Namespace) -> None:
    from facegan.data import load_fer2013
    from facegan.editing.geometry import train_geometry

    out = output_file(args.out)
    train_geometry(load_fer2013(args.data, "train"), out)
    print(f"wrote {out}")


def cmd_train_glasses(args: argparse.Namespace) -> None:
    from facegan.editing.glasses import train_glasses

    out = output_file(args.out)
    if not (Path(args.data) / "list_attr_celeba.txt").is_file():
        raise FaceganError(f"'{args.data}' has no list_attr_celeba.txt: give the CelebA folder with its attributes and img_align_celeba/")
    train_glasses(args.data, out)
    print(f"wrote {out}")


def cmd_eval(args: argparse.Namespace) -> None:
    from facegan.metrics.evaluate import evaluate_checkpoint, evaluate_run, headline, read_generated

    if args.checkpoint:
        scores, report = evaluate_checkpoint(args.checkpoint, args.n, args.data, args.out, args.classifier, args.inception_weights)
    else:
        if not args.data:
            raise FaceganError("--images needs --data PATH: the FER2013 folder or CSV with the real train and test faces")
        out = Path(args.out or Path(args.images) / "eval")
        scores, report = evaluate_run(read_generated(args.images), args.data, out, f"Evaluation of {args.images}", args.classifier,
                                      args.inception_weights)
    print(f"{headline(scores)}; report: {report}")


def add_training_commands(commands: argparse._SubParsersAction) -> None:
    """train (and resume)."""
    train = commands.add_parser("train", help="train a DCGAN (or resume one)")
    train.add_argument("--preset", choices=sorted(PRESETS), help="the report's exact settings for a dataset")
    add_config_flags(train)
    train.add_argument("--no-cuda-graphs", action="store_true", help="run each CUDA iteration eagerly instead of replaying a captured graph")
    train.add_argument("--resume", metavar="RUN", help="continue the run in this folder from its checkpoint (and a recipe's stages left)")
    train.add_argument("--recipe", metavar="NAME|FILE", help="a staged recipe: facegan's own (e.g. fer2013-translator, the shipped "
                                                              "translator) or a JSON file (facegan.recipes)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    train.set_defaults(func=cmd_train)



def add_model_commands(commands: argparse._SubParsersAction) -> None:
    """What a trained model makes: samples, transfer grids, walks, vector arithmetic."""
    sample = commands.add_parser("sample", help="write generated faces as PNG files")
    sample.add_argument("--checkpoint", required=True, help="RUN/checkpoint.pt")
    sample.add_argument("--n", type=int, default=64, help="how many faces")
    sample.add_argument("--out", required=True, help="output folder (FER2013 models write OUT/<expression>/)")
    sample.add_argument("--grid", action="store_true", help="also write OUT/grid.png of the first 64")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--overwrite", action="store_true", help="write into a folder that already holds samples")
    sample.set_defaults(func=cmd_sample)
    transfer = commands.add_parser("transfer", help="same faces in every expression: rows are identities, columns classes")
    transfer.add_argument("--checkpoint", required=True, help="RUN/checkpoint.pt of a conditional model")
    transfer.add_argument("--n", type=int, default=8, help="how many identities (rows)")
    transfer.add_argument("--out", default="transfer.png")
    transfer.add_argument("--seed", type=int, default=0)
    transfer.set_defaults(func=cmd_transfer)

    interpolate = commands.add_parser("interpolate", help="smooth latent walks between faces and between expressions (PNG strips and GIFs)")
    interpolate.add_argument("--checkpoint", required=True, help="RUN/checkpoint.pt")
    interpolate.add_argument("--out", default="interpolations", help="output folder")
    interpolate.add_argument("--walks", type=int, default=6, help="rows: one walk each")
    interpolate.add_argument("--steps", type=int, default=10, help="images along each walk")
    interpolate.add_argument("--from", dest="source", help="conditional models: the class walks start in (FER2013 default neutral)")
    interpolate.add_argument("--to", dest="target", help="conditional models: the class walks end in (FER2013 default happy)")
    interpolate.add_argument("--seed", type=int, default=0)
    interpolate.set_defaults(func=cmd_interpolate)

    arithmetic = commands.add_parser("arithmetic", help="Radford et al.'s vector arithmetic: push new faces along a direction in z")
    arithmetic.add_argument("--checkpoint", required=True, help="RUN/checkpoint.pt of an unconditional model")
    arithmetic.add_argument("--to", dest="target", required=True, help="an expression (48x48 grayscale models) or a CelebA attribute (colour)")
    arithmetic.add_argument("--from", dest="source", help="the expression to move away from (default neutral)")
    arithmetic.add_argument("--n", type=int, default=8, help="how many faces (rows)")
    arithmetic.add_argument("--out", default="arithmetic.png")
    arithmetic.add_argument("--seed", type=int, default=0)
    arithmetic.set_defaults(func=cmd_arithmetic)


def port_number(text: str) -> int:
    """A TCP port, checked here: Gradio would raise an OverflowError traceback for 70000."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port: use a whole number from 1 to 65535")
    return int(text)


def add_engine_flag(parser: argparse.ArgumentParser) -> None:
    from facegan.editing.registry import ENGINES

    parser.add_argument("--engine", choices=sorted(ENGINES), help="geometry: moves the face's pixels towards the target's typical "
                        "landmarks (shipped, the default); translator: repaints (shipped); warp: moves them by a trained warp translator; "
                        "inversion: redraws with a conditional DCGAN. Default: the one the checkpoint is for (without one, facegan's default)")


STRENGTH_HELP = "translator, geometry, warp: how much of its change to apply, from 0 (the photo) to 1 (all of it, the default)"


def add_editing_commands(commands: argparse._SubParsersAction) -> None:
    """Photo editing: the inversion encoder, edit, the web page, and its scores."""
    encoder = commands.add_parser("train-encoder", help="train the encoder that photo editing inverts faces with")
    encoder.add_argument("--checkpoint", required=True, help="RUN/checkpoint.pt of a conditional model; writes RUN/encoder.pt")
    encoder.add_argument("--steps", type=int, default=1500)
    encoder.add_argument("--seed", type=int, default=0)
    encoder.set_defaults(func=cmd_train_encoder)

    edit = commands.add_parser("edit", help="change the expression of a face in a photo")
    edit.add_argument("photo", help="a JPEG, PNG, WebP, AVIF or HEIC photo; or a folder of photos (OUT is then a folder: OUT/<name>_<expression>.<ext>); "
                      "with --cropped, a folder of cropped faces")
    edit.add_argument("--checkpoint", help="default: facegan's default engine, shipped with it (--engine); or RUN/checkpoint.pt of a translator "
                                           "or warp run, or of a conditional DCGAN with its RUN/encoder.pt (inversion)")
    edit.add_argument("--to", required=True, help="the expression (or attribute class) to give the face, e.g. happy; "
                                                   "all: one photo per expression, OUT_<expression>")
    edit.add_argument("--out", required=True, help="the edited photo (full resolution; the rest of the photo is untouched); for a folder "
                      "of photos, the folder to write the edits into")
    which = edit.add_mutually_exclusive_group()
    which.add_argument("--face", type=int, help="which face, numbered from 0 at the left (default: the largest)")
    which.add_argument("--all-faces", action="store_true", help="edit every face found")
    edit.add_argument("--cropped", action="store_true", help="PHOTO is a folder of faces already cropped like FER2013's (any size, "
                                                           "grayscale or colour): no detection; writes OUT/<expression>/<name>.png")
    edit.add_argument("--strip", action="store_true", help="also write OUT_strip.png: the face before and in every expression, in colour "
                      "at the photo's resolution")
    edit.add_argument("--steps", type=int, help="inversion (DCGAN checkpoints): refinement steps on z after the encoder's guess (default 30)")
    edit.add_argument("--detail-steps", type=int,
                      help="inversion (DCGAN checkpoints): then steps on G's feature maps for the face's own detail (default 0)")
    edit.add_argument("--blend", choices=BLENDS, default="feather", help="feathered mask or OpenCV seamless cloning")
    edit.add_argument("--strength", type=float, help=STRENGTH_HELP)
    add_engine_flag(edit)
    edit.set_defaults(func=cmd_edit)

    web = commands.add_parser("web", help="serve the photo-editing page (Gradio)")
    web.add_argument("--checkpoint", help="default: facegan's default engine; or a translator or warp run, or a conditional DCGAN with its encoder")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    web.add_argument("--port", type=port_number, default=7860, help="1 to 65535 (default 7860)")
    add_engine_flag(web)
    web.set_defaults(func=cmd_web)

    export = commands.add_parser("export", help="a translator run as a small fp16 file to edit with or ship, with its model card")
    export.add_argument("run", help="RUN or RUN/checkpoint.pt of a translator run")
    export.add_argument("--out", required=True, help="the file to write, e.g. translator.pt (use it with --checkpoint)")
    export.add_argument("--card", help="the model card (default: OUT with .md)")
    export.set_defaults(func=cmd_export)

    edit_eval = commands.add_parser("eval-edit", help="score editing on FER2013 test faces: same person, expression, realism")
    edit_eval.add_argument("--checkpoint", help="default: facegan's default engine; or a translator or warp run, or a conditional DCGAN with its encoder")
    edit_eval.add_argument("--n", type=int, default=500, help="test faces, each turned to the six other expressions")
    edit_eval.add_argument("--steps", type=int, help="inversion only: refinement steps on z, as in facegan edit (default 30)")
    edit_eval.add_argument("--detail-steps", type=int, help="inversion only: refinement steps on G's feature maps (default 0)")
    edit_eval.add_argument("--strength", type=float, help=STRENGTH_HELP)
    edit_eval.add_argument("--data", help="FER2013 (default: the model's own training data)")
    edit_eval.add_argument("--out", help="default RUN/edit_eval, or ./edit_eval for a shipped engine")
    add_engine_flag(edit_eval)
    edit_eval.set_defaults(func=cmd_eval_edit)



def add_measuring_commands(commands: argparse._SubParsersAction) -> None:
    """Scores and speed: eval, the feature networks behind it, bench."""
    evaluate = commands.add_parser("eval", help="score generated faces offline (FER2013 and CelebA models)")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="RUN/checkpoint.pt: generate --n faces and score them")
    source.add_argument("--images", help="the --out folder of 'facegan sample' (FOLDER/<expression>/*.png)")
    evaluate.add_argument("--n", type=int, default=1000, help="faces to generate from --checkpoint")
    evaluate.add_argument("--data", help="FER2013 or CelebA with train and test splits (default: the run's own data)")
    evaluate.add_argument("--classifier", help="classifier weights (default: the one shipped with facegan)")
    evaluate.add_argument("--out", help="report folder (default RUN/eval or IMAGES/eval)")
    evaluate.add_argument("--inception-weights", metavar="PATH",
                          help="also standard Inception FID, from pytorch-fid's pt_inception-2015-12-05-6726825d.pth (never downloaded)")
    evaluate.set_defaults(func=cmd_eval)

    classifier = commands.add_parser("train-classifier", help="train the expression classifier that evaluation uses")
    classifier.add_argument("--dataset", choices=("fer2013", "celeba"), default="fer2013",
                            help="fer2013: the expression classifier; celeba: the 40-attribute classifier")
    classifier.add_argument("--network", choices=("classifier", "robust", "appearance"), default="classifier",
                            help="robust: the expression classifier trained on blurred, compressed and noisy faces too, which reads "
                                 "shape rather than marks; appearance: FER2013's label-free appearance network (SimCLR), the "
                                 "feature space of realism scores")
    classifier.add_argument("--data", required=True, help="FER2013 CSV or folder, or CelebA folder (needs train and test splits)")
    classifier.add_argument("--epochs", type=int, default=25)
    classifier.add_argument("--seed", type=int, default=0)
    classifier.add_argument("--out", help="default runs/<dataset>_<network>.pt")
    classifier.set_defaults(func=cmd_train_classifier)

    geometry = commands.add_parser("train-geometry", help="each expression's mean landmark shape on FER2013: the geometry engine's model")
    geometry.add_argument("--data", required=True, help="FER2013 CSV or folder (its train split is used)")
    geometry.add_argument("--out", default="runs/fer2013_geometry.pt")
    geometry.set_defaults(func=cmd_train_geometry)

    glasses = commands.add_parser("train-glasses", help="whether a face wears glasses, from CelebA's Eyeglasses attribute: "
                                  "the geometry engine holds brows and eyes still behind glasses")
    glasses.add_argument("--data", required=True, help="the CelebA folder: img_align_celeba/ and list_attr_celeba.txt")
    glasses.add_argument("--out", default="runs/celeba_glasses.pt")
    glasses.set_defaults(func=cmd_train_glasses)

    bench = commands.add_parser("bench", help="training images/s of facegan against the canonical DCGAN loop")
    bench.add_argument("--model", choices=("fer", "celeba"), default="fer", help="fer: 48x48x1, celeba: 64x64x3")
    bench.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                       help="the mode the last line reports (auto: the fastest the hardware runs natively)")
    bench.add_argument("--steps", type=int, default=10, help="iterations per timed block")
    bench.add_argument("--blocks", type=int, default=5, help="timed blocks; the median is reported")
    bench.add_argument("--device", default="auto")
    bench.add_argument("--data-root", default="../shared/data", help="folder with fer2013/ and celeba/; generated images if absent")
    bench.set_defaults(func=cmd_bench)


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a wrong option told in one line (what is wrong, and where the options are listed)
    instead of the whole usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"facegan: error: {message} ('{self.prog} --help' lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="facegan", description="DCGANs for human faces and facial expressions.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for add_commands in (add_training_commands, add_model_commands, add_editing_commands, add_measuring_commands):
        add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # a wrong option (its one line is printed) or --help
        return exit.code
    warnings.formatwarning = lambda message, *_args, **_kwargs: f"facegan: warning: {message}\n"
    try:
        args.func(args)
    except FaceganError as error:
        print(f"facegan: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full disk, a read-only folder, a file where a folder should be: the system's reason, once
        where = f" '{error.filename}'" if error.filename else ""
        print(f"facegan: error: cannot read or write{where}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 0
