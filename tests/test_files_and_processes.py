"""Issue 25's faults that need processes, a file system or a server: each user file survives byte for
byte, nothing stray is left behind, and every refusal is one line."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import facegan
from facegan.cli import main
from facegan.data import DEMO_PHOTO

TINY = dict(dataset="fer2013", expression="happy", batch_size=2, ngf=8, ndf=8, device="cpu", quiet=True, seed=1)
"""6 happy faces at batch 2: 3 iterations an epoch, with small networks."""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("facegan: error: ") and "Traceback" not in lines[0], lines
    return lines[0]


def test_overwrite_sets_the_old_run_aside_without_touching_a_sibling_of_the_same_name(fer_folder, tmp_path):
    runs = tmp_path / "runs"
    run = facegan.train(facegan.Config(data=str(fer_folder), epochs=1, run_dir=str(runs / "X"), **TINY))
    sibling = runs / ".X.replaced"  # the name the old run used to be set aside under, then deleted
    sibling.mkdir()
    (sibling / "keep.txt").write_text("mine")
    train = ["train", "--preset", "report-fer", "--data", str(fer_folder), "--expression", "happy", "--batch-size", "2",
             "--max-steps", "1", "--device", "cpu", "--quiet", "--run-dir", str(run), "--overwrite"]
    assert main(train) == 0
    assert (sibling / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in runs.iterdir()) == [".X.replaced", "X"]  # no set-aside folder left either
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 1
    # A new run that fails before its first checkpoint brings the old one back, and leaves no hidden folder.
    before = digest(run / "checkpoint.pt")
    assert main([*train[:-3], "--lr", "1e-3", "--batch-size", "64", "--run-dir", str(run), "--overwrite"]) == 2  # 6 faces < one batch
    assert digest(run / "checkpoint.pt") == before and sorted(p.name for p in runs.iterdir()) == [".X.replaced", "X"]


def test_run_dir_dot_in_a_folder_of_ones_own_files(fer_folder, tmp_path, monkeypatch, capsys):
    tmp_path = tmp_path / "documents"
    tmp_path.mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--preset", "report-fer", "--data", str(fer_folder), "--expression", "happy", "--run-dir", ".", "--overwrite"]) == 2
    assert "is not empty and not a facegan run" in one_error_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"] and (tmp_path / "notes.txt").read_text() == "mine"


def test_a_failed_new_run_leaves_no_empty_folder(fer_folder, tmp_path, capsys):
    assert main(["train", "--preset", "report-fer", "--data", str(fer_folder), "--expression", "happy", "--device", "cpu",
                 "--run-dir", str(tmp_path / "new")]) == 2  # 6 faces, fewer than the report's batch of 128
    assert "fewer than one batch" in one_error_line(capsys) and not (tmp_path / "new").exists()


def poison_after(step: int, weights: bool):
    """A wrapper of the training step that, from iteration `step` on, returns NaN losses (and sets G's
    weights to NaN when `weights`): a run diverging midway."""
    from facegan.training import loop

    real = loop.make_training_step

    def make(config, state, *args):
        run_step = real(config, state, *args)

        def poisoned(batch):
            stats = run_step(batch)
            if state.step + 1 >= step:
                if weights:
                    with torch.no_grad():
                        for parameter in state.generator.parameters():
                            parameter.fill_(float("nan"))
                return torch.full_like(stats, float("nan"))
            return stats

        return poisoned

    return make


@pytest.mark.parametrize("weights, check_every, stopped_at", [(True, 25, 6), (False, 1, 5)],
                         ids=["NaN weights, caught at the epoch's end", "a NaN loss, caught when the losses are read"])
def test_training_stops_at_a_nan_midway_and_keeps_the_last_good_checkpoint(weights, check_every, stopped_at, fer_folder, tmp_path,
                                                                             capsys, monkeypatch):
    from facegan.training import loop

    run = facegan.train(facegan.Config(data=str(fer_folder), epochs=1, run_dir=str(tmp_path / "run"), **TINY))
    before = digest(run / "checkpoint.pt")
    monkeypatch.setattr(loop, "make_training_step", poison_after(5, weights))
    monkeypatch.setattr(loop, "LOSS_CHECK_EVERY", check_every)
    assert main(["train", "--resume", str(run), "--epochs", "4"]) == 2
    line = one_error_line(capsys)
    assert f"training diverged: a loss or weight became NaN or infinite by iteration {stopped_at}" in line
    assert "the checkpoint of iteration 3 is kept" in line
    assert digest(run / "checkpoint.pt") == before


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
    Image.open(DEMO_PHOTO).save(photo)
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


def test_web_refuses_oversized_requests_on_every_route_before_reading_them():
    pytest.importorskip("gradio", reason="the web page needs gradio (pip install 'facegan[web]')")
    import http.client
    import socket

    from facegan.editing import load_engine
    from facegan.editing.web import MAX_REQUEST_BYTES, build_app, launch

    with socket.socket() as handle:
        handle.bind(("127.0.0.1", 0))
        port = handle.getsockname()[1]
    app = build_app(load_engine())
    launch(app, "127.0.0.1", port, block=False)
    try:
        payload = json.dumps({"data": [{"path": "data:image/png;base64," + "A" * (MAX_REQUEST_BYTES + 10)}], "fn_index": 0})
        for route in ("/gradio_api/queue/join", "/gradio_api/run/predict", "/gradio_api/upload", "/anything"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("POST", route, body=payload, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            body = response.read()
            assert response.status == 413 and body.startswith(b"request over") and b"AAAA" not in body, route
            connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # a body sent in chunks, with no length
        connection.request("POST", "/gradio_api/queue/join", body=iter([payload.encode()[i : i + 2**20] for i in range(0, len(payload), 2**20)]),
                           headers={"Content-Type": "application/json"}, encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 413
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/")
        assert connection.getresponse().status == 200  # the page itself is served
    finally:
        app.close()


def test_web_names_the_upload_not_the_servers_path_and_shows_only_the_engines_controls(tmp_path):
    pytest.importorskip("gradio", reason="the web page needs gradio (pip install 'facegan[web]')")
    from facegan.editing import load_engine
    from facegan.editing.web import build_app, edit_upload
    from facegan.errors import FaceganError

    upload = tmp_path / "gradio" / "3f2a9c" / "holiday.png"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    editor = load_engine()
    with pytest.raises(FaceganError) as refused:
        edit_upload(editor, str(upload), "sad", -1)
    assert "'holiday.png' is not a readable image" in str(refused.value) and str(tmp_path) not in str(refused.value)
    with pytest.raises(FaceganError, match="the translator engine has no 'closer' control"):
        edit_upload(editor, str(DEMO_PHOTO), "sad", -1, closer=True)
    (handler,) = build_app(editor).fns.values()
    assert [type(control).__name__ for control in handler.inputs] == ["File", "Dropdown", "Number", "Slider"]  # no "closer"
