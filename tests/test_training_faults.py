"""Issue 25's training faults that need a run folder: the old run set aside safely, folders that are not
runs left alone, and a run that diverges midway stopped before it saves anything of it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

import facegan
from facegan.cli import main

TINY = dict(dataset="fer2013", expression="happy", batch_size=2, ngf=8, ndf=8, device="cpu", quiet=True, seed=1)
"""6 happy faces at batch 2: 3 iterations an epoch, with small networks."""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("facegan: error: ") and "Traceback" not in lines[0], lines
    return lines[0]


def test_overwrite_sets_the_old_run_aside_without_touching_a_sibling_of_the_same_name(fer_folder, tmp_path):
    runs = tmp_path / "runs"
    run = facegan.train(facegan.Config(data=str(fer_folder), epochs=1, run_dir=str(runs / "X"), **TINY))
    sibling = runs / ".X.replaced"  # the name the old run used to be set aside under, then deleted
    sibling.mkdir()
    (sibling / "keep.txt").write_text("mine")
    train = ["train", "--preset", "report-fer", "--data", str(fer_folder), "--expression", "happy", "--batch-size", "2",
             "--max-steps", "1", "--device", "cpu", "--quiet", "--run-dir", str(run), "--overwrite"]
    assert main(train) == 0
    assert (sibling / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in runs.iterdir()) == [".X.replaced", "X"]  # no set-aside folder left either
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 1
    # A new run that fails before its first checkpoint brings the old one back, and leaves no hidden folder.
    before = digest(run / "checkpoint.pt")
    assert main([*train[:-3], "--lr", "1e-3", "--batch-size", "64", "--run-dir", str(run), "--overwrite"]) == 2  # 6 faces < one batch
    assert digest(run / "checkpoint.pt") == before and sorted(p.name for p in runs.iterdir()) == [".X.replaced", "X"]


def test_run_dir_dot_in_a_folder_of_ones_own_files(fer_folder, tmp_path, monkeypatch, capsys):
    tmp_path = tmp_path / "documents"
    tmp_path.mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--preset", "report-fer", "--data", str(fer_folder), "--expression", "happy", "--run-dir", ".", "--overwrite"]) == 2
    assert "is not empty and not a facegan run" in one_error_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"] and (tmp_path / "notes.txt").read_text() == "mine"


def test_a_failed_new_run_leaves_no_empty_folder(fer_folder, tmp_path, capsys):
    assert main(["train", "--preset", "report-fer", "--data", str(fer_folder), "--expression", "happy", "--device", "cpu",
                 "--run-dir", str(tmp_path / "new")]) == 2  # 6 faces, fewer than the report's batch of 128
    assert "fewer than one batch" in one_error_line(capsys) and not (tmp_path / "new").exists()


def poison_after(step: int, weights: bool):
    """A wrapper of the training step that, from iteration `step` on, returns NaN losses (and sets G's
    weights to NaN when `weights`): a run diverging midway."""
    from facegan.training import loop

    real = loop.make_training_step

    def make(config, state, *args):
        run_step = real(config, state, *args)

        def poisoned(batch):
            stats = run_step(batch)
            if state.step + 1 >= step:
                if weights:
                    with torch.no_grad():
                        for parameter in state.generator.parameters():
                            parameter.fill_(float("nan"))
                return torch.full_like(stats, float("nan"))
            return stats

        return poisoned

    return make


@pytest.mark.parametrize("weights, check_every, stopped_at", [(True, 25, 6), (False, 1, 5)],
                         ids=["NaN weights, caught at the epoch's end", "a NaN loss, caught when the losses are read"])
def test_training_stops_at_a_nan_midway_and_keeps_the_last_good_checkpoint(weights, check_every, stopped_at, fer_folder, tmp_path,
                                                                             capsys, monkeypatch):
    from facegan.training import loop

    run = facegan.train(facegan.Config(data=str(fer_folder), epochs=1, run_dir=str(tmp_path / "run"), **TINY))
    before = digest(run / "checkpoint.pt")
    monkeypatch.setattr(loop, "make_training_step", poison_after(5, weights))
    monkeypatch.setattr(loop, "LOSS_CHECK_EVERY", check_every)
    assert main(["train", "--resume", str(run), "--epochs", "4"]) == 2
    line = one_error_line(capsys)
    assert f"training diverged: a loss or weight became NaN or infinite by iteration {stopped_at}" in line
    assert "the checkpoint of iteration 3 is kept" in line
    assert digest(run / "checkpoint.pt") == before
