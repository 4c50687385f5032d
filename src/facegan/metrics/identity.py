"""Is an edited face still the same person? dlib's face-recognition network decides.

The network (dlib's ResNet face descriptor, 99.38% on LFW) owes nothing to facegan: it was trained on
millions of faces by someone else, so an edit cannot be tuned to please it the way it could please a
network facegan trains. Two faces whose 128-d descriptors are closer than 0.6 are the same person by
dlib's own rule. FER2013's 48x48 faces are upscaled to 150x150, dlib's input size, and the five-point
landmarks are found on the whole crop (FER2013 faces are already cropped, so no detector is run).

It comes with facegan: the prebuilt `dlib-bin` wheels and the `face-recognition-models` weights, both
offline, no compiler.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch

from facegan.editing.landmarks import model_folder
from facegan.errors import FaceganError

SAME_PERSON = 0.6
"""dlib's threshold: descriptors closer than this are the same person."""
INPUT_SIZE = 150
PER_WORKER = 200  # below this many faces a second process costs more than it saves


class FaceRecognition:
    """dlib's five-point landmarks and face descriptor, loaded once."""

    def __init__(self) -> None:
        try:
            import dlib

            folder = model_folder()
        except ImportError:
            raise FaceganError("the identity score needs dlib's face recognition: pip install dlib-bin face-recognition-models") from None
        self.landmarks = dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat"))
        self.network = dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat"))
        self.whole = dlib.rectangle(0, 0, INPUT_SIZE - 1, INPUT_SIZE - 1)

    def descriptors(self, images_uint8: torch.Tensor) -> torch.Tensor:
        """uint8 faces (N, C, s, s), grayscale or colour -> (N, 128) descriptors. dlib runs one face at a
        time on one core (about 0.1 s), so large sets are shared out over every core."""
        pictures = images_uint8.permute(0, 2, 3, 1).numpy()
        workers = min(os.cpu_count() or 1, len(pictures) // PER_WORKER)
        if workers < 2:
            return torch.from_numpy(self._describe(pictures))
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            return torch.from_numpy(np.concatenate(list(pool.map(_describe_in_worker, np.array_split(pictures, workers)))))

    def _describe(self, pictures: np.ndarray) -> np.ndarray:
        import cv2

        found = np.zeros((len(pictures), 128), np.float32)
        for index, array in enumerate(pictures):
            array = np.repeat(array, 3, 2) if array.shape[2] == 1 else array
            picture = np.ascontiguousarray(cv2.resize(array, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_CUBIC))
            found[index] = np.array(self.network.compute_face_descriptor(picture, self.landmarks(picture, self.whole)))
        return found


def _describe_in_worker(pictures: np.ndarray) -> np.ndarray:
    return FaceRecognition()._describe(pictures)


def same_person(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row by row: are descriptors a[i] and b[i] the same person (closer than SAME_PERSON)?"""
    return (a - b).norm(dim=1) < SAME_PERSON


def different_people_rate(descriptors: torch.Tensor, seed: int = 0) -> float:
    """The floor: how often two different faces (each paired with another, at random) pass as one person.
    FER2013 has no identity labels, so a rare pair of the same person counts here too."""
    order = torch.randperm(len(descriptors), generator=torch.Generator().manual_seed(seed))
    other = order.roll(1)
    return float(same_person(descriptors[order], descriptors[other]).double().mean())
