"""One face turned to every expression by the default engine, as eval-edit times it (`FieldEngine.every_class`, a
48x48 FER2013 test face at a time): this working tree against an earlier commit of facegan (the reference, checked out
into a temporary git worktree), measured in one run.

Each side is a fresh process that reads the engine, edits two faces to warm up, then times PASSES passes over FACES
faces, one face at a time; the sides alternate RUNS times so that both see the same machine, and each figure is the
best pass of all, in milliseconds per face: the whole edit, and the parts of it that each side times on its own.

    python benchmarks/one_face.py --data ../shared/data/fer2013 --reference d3e9490
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACES, PASSES, RUNS = 40, 3, 4
TIMING = """
import json, sys, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from facegan.editing import field_engine, geometry, load_engine
paths = sorted(Path(sys.argv[1]).glob("test/*/*.jpg"))[::50][:{faces}]
faces = torch.from_numpy(np.stack([np.array(Image.open(path).convert("L"))[None] for path in paths]))
engine = load_engine(None, "geometry")
engine.every_class(faces[:2])
parts = {{}}

def timed(owner, name):
    function = getattr(owner, name)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            parts[name] = parts.get(name, 0.0) + time.perf_counter() - started
    setattr(owner, name, wrapper)

for owner, name in ((field_engine, "expressions"), (geometry, "cropped_landmarks"), (geometry, "field_for"), (type(engine), "moved_faces")):
    timed(owner, name)
best = {{"ms": float("inf"), "parts": {{}}}}
for _ in range({passes}):
    parts.clear()
    started = time.perf_counter()
    for face in faces:
        engine.every_class(face[None])
    best["ms"] = min(best["ms"], (time.perf_counter() - started) / len(faces) * 1000)
    best["parts"] = {{name: min(best["parts"].get(name, float("inf")), spent / len(faces) * 1000) for name, spent in parts.items()}}
print(json.dumps(best))
"""
PART_NAMES = {"expressions": "reading the expression (classifier)", "cropped_landmarks": "68 landmarks",
              "field_for": "thin-plate fields", "moved_faces": "warping the face seven times"}


def run(source: Path, data: str) -> dict:
    script = TIMING.format(faces=FACES, passes=PASSES)
    done = subprocess.run([sys.executable, "-c", script, data], env={**os.environ, "PYTHONPATH": str(source / "src")},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="FER2013 in its image-folder layout")
    parser.add_argument("--reference", required=True, help="the commit to compare against")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        reference = Path(folder) / "reference"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(reference), args.reference], check=True, capture_output=True)
        try:
            runs = {"reference": [], "current": []}
            for _ in range(RUNS):
                runs["reference"].append(run(reference, args.data))
                runs["current"].append(run(ROOT, args.data))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(reference)], check=True)
    best = {side: {"whole edit": min(one["ms"] for one in done)} | {PART_NAMES[name]: min(one["parts"][name] for one in done) for name in PART_NAMES}
            for side, done in runs.items()}
    print(f"{FACES} faces, one at a time, best of {RUNS} runs of {PASSES} passes each; milliseconds per face")
    print(f"{'':36} {'reference (' + args.reference + ')':>22} {'current':>8} {'speed-up':>8}")
    for part, reference_ms in best["reference"].items():
        print(f"{part:36} {reference_ms:22.1f} {best['current'][part]:8.1f} {reference_ms / best['current'][part]:7.2f}x")

if __name__ == "__main__":
    main()
