"""Issue 25's web faults: requests over the limit on every route, upload names instead of server paths,
and only the controls the engine uses; and the edited photo offered as a file like the upload."""

from __future__ import annotations

import json
import re

import pytest

from facegan.data import DEMO_PHOTO


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
    with pytest.raises(FaceganError, match=f"the {editor.name} engine has no 'closer' control"):
        edit_upload(editor, str(DEMO_PHOTO), "sad", -1, closer=True)
    (handler,) = build_app(editor).fns.values()
    assert [type(control).__name__ for control in handler.inputs] == ["File", "Dropdown", "Number", "Slider"]  # no "closer"


def test_web_offers_the_edited_photo_as_a_file_like_the_upload_forgets_old_ones_and_phones_no_one(tmp_path, monkeypatch):
    pytest.importorskip("gradio", reason="the web page needs gradio (pip install 'facegan[web]')")
    import os
    from pathlib import Path

    import numpy as np

    from PIL import Image, ImageCms, JpegImagePlugin

    from facegan.editing import load_engine, web

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = tmp_path / "upload" / "holiday.jpg"
    upload.parent.mkdir()
    Image.open(DEMO_PHOTO).save(upload, quality=85, subsampling=1, icc_profile=profile)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / "old").mkdir()
    os.utime(downloads / "old", (0, 0))  # an edit from long ago
    result, _, _, download = web.edit_upload(load_engine(), str(upload), "surprise", -1, downloads=downloads)
    written = Image.open(download)
    assert Path(download).name == "holiday_surprise.jpg" and written.format == "JPEG"
    assert np.abs(np.asarray(written).astype(int) - result).mean() < 2  # the page's picture, as a JPEG
    assert written.info["icc_profile"] == profile and written.quantization == Image.open(upload).quantization
    assert JpegImagePlugin.get_sampling(written) == 1
    assert not (downloads / "old").exists() and len(list(downloads.iterdir())) == 1
    app = web.build_app(load_engine())
    (handler,) = app.fns.values()
    assert [type(output).__name__ for output in handler.outputs] == ["Image", "Image", "Markdown", "File"]
    assert app.analytics_enabled is False  # the page sends Gradio no telemetry and asks no server for its version


def test_web_says_what_a_face_turned_to_profile_did_not_get(monkeypatch):
    pytest.importorskip("gradio", reason="the web page needs gradio (pip install 'facegan[web]')")
    from facegan.editing import geometry, load_engine
    from facegan.editing.align import FRAME
    from facegan.editing.web import edit_upload

    profile = geometry.load_geometry().reference.copy()
    profile[27:36, 0] += profile[2, 0] - profile[30, 0]  # the nose's tip over the far cheek
    on_crop = (profile + 0.5) * geometry.LANDMARK_SIDE / FRAME - 0.5
    monkeypatch.setattr(geometry, "cropped_landmarks", lambda upright, count: on_crop)
    _, _, report, _ = edit_upload(load_engine(None, "geometry"), str(DEMO_PHOTO), "surprise", -1)
    assert re.search(r" in \d\.\d\d s \(found in \d\.\d{3} s, aligned in \d\.\d{3} s\)\. Turned from the camera \(1\.00; 1 is a profile\): "
                     r"too far to move, so it is left as it is\.$", report), report
