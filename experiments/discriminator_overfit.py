"""Does a run's D memorise its training faces? Its realness and its classifier on 256 training and 256 test faces.

    python experiments/discriminator_overfit.py RUN/checkpoint.pt [MORE.pt ...] --data ../shared/data/fer2013

Prints, per checkpoint and split, D's mean realness, the mean squared norm of its gradient with respect to
the face (what an R1 penalty would add), and its classifier's accuracy. A train-test gap in either is memorisation.
"""

from __future__ import annotations

import argparse

import torch

from facegan.data import load_fer2013
from facegan.models.checkpoint import load_checkpoint, load_models
from facegan.models import to_model_range


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    splits = {split: load_fer2013(args.data, split=split) for split in ("train", "test")}
    for path in args.checkpoints:
        _, _, discriminator = load_models(load_checkpoint(path))
        discriminator.eval()
        for split, data in splits.items():
            torch.manual_seed(0)
            chosen = torch.randperm(len(data))[:256]
            faces = to_model_range(data.images[chosen]).requires_grad_()
            labels = data.labels[chosen]
            logits, classes = discriminator(faces, labels, with_classes=True)
            gradient, = torch.autograd.grad(logits.sum(), faces)
            print(f"{path} {split}: realness {logits.sigmoid().mean():.3f}, "
                  f"gradient^2 {gradient.pow(2).flatten(1).sum(1).mean():.3f}, "
                  f"classifier accuracy {(classes.argmax(1) == labels).float().mean():.3f}")


if __name__ == "__main__":
    main()
