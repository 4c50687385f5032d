"""Shape and shading of each expression's average face (Rowland and Perrett 1995, "Manipulating facial
appearance through shape and color"): the geometry engine's mean landmark move, plus the change in
shading between the two expressions' shape-free average faces, applied as a smooth gain on the moved face.

Each training face is warped (thin-plate spline) so its 68 landmarks sit on the reference shape, divided by
its own mean brightness, and averaged per expression. The log ratio of the target's average to the source's,
blurred and with its mean over the face removed, is the shading an expression adds that a move cannot: the
dark of an opening mouth, the light of teeth, the shadow of a raised cheek. It is warped onto the face's moved
landmarks and multiplied in. No network is trained.

    python experiments/expression_texture.py --data ../shared/data/fer2013 --gains 0 1 --n 500

Writes OUT/textures.png (each expression's average face), OUT/strips_<gain>.png and prints one line per gain.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from facegan import visuals
from facegan.data import load_fer2013
from facegan.metrics.classifier_numpy import expressions
from facegan.editing.geometry import GeometryEngine, face_landmarks, field_for, load_geometry
from facegan.editing.glasses import load_glasses
from facegan.editing.warp import thin_plate_field
from facegan.editing.align import FRAME, face_region
from edit_report import report_variant

SHADING_SIGMA = 1.5
"""Pixels of the 48-pixel frame: the shading is kept only at scales a move of the photo's pixels cannot give."""


def resampled(faces: torch.Tensor, fields: np.ndarray) -> torch.Tensor:
    """Faces (N, C, 48, 48) float read through dense backward fields (N, 2, 48, 48) in pixels."""
    axis = torch.arange(FRAME, dtype=torch.float32)
    base = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), -1)[None]
    source = base + torch.from_numpy(fields).float().permute(0, 2, 3, 1)
    grid = (source + 0.5) * (2 / FRAME) - 1
    return F.grid_sample(faces.float(), grid, mode="bilinear", padding_mode="border", align_corners=False)


def shape_free(faces: torch.Tensor, landmarks: np.ndarray, reference: np.ndarray) -> torch.Tensor:
    """Faces (N, 1, 48, 48) uint8 warped so their landmarks sit on `reference`, each divided by its mean on the
    face; FER2013's few blank faces are left out."""
    fields = np.stack([thin_plate_field(points, reference, FRAME, FRAME) for points in landmarks])
    warped = resampled(faces, fields) / 255
    xs, ys = np.meshgrid(np.arange(FRAME, dtype=np.float64), np.arange(FRAME, dtype=np.float64))
    region = torch.from_numpy(face_region(xs, ys, FRAME))
    brightness = (warped * region).sum((-1, -2), keepdim=True) / region.sum()
    lit = brightness.flatten() > 0.05
    return warped[lit] / brightness[lit]


def blurred(picture: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = int(3 * sigma + 0.5)
    taps = torch.exp(-torch.arange(-radius, radius + 1, dtype=torch.float32) ** 2 / (2 * sigma**2))
    taps = taps / taps.sum()
    padded = F.pad(picture, (radius,) * 4, mode="replicate")
    return F.conv2d(F.conv2d(padded, taps.view(1, 1, 1, -1)), taps.view(1, 1, -1, 1))


def shading_maps(textures: torch.Tensor) -> torch.Tensor:
    """The log ratio (K, K, 48, 48) of each target's average face to each source's, blurred, its mean on the face removed."""
    logs = torch.log(textures.clamp_min(0.05))
    ratios = blurred((logs[None] - logs[:, None]).reshape(-1, 1, FRAME, FRAME), SHADING_SIGMA).reshape(*logs.shape[:1] * 2, FRAME, FRAME)
    xs, ys = np.meshgrid(np.arange(FRAME, dtype=np.float64), np.arange(FRAME, dtype=np.float64))
    region = torch.from_numpy(face_region(xs, ys, FRAME))
    return ratios - (ratios * region).sum((-1, -2), keepdim=True) / region.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--per-class", type=int, default=1500)
    parser.add_argument("--gains", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--out", default="runs/expression_texture")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train, test = load_fer2013(args.data, "train"), load_fer2013(args.data, "test")
    geometry = load_geometry()
    names = geometry.class_names
    cache = out / f"textures_{args.per_class}.pt"
    if cache.exists():
        textures = torch.load(cache)
    else:
        started, rows = time.perf_counter(), []
        generator = torch.Generator().manual_seed(0)
        for label in range(len(names)):
            own = torch.nonzero(train.labels == label).flatten()
            own = own[torch.randperm(len(own), generator=generator)[: args.per_class]]
            faces = train.images[own]
            rows.append(shape_free(faces, face_landmarks(faces), geometry.reference).mean(0)[0])
            print(f"{names[label]}: {len(own)} faces, {time.perf_counter() - started:.0f} s", flush=True)
        textures = torch.stack(rows)
        torch.save(textures, cache)
    visuals.save_labelled_grid((textures[:, None] / textures.max() * 255).clamp(0, 255).byte(), out / "textures.png", list(names))
    maps = shading_maps(textures)

    engine = GeometryEngine(geometry, load_glasses())
    xs, ys = np.meshgrid(np.arange(FRAME, dtype=np.float64), np.arange(FRAME, dtype=np.float64))
    fade = torch.from_numpy(face_region(xs, ys, FRAME))

    def render(faces: torch.Tensor, gain: float) -> torch.Tensor:
        """Every class of each face: the geometry engine's move, then the shading times `gain`."""
        edited = []
        for face, source, points in zip(faces, expressions(faces), face_landmarks(faces)):
            moves = [geometry.move(source, target) for target in range(len(names))]
            fields = np.stack([field_for(points, move) for move in moves])
            moved = engine.moved_faces(face, fields).float() / 255
            for target, move in enumerate(moves):
                if target != source:
                    onto = thin_plate_field(geometry.reference, points + move, FRAME, FRAME)
                    shading = resampled(maps[source, target][None, None], onto[None])[0]
                    moved[target] = moved[target] * torch.exp(gain * shading * fade)
            edited.append((moved.clamp(0, 1) * 255 + 0.5).byte())
        return torch.stack(edited)

    for gain in args.gains:
        report_variant(f"shading gain {gain:g}", lambda faces: render(faces, gain), test, train, args.n, names,
                       out / f"strips_{gain:g}.png")


if __name__ == "__main__":
    main()
