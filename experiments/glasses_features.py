"""Before the glasses detector's network: a logistic regression on the HOG of the same band, CelebA's held-out faces.

    python experiments/glasses_features.py --celeba ../shared/data/celeba

The bands of `facegan train-glasses` (96x32, and the same resized to 64x24), HOG with 8-pixel cells and 16-pixel
blocks; fitted by Newton's method with L2 weight decay on standardized features, with mirror images of the fitted
bands or without. Prints, on the held-out faces, the share of faces with glasses found and the false alarms.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from facegan.editing.glasses import celeba_bands

DECAY = 10.0


def hog(bands: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    descriptor = cv2.HOGDescriptor(size, (16, 16), (8, 8), (8, 8), 9)
    return np.array([descriptor.compute(cv2.resize(band, size, interpolation=cv2.INTER_AREA)) for band in bands], np.float64)


def fitted(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, scale and weights (with the bias last) of the logistic regression."""
    mean, scale = features.mean(0), features.std(0) + 1e-6
    inputs = np.hstack([(features - mean) / scale, np.ones((len(features), 1))])
    weights, decay = np.zeros(inputs.shape[1]), np.full(inputs.shape[1], DECAY)
    decay[-1] = 0
    for _ in range(25):
        predicted = 1 / (1 + np.exp(-inputs @ weights))
        hessian = (inputs * (predicted * (1 - predicted))[:, None]).T @ inputs + np.diag(decay)
        weights -= np.linalg.solve(hessian, inputs.T @ (predicted - labels) + decay * weights)
    return mean, scale, weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celeba", required=True)
    args = parser.parse_args()
    bands, labels, held = celeba_bands(args.celeba)
    print("| HOG of the band | features | mirror images | glasses found | false alarms |\n| --- | ---: | --- | ---: | ---: |")
    for size in ((64, 24), (96, 32)):
        features = hog(bands, size)
        for mirrored in (False, True):
            inputs, answers = features[~held], labels[~held]
            if mirrored:
                inputs, answers = np.vstack([inputs, hog(bands[~held][:, :, ::-1], size)]), np.concatenate([answers, answers])
            mean, scale, weights = fitted(inputs, answers)
            found = ((features - mean) / scale @ weights[:-1] + weights[-1]) > 0
            print(f"| {size[0]}x{size[1]} | {features.shape[1]} | {'yes' if mirrored else 'no'} | {found[held & labels].sum()} of "
                  f"{(held & labels).sum()} | {found[held & ~labels].sum()} of {(held & ~labels).sum()} |", flush=True)


if __name__ == "__main__":
    main()
