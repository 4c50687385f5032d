"""The warp translator (issue 26): a network whose edits are fields, trained against D, taught by the
geometry engine, and applied to photos at their own resolution."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import facegan
import facegan.data
from facegan.config import EXPRESSIONS, Config
from facegan.editing.faces import Box, read_photo
from facegan.editing.field_engine import frame_alignment
from facegan.editing.registry import engine_for, load_engine
from facegan.editing.warp import apply_field, photo_region
from facegan.models.checkpoint import load_checkpoint
from facegan.models.warp import REACH, WarpTranslator, warp


def tiny_warp_config(data, run_dir, **changes) -> Config:
    return Config(model="warp", dataset="fer2013", data=str(data), batch_size=8, epochs=2, ndf=8, run_dir=str(run_dir),
                  device="cpu", precision="fp32", quiet=True, **changes)


def test_a_fresh_warp_translator_moves_nothing_and_its_field_is_coarse_and_bounded():
    torch.manual_seed(0)
    translator = WarpTranslator(48, 1, 7)
    faces = torch.rand(3, 1, 48, 48) * 2 - 1
    moved, field = translator(faces, torch.tensor([0, 3, 6]), field=True)
    assert field.shape == (3, 2, 12, 12) and torch.all(field == 0)
    assert (moved - faces).abs().max() < 1e-5
    assert sum(p.numel() for p in translator.parameters()) == 1_366_978  # body 170,688 + 4 blocks of 298,496 + head 2,306
    with torch.no_grad():
        translator.head.bias.fill_(100.0)
    assert translator.field(faces, torch.tensor([0, 3, 6])).abs().max() <= REACH


def test_a_constant_field_shifts_the_face_by_whole_pixels_where_it_is_not_faded():
    translator = WarpTranslator(48, 1, 7)
    faces = torch.rand(1, 1, 48, 48)
    field = torch.zeros(1, 2, 12, 12)
    field[:, 0] = 2.0  # every pixel takes its content from 2 pixels to its right
    moved = warp(faces, field, translator.fade, translator.base)
    ys, xs = torch.nonzero(translator.fade[0, 0] == 1, as_tuple=True)
    assert len(ys) > 600
    assert torch.allclose(moved[0, 0, ys, xs], faces[0, 0, ys, (xs + 2).clamp(max=47)], atol=1e-5)


def test_the_critic_pulls_the_field_towards_what_it_reads_as_the_target():
    """The critic's loss reaches the field through the warp: one gradient step on a field lowers it."""
    from facegan.metrics.classifier import ROBUST_WEIGHTS, load_classifier
    from facegan.training.warping import critic_loss

    critic = load_classifier(ROBUST_WEIGHTS)[0].requires_grad_(False)
    translator = WarpTranslator(48, 1, 7)
    faces = torch.from_numpy(np.asarray(read_photo(facegan.data.DEMO_PHOTO)))[None, 100:196:2, 160:256:2, 0].float() / 127.5 - 1
    field = torch.zeros(1, 2, 12, 12, requires_grad=True)
    targets = torch.tensor([EXPRESSIONS.index("surprise")])
    before = critic_loss(critic, warp(faces[:, None], field, translator.fade, translator.base), targets)
    before.backward()
    assert field.grad.abs().sum() > 0
    with torch.no_grad():
        stepped = field - 0.5 * field.grad / field.grad.abs().max()
        after = critic_loss(critic, warp(faces[:, None], stepped, translator.fade, translator.base), targets)
    assert after < before


def test_training_and_photos_read_a_field_the_same_way():
    """The network's bilinear warp at 48 pixels and the photo path (facegan.editing.warp) agree on a smooth face."""
    translator = WarpTranslator(48, 1, 7)
    ys, xs = np.mgrid[0:48, 0:48]
    face = (127 + 60 * np.sin(xs / 5.0) * np.cos(ys / 7.0)).astype(np.uint8)
    field = torch.from_numpy(np.random.default_rng(0).normal(0, 1.5, (1, 2, 12, 12)).astype(np.float32))
    by_network = warp(torch.from_numpy(face)[None, None].float(), field, translator.fade, translator.base)[0, 0].numpy()
    by_photo = apply_field(np.repeat(face[..., None], 3, 2), frame_alignment(Box(0, 0, 48)), field[0].numpy())[..., 0]
    assert np.abs(by_network - by_photo)[4:-4, 4:-4].mean() < 1.5


def test_landmarks_kept_in_the_cache_dir_serve_every_later_run_on_the_same_faces(tmp_path, monkeypatch):
    from facegan.training import warping

    faces = torch.randint(0, 256, (5, 1, 48, 48), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    found = torch.rand(5, 68, 2, generator=torch.Generator().manual_seed(1)) * 47
    monkeypatch.setattr(warping, "face_landmarks", lambda images: found.numpy())
    first = warping.training_landmarks(faces, tmp_path / "first", tmp_path / "cache")
    assert torch.equal(first, found) and len(list((tmp_path / "cache").glob("landmarks-*.pt"))) == 1

    monkeypatch.setattr(warping, "face_landmarks", lambda images: pytest.fail("the landmarks were found again"))
    assert torch.equal(warping.training_landmarks(faces, tmp_path / "second", tmp_path / "cache"), found)
    assert not (tmp_path / "second").exists()

    other = faces.clone()
    other[0, 0, 0, 0] ^= 1  # one level of one pixel: other faces, their own landmarks
    monkeypatch.setattr(warping, "face_landmarks", lambda images: (found + 1).numpy())
    assert torch.equal(warping.training_landmarks(other, tmp_path / "third", tmp_path / "cache"), found + 1)
    assert len(list((tmp_path / "cache").glob("landmarks-*.pt"))) == 2


@pytest.fixture(scope="module")
def warp_runs(tmp_path_factory):
    """A short warp run straight through, and the same run stopped half-way and resumed."""
    import shutil

    folder = tmp_path_factory.mktemp("warp")
    data = folder / "fer"
    for label, expression in enumerate(EXPRESSIONS):  # real faces, so that dlib's landmarks mean something
        (data / "train" / expression).mkdir(parents=True)
        (data / "test" / expression).mkdir(parents=True)
    demo = sorted((facegan.data.DEMO_DATA / "train" / "happy").glob("*.jpg"))
    for index, path in enumerate(demo[:28]):
        shutil.copy(path, data / "train" / EXPRESSIONS[index % 7] / f"Training_{index}.jpg")
    for index, path in enumerate(demo[28:35]):
        shutil.copy(path, data / "test" / EXPRESSIONS[index % 7] / f"PublicTest_{index}.jpg")
    straight = facegan.train(tiny_warp_config(data, folder / "straight", max_steps=4, critic_loss=1.0))
    halves = facegan.train(tiny_warp_config(data, folder / "halves", max_steps=2, critic_loss=1.0))
    facegan.resume(halves, max_steps=4)
    return straight, halves


def test_a_warp_run_writes_every_output_and_resumes_bit_identically(warp_runs):
    straight, halves = warp_runs
    for name in ("checkpoint.pt", "config.json", "losses.csv", "real_samples.png", "final_samples.png", "loss_plot.png",
                 "progress.gif", "landmarks.pt"):
        assert (straight / name).is_file(), name
    a, b = load_checkpoint(straight), load_checkpoint(halves)
    assert a["step"] == b["step"] == 4
    for part in ("generator", "discriminator", "generator_ema"):
        for name, tensor in a[part].items():
            assert torch.equal(tensor, b[part][name]), (part, name)
    assert torch.load(straight / "landmarks.pt", weights_only=True).shape == (28, 68, 2)
    assert a["config"]["teacher_loss"] == 1.0 and a["config"]["mask_loss"] == 0.0 and a["config"]["critic_loss"] == 1.0


def test_the_warp_engine_edits_a_photo_only_inside_the_face(warp_runs):
    straight, _ = warp_runs
    checkpoint = straight / "checkpoint.pt"
    assert engine_for(checkpoint) == "warp"
    engine = load_engine(checkpoint)
    photo = read_photo(facegan.data.DEMO_PHOTO)
    edits = engine.edit_faces(photo)
    region = photo_region(edits[0].prepared[0], *photo.shape[:2])
    edited = engine.render(photo, edits, "surprise")
    changed = (edited != photo).any(-1)
    assert changed.any() and not changed[region == 0].any()
    assert np.array_equal(engine.render(photo, edits, "surprise", strength=0), photo)
    faces = torch.from_numpy(np.asarray(read_photo(facegan.data.DEMO_PHOTO)))[None, :48, :48, :1].permute(0, 3, 1, 2).contiguous()
    assert engine.every_class(faces).shape == (1, 7, 1, 48, 48)
    with pytest.raises(facegan.FaceganError, match="needs a trained warp translator"):
        load_engine(None, "warp")


def test_a_warp_run_exports_to_a_small_file_the_engine_reads(warp_runs, tmp_path):
    from facegan.editing.export import export_run

    straight, _ = warp_runs
    out, card = export_run(straight / "checkpoint.pt", tmp_path / "warp.pt")
    saved = torch.load(out, weights_only=True)
    assert saved["kind"] == "facegan-warp-translator" and saved["warp"]["head.weight"].dtype == torch.float16
    assert engine_for(out) == "warp" and load_engine(out).name == "warp"
    text = card.read_text()
    assert "WarpTranslator`: 1,366,978 parameters" in text and "teacher loss 1.0" in text
    faces = torch.rand(2, 1, 48, 48) * 2 - 1
    live, exported = load_engine(straight / "checkpoint.pt").translator, load_engine(out).translator
    with torch.no_grad():
        assert (live.field(faces, torch.tensor([1, 5])) - exported.field(faces, torch.tensor([1, 5]))).abs().max() < 0.02
