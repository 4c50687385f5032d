"""The editing engines by name, and the one way to load one: `load_engine`.

A weight file says which engine it is for by its kind (and a training checkpoint by the model in its
config); `--engine NAME` picks another that can read it. Adding an engine is a file with its class and
one line in ENGINES.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from facegan.config import flag_name
from facegan.errors import FaceganError

if TYPE_CHECKING:
    from facegan.editing.engine import EditEngine

ENGINES: dict[str, str] = {
    "translator": "facegan.editing.translate:TranslatorEngine",
    "inversion": "facegan.editing.redraw:InversionEngine",
    "geometry": "facegan.editing.geometry:GeometryEngine",
    "warp": "facegan.editing.move:WarpEngine",
}
"""Each engine's class, imported only when it is loaded: the geometry engine runs without PyTorch, and importing
it costs a command about 2 seconds. Each class has `name`, `controls`, `settings` (what it takes when loaded)
and `load(path, **settings)`."""
DEFAULT_ENGINE = "geometry"
"""What edits without a weight file: the shipped engine whose edits look most like photographs (docs/results.md)."""


def engine_for(path: str | Path | None) -> str:
    """The engine a weight file is for: an exported translator, a geometry file, or a training run's
    translator, warp translator or conditional DCGAN; without a file, DEFAULT_ENGINE."""
    if path is None:
        return DEFAULT_ENGINE
    from facegan.editing.geometry import KIND as GEOMETRY_KIND
    from facegan.editing.move import KIND as WARP_KIND
    from facegan.editing.translate import KIND as TRANSLATOR_KIND
    from facegan.models.checkpoint import load_checkpoint
    from facegan.weights import file_kind

    kind = file_kind(Path(path))
    if kind == TRANSLATOR_KIND:
        return "translator"
    if kind == GEOMETRY_KIND:
        return "geometry"
    if kind == WARP_KIND:
        return "warp"
    model = load_checkpoint(path)["config"].get("model")  # one clear line for a file that is neither
    return {"translator": "translator", "warp": "warp"}.get(model, "inversion")


def load_engine(path: str | Path | None = None, engine: str | None = None, **settings) -> EditEngine:
    """The engine `engine` (default: the one the file is for) loaded from `path` (None: what it uses
    without a file). `settings` left as None are not given; one the engine does not take is refused."""
    name = engine or engine_for(path)
    if name not in ENGINES:
        raise FaceganError(f"unknown engine '{name}': choose one of {', '.join(ENGINES)}")
    module, engine_class = ENGINES[name].split(":")
    chosen = getattr(importlib.import_module(module), engine_class)
    given = {key: value for key, value in settings.items() if value is not None}
    unknown = sorted(set(given) - set(chosen.settings))
    if unknown:
        flags = " and ".join(map(flag_name, unknown))
        raise FaceganError(f"{flags} {'does' if len(unknown) == 1 else 'do'} not apply to the {name} engine: drop "
                           f"{'it' if len(unknown) == 1 else 'them'}")
    return chosen.load(path, **given)
