"""Bad input and faults, one row each: exit status 2, one line naming the problem and what to do, no
traceback, and no file of the user's changed or removed. A new input path gets its cases as new rows."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from facegan.cli import main
from facegan.errors import FaceganError


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def fer_csv(tmp: Path, rows: str) -> str:
    path = tmp / "fer.csv"
    path.write_text("emotion,pixels,Usage\n" + rows)
    return str(path)


def pixels(value: str = "7") -> str:
    return " ".join([value] * 2304)


FACEGAN_CONFIG = '{"model": "dcgan", "dataset": "fer2013", "seed": 0, "extra": {}}'
"""The keys every config.json that facegan writes has (a run stopped before its first checkpoint holds only this)."""


def a_run(tmp: Path, with_checkpoint: bool) -> Path:
    """A folder that looks like a facegan run (its config.json), with or without a (forged, tagged) checkpoint."""
    run = tmp / "run"
    run.mkdir()
    (run / "config.json").write_text(FACEGAN_CONFIG)
    (run / "losses.csv").write_text("epoch,iteration\n")
    if with_checkpoint:
        torch.save({"kind": "facegan-dcgan", "format_version": 1, "config": {"image_size": 32}}, run / "checkpoint.pt")
    return run


def forged(tmp: Path, name: str = "forged.pt", **contents) -> str:
    """A checkpoint with facegan's tag and the given contents (the issue's forgeries)."""
    (tmp / name).parent.mkdir(exist_ok=True)
    torch.save({"kind": "facegan-dcgan", "format_version": 1, **contents}, tmp / name)
    return str(tmp / name)


def poisoned_translator(tmp: Path) -> str:
    """The shipped translator with one weight set to NaN: what a diverged run would export."""
    from facegan.editing.translate import SHIPPED

    saved = torch.load(SHIPPED, weights_only=True)
    first = next(iter(saved["translator"]))
    saved["translator"][first] = saved["translator"][first].clone().fill_(float("nan"))
    torch.save(saved, tmp / "nan.pt")
    return str(tmp / "nan.pt")


def face_photo(tmp: Path, name: str) -> str:
    Image.open(Path(__file__).parents[1] / "src/facegan/data/demo/astronaut.jpg").save(tmp / name)
    return str(tmp / name)


def train(data: str, *extra: str) -> list[str]:
    return ["train", "--dataset", "fer2013", "--data", data, "--expression", "happy", "--device", "cpu", "--quiet", *extra]


# (case, setup(tmp, fer_folder) -> argv, the message's telling words)
CASES = [
    ("overwrite of a folder that is not a run",
     lambda t, f: (t.joinpath("Documents").mkdir(), t.joinpath("Documents/thesis.txt").write_text("mine"),
                   train(f, "--run-dir", str(t / "Documents"), "--overwrite"))[-1], "not a facegan run"),
    ("overwrite of a good run with a typo in --data",
     lambda t, f: train(str(t / "typo"), "--run-dir", str(a_run(t, True)), "--overwrite"), "does not exist"),
    ("--epochs 0", lambda t, f: train(f, "--epochs", "0", "--run-dir", str(t / "new")), "--epochs 0: use a whole number"),
    ("--epochs -1", lambda t, f: train(f, "--epochs", "-1", "--run-dir", str(t / "new")), "--epochs -1"),
    ("--max-steps -5", lambda t, f: train(f, "--max-steps", "-5", "--run-dir", str(t / "new")), "--max-steps -5"),
    ("--batch-size 0", lambda t, f: train(f, "--batch-size", "0", "--run-dir", str(t / "new")), "--batch-size 0"),
    ("--batch-size -4", lambda t, f: train(f, "--batch-size", "-4", "--run-dir", str(t / "new")), "--batch-size -4"),
    ("--run-dir is a file",
     lambda t, f: (t.joinpath("notes.txt").write_text("mine"), train(f, "--run-dir", str(t / "notes.txt")))[-1], "is a file"),
    ("a rerun of a run killed before its first checkpoint",
     lambda t, f: train(f, "--run-dir", str(a_run(t, False))), "start it again with --overwrite"),
    ("--resume of a run killed before its first checkpoint",
     lambda t, f: ["train", "--resume", str(a_run(t, False))], "nothing to resume"),
    ("a text file as checkpoint",
     lambda t, f: (t.joinpath("c.pt").write_text("hello"), ["sample", "--checkpoint", str(t / "c.pt"), "--out", str(t / "s")])[-1],
     "not a readable facegan checkpoint"),
    ("random bytes as checkpoint",
     lambda t, f: (t.joinpath("c.pt").write_bytes(np.random.default_rng(3).bytes(5000)),
                   ["sample", "--checkpoint", str(t / "c.pt"), "--out", str(t / "s")])[-1], "not a readable facegan checkpoint"),
    ("a forged minimal checkpoint",
     lambda t, f: ["sample", "--checkpoint", str(a_run(t, True) / "checkpoint.pt"), "--out", str(t / "s")], "damaged facegan checkpoint"),
    ("a CSV with a word for pixels", lambda t, f: train(fer_csv(t, f"3,{pixels('x')},Training\n"), "--run-dir", str(t / "new")),
     "line 2: expected 2304 pixels"),
    ("a CSV with a pixel of 300", lambda t, f: train(fer_csv(t, f"3,{pixels('300')},Training\n"), "--run-dir", str(t / "new")),
     "line 2: expected 2304 pixels"),
    ("a CSV row with missing fields", lambda t, f: train(fer_csv(t, f"3,{pixels()},Training\n3\n"), "--run-dir", str(t / "new")),
     "line 3: 1 fields"),
    ("a CSV with an emotion as a word", lambda t, f: train(fer_csv(t, f"happy,{pixels()},Training\n"), "--run-dir", str(t / "new")),
     "emotion 'happy'"),
    ("an edit whose strip would replace the photo",
     lambda t, f: ["edit", face_photo(t, "face_strip.png"), "--to", "sad", "--out", str(t / "face.jpg"), "--strip"],
     "would replace the photo itself"),
    ("an edit into a path under a file",
     lambda t, f: (t.joinpath("FILE").write_text("mine"),
                   ["edit", face_photo(t, "face.png"), "--to", "sad", "--out", str(t / "FILE" / "x.jpg")])[-1], "cannot read or write"),
    # Issue 25: folders that are not runs, and the temporary folder a replaced run is set aside in.
    ("overwrite of a folder whose config.json is not facegan's (the thesis case)",
     lambda t, f: (t.joinpath("p").mkdir(), t.joinpath("p/config.json").write_text("{}"), t.joinpath("p/thesis.tex").write_text("x"),
                   train(f, "--run-dir", str(t / "p"), "--overwrite"))[-1], "not a facegan run"),
    ("overwrite of a run folder the user added a file to, with no checkpoint",
     lambda t, f: (a_run(t, False).joinpath("notes.md").write_text("mine"), train(f, "--run-dir", str(t / "run"), "--overwrite"))[-1],
     "not a facegan run"),
    ("--run-dir /", lambda t, f: train(f, "--run-dir", "/"), "the file system's root"),
    # Non-finite and out-of-range numbers: refused before any folder is made.
    ("--cycle-loss nan", lambda t, f: train(f, "--model", "translator", "--cycle-loss", "nan", "--run-dir", str(t / "new")), "--cycle-loss nan"),
    ("--mask-loss inf", lambda t, f: train(f, "--model", "translator", "--mask-loss", "inf", "--run-dir", str(t / "new")), "--mask-loss inf"),
    ("--class-loss -inf", lambda t, f: train(f, "--conditional", "--class-loss=-inf", "--run-dir", str(t / "new")), "not a number"),
    ("--ema nan", lambda t, f: train(f, "--ema", "nan", "--run-dir", str(t / "new")), "--ema nan"),
    ("--lr -1", lambda t, f: train(f, "--lr", "-1", "--run-dir", str(t / "new")), "not a learning rate"),
    ("--lr nan", lambda t, f: train(f, "--lr", "nan", "--run-dir", str(t / "new")), "--lr nan"),
    ("--lr 0", lambda t, f: train(f, "--lr", "0", "--run-dir", str(t / "new")), "not a learning rate"),
    ("--lr-d inf", lambda t, f: train(f, "--lr-d", "inf", "--run-dir", str(t / "new")), "--lr-d inf"),
    ("--seed 1e23", lambda t, f: train(f, "--seed", "1e23", "--run-dir", str(t / "new")), "invalid int value: '1e23'"),
    ("--seed 10**23", lambda t, f: train(f, "--seed", str(10**23), "--run-dir", str(t / "new")), "use a whole number from 0"),
    ("--seed -1", lambda t, f: train(f, "--seed", "-1", "--run-dir", str(t / "new")), "use a whole number from 0"),
    ("--lr-decay -5", lambda t, f: train(f, "--lr-decay", "-5", "--run-dir", str(t / "new")), "--lr-decay -5"),
    ("an unknown option", lambda t, f: train(f, "--epohcs", "3", "--run-dir", str(t / "new")), "unrecognized arguments"),
    # Forged and damaged weight files, for every command that reads one.
    ("sample: a checkpoint whose config is not a dict",
     lambda t, f: ["sample", "--checkpoint", forged(t, config=[1, 2]), "--out", str(t / "s")], "damaged facegan checkpoint"),
    ("edit: a checkpoint with no config and no step",
     lambda t, f: ["edit", face_photo(t, "face.png"), "--to", "sad", "--checkpoint", forged(t), "--out", str(t / "o.png")],
     "damaged facegan checkpoint"),
    ("eval: a checkpoint whose config is a string",
     lambda t, f: ["eval", "--checkpoint", forged(t, config="x"), "--n", "4", "--out", str(t / "e")], "damaged facegan checkpoint"),
    ("train --resume: a forged checkpoint",
     lambda t, f: ["train", "--resume", str(Path(forged(t, "run/checkpoint.pt")).parent)], "damaged facegan checkpoint"),
    ("edit: a translator whose weights are NaN",
     lambda t, f: ["edit", face_photo(t, "face.png"), "--to", "sad", "--checkpoint", poisoned_translator(t), "--out", str(t / "o.png")],
     "not finite"),
    ("eval-edit: a translator whose weights are NaN",
     lambda t, f: ["eval-edit", "--checkpoint", poisoned_translator(t), "--data", f, "--n", "4", "--out", str(t / "e")], "not finite"),
    ("sample: a folder as checkpoint", lambda t, f: ["sample", "--checkpoint", str(t), "--out", str(t / "s")], "does not exist"),
    # Counts, ports and output names.
    ("eval-edit --n 0", lambda t, f: ["eval-edit", "--data", f, "--n", "0", "--out", str(t / "e")], "--n 0"),
    ("eval-edit --n -1", lambda t, f: ["eval-edit", "--data", f, "--n", "-1", "--out", str(t / "e")], "--n -1"),
    ("web --port 70000", lambda t, f: ["web", "--port", "70000"], "'70000' is not a port"),
    ("web --port abc", lambda t, f: ["web", "--port", "abc"], "'abc' is not a port"),
    ("web: a forged checkpoint", lambda t, f: ["web", "--checkpoint", forged(t, config=7)], "damaged facegan checkpoint"),
    ("edit --out ''", lambda t, f: ["edit", face_photo(t, "face.png"), "--to", "sad", "--out", ""], "output file name is empty"),
    ("edit --out .", lambda t, f: ["edit", face_photo(t, "face.png"), "--to", "sad", "--out", "."], "names a folder"),
    ("edit --out EXISTING_DIR",
     lambda t, f: (t.joinpath("album").mkdir(), t.joinpath("album/a.jpg").write_text("mine"),
                   ["edit", face_photo(t, "face.png"), "--to", "sad", "--out", str(t / "album")])[-1], "names a folder"),
    ("edit --out newdir/", lambda t, f: ["edit", face_photo(t, "face.png"), "--to", "sad", "--out", str(t / "newdir") + "/"],
     "names a folder"),
    ("edit --to all, where one output name is a folder",
     lambda t, f: (t.joinpath("o_fear.png").mkdir(), ["edit", face_photo(t, "face.png"), "--to", "all", "--out", str(t / "o.png")])[-1],
     "names a folder"),
    ("edit --face 3 of a photo with one face",
     lambda t, f: ["edit", face_photo(t, "face.png"), "--to", "sad", "--face", "3", "--out", str(t / "o.png")], "--face 3 does not exist"),
    ("edit --strength 1.5", lambda t, f: ["edit", face_photo(t, "face.png"), "--to", "sad", "--strength", "1.5", "--out", str(t / "o.png")],
     "out of range"),
    # Editing a folder of cropped faces.
    ("--cropped of a folder with no images",
     lambda t, f: (t.joinpath("empty").mkdir(), ["edit", str(t / "empty"), "--cropped", "--to", "sad", "--out", str(t / "o")])[-1],
     "holds no images"),
    ("--cropped of a file", lambda t, f: ["edit", face_photo(t, "face.png"), "--cropped", "--to", "sad", "--out", str(t / "o")],
     "is not a folder"),
    ("--cropped into the folder of faces",
     lambda t, f: (t.joinpath("faces").mkdir(), face_photo(t, "faces/a.png"),
                   ["edit", str(t / "faces"), "--cropped", "--to", "sad", "--out", str(t / "faces" / "out")])[-1], "--out is inside"),
    ("--cropped with --face",
     lambda t, f: (t.joinpath("faces").mkdir(), face_photo(t, "faces/a.png"),
                   ["edit", str(t / "faces"), "--cropped", "--face", "0", "--to", "sad", "--out", str(t / "o")])[-1], "drop --face"),
    ("--cropped with a corrupt image",
     lambda t, f: (t.joinpath("faces").mkdir(), t.joinpath("faces/a.png").write_text("broken"),
                   ["edit", str(t / "faces"), "--cropped", "--to", "sad", "--out", str(t / "o")])[-1], "not a readable image"),
    # Resumes and staged recipes.
    ("--resume that changes the recipe", lambda t, f: ["train", "--resume", str(a_run(t, True)), "--mask-loss", "3"],
     "--mask-loss cannot change"),
    ("a recipe that does not exist", lambda t, f: train(f, "--recipe", "fer2013-translater", "--run-dir", str(t / "new")),
     "recipe 'fer2013-translater' does not exist"),
    ("a recipe that is not JSON",
     lambda t, f: (t.joinpath("r.json").write_text("stages: 3"), train(f, "--recipe", str(t / "r.json"), "--run-dir", str(t / "new")))[-1],
     "is not JSON"),
    ("a recipe stage without a length",
     lambda t, f: (t.joinpath("r.json").write_text('{"start": {}, "stages": [{"changes": {}}]}'),
                   train(f, "--recipe", str(t / "r.json"), "--run-dir", str(t / "new")))[-1], "stage 1: give its length"),
    ("a recipe stage that changes the data",
     lambda t, f: (t.joinpath("r.json").write_text('{"start": {}, "stages": [{"iterations": 2, "changes": {"data": "x"}}]}'),
                   train(f, "--recipe", str(t / "r.json"), "--run-dir", str(t / "new")))[-1], "data cannot change between stages"),
    ("a 16-bit photo with no face",
     lambda t, f: (Image.fromarray(np.full((64, 64), 60000, np.uint16)).save(t / "grey16.png"),
                   ["edit", str(t / "grey16.png"), "--to", "sad", "--out", str(t / "o.png")])[-1], "no face found"),
]


@pytest.mark.parametrize("setup, words", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_one_clear_line_and_loses_nothing(setup, words, fer_folder, tmp_path, capsys):
    user = tmp_path / "user"
    user.mkdir()
    argv = setup(user, str(fer_folder))
    before = snapshot(user)
    assert main(argv) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("facegan: error: ") and words in error[0], error
    assert "Traceback" not in error[0] and "/tmp/" not in error[0].replace(str(tmp_path), "")
    after = snapshot(user)
    assert {name: digest for name, digest in after.items() if name in before} == before  # nothing changed or removed
    assert set(after) == set(before)  # and nothing left behind: no temporary file, no empty run folder


def test_a_full_disk_leaves_no_partial_checkpoint(tmp_path, monkeypatch):
    from facegan.training import checkpoint

    def full_disk(state, path):
        Path(path).write_bytes(b"partial")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(torch, "save", full_disk)
    (tmp_path / "checkpoint.pt").write_bytes(b"the last good one")
    with pytest.raises(FaceganError, match=r"No space left on device; is the disk full\?\): the previous file is kept"):
        checkpoint.save_checkpoint({}, tmp_path / "checkpoint.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]
    assert (tmp_path / "checkpoint.pt").read_bytes() == b"the last good one"


def test_photos_the_way_cameras_write_them(tmp_path):
    from facegan.editing.faces import read_photo

    wide = np.zeros((30, 60, 3), np.uint8)
    wide[:, :30] = 255  # left half white
    picture = Image.fromarray(wide)
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    picture.save(tmp_path / "phone.jpg", exif=exif, quality=100)
    upright = read_photo(tmp_path / "phone.jpg")
    assert upright.shape == (60, 30, 3) and upright[:20].mean() > 200 and upright[-20:].mean() < 50
    Image.fromarray((np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)).save(tmp_path / "deep.png")
    assert read_photo(tmp_path / "deep.png").mean() == pytest.approx(127.5, abs=1)  # not almost white


def test_explicit_bf16_on_hardware_that_emulates_it_warns_and_auto_picks_fp32(monkeypatch, fer_folder, tmp_path, capsys):
    import facegan
    from facegan.editing import inversion
    from facegan import precision

    monkeypatch.setattr(precision.torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    assert precision.resolve_precision("auto", torch.device("cpu")) == "fp32"
    with pytest.warns(UserWarning, match="no native bf16"):
        assert precision.resolve_precision("bf16", torch.device("cpu")) == "bf16"
    run = facegan.train(facegan.Config(dataset="fer2013", data=str(fer_folder), conditional=True, batch_size=6, max_steps=1,
                                       device="cpu", run_dir=str(tmp_path / "run"), quiet=True))
    import json

    assert json.loads((run / "config.json").read_text())["precision"] == "fp32"
    seen = []
    real_autocast = torch.autocast
    monkeypatch.setattr(inversion.torch, "autocast", lambda *a, **k: seen.append(k.get("enabled", True)) or real_autocast(*a, **k))
    from facegan.data import load_fer2013
    from facegan.models.checkpoint import load_generator

    _, generator = load_generator(run / "checkpoint.pt")
    faces = load_fer2013(fer_folder)
    inversion.train_encoder(generator, faces, faces.labels, lambda x: x.flatten(1), steps=1, log=lambda line: None)
    assert seen == [False]  # the encoder trained in fp32


def test_huge_training_images_are_scaled_down_or_skipped_with_a_count(tmp_path, monkeypatch):
    from facegan.data import images

    monkeypatch.setattr(images, "MAX_TRAINING_PIXELS", 10_000)  # 100x100: the test's "huge"
    Image.new("L", (400, 400), 200).save(tmp_path / "big.jpg")
    Image.new("L", (400, 400), 200).save(tmp_path / "big.png")
    Image.new("L", (48, 48), 100).save(tmp_path / "small.png")
    with pytest.warns(UserWarning, match="skipped 1 unreadable, corrupt or oversized"):
        decoded, kept = images.decode_files(sorted(tmp_path.iterdir()), 48, 1)
    assert kept == [0, 2] and decoded.shape == (2, 1, 48, 48)  # big.jpg scaled down while decoding, big.png skipped
    assert abs(int(decoded[0].float().mean()) - 200) <= 1


@contextmanager
def small_disk(folder: Path, size: str):
    """A tmpfs of `size` at `folder` (needs root, as in CI); None where it cannot be mounted."""
    import subprocess

    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_during_a_checkpoint_write_keeps_the_last_one(fer_folder, tmp_path, capsys, monkeypatch):
    """Through the CLI: a run resumed on a disk with room for one checkpoint but not two fails with one line,
    and its last checkpoint is byte-identical and no partial file is left. Where no disk can be mounted,
    torch's writer is made to fail as it does on a full disk."""
    import facegan

    tiny = dict(dataset="fer2013", data=str(fer_folder), expression="happy", batch_size=2, epochs=1, ngf=8, ndf=8, device="cpu",
                quiet=True)
    probe = facegan.train(facegan.Config(**tiny, run_dir=str(tmp_path / "probe")))
    room = (probe / "checkpoint.pt").stat().st_size * 3 // 2 + 400_000  # the first checkpoint and the pictures, not a second one
    with small_disk(tmp_path / "disk", str(room)) as mounted:
        if not mounted:
            def full_disk(contents, path):
                Path(path).write_bytes(b"partial")
                raise RuntimeError("[enforce fail at inline_container.cc:626] . unexpected pos 1472 vs 1366")
            monkeypatch.setattr(torch, "save", lambda contents, path: full_disk(contents, path) if
                                load_step(contents) else torch.serialization.save(contents, path))
        run = facegan.train(facegan.Config(**tiny, run_dir=str(tmp_path / "disk" / "run")))
        before = (run / "checkpoint.pt").read_bytes()
        assert main(["train", "--resume", str(run), "--epochs", "2"]) == 2
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and "checkpoint.pt" in error[0] and "is the disk full?): the previous file is kept" in error[0], error
        assert (run / "checkpoint.pt").read_bytes() == before
        assert not [p.name for p in run.iterdir() if p.name.endswith(".tmp")]


def load_step(contents: dict) -> bool:
    """Whether a checkpoint being written is past the first epoch's (the write the fallback fails)."""
    return contents.get("step", 0) > 3
