"""The whole `facegan edit` process with the default engine, against the same command with PyTorch imported
first (what every edit cost before the geometry engine's path stopped importing it), measured in one run.

Each command is a fresh process that edits the bundled astronaut into all seven expressions; the figure is
the median wall time of RUNS runs of each, alternated so that both see the same disk cache.

    python benchmarks/edit_wall_time.py
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHOTO = Path(__file__).resolve().parents[1] / "src" / "facegan" / "data" / "demo" / "astronaut.jpg"
EDIT = "from facegan.cli import main; import sys; sys.argv = ['facegan', 'edit', {photo!r}, '--to', 'all', '--out', {out!r}]; main()"


def wall_time(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as scratch:
        edit = EDIT.format(photo=str(PHOTO), out=str(Path(scratch) / "edit.jpg"))
        wall_time(edit)  # warm the disk cache for both
        timings: dict[str, list[float]] = {"facegan edit": [], "with PyTorch imported first": []}
        for _ in range(runs):
            timings["facegan edit"].append(wall_time(edit))
            timings["with PyTorch imported first"].append(wall_time("import torch; " + edit))
    medians = {name: statistics.median(seconds) for name, seconds in timings.items()}
    reference = medians["with PyTorch imported first"]
    print(f"| command (astronaut, all seven expressions) | wall s (median of {runs}) | vs reference |\n| --- | ---: | ---: |")
    for name, seconds in medians.items():
        print(f"| {name} | {seconds:.2f} | {reference / seconds:.2f}x |")


if __name__ == "__main__":
    main()
