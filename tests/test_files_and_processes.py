"""Issue 25's editing faults that need processes or a file system: each user file survives byte for byte,
nothing stray is left behind, and two processes never mix their output; and detection's two fixes."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from facegan.cli import main
from facegan.data import DEMO_PHOTO


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_edit_never_touches_the_users_own_tmp_file_and_writes_through_a_symlink(tmp_path, capsys):
    photo = tmp_path / "face.png"
    Image.open(DEMO_PHOTO).save(photo)
    (tmp_path / "out.png.tmp").write_text("mine")  # the name facegan used to write through
    assert main(["edit", str(photo), "--to", "happy", "--out", str(tmp_path / "out.png")]) == 0
    assert (tmp_path / "out.png.tmp").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.png", "out.png", "out.png.tmp"]
    (tmp_path / "album").mkdir()
    (tmp_path / "album" / "kept.png").write_bytes(b"old")
    (tmp_path / "link.png").symlink_to(tmp_path / "album" / "kept.png")
    assert main(["edit", str(photo), "--to", "happy", "--out", str(tmp_path / "link.png")]) == 0
    assert (tmp_path / "link.png").is_symlink()  # still a link, and its target holds the edit
    assert (tmp_path / "album" / "kept.png").read_bytes() == (tmp_path / "out.png").read_bytes()
    assert sorted(p.name for p in (tmp_path / "album").iterdir()) == ["kept.png"]


def edit_in_rounds(photo: str, out: str, target: str, rounds: int, barrier, results) -> None:
    """One of two processes editing the same photo into the same --out, round after round, started together."""
    torch.set_num_threads(1)
    for _ in range(rounds):
        barrier.wait()
        error = io.StringIO()
        with redirect_stderr(error), redirect_stdout(io.StringIO()):
            code = main(["edit", photo, "--to", target, "--out", out])
        results.put((target, code, error.getvalue()))
        barrier.wait()


def test_two_edits_to_the_same_out_never_mix(tmp_path):
    """20 rounds of two processes writing one file: each either succeeds or fails with one line, and the
    file always holds one whole edit of the two, never the other's partial or a failed one's."""
    photo = tmp_path / "face.png"
    Image.open(DEMO_PHOTO).crop((130, 20, 330, 220)).save(photo)  # the face and a margin: a quick edit, 20 rounds
    whole = {}
    for target in ("happy", "sad"):
        assert main(["edit", str(photo), "--to", target, "--out", str(tmp_path / f"{target}.png")]) == 0
        whole[digest(tmp_path / f"{target}.png")] = target
    context = multiprocessing.get_context("spawn")
    barrier, results, rounds = context.Barrier(3), context.Queue(), 20
    out = str(tmp_path / "shared.png")
    workers = [context.Process(target=edit_in_rounds, args=(str(photo), out, target, rounds, barrier, results)) for target in whole.values()]
    for worker in workers:
        worker.start()
    try:
        for _ in range(rounds):
            barrier.wait(timeout=120)  # both start
            barrier.wait(timeout=120)  # both done
            outcomes = [results.get(timeout=10) for _ in workers]
            assert digest(Path(out)) in whole
            for target, code, error in outcomes:
                assert code == 0 or (code == 2 and len(error.strip().splitlines()) == 1), (target, code, error)
            if all(code == 0 for _, code, _ in outcomes):
                continue
            assert whole[digest(Path(out))] == next(target for target, code, _ in outcomes if code == 0)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            worker.kill()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.png", "happy.png", "sad.png", "shared.png"]


def test_a_transparent_png_keeps_its_transparency(tmp_path, capsys):
    photo = np.asarray(Image.open(DEMO_PHOTO).convert("RGB"))
    alpha = np.full(photo.shape[:2], 255, np.uint8)
    alpha[:, :100] = 0  # a transparent band at the left, away from the face
    alpha[400:, 300:] = 128
    Image.fromarray(np.dstack([photo, alpha]), "RGBA").save(tmp_path / "cut_out.png")
    assert main(["edit", str(tmp_path / "cut_out.png"), "--to", "happy", "--out", str(tmp_path / "happy.png")]) == 0
    edited = Image.open(tmp_path / "happy.png")
    assert edited.mode == "RGBA" and np.array_equal(np.asarray(edited)[..., 3], alpha)
    assert np.array_equal(np.asarray(edited)[:, :100, :3], photo[:, :100])  # the transparent pixels' colour too
    with pytest.warns(UserWarning, match="is a JPEG, which has no transparency"):
        assert main(["edit", str(tmp_path / "cut_out.png"), "--to", "happy", "--out", str(tmp_path / "happy.jpg")]) == 0
    assert Image.open(tmp_path / "happy.jpg").mode == "RGB"



def test_an_edited_photo_keeps_its_colour_profile_exif_and_jpeg_settings(tmp_path, capsys):
    from PIL import ImageCms, JpegImagePlugin

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display": the pixels are stored sideways
    exif[0x0132] = "2026:12:02 10:00:00"
    upright = Image.open(DEMO_PHOTO).convert("RGB")
    upright.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "phone.jpg", quality=80, subsampling=1, icc_profile=profile,
                                                      exif=exif.tobytes())
    assert main(["edit", str(tmp_path / "phone.jpg"), "--to", "angry", "--out", str(tmp_path / "angry.jpg")]) == 0
    source, edited = Image.open(tmp_path / "phone.jpg"), Image.open(tmp_path / "angry.jpg")
    assert edited.size == upright.size and edited.info["icc_profile"] == profile
    assert edited.getexif().get(0x0132) == "2026:12:02 10:00:00" and 0x0112 not in edited.getexif()  # stored upright
    assert edited.quantization == source.quantization and JpegImagePlugin.get_sampling(edited) == 1

    upright.convert("L").save(tmp_path / "grey.jpg", quality=90)
    assert main(["edit", str(tmp_path / "grey.jpg"), "--to", "angry", "--out", str(tmp_path / "grey_angry.jpg")]) == 0
    assert Image.open(tmp_path / "grey_angry.jpg").mode == "L"
    upright.convert("CMYK").save(tmp_path / "print.jpg", icc_profile=profile)  # a profile of RGB on CMYK pixels: not kept
    assert main(["edit", str(tmp_path / "print.jpg"), "--to", "angry", "--out", str(tmp_path / "print_angry.png")]) == 0
    assert "icc_profile" not in Image.open(tmp_path / "print_angry.png").info


def untouched(edited: np.ndarray, photo: np.ndarray, mcu: int) -> np.ndarray:
    """The pixels more than a pixel away from every MCU (mcu x mcu pixels) in which `edited` differs from `photo`."""
    import cv2

    changed = (edited != photo).any(-1)
    height, width = changed.shape
    padded = np.zeros((-(-height // mcu) * mcu, -(-width // mcu) * mcu), bool)
    padded[:height, :width] = changed
    touched = np.kron(padded.reshape(padded.shape[0] // mcu, mcu, -1, mcu).any((1, 3)), np.ones((mcu, mcu), bool))
    return cv2.dilate(touched[:height, :width].astype(np.uint8), np.ones((3, 3), np.uint8)) == 0


@pytest.mark.parametrize("kind, settings, mcu", [("4:2:0", {"subsampling": 2}, 16), ("4:2:2", {"subsampling": 1}, 16),
                                                  ("4:4:4", {"subsampling": 0}, 8), ("grey", {}, 8), ("progressive", {"progressive": True}, 16)])
def test_an_edited_jpeg_keeps_the_photos_own_blocks_wherever_the_edit_left_them(tmp_path, kind, settings, mcu):
    """Away from the blocks the edit touched, the written JPEG decodes to the photo byte for byte (re-encoded with
    its own tables, 26% of those pixels changed); the edit itself is written, and the file keeps its size."""
    from facegan.editing import load_engine
    from facegan.editing.faces import read_photo_file, save_photo

    source = tmp_path / "photo.jpg"
    image = Image.open(DEMO_PHOTO)
    (image.convert("L") if kind == "grey" else image).save(source, quality=85, **settings)
    photo, kept = read_photo_file(source)
    engine = load_engine(None, "geometry")
    edited = engine.render(photo, engine.edit_faces(photo), "surprise")
    save_photo(edited, tmp_path / "surprise.jpg", kept)
    written = np.asarray(Image.open(tmp_path / "surprise.jpg").convert("RGB"))
    away = untouched(edited, photo, mcu)
    assert 0.8 < away.mean() < 0.99 and np.array_equal(written[away], photo[away])
    assert np.abs(written.astype(int) - edited).mean() < 0.5  # the edit, encoded at the photo's quality
    assert (tmp_path / "surprise.jpg").stat().st_size < 1.06 * source.stat().st_size  # written baseline: a progressive photo grows
    save_photo(photo, tmp_path / "unedited.jpg", kept)  # nothing changed: every pixel is the photo's
    assert np.array_equal(np.asarray(Image.open(tmp_path / "unedited.jpg").convert("RGB")), photo)


def test_boxes_without_eyes_are_not_edited(monkeypatch):
    """The face cascade made to also report two texture regions, as it did in a 36 MP photo: only the face is kept."""
    import cv2
    import skimage.data

    from facegan.editing import faces

    photo = np.concatenate([np.asarray(Image.open(DEMO_PHOTO).convert("RGB")), cv2.resize(skimage.data.coffee(), (512, 512))], axis=1)
    real = faces.cascade

    class WithFalseFaces:
        def detectMultiScale(self, grey, **settings):
            found = real("haarcascade_frontalface_default.xml").detectMultiScale(grey, **settings)
            if grey.shape != photo.shape[:2]:  # a turned copy (faces.ROLLS): the textures are elsewhere there
                return found
            return [*found, (600, 100, 150, 150), (800, 300, 120, 120)]

    monkeypatch.setattr(faces, "cascade", lambda name: WithFalseFaces() if "frontalface" in name else real(name))
    assert [box.left for box in faces.detect_faces(photo)] == [177]
    assert [box.left for box in faces.pick_faces(photo, all_faces=True)] == [177]


@pytest.mark.parametrize("width", [40, 42, 44, 46])
def test_faces_from_the_smallest_width_the_message_promises_are_found(width):
    import cv2

    from facegan.editing.faces import MIN_FACE, detect_faces

    photo = np.asarray(Image.open(DEMO_PHOTO).convert("RGB"))
    scale = width / 95  # the astronaut's face is found 95 pixels wide
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((300, 300, 3), 128, np.uint8)
    canvas[: small.shape[0], : small.shape[1]] = small
    found = detect_faces(canvas)
    assert len(found) == 1 and MIN_FACE <= found[0].size <= width + 8


def test_an_arithmetic_coded_jpeg_keeps_its_own_blocks_too(tmp_path, capfd):
    """PIL reads arithmetic-coded JPEGs; so does the libjpeg facegan runs through jpeglib (its default, 6b, prints a
    refusal past Python)."""
    import jpeglib

    from facegan.editing import load_engine
    from facegan.editing.faces import read_photo_file, save_photo

    Image.open(DEMO_PHOTO).save(tmp_path / "plain.jpg", quality=90)
    with jpeglib.version("turbo210"):
        jpeglib.read_dct(str(tmp_path / "plain.jpg")).write_dct(str(tmp_path / "arithmetic.jpg"), flags=["+ARITH_CODE"])
    assert b"\xff\xc9" in (tmp_path / "arithmetic.jpg").read_bytes()  # SOF9: arithmetic coding
    photo, kept = read_photo_file(tmp_path / "arithmetic.jpg")
    engine = load_engine(None, "geometry")
    edited = engine.render(photo, engine.edit_faces(photo), "surprise")
    save_photo(edited, tmp_path / "surprise.jpg", kept)
    away = untouched(edited, photo, 16)
    assert 0.8 < away.mean() < 0.99 and np.array_equal(np.asarray(Image.open(tmp_path / "surprise.jpg"))[away], photo[away])
    assert capfd.readouterr() == ("", "")


def test_a_phones_heic_photo_is_edited_upright_and_written_as_heic_or_jpeg(tmp_path, capsys):
    """An iPhone-style HEIC, stored sideways with its EXIF and colour profile: read upright, and either output keeps
    both; an AVIF (PIL's own) too; a folder's HEIC and AVIF photos are among its photos."""
    import pillow_heif
    from PIL import ImageCms

    pillow_heif.register_heif_opener()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112], exif[0x0132] = 6, "2026:12:02 10:00:00"
    upright = Image.open(DEMO_PHOTO).crop((0, 0, 512, 400))
    (tmp_path / "album").mkdir()
    upright.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "album" / "IMG_0001.HEIC", quality=90, exif=exif.tobytes(),
                                                      icc_profile=profile)
    upright.save(tmp_path / "album" / "web.avif", quality=90)
    for out in ("surprise.heic", "surprise.jpg"):
        assert main(["edit", str(tmp_path / "album" / "IMG_0001.HEIC"), "--to", "surprise", "--out", str(tmp_path / out)]) == 0
        edited = Image.open(tmp_path / out)
        assert edited.size == (512, 400) and edited.info["icc_profile"] == profile
        assert edited.getexif().get(0x0132) == "2026:12:02 10:00:00" and edited.getexif().get(0x0112, 1) == 1
        difference = np.abs(np.asarray(edited.convert("RGB")).astype(int) - np.asarray(upright)).mean(-1)
        assert difference[350:].mean() < 3 and difference[60:200, 180:330].mean() > difference[350:].mean() + 1  # the face moved
    assert main(["edit", str(tmp_path / "album"), "--to", "happy", "--out", str(tmp_path / "happy")]) == 0
    assert sorted(path.name for path in (tmp_path / "happy").iterdir()) == ["IMG_0001_happy.HEIC", "web_happy.avif"]


def test_without_pillow_heif_a_heic_photo_gets_one_line_on_what_to_install(tmp_path, capsys, monkeypatch):
    import sys

    import pillow_heif

    pillow_heif.register_heif_opener()
    Image.open(DEMO_PHOTO).save(tmp_path / "IMG_0002.heic", quality=80)
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # not installed
    assert main(["edit", str(tmp_path / "IMG_0002.heic"), "--to", "happy", "--out", str(tmp_path / "happy.jpg")]) == 2
    assert capsys.readouterr().err.strip().endswith("is a HEIC photo (an iPhone's own format): install facegan's HEIC support "
                                                   "with pip install 'facegan[heic]'")
    assert main(["edit", str(DEMO_PHOTO), "--to", "happy", "--out", str(tmp_path / "happy.heic")]) == 2
    assert "'happy.heic' is to be written as HEIC" in capsys.readouterr().err
    assert not (tmp_path / "happy.jpg").exists() and not (tmp_path / "happy.heic").exists()
