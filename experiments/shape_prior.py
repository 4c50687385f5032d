"""How much expression geometry alone can give when each face's move is chosen for it, among shapes faces
have: the target expression's mean move times a gain, plus its landmark modes (facegan.editing.geometry),
each coefficient held within `--bound` standard deviations (the jaw left to the mean move), optimised per face and target so that the robust
classifier reads the target in the blurred moved face. No network is trained: it measures the ceiling of a
critic with a shape prior before one is built (issue 26).

    python experiments/shape_prior.py --data ../shared/data/fer2013 --n 100 --out runs/shape_prior

The optimised score is not independent (the robust classifier chose the moves): read the plain classifier's
score after the blur and JPEG, and the strips. Writes OUT/strips.png and prints one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from facegan import visuals
from facegan.data import load_fer2013
from facegan.metrics.classifier_numpy import expressions
from facegan.editing.geometry import ANCHORS, GRID, face_landmarks, load_geometry
from facegan.editing.warp import spline_kernel
from facegan.metrics.classifier import ROBUST_WEIGHTS, accuracy_summary, gaussian_blur, load_classifier, predict, to_input
from facegan.metrics.marks import blurred_and_compressed
from facegan.editing.align import FRAME
from facegan.models.warp import WarpTranslator, warp

STEPS = 40
JAW = slice(0, 17)
"""The jaw's landmarks: its modes carry most of the pose left in FER2013's shapes, and moving it a few pixels
next to the still border folds the field, so the modes leave it where the mean move puts it."""


def field_operator(landmarks: np.ndarray, smoothing: float = 1e-3) -> torch.Tensor:
    """The linear map (GRID², 68) from the landmarks' moves to the thin-plate field's values on the grid,
    with the spline's centres at the landmarks where they are (a good approximation for moves of a few pixels)."""
    centres_all = np.vstack([landmarks, ANCHORS])
    count = len(centres_all)
    affine = np.hstack([np.ones((count, 1)), centres_all])
    system = np.zeros((count + 3, count + 3))
    system[:count, :count] = spline_kernel(centres_all, centres_all) + smoothing * np.eye(count)
    system[:count, count:], system[count:, :count] = affine, affine.T
    centres = (np.arange(GRID) + 0.5) * FRAME / GRID - 0.5
    points = np.stack(np.meshgrid(centres, centres), -1).reshape(-1, 2)
    basis = np.hstack([spline_kernel(points, centres_all), np.ones((len(points), 1)), points])
    return torch.from_numpy((basis @ np.linalg.inv(system))[:, :68]).float()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--bound", type=float, default=1.0, help="each mode's coefficient within this many standard "
                        "deviations, the gain within [0, 1 + bound]")
    parser.add_argument("--out", default="runs/shape_prior")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    test = load_fer2013(args.data, "test")
    pick = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))[: args.n]
    faces, labels = test.images[pick], test.labels[pick]
    geometry = load_geometry()
    means, modes, spread = (torch.from_numpy(a).float() for a in (geometry.means, geometry.modes, geometry.spread))
    modes[:, :, JAW] = 0
    critic = load_classifier(ROBUST_WEIGHTS)[0].requires_grad_(False)
    shell = WarpTranslator(FRAME, 1, 7)  # only its fade and pixel grid
    sources, landmarks = expressions(faces), face_landmarks(faces)
    classes = len(geometry.class_names)
    every_class = faces[:, None].repeat(1, classes, 1, 1, 1)
    for index in range(args.n):
        operator, source = field_operator(landmarks[index]), sources[index]
        targets = torch.tensor([t for t in range(classes) if t != source])
        face = to_input(faces[index : index + 1]).repeat(len(targets), 1, 1, 1)
        gain = torch.ones(len(targets), requires_grad=True)
        coefficients = torch.zeros(len(targets), modes.shape[1], requires_grad=True)
        optimiser = torch.optim.Adam([gain, coefficients], lr=0.1)
        for step in range(STEPS + 1):
            move = (gain.clamp(0, 1 + args.bound)[:, None, None] * (means[targets] - means[source])
                    + torch.einsum("nk,nkpd->npd", coefficients.clamp(-args.bound, args.bound) * spread[targets], modes[targets]))
            field = -(operator @ move).permute(0, 2, 1).reshape(len(targets), 2, GRID, GRID)
            moved = warp(face, field, shell.fade, shell.base)
            if step == STEPS:
                break
            blurred = gaussian_blur(moved, torch.ones(len(targets)))
            loss = F.cross_entropy(critic(blurred), targets) + 0.05 * coefficients.pow(2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        every_class[index, targets] = moved.detach().add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8)
    others = (torch.tensor(sources)[:, None] + torch.arange(1, classes)) % classes
    edited = every_class[torch.arange(args.n)[:, None], others].flatten(0, 1)
    wanted = others.flatten()
    plain = load_classifier()[0]

    def balanced(classifier: torch.nn.Module, images: torch.Tensor, truth: torch.Tensor) -> float:
        return accuracy_summary(predict(classifier, images)[0].argmax(1), truth, geometry.class_names)["balanced_accuracy"]

    washed = blurred_and_compressed(edited)
    print(f"{len(edited)} edits of {args.n} faces: expression {balanced(plain, edited, wanted):.3f} (plain classifier), after blur "
          f"and JPEG {balanced(critic, washed, wanted):.3f} (robust, which chose the moves) and {balanced(plain, washed, wanted):.3f} "
          f"(plain; real faces {balanced(plain, blurred_and_compressed(faces), labels):.3f})")
    strips = torch.cat([torch.cat([faces[i : i + 1], every_class[i]]) for i in range(min(8, args.n))])
    visuals.save_labelled_grid(strips, out / "strips.png", ["photo", *geometry.class_names])


if __name__ == "__main__":
    main()
