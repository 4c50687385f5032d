"""How much expression can any warp restricted to shapes faces have buy? The ceiling of the lever "a learned warp
restricted to real shapes" (issue 26): each test face's landmarks go to the target's typical shape plus up to
`radius` standard deviations along each of the target's principal modes (geometry.MODES), the offsets chosen for
that face alone, by gradient ascent on the robust expression classifier's probability of the target in the
moved face, blurred by 1 pixel (as eval-edit's score blurs it). A network predicting the offsets from the face
(a learned engine) could at best match this; optimised against the very classifier that scores it, it is a
generous ceiling. Radius 0 is the shipped geometry engine at FER2013's size.

The move is rendered as the geometry engine renders it at 48x48: the share of a turned face, inner lips not
crossed, the thin-plate field, the share that does not fold (geometry.STRETCH_FLOOR), bicubic resampling.

    python experiments/shape_space_ceiling.py --data ../shared/data/fer2013 --radii 0 1 2 3 --n 200 --steps 20 --out runs/ssc200

Prints one line of scores per radius and how far the chosen shapes lie from the target's mean (in standard
deviations along its modes); writes OUT/strips_<radius>.png (the first eight faces, then every expression).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from edit_report import report_variant
from facegan.data import load_fer2013
from facegan.editing.align import FRAME, face_region
from facegan.editing.geometry import (ANCHORS, GRID, STRETCH_FLOOR, GeometryEngine, face_landmarks, field_for, lips_not_crossed,
                                      load_geometry, turn, turned_share)
from facegan.editing.glasses import load_glasses
from facegan.editing.warp import unfolded_share
from facegan.metrics.classifier import ROBUST_WEIGHTS, gaussian_blur, load_classifier, to_input
from facegan.metrics.classifier_numpy import expressions
from facegan.models.warp import warp


def spline_kernel(points: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """r^2 log r between points (B, m, 2) and centres (B, n, 2), (B, m, n)."""
    squared = (points[:, :, None] - centres[:, None]).pow(2).sum(-1)
    return 0.5 * squared * torch.log(squared.clamp_min(1e-20))


def torch_field(landmarks: torch.Tensor, move: torch.Tensor, smoothing: float = 1e-3) -> torch.Tensor:
    """geometry.field_for in PyTorch, differentiable in `move`: the backward field (B, 2, GRID, GRID)."""
    anchors = torch.as_tensor(ANCHORS, dtype=move.dtype).expand(len(move), -1, -1)
    source = torch.cat([landmarks, anchors], 1)
    target = torch.cat([landmarks + move, anchors], 1)
    count = target.shape[1]
    affine = torch.cat([torch.ones_like(target[..., :1]), target], -1)
    top = torch.cat([spline_kernel(target, target) + smoothing * torch.eye(count, dtype=move.dtype), affine], 2)
    bottom = torch.cat([affine.transpose(1, 2), torch.zeros(len(move), 3, 3, dtype=move.dtype)], 2)
    values = torch.cat([source - target, torch.zeros(len(move), 3, 2, dtype=move.dtype)], 1)
    weights = torch.linalg.solve(torch.cat([top, bottom], 1), values)
    centres = (torch.arange(GRID, dtype=move.dtype) + 0.5) * FRAME / GRID - 0.5
    points = torch.stack(torch.meshgrid(centres, centres, indexing="xy"), -1).reshape(1, -1, 2).expand(len(move), -1, -1)
    field = spline_kernel(points, target) @ weights[:, :count] + torch.cat([torch.ones_like(points[..., :1]), points], -1) @ weights[:, count:]
    return field.transpose(1, 2).reshape(len(move), 2, GRID, GRID)


def chosen_offsets(faces: torch.Tensor, landmarks: np.ndarray, base_moves: np.ndarray, targets: np.ndarray, modes: np.ndarray,
                   radius: float, critic: torch.nn.Module, steps: int) -> np.ndarray:
    """Per (face, target) pair: the offsets (B, MODES), each within `radius`, along the target's scaled modes
    (B, MODES, 68, 2) that the critic reads the target best in, blurred; faces uint8 (B, 1, 48, 48)."""
    axis = torch.arange(FRAME, dtype=torch.float32)
    xs, ys = np.meshgrid(axis.numpy(), axis.numpy())
    fade = torch.from_numpy(face_region(xs, ys, FRAME))[None, None]
    base = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), -1)[None]
    points, moves = torch.from_numpy(landmarks), torch.from_numpy(base_moves)
    scaled_modes, labels, real = torch.from_numpy(modes), torch.from_numpy(targets).long(), to_input(faces)
    free = torch.zeros(len(faces), modes.shape[1], dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.Adam([free], lr=0.15)
    for _ in range(steps):
        offsets = radius * torch.tanh(free)
        field = torch_field(points, moves + torch.einsum("bk,bkpc->bpc", offsets, scaled_modes)).float()
        moved = gaussian_blur(warp(real, field, fade, base), torch.ones(len(faces)))
        logits = (critic(moved) + critic(moved.flip(3))) / 2
        loss = F.cross_entropy(logits, labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return (radius * torch.tanh(free)).detach().numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--radii", type=float, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--out", default="runs/shape_space_ceiling")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    train, test = load_fer2013(args.data, "train"), load_fer2013(args.data, "test")
    geometry = load_geometry()
    names, classes = geometry.class_names, len(geometry.class_names)
    critic = load_classifier(ROBUST_WEIGHTS)[0].eval().requires_grad_(False)
    engine = GeometryEngine(geometry, load_glasses())
    scaled_modes = geometry.modes * geometry.spread[:, :, None, None]  # (K, MODES, 68, 2): one standard deviation each

    for radius in args.radii:
        distances, spent = [], []

        def render(faces: torch.Tensor) -> torch.Tensor:
            started = time.perf_counter()
            sources, landmarks = expressions(faces), face_landmarks(faces)
            pairs = [(face, target) for face, source in enumerate(sources) for target in range(classes) if target != source]
            index, targets = (np.array(column) for column in zip(*pairs))
            base_moves = np.stack([geometry.move(sources[face], target) for face, target in pairs])
            offsets = np.zeros((len(pairs), scaled_modes.shape[1]))
            if radius > 0:
                for chunk in np.array_split(np.arange(len(pairs)), max(1, len(pairs) // 300)):
                    offsets[chunk] = chosen_offsets(faces[index[chunk]], landmarks[index[chunk]], base_moves[chunk], targets[chunk],
                                                    scaled_modes[targets[chunk]], radius, critic, args.steps)
            typical_offsets = np.einsum("bpc,bkpc->bk", (geometry.typical - geometry.means)[targets], geometry.modes[targets]) / geometry.spread[targets]
            distances.append(np.linalg.norm(typical_offsets + offsets, axis=1))
            moves = base_moves + np.einsum("bk,bkpc->bpc", offsets, scaled_modes[targets])
            fields = np.zeros((len(faces), classes, 2, GRID, GRID), np.float32)
            for face, points in enumerate(landmarks):  # as GeometryEngine.face_fields moves a face at FER2013's size
                own = index == face
                share = turned_share(turn(points))
                face_fields = field_for(points, np.stack([lips_not_crossed(share * move, points) for move in moves[own]]))
                fields[face, targets[own]] = unfolded_share(face_fields, FRAME, STRETCH_FLOOR)[:, None, None, None] * face_fields
            spent.append(time.perf_counter() - started)
            return torch.stack([engine.moved_faces(face, face_fields) for face, face_fields in zip(faces, fields)])

        report_variant(f"radius {radius:g}", render, test, train, args.n, names, out / f"strips_{radius:g}.png")
        distance = np.concatenate(distances)
        print(f"radius {radius:g}: the shapes lie {np.median(distance):.2f} standard deviations from the target's mean along its "
              f"modes (median; 90th percentile {np.percentile(distance, 90):.2f}); {spent[-1]:.0f} s", flush=True)


if __name__ == "__main__":
    main()
