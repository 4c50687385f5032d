"""The command line: each bad input ends with one clear line and a non-zero exit, and nothing is lost."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import write_fer_csv
from facegan.cli import main
from facegan.models import build_dcgan
from facegan.training.checkpoint import save_checkpoint

FAST = ["--batch-size", "2", "--device", "cpu", "--quiet"]


def fails_with(capsys, argv: list[str], message: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("facegan: error: "), err
    assert message in err[0], err[0]


def test_missing_data_path(capsys, tmp_path):
    fails_with(capsys, ["train", "--dataset", "fer2013", "--data", str(tmp_path / "nope"), "--expression", "happy"], "does not exist")


def test_no_data_given(capsys):
    fails_with(capsys, ["train", "--dataset", "celeba"], "no data given: pass --data PATH")


def test_empty_folder(capsys, tmp_path):
    fails_with(capsys, ["train", "--dataset", "folder", "--data", str(tmp_path)], "no image files")


def test_unknown_expression(capsys, fer_folder):
    fails_with(capsys, ["train", "--dataset", "fer2013", "--data", str(fer_folder), "--expression", "joy"], "unknown expression 'joy'")


def test_fer_needs_an_expression(capsys, fer_folder):
    fails_with(capsys, ["train", "--dataset", "fer2013", "--data", str(fer_folder)], "(--expression NAME or all), or as one model for all seven: --conditional")


def test_bad_seven_model_run_leaves_no_folder_behind(capsys, fer_folder, tmp_path):
    run = tmp_path / "run"
    argv = ["train", "--dataset", "fer2013", "--data", str(fer_folder), "--expression", "all", "--run-dir", str(run)]
    fails_with(capsys, [*argv, "--conditional"], "drop --expression")
    assert not run.exists()  # so the corrected command is not told the folder already exists


def test_csv_without_needed_columns(capsys, tmp_path):
    path = write_fer_csv(tmp_path / "fer2013.csv", [(0, "1 2", "Training")], header=("label", "pixels", "Usage"))
    fails_with(capsys, ["train", "--dataset", "fer2013", "--data", str(path), "--expression", "happy"], "needs 'emotion' and 'pixels'")


def test_too_few_images_for_a_batch(capsys, fer_folder):
    fails_with(capsys, ["train", "--dataset", "fer2013", "--data", str(fer_folder), "--expression", "happy"], "fewer than one batch of 128")


def test_existing_run_folder_is_never_overwritten(capsys, fer_folder, tmp_path):
    run = tmp_path / "run"
    argv = ["train", "--dataset", "fer2013", "--data", str(fer_folder), "--expression", "happy", "--run-dir", str(run), "--max-steps", "1", *FAST]
    assert main(argv) == 0
    (run / "notes.txt").write_text("precious")
    fails_with(capsys, argv, "already exists: continue it with --resume")
    assert (run / "notes.txt").read_text() == "precious"
    replaced_by_a_failing_run = [*argv, "--overwrite", "--batch-size", "64"]  # 6 faces: fails once the run has started
    fails_with(capsys, replaced_by_a_failing_run, "fewer than one batch")
    assert (run / "notes.txt").read_text() == "precious" and (run / "checkpoint.pt").is_file()  # the old run is back, whole
    assert main([*argv, "--overwrite"]) == 0  # a facegan run folder is replaced whole
    assert (run / "checkpoint.pt").is_file() and not (run / "notes.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fer", "run"]  # nothing set aside is left behind


def test_resume_continues_and_extends(capsys, fer_folder, tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--dataset", "fer2013", "--data", str(fer_folder), "--expression", "happy", "--run-dir", str(run), "--max-steps", "2", *FAST]) == 0
    assert main(["train", "--resume", str(run), "--max-steps", "4", "--quiet"]) == 0
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 4


def test_resume_without_a_checkpoint(capsys, tmp_path):
    fails_with(capsys, ["train", "--resume", str(tmp_path)], "does not exist: pass RUN/checkpoint.pt")


def test_checkpoint_of_another_kind(capsys, tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"state_dict": {}}, path)
    fails_with(capsys, ["sample", "--checkpoint", str(path), "--out", str(tmp_path / "out")], "is not a facegan checkpoint")


def test_checkpoint_from_another_architecture(capsys, tmp_path):
    generator, discriminator = build_dcgan(48, 1)
    config = {"dataset": "celeba", "data": "x", "image_size": 64, "channels": 3}
    path = tmp_path / "checkpoint.pt"
    save_checkpoint({"config": config, "generator": generator.state_dict(), "discriminator": discriminator.state_dict(), "opt_g": {},
                     "opt_d": {}, "step": 0, "epoch": 0, "fixed_noise": torch.zeros(64, 100), "rng_cpu": [], "rng_cuda": []}, path)
    fails_with(capsys, ["sample", "--checkpoint", str(path), "--out", str(tmp_path / "out")], "do not fit a 64x64x3 DCGAN")


def test_corrupt_checkpoint(capsys, tmp_path):
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"\x80\x02garbage")
    fails_with(capsys, ["sample", "--checkpoint", str(path), "--out", str(tmp_path / "out")], "is not a readable facegan checkpoint")


def test_sample_refuses_to_mix_into_existing_samples(capsys, fer_folder, tmp_path):
    run = tmp_path / "run"
    main(["train", "--dataset", "fer2013", "--data", str(fer_folder), "--expression", "sad", "--run-dir", str(run), "--max-steps", "1", *FAST])
    out = tmp_path / "samples"
    assert main(["sample", "--checkpoint", str(run / "checkpoint.pt"), "--n", "3", "--out", str(out), "--grid"]) == 0
    assert len(list((out / "sad").iterdir())) == 3 and (out / "grid.png").is_file()
    fails_with(capsys, ["sample", "--checkpoint", str(run / "checkpoint.pt"), "--n", "3", "--out", str(out)], "already holds files")


@pytest.mark.parametrize("entry", [[sys.executable, "-m", "facegan"], ["facegan"]])
def test_entry_points_give_one_line_and_no_traceback(entry, tmp_path):
    import shutil

    if entry == ["facegan"]:  # the console script of the environment running the tests (make test does not activate it)
        script = shutil.which("facegan", path=str(Path(sys.executable).parent)) or shutil.which("facegan")
        if script is None:
            pytest.skip("the facegan console script is not installed (pip install -e .)")
        entry = [script]
    result = subprocess.run([*entry, "sample", "--checkpoint", str(tmp_path / "missing.pt"), "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"facegan: error: facegan checkpoint '{tmp_path / 'missing.pt'}' does not exist: pass RUN/checkpoint.pt of a facegan training run"


def test_sigterm_saves_like_ctrl_c(fer_folder, tmp_path):
    import signal
    import time

    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "facegan", "train", "--dataset", "fer2013", "--data", str(fer_folder),
                                "--expression", "happy", "--epochs", "100000", "--run-dir", str(run), *FAST],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (run / "fixed_noise" / "epoch_002.png").exists() and time.time() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2, err[-2000:]
    assert "everything is saved: continue with --resume" in err and "Traceback" not in err
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] >= 6


def test_a_given_lr_also_sets_ds_rate_over_a_preset(fer_folder, tmp_path):
    import json

    assert main(["train", "--preset", "report-fer", "--data", str(fer_folder), "--expression", "happy", "--lr", "1e-4",
                 "--batch-size", "2", "--max-steps", "1", "--device", "cpu", "--run-dir", str(tmp_path / "run"), "--quiet"]) == 0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["lr"] == config["lr_d"] == 1e-4


def test_every_recipe_option_is_a_flag_with_each_kinds_default(capsys):
    import dataclasses

    from facegan.config import Recipe

    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for option in dataclasses.fields(Recipe):
        assert f"--{option.name.replace('_', '-')}" in text, option.name
    assert "--class-loss WEIGHT D also classifies real faces and G is pushed towards its classes (default: report 0, conditional 5, translator 5, warp 5)" in text
    assert "--teacher-loss WEIGHT squared distance of the field from the geometry engine's for the same face and target (default: 1)" in text
    assert "proportion (default: on)" in text  # --uniform-fakes applies to conditional models only: one default
