"""The glasses detector and the geometry engine's brows and eyes held still behind glasses: moved, the frames bend."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from matplotlib import cbook
from PIL import Image

import facegan.data
from facegan.cli import main
from facegan.editing import glasses
from facegan.editing.align import FRAME, align, aligned_crop
from facegan.editing.faces import pick_faces, read_photo
from facegan.editing.geometry import BEHIND_GLASSES, LANDMARK_SIDE
from facegan.editing.landmarks import photo_landmarks
from facegan.editing.registry import load_engine
from facegan.editing.warp import sample_field


def hopper() -> np.ndarray:
    """matplotlib's Grace Hopper (public domain, US Navy): a portrait with thick-framed glasses."""
    with cbook.get_sample_data("grace_hopper.jpg") as file:
        return np.asarray(Image.open(file).convert("RGB"))


def upright_face(photo: np.ndarray) -> np.ndarray:
    alignment = align(photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 5), FRAME).resized(LANDMARK_SIDE)
    return cv2.cvtColor(aligned_crop(photo, alignment), cv2.COLOR_RGB2GRAY)


def test_the_shipped_detector_sees_hoppers_glasses_and_not_the_astronauts():
    detector = glasses.load_glasses()
    assert detector.probability(upright_face(hopper())) > 0.9
    assert detector.probability(upright_face(read_photo(facegan.data.DEMO_PHOTO))) < 0.1


def test_the_numpy_detector_computes_what_the_pytorch_network_does():
    torch.manual_seed(0)
    network = glasses.network().eval()
    for module in network.modules():
        if isinstance(module, torch.nn.BatchNorm2d):  # statistics away from the identity, so that folding them is tested
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2)
            module.weight.data.uniform_(0.5, 1.5)
    bands = torch.randint(0, 256, (4, 32, 96), dtype=torch.uint8)
    with torch.no_grad():
        images = bands.float()[:, None] / 127.5 - 1
        expected = torch.sigmoid((network(images) + network(images.flip(-1)))[:, 0] / 2).numpy()
    detector = glasses.as_detector({name: value.numpy() for name, value in network.state_dict().items()})
    assert np.allclose(detector.probabilities(bands.numpy()), expected, atol=1e-5)


def brow_and_eye_moves(engine, photo: np.ndarray, target: str) -> float:
    """The largest move, in frame pixels, of the face's field to `target` at the template's brows and eyes."""
    edit = engine.edit_faces(photo)[0]
    alignment, fields, _, _ = edit.prepared
    field = fields[engine.config.class_names.index(target)]
    points = engine.geometry.reference[BEHIND_GLASSES]
    return float(np.abs(sample_field(field, points[:, 0], points[:, 1], FRAME)).max())


def test_behind_glasses_the_brows_and_eyes_stay_and_the_mouth_still_moves():
    engine = load_engine(None, "geometry")
    photo = hopper()
    assert brow_and_eye_moves(engine, photo, "surprise") < 0.1  # the brows would rise by about a frame pixel
    assert brow_and_eye_moves(engine, read_photo(facegan.data.DEMO_PHOTO), "surprise") > 0.5
    edited = engine.render(photo, engine.edit_faces(photo), "surprise")
    assert np.abs(edited.astype(int) - photo).max() > 20  # the mouth and jaw moved


def test_train_glasses_writes_a_detector_the_engine_reads(tmp_path, capsys):
    """A CelebA-like folder of 20 faces (the bundled photo's face at CelebA's half size), half of them with the
    attribute: the command writes a file of the shipped kind, with its held-out scores."""
    face = Image.open(facegan.data.DEMO_PHOTO).convert("RGB").crop((110, 0, 370, 318)).resize((89, 109))
    (tmp_path / "celeba" / "img_align_celeba").mkdir(parents=True)
    rows = []
    for index in range(20):
        face.save(tmp_path / "celeba" / "img_align_celeba" / f"{index + 1:06d}.jpg")
        rows.append(f"{index + 1:06d}.jpg {1 if index % 2 else -1} 1")
    (tmp_path / "celeba" / "list_attr_celeba.txt").write_text("20\nEyeglasses Smiling\n" + "\n".join(rows) + "\n")
    assert main(["train-glasses", "--data", str(tmp_path / "celeba"), "--out", str(tmp_path / "glasses.pt")]) == 0
    saved = torch.load(tmp_path / "glasses.pt", weights_only=True)
    assert saved["kind"] == glasses.KIND and saved["facts"]["held out"]["faces"] == 4
    assert 0 <= glasses.load_glasses(tmp_path / "glasses.pt").probability(upright_face(read_photo(facegan.data.DEMO_PHOTO))) <= 1
    assert main(["train-glasses", "--data", str(tmp_path), "--out", str(tmp_path / "other.pt")]) == 2
    assert "has no list_attr_celeba.txt" in capsys.readouterr().err


def test_a_detector_file_of_another_kind_is_refused_in_one_line(tmp_path):
    from facegan.errors import FaceganError

    torch.save({"kind": "something-else"}, tmp_path / "other.pt")
    with pytest.raises(FaceganError, match="facegan glasses detector"):
        glasses.load_glasses(tmp_path / "other.pt")


def test_at_fer2013s_resolution_glasses_are_not_looked_for():
    """Hopper's face cut to 48 pixels, like FER2013's: the detector, trained on larger faces, is not asked there, and
    the brows move as on any face (eval-edit's scores are those of the mean move alone)."""
    from facegan.editing.faces import Box

    engine = load_engine(None, "geometry")
    photo = hopper()
    box = pick_faces(photo)[0]
    face = cv2.resize(photo[box.top : box.top + box.size, box.left : box.left + box.size], (48, 48), interpolation=cv2.INTER_AREA)
    edit = engine.edit_square(face, Box(0, 0, 48))
    field = edit.prepared[1][engine.config.class_names.index("surprise")]
    points = engine.geometry.reference[BEHIND_GLASSES]
    assert np.abs(sample_field(field, points[:, 0], points[:, 1], FRAME)).max() > 0.5
