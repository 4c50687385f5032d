"""Staged recipes: a run made of stages, each going on for a number of iterations with some of the
step's options changed, so that a model trained in stages is rebuilt by one command.

A recipe is a JSON file: `start`, the Config of the first stage (anything `facegan train` takes), and
`stages`, a list of {"iterations": N, "changes": {option: value}} (changes accumulate). facegan's own
recipes (the shipped translator's, and the warp translator's, not shipped yet) live in facegan/recipes/ and
are named without `.json`:

    facegan train --recipe fer2013-translator --data ../shared/data/fer2013 --run-dir runs/translator

This module reads and checks recipes; facegan.training.loop runs them. The plan is kept in the run's
config, so `facegan train --resume RUN` goes on through the stages left, and every stage's changes are
recorded in config.json's history.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from facegan.config import RESUMABLE, Config, Recipe
from facegan.errors import FaceganError

SHIPPED_RECIPES = Path(__file__).parent
STAGE_OPTIONS = frozenset(f.name for f in fields(Recipe)) | (set(RESUMABLE) - {"max_steps"})
"""What a stage may change: the step's recipe, and what a resume may change (its length is `iterations`)."""


def shipped_recipes() -> list[str]:
    return sorted(path.stem for path in SHIPPED_RECIPES.glob("*.json"))


def load_recipe(name: str | Path) -> dict:
    """A shipped recipe by name, or a recipe file; checked, or one line on what is wrong with it."""
    path = SHIPPED_RECIPES / f"{name}.json" if str(name) in shipped_recipes() else Path(name)
    if not path.is_file():
        raise FaceganError(f"recipe '{name}' does not exist: pass a recipe file, or one of facegan's: {', '.join(shipped_recipes())}")
    try:
        recipe = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise FaceganError(f"recipe '{path}' is not JSON ({error})") from None
    check_recipe(recipe, path)
    return recipe


def check_recipe(recipe: dict, path: str | Path) -> None:
    if not isinstance(recipe, dict) or not isinstance(recipe.get("start"), dict) or not isinstance(recipe.get("stages"), list) \
            or not recipe["stages"]:
        raise FaceganError(f"recipe '{path}' needs 'start' (the first stage's options) and a non-empty list of 'stages'")
    known = {f.name for f in fields(Config)}
    for number, stage in enumerate(recipe["stages"], 1):
        if not isinstance(stage, dict) or not isinstance(stage.get("iterations"), int) or stage["iterations"] < 1:
            raise FaceganError(f"recipe '{path}', stage {number}: give its length as \"iterations\": a whole number >= 1")
        changes = stage.get("changes", {})
        wrong = sorted(set(changes) - STAGE_OPTIONS) if isinstance(changes, dict) else ["changes"]
        if wrong:
            raise FaceganError(f"recipe '{path}', stage {number}: {', '.join(wrong)} cannot change between stages "
                               f"(a stage may change {', '.join(sorted(STAGE_OPTIONS))})")
    unknown = sorted(set(recipe["start"]) - known)
    if unknown:
        raise FaceganError(f"recipe '{path}': unknown options in 'start': {', '.join(unknown)}")


def stage_ends(stages: list[dict]) -> list[int]:
    """The iteration each stage ends at."""
    ends, total = [], 0
    for stage in stages:
        total += stage["iterations"]
        ends.append(total)
    return ends
