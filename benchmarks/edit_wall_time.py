"""The whole `facegan edit` process with the default engine, against the same command as it ran before its two
speed-ups, measured in one run: with dlib reading its two landmark models first (as every edit did before
facegan.editing.shape_predictor), and with PyTorch imported first as well (as every edit did before the
geometry engine's path stopped importing it). A first edit on a machine, which reads the models into
facegan's cache, is timed after deleting that cache (shape_predictor.CACHE) each run; the next run rebuilds it.

Each command is a fresh process that edits the bundled astronaut into all seven expressions; the figure is
the median wall time of RUNS runs of each, alternated so that all see the same disk cache.

    python benchmarks/edit_wall_time.py
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from facegan.editing.shape_predictor import CACHE

PHOTO = Path(__file__).resolve().parents[1] / "src" / "facegan" / "data" / "demo" / "astronaut.jpg"
EDIT = "from facegan.cli import main; import sys; sys.argv = ['facegan', 'edit', {photo!r}, '--to', 'all', '--out', {out!r}]; main()"
DLIB_READS = ("import dlib; from facegan.editing.landmarks import model_folder, MODEL_FILES; "
              "[dlib.shape_predictor(str(model_folder() / name)) for name in MODEL_FILES.values()]; ")
REFERENCE = "with dlib reading its landmark models first"


def wall_time(code: str, empty_cache: bool = False) -> float:
    if empty_cache:
        shutil.rmtree(CACHE, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as scratch:
        edit = EDIT.format(photo=str(PHOTO), out=str(Path(scratch) / "edit.jpg"))
        wall_time(edit)  # warm the disk cache and the landmark cache
        timings: dict[str, list[float]] = {"facegan edit": [], "first edit on a machine (empty landmark cache)": [],
                                           REFERENCE: [], "with PyTorch imported first as well": []}
        for _ in range(runs):
            timings["facegan edit"].append(wall_time(edit))
            timings["first edit on a machine (empty landmark cache)"].append(wall_time(edit, empty_cache=True))
            timings[REFERENCE].append(wall_time(DLIB_READS + edit))
            timings["with PyTorch imported first as well"].append(wall_time("import torch; " + DLIB_READS + edit))
    medians = {name: statistics.median(seconds) for name, seconds in timings.items()}
    print(f"| command (astronaut, all seven expressions) | wall s (median of {runs}) | vs {REFERENCE} |\n| --- | ---: | ---: |")
    for name, seconds in medians.items():
        print(f"| {name} | {seconds:.2f} | {medians[REFERENCE] / seconds:.2f}x |")


if __name__ == "__main__":
    main()
