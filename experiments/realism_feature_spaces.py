"""Which feature space can judge realism? Real faces damaged in known ways, scored in the expression
classifier's features and in the appearance network's.

A realism score must grow with the damage: blur, noise, blockiness (a face drawn at lower resolution),
and dark strokes like the ones the augmented translators draw. Each damaged set is 2,000 training faces
against the held-out faces, beside the same 2,000 faces undamaged (the floor). Each distance is also
shown as a multiple of its space's floor, so the two spaces can be compared.

    python experiments/realism_feature_spaces.py --data ../shared/data/fer2013 [--appearance runs/fer2013_appearance.pt]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch.nn import functional as F

from facegan import visuals
from facegan.data import load_fer2013
from facegan.metrics.appearance import SHIPPED_WEIGHTS, load_appearance_network
from facegan.metrics.classifier import load_classifier, predict
from facegan.metrics.distances import frechet_distance


def blur(faces: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = int(3 * sigma)
    kernel = torch.exp(-torch.arange(-radius, radius + 1).float() ** 2 / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    x = F.pad(faces.float(), (radius,) * 4, mode="replicate")
    x = F.conv2d(F.conv2d(x, kernel.view(1, 1, 1, -1)), kernel.view(1, 1, -1, 1))
    return x.round().clamp(0, 255).byte()


def noise(faces: torch.Tensor, std: float, generator: torch.Generator) -> torch.Tensor:
    return (faces.float() + std * torch.randn(faces.shape, generator=generator)).round().clamp(0, 255).byte()


def blocky(faces: torch.Tensor, size: int) -> torch.Tensor:
    return F.interpolate(F.interpolate(faces.float(), size=size, mode="area"), size=48, mode="nearest").round().byte()


def strokes(faces: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    """`count` dark strokes, 2 px wide and 6-16 px long, on the middle of each face (brows, eyes, mouth)."""
    out = faces.clone()
    n = len(faces)
    for _ in range(count):
        start = 12 + 24 * torch.rand(n, 2, generator=generator)
        angle = torch.rand(n, generator=generator) * torch.pi
        length = 6 + 10 * torch.rand(n, generator=generator)
        step = torch.stack([angle.cos(), angle.sin()], 1) * length[:, None]
        points = start[:, None] + torch.linspace(0, 1, 24)[None, :, None] * step[:, None]  # (n, 24, 2)
        darkness = (20 * torch.rand(n, generator=generator)).byte()
        for dy in (0, 1):
            for dx in (0, 1):
                y = (points[..., 1] + dy).long().clamp(0, 47)
                x = (points[..., 0] + dx).long().clamp(0, 47)
                rows = torch.arange(n)[:, None].expand_as(y)
                out[rows, 0, y, x] = darkness[:, None].expand_as(y)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--appearance", default=str(SHIPPED_WEIGHTS))
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--out", default="realism_damage.png", help="six faces under each damage")
    args = parser.parse_args()
    train, test = load_fer2013(args.data, "train"), load_fer2013(args.data, "test")
    generator = torch.Generator().manual_seed(0)
    faces = train.images[torch.randperm(len(train), generator=generator)[: args.n]]
    damaged = {
        "floor": faces,
        "blur 0.7": blur(faces, 0.7), "blur 1.5": blur(faces, 1.5),  # Gaussian sigma in pixels
        "noise 8": noise(faces, 8, generator), "noise 20": noise(faces, 20, generator),  # std in grey levels
        "at 24px": blocky(faces, 24), "at 16px": blocky(faces, 16),  # drawn at 24x24 or 16x16, shown at 48x48
        "2 strokes": strokes(faces, 2, generator), "5 strokes": strokes(faces, 5, generator),
    }
    spaces = {"classifier": load_classifier()[0], "appearance": load_appearance_network(args.appearance)[0]}
    distances = {}
    for space, network in spaces.items():
        _, reference = predict(network, test.images)
        distances[space] = {name: frechet_distance(predict(network, images)[1], reference) for name, images in damaged.items()}
    print(f"| damage ({args.n} training faces vs {len(test)} test faces) | classifier FD | x floor | appearance FD | x floor |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in damaged:
        row = " | ".join(f"{distances[s][name]:.2f} | {distances[s][name] / distances[s]['floor']:.1f}" for s in spaces)
        print(f"| {name} | {row} |")
    visuals.save_labelled_grid(torch.stack([images[:6] for images in damaged.values()], 1).flatten(0, 1),
                               Path(args.out), list(damaged))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
