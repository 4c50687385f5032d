"""dlib's shape predictors run with NumPy: the same points as dlib's, the model file read right or refused,
and the cache that makes the 68-point model's read a one-time cost."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

import facegan.data
from facegan.editing.faces import HAAR_TO_HOG, detect_faces, read_photo
from facegan.editing.landmarks import CROPPED_TO_HOG, MODEL_FILES, model_folder, predictor
from facegan.editing.shape_predictor import decoded, encoded, load_predictor, read_dlib_model
from facegan.errors import FaceganError

dlib = pytest.importorskip("dlib", reason="dlib-bin is the reference these tests compare against")


def boxes_and_images() -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """The bundled photo (upright, tilted by 20 degrees, and with its face half out of the picture) and 40 of
    the demo's FER2013 faces upscaled as facegan upscales them."""
    photo = read_photo(facegan.data.DEMO_PHOTO)
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    face = detect_faces(photo)[0]
    left, top, side = face.left + HAAR_TO_HOG[0] * face.size, face.top + HAAR_TO_HOG[1] * face.size, HAAR_TO_HOG[2] * face.size
    box = tuple(int(round(value)) for value in (left, top, left + side, top + side))
    tilted = cv2.warpAffine(grey, cv2.getRotationMatrix2D(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), 20, 1.0), grey.shape[::-1])
    half_out = np.ascontiguousarray(grey[:, (box[0] + box[2]) // 2 :])
    cases = [(grey, box), (tilted, box), (half_out, (box[0] - (box[0] + box[2]) // 2, *box[1:3], box[3]))]
    for path in sorted(Path(facegan.data.DEMO_DATA).rglob("*.jpg"))[:40]:
        big = cv2.resize(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (192, 192), interpolation=cv2.INTER_CUBIC)
        cases.append((big, tuple(int(round(share * 192)) for share in CROPPED_TO_HOG)))
    return cases


@pytest.mark.parametrize("points", [5, 68])
def test_the_points_are_dlibs_own(points: int):
    theirs = dlib.shape_predictor(str(model_folder() / MODEL_FILES[points]))
    for image, box in boxes_and_images():
        expected = np.array([(part.x, part.y) for part in theirs(image, dlib.rectangle(*box)).parts()], np.float64)
        assert np.array_equal(predictor(points)(image, *box), expected)


def test_the_68_point_model_reads_as_dlib_describes_it():
    model = predictor(68)
    assert model.initial.shape == (136,)
    assert model.first.shape == model.second.shape == model.thresholds.shape == (15, 500, 15)
    assert model.leaves.shape == (15, 500, 16, 136)
    assert model.anchors.shape == (15, 500) and model.offsets.shape == (15, 500, 2)
    assert 0 <= model.first.min() and max(model.first.max(), model.second.max()) < 500 and model.anchors.max() < 68
    mean_shape = model.initial.reshape(68, 2)  # in the face box's unit square: the chin a little below the box
    assert 0 < mean_shape.min() and mean_shape[:, 0].max() < 1 and 1 < mean_shape[8, 1] == mean_shape[:, 1].max() < 1.1


def test_integers_round_trip_through_dlibs_encoding():
    values = [0, 1, -1, 127, 255, -256, 65_536, -(2**31), 2**40 + 7, 2**63 - 1, -(2**63 - 1)]
    stream = b"".join(encoded(value) for value in values)
    starts, at = [], 0
    for value in values:
        starts.append(at)
        at += len(encoded(value))
    padded = np.frombuffer(stream + bytes(9), np.uint8)
    assert decoded(padded, np.array(starts)).tolist() == values


def test_a_damaged_model_file_is_refused_with_what_to_do(tmp_path: Path):
    whole = (model_folder() / MODEL_FILES[5]).read_bytes()
    odd_shape = whole[:2] + encoded(-11) + whole[4:]  # a mean shape of 11 numbers: not x, y pairs
    for name, content in [("cut.dat", whole[: len(whole) // 2]), ("text.dat", b"not a model" * 100), ("odd.dat", odd_shape)]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(FaceganError, match="reinstall face-recognition-models"):
            read_dlib_model(tmp_path / name)


def test_the_model_is_read_once_then_mapped_from_the_cache(tmp_path: Path):
    model_file, cache = tmp_path / "shape_predictor_5_face_landmarks.dat", tmp_path / "cache"
    shutil.copy(model_folder() / MODEL_FILES[5], model_file)
    read = load_predictor(model_file, cache)
    (cached,) = cache.iterdir()
    assert sorted(path.name for path in cached.iterdir()) == sorted(f"{name}.npy" for name in vars(read))
    mapped = load_predictor(model_file, cache)
    assert isinstance(mapped.leaves.base, np.memmap)
    for name, array in vars(read).items():
        assert np.array_equal(getattr(mapped, name), array) and getattr(mapped, name).dtype == array.dtype

    (cached / "leaves.npy").write_bytes(b"damaged")  # a damaged cache is read again from the model file
    assert np.array_equal(load_predictor(model_file, cache).leaves, read.leaves)
    assert isinstance(load_predictor(model_file, cache).leaves.base, np.memmap)  # and the cache is whole again
    assert np.array_equal(load_predictor(model_file, model_file / "cache").leaves, read.leaves)  # cannot be written: skipped

    elsewhere = tmp_path / "another environment" / model_file.name  # the same file installed twice: one cache
    elsewhere.parent.mkdir()
    shutil.copy(model_file, elsewhere)
    os.utime(elsewhere, ns=(0, 0))
    assert isinstance(load_predictor(elsewhere, cache).leaves.base, np.memmap) and len(list(cache.iterdir())) == 1
    changed = bytearray(elsewhere.read_bytes())  # a file that differs gets its own
    changed[-1] ^= 1
    elsewhere.write_bytes(bytes(changed))
    load_predictor(elsewhere, cache)
    assert len(list(cache.iterdir())) == 2


def test_missing_landmark_models_say_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from facegan.editing import landmarks

    monkeypatch.setattr(landmarks, "model_folder", lambda: tmp_path)
    predictor.cache_clear()
    try:
        with pytest.raises(FaceganError, match="pip install face-recognition-models"):
            predictor(68)
    finally:
        predictor.cache_clear()
