"""Staged recipes: every shipped recipe runs (a few iterations per stage) and equals its stages run one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import facegan
from facegan.cli import main
from facegan.models.checkpoint import load_checkpoint
from facegan.training.loop import resume_with
from facegan.recipes import load_recipe, shipped_recipes, stage_ends

FAST = {"batch_size": 6, "precision": "fp32", "device": "cpu", "quiet": True}
"""The fixture's 42 faces at batch 6 (7 iterations an epoch), in fp32 so that every CPU computes the same."""


def short(recipe: dict, iterations: int = 1) -> dict:
    """The recipe with every stage `iterations` long, a small D, and one face monitored (grids and D were most of
    a short stage's time)."""
    return {**recipe, "start": {**recipe["start"], "num_fixed_noise": 7, "ndf": 8},
            "stages": [{**stage, "iterations": iterations} for stage in recipe["stages"]]}


def same_state(a: Path, b: Path) -> None:
    first, second = load_checkpoint(a / "checkpoint.pt"), load_checkpoint(b / "checkpoint.pt")
    assert first["step"] == second["step"]
    for part in ("generator", "discriminator", "generator_ema"):
        for name, tensor in first.get(part, {}).items():
            assert torch.equal(tensor, second[part][name]), (part, name)
    assert torch.equal(first["rng_cpu"][0], second["rng_cpu"][0])


@pytest.mark.parametrize("name", shipped_recipes())
def test_every_shipped_recipe_equals_its_stages_run_one_by_one(name, fer_folder, tmp_path):
    recipe = short(load_recipe(name))
    (tmp_path / "recipe.json").write_text(json.dumps(recipe))
    flags = ["--batch-size", "6", "--precision", "fp32", "--device", "cpu", "--quiet", "--data", str(fer_folder)]
    assert main(["train", "--recipe", str(tmp_path / "recipe.json"), *flags, "--run-dir", str(tmp_path / "recipe")]) == 0
    ends = stage_ends(recipe["stages"])
    by_hand = facegan.train(facegan.Config(**{**recipe["start"], **FAST, **recipe["stages"][0]["changes"]}, data=str(fer_folder),
                                           max_steps=ends[0], run_dir=str(tmp_path / "by_hand")))
    for stage, end in zip(recipe["stages"][1:], ends[1:]):
        resume_with(by_hand, load_checkpoint(by_hand / "checkpoint.pt"), {**stage["changes"], "max_steps": end})
    same_state(tmp_path / "recipe", by_hand)
    config = json.loads((tmp_path / "recipe" / "config.json").read_text())
    assert len(config["history"]) == len(recipe["stages"]) - 1 and config["history"][-1]["from_iteration"] == ends[-2]
    last = {key: value for stage in recipe["stages"] for key, value in stage["changes"].items()}
    assert all(config[key] == value for key, value in last.items())  # config.json holds the options in force at the end


def test_a_recipe_run_resumes_across_its_stages(fer_folder, tmp_path):
    recipe = short(load_recipe("fer2013-translator"), 2)
    recipe["stages"] = recipe["stages"][:3]
    (tmp_path / "recipe.json").write_text(json.dumps(recipe))
    settings = {**FAST, "data": str(fer_folder)}
    straight = facegan.training.loop.train_recipe(recipe, {**settings, "run_dir": str(tmp_path / "straight")})
    ends = stage_ends(recipe["stages"])
    stopped = facegan.train(facegan.Config(**{**recipe["start"], **settings}, max_steps=ends[0], stages=recipe["stages"],
                                           run_dir=str(tmp_path / "stopped")))
    second = {**recipe["stages"][1]["changes"], "max_steps": ends[0] + 1}  # stopped after one iteration of its second stage
    resume_with(stopped, load_checkpoint(stopped / "checkpoint.pt"), second)
    assert main(["train", "--resume", str(stopped)]) == 0
    same_state(straight, stopped)


def test_a_plain_resume_cannot_change_the_recipe(fer_folder, tmp_path, capsys):
    run = facegan.train(facegan.Config(model="translator", dataset="fer2013", data=str(fer_folder), max_steps=1,
                                       run_dir=str(tmp_path / "run"), **FAST))
    with pytest.raises(facegan.FaceganError, match="--mask-loss cannot change when a run resumes"):
        facegan.resume(run, mask_loss=3.0)
    assert main(["train", "--resume", str(run), "--max-steps", "2"]) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["max_steps"] == 2 and config["history"] == [{"from_iteration": 1, "changes": {"max_steps": 2}}]
