"""Photo editing: detection, cropping, blending, inversion, the edit command and its bad inputs."""

import numpy as np
import pytest
import torch
from PIL import Image

import facegan
from facegan.cli import main
from facegan.editing import faces as faces_module
from facegan.editing.blend import paste_face
from facegan.editing.faces import Box, crop_box, cut, detect_faces, read_photo
from facegan.errors import FaceganError
from conftest import shared_data
from test_conditional import conditional_config

skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (a test dependency) provides the real photos")


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory):
    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(path)
    return path


def test_detection_finds_the_astronaut_and_no_face_in_a_coffee_cup():
    found = detect_faces(skimage_data.astronaut())
    assert len(found) == 1
    face = found[0]  # her face is around x 170-280, y 60-170 in the 512x512 photo
    assert 150 < face.left < 200 and 40 < face.top < 90 and 80 < face.size < 140
    assert detect_faces(skimage_data.coffee()) == []


def test_the_largest_face_of_a_large_photo_is_found_in_a_smaller_copy_then_again_in_the_photo(monkeypatch):
    import cv2

    large = cv2.resize(skimage_data.astronaut(), (2048, 2048), interpolation=cv2.INTER_CUBIC)
    small_face = np.full_like(large, 128)
    small_face[:512, :512] = skimage_data.astronaut()  # her face 95 pixels: 19 in a 400-pixel copy, too small to show
    whole = max(detect_faces(large), key=lambda box: box.size)  # the whole search also sees a 60-pixel "face" in her suit
    detect, searched = faces_module.detect_faces, []
    monkeypatch.setattr(faces_module, "detect_faces", lambda photo, sizes=None: searched.append((photo.shape[:2], sizes)) or detect(photo, sizes))
    (found,) = faces_module.pick_faces(large)
    assert max(abs(found.left - whole.left), abs(found.top - whole.top), abs(found.size - whole.size)) <= 0.03 * whole.size
    (copy, everywhere), (region, about_its_size) = searched
    assert copy == (400, 400) and everywhere is None and region[0] < 1200 and about_its_size[0] < found.size < about_its_size[1]
    searched.clear()
    (found,) = faces_module.pick_faces(small_face)
    assert [shape for shape, _ in searched][:2] == [(400, 400), (1600, 1600)] and 88 < found.size < 102
    monkeypatch.setattr(faces_module, "detect_faces", lambda photo: pytest.fail(f"searched a {photo.shape} photo"))
    assert faces_module.largest_face_in_a_copy(skimage_data.astronaut()) is None  # small photos are searched whole
    monkeypatch.setattr(faces_module, "face_boxes", lambda photo: pytest.fail(f"searched a {photo.shape} photo"))
    with pytest.raises(pytest.fail.Exception, match=r"\(2048, 2048, 3\)"):  # --face N and --all-faces need every face
        faces_module.pick_faces(large, all_faces=True)


def turned(photo: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo turned by `angle` degrees (OpenCV's sense), grey past its corners, and the turn (2, 3) of its pixels."""
    import cv2

    height, width = photo.shape[:2]
    turning = cv2.getRotationMatrix2D((width / 2 - 0.5, height / 2 - 0.5), angle, 1.0)
    side = int(np.ceil(width * abs(turning[0, 0]) + height * abs(turning[0, 1])))
    turning[:, 2] += ((side - width) / 2, (side - height) / 2)
    return cv2.warpAffine(photo, turning, (side, side), flags=cv2.INTER_CUBIC, borderValue=(128, 128, 128)), turning


@pytest.mark.parametrize("angle, roll", [(35, -30), (-60, 60), (90, -90)])
def test_a_face_rolled_past_the_cascade_is_found_in_a_turned_copy_with_its_own_landmarks(angle, roll):
    import cv2

    from facegan.editing.landmarks import photo_landmarks

    photo = skimage_data.astronaut()
    upright = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), faces_module.pick_faces(photo)[0], 5)
    rolled, turning = turned(photo, angle)
    assert detect_faces(rolled) == []  # the cascade alone finds faces rolled by up to about 20 degrees
    (found,) = faces_module.pick_faces(rolled)
    assert found.roll == roll
    points = photo_landmarks(cv2.cvtColor(rolled, cv2.COLOR_RGB2GRAY), found, 5)
    eyes = np.linalg.norm(upright[:2].mean(0) - upright[2:4].mean(0))
    assert np.linalg.norm(points - (upright @ turning[:, :2].T + turning[:, 2]), axis=1).max() < 0.05 * eyes


def test_a_rolled_face_is_edited_as_the_same_face_upright():
    from facegan.editing import load_engine
    from facegan.editing.align import aligned_crop

    engine = load_engine(None, "geometry")
    photo = skimage_data.astronaut()
    rolled, _ = turned(photo, 35)
    (upright_edit,), (rolled_edit,) = engine.edit_faces(photo), engine.edit_faces(rolled)
    face, face_rolled = aligned_crop(photo, upright_edit.prepared[0]), aligned_crop(rolled, rolled_edit.prepared[0])
    assert np.abs(face.astype(int) - face_rolled).mean() < 6  # the same 48-pixel face, upright, out of either photo
    assert engine.expression_of(rolled_edit) == engine.expression_of(upright_edit) == "happy"


def test_every_face_includes_the_rolled_ones_once_each():
    import cv2

    photo = skimage_data.astronaut()
    group = np.full((512, 1024, 3), 128, np.uint8)
    group[:, :512] = photo
    group[:, 512:] = cv2.resize(turned(photo, -45)[0], (512, 512), interpolation=cv2.INTER_AREA)
    found = faces_module.pick_faces(group, all_faces=True)
    assert len(found) == 2 and found[0].roll == 0  # her upright face is not found again in a turned copy
    assert found[1].roll in (30, 60) and found[1].left > 512
    assert faces_module.pick_faces(group, face=1) == [found[1]]
    assert faces_module.pick_faces(group)[0].roll == 0  # the default, the largest, looks no further than the upright face


def test_every_face_is_edited_once_where_the_cascade_boxes_it_twice(monkeypatch):
    """Two overlapping boxes with eyes, as the cascade gives for some faces at a 15-degree roll: one face, the larger box."""
    face, twice, other = Box(99, 95, 99), Box(65, 96, 95), Box(300, 90, 80)
    monkeypatch.setattr(faces_module, "face_boxes", lambda photo: ([twice, face, other], []))
    monkeypatch.setattr(faces_module, "rolled_faces", lambda photo, every_turn: [Box(70, 90, 100, 30.0), Box(420, 60, 90, 30.0)])
    assert faces_module.pick_faces(skimage_data.astronaut(), all_faces=True) == [face, other, Box(420, 60, 90, 30.0)]


def test_rolled_faces_are_searched_only_where_no_upright_face_has_an_eye(monkeypatch):
    photo = skimage_data.astronaut()
    eyeless, rolled = Box(0, 0, 60), Box(150, 40, 120, 30.0)
    monkeypatch.setattr(faces_module, "rolled_faces", lambda photo: pytest.fail("searched turned copies"))
    monkeypatch.setattr(faces_module, "hog_faces", lambda photo: pytest.fail("searched by dlib's HOG detector"))
    assert faces_module.pick_faces(photo)[0].roll == 0  # an upright face with an eye: no turned copy is searched
    monkeypatch.setattr(faces_module, "face_boxes", lambda photo: ([], [eyeless]))
    monkeypatch.setattr(faces_module, "rolled_faces", lambda photo: [rolled])
    assert faces_module.pick_faces(photo) == [rolled]  # a rolled face with an eye before an upright box without one
    monkeypatch.setattr(faces_module, "face_boxes", lambda photo: ([], [Box(0, 0, 200)]))
    assert faces_module.pick_faces(photo) == [rolled]  # even a larger one: upright boxes without an eye on a turned face
    monkeypatch.setattr(faces_module, "face_boxes", lambda photo: ([], [eyeless]))
    monkeypatch.setattr(faces_module, "rolled_faces", lambda photo, every_turn=False: [])
    hogged = Box(140, 60, 110)
    monkeypatch.setattr(faces_module, "hog_faces", lambda photo: [(hogged, 1.0), (Box(5, 5, 50), 0.0)])
    assert faces_module.pick_faces(photo) == [hogged]  # where no turn shows a face, dlib's HOG detector's face
    assert faces_module.pick_faces(photo, all_faces=True) == [hogged]
    monkeypatch.setattr(faces_module, "hog_faces", lambda photo: [(Box(5, 5, 50), 0.0)])
    assert faces_module.pick_faces(photo) == [eyeless]  # failing one, a box without an eye it responds near (sunglasses)
    monkeypatch.setattr(faces_module, "hog_faces", lambda photo: [])
    with pytest.raises(FaceganError, match="no face found in the photo"):
        faces_module.pick_faces(photo)  # and not one it does not: a texture


def test_dlibs_hog_detector_boxes_a_face_as_the_cascade_does():
    photo = skimage_data.astronaut()
    cascade_box, = faces_module.detect_faces(photo)
    found = faces_module.hog_faces(photo)
    hog_box, = [box for box, score in found if score >= faces_module.HOG_SCORE]  # her face, not the patch of her suit
    assert len(found) > 1  # which it scores lower
    centre = lambda box: np.array([box.left + box.size / 2, box.top + box.size / 2])  # noqa: E731
    assert np.abs(centre(hog_box) - centre(cascade_box)).max() < 0.08 * cascade_box.size
    assert 0.9 < hog_box.size / cascade_box.size < 1.1


def test_boxes_without_an_eye_that_dlibs_detector_does_not_respond_to_are_not_faces():
    import cv2

    coffee = cv2.resize(skimage_data.coffee(), (3000, 2000), interpolation=cv2.INTER_CUBIC)
    with_eyes, without = faces_module.face_boxes(coffee)
    assert not with_eyes and without  # the cascade takes a patch of the picture for a face, and sees no eye in it
    with pytest.raises(FaceganError, match="no face found in the photo"):
        faces_module.pick_faces(coffee)


def test_a_face_in_dark_glasses_the_cascade_misses_is_found_by_dlibs_detector():
    from facegan.editing.landmarks import photo_landmarks

    photo = read_photo(shared_data("celeba") / "img_align_celeba" / "007017.jpg")  # dark glasses, the head turned
    photo = np.asarray(Image.fromarray(photo).resize((photo.shape[1] * 2, photo.shape[0] * 2), Image.BICUBIC))
    assert faces_module.face_boxes(photo) == ([], []) and faces_module.rolled_faces(photo) == []
    box, = faces_module.pick_faces(photo)
    points = photo_landmarks(np.asarray(Image.fromarray(photo).convert("L")), box, 5)
    assert ((points >= (box.left, box.top)) & (points <= (box.left + box.size, box.top + box.size))).all()


def test_crop_follows_the_models_data_and_pads_at_edges():
    photo = np.zeros((100, 120, 3), np.uint8)
    photo[:, :60] = 255
    grey = cut(photo, Box(-20, -20, 80), 48, 1)
    colour = cut(photo, Box(30, 10, 60), 64, 3)
    assert grey.shape == (1, 48, 48) and grey.dtype == np.uint8 and colour.shape == (3, 64, 64)
    assert (colour[:, :, 0] == 255).all() and (colour[:, :, -1] == 0).all()
    assert crop_box(Box(100, 100, 100), "celeba") == Box(70, 70, 160)


@pytest.mark.parametrize("blend", ["feather", "seamless"])
@pytest.mark.parametrize("box", [Box(40, 30, 60), Box(-10, 70, 50), Box(40, 30, 60, 30.0), Box(-10, 70, 50, -60.0)])
def test_blending_changes_nothing_outside_the_face_box(blend, box):
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    face = torch.full((1, 48, 48), 250, dtype=torch.uint8)
    result = paste_face(photo, face, box, blend)
    ys, xs = np.mgrid[: photo.shape[0], : photo.shape[1]]
    in_square = np.stack([xs, ys, np.ones_like(xs)], -1) @ faces_module.upright(box, box.size).T  # a rolled box is turned
    outside = ((in_square < -1.5) | (in_square > box.size + 0.5)).any(-1)
    assert np.array_equal(result[outside], photo[outside])
    centre_y, centre_x = round(box.top + box.size / 2), round(box.left + box.size / 2)
    middle = (slice(centre_y - 3, centre_y + 4), slice(centre_x - 3, centre_x + 4))
    luminance = np.array([0.299, 0.587, 0.114])
    assert (result[middle] @ luminance).std() < 0.5 * (photo[middle] @ luminance).std()  # the flat face lands on the box's middle


def test_grayscale_edit_keeps_the_photos_colour():
    photo = np.zeros((64, 64, 3), np.uint8)
    photo[..., 0] = 200  # a red photo
    result = paste_face(photo, torch.full((1, 48, 48), 128, dtype=torch.uint8), Box(0, 0, 64))
    centre = result[32, 32].astype(int)
    assert centre[0] > centre[1] + 40 and centre[0] > centre[2] + 40


def test_bad_photos_get_one_clear_line(tmp_path, capsys, monkeypatch):
    assert main(["edit", str(tmp_path / "missing.jpg"), "--checkpoint", "x", "--to", "happy", "--out", str(tmp_path / "o.jpg")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(FaceganError, match="not a readable image"):
        read_photo(tmp_path / "corrupt.jpg")
    Image.new("RGB", (200, 100)).save(tmp_path / "big.png")
    monkeypatch.setattr(faces_module, "MAX_PIXELS", 10_000)
    with pytest.raises(FaceganError, match="200x100: photos up to"):
        read_photo(tmp_path / "big.png")


@pytest.fixture(scope="module")
def tiny_editor_run(tmp_path_factory):
    """A 3-iteration conditional model on random faces and a 3-step encoder: wiring, not quality."""
    from conftest import write_image
    from facegan.config import EXPRESSIONS

    root = tmp_path_factory.mktemp("fer")
    for label, expression in enumerate(EXPRESSIONS):
        for i in range(6):
            write_image(root / "train" / expression / f"Training_{label}{i}.jpg", (48, 48), "L", label * 100 + i)
        for i in range(2):
            write_image(root / "test" / expression / f"PublicTest_{label}{i}.jpg", (48, 48), "L", label * 100 + 50 + i)
    run = facegan.train(conditional_config(root, tmp_path_factory.mktemp("runs") / "run", max_steps=3))
    assert main(["train-encoder", "--checkpoint", str(run / "checkpoint.pt"), "--steps", "3"]) == 0
    return run


def test_edit_command_rewrites_only_the_face(tiny_editor_run, astronaut, tmp_path, capsys):
    out = tmp_path / "edited.png"
    assert main(["edit", str(astronaut), "--checkpoint", str(tiny_editor_run / "checkpoint.pt"), "--to", "happy",
                 "--out", str(out), "--strip", "--steps", "2", "--detail-steps", "2"]) == 0
    printed = capsys.readouterr().out
    assert "-> happy in" in printed and "edited_strip.png" in printed and (tmp_path / "edited_strip.png").is_file()
    before, after = np.asarray(Image.open(astronaut)), np.asarray(Image.open(out))
    assert after.shape == before.shape
    face = crop_box(detect_faces(before)[0], "fer2013")
    outside = np.ones(before.shape[:2], bool)
    outside[face.top : face.top + face.size, face.left : face.left + face.size] = False
    assert np.array_equal(after[outside], before[outside]) and not np.array_equal(after, before)
    with Image.open(tmp_path / "edited_strip.png") as strip:
        tile = strip.height - 14 - 2 * 2  # the names above, the grid's padding
        assert strip.width == 8 * (tile + 2) + 2 and 100 < tile <= 256  # the photo, then seven expressions, at its resolution
        assert np.ptp(np.asarray(strip.convert("RGB"))[20:-2, 2 : 2 + tile].astype(int), axis=-1).mean() > 10  # in colour


def test_edit_refusals(tiny_editor_run, astronaut, tmp_path, capsys):
    checkpoint = str(tiny_editor_run / "checkpoint.pt")
    Image.fromarray(skimage_data.coffee()).save(tmp_path / "coffee.png")
    assert main(["edit", str(tmp_path / "coffee.png"), "--checkpoint", checkpoint, "--to", "happy", "--out", str(tmp_path / "o.png")]) == 2
    assert "no face found" in capsys.readouterr().err
    assert main(["edit", str(astronaut), "--checkpoint", checkpoint, "--to", "joy", "--out", str(tmp_path / "o.png")]) == 2
    assert "'joy' is not something this model renders" in capsys.readouterr().err
    assert main(["edit", str(astronaut), "--checkpoint", checkpoint, "--to", "sad", "--face", "3", "--out", str(tmp_path / "o.png")]) == 2
    assert "--face 3 does not exist: the photo has 1 face(s)" in capsys.readouterr().err
    assert main(["edit", str(astronaut), "--checkpoint", checkpoint, "--to", "sad", "--out", str(astronaut)]) == 2
    assert "would replace the photo itself" in capsys.readouterr().err
    assert main(["edit", str(astronaut), "--checkpoint", checkpoint, "--to", "sad", "--strength", "0.5", "--out", str(tmp_path / "o.png")]) == 2
    assert "the inversion engine has no 'strength' control" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()
    (tiny_editor_run / "encoder.pt").rename(tmp_path / "encoder.pt")
    try:
        assert main(["edit", str(astronaut), "--checkpoint", checkpoint, "--to", "sad", "--out", str(tmp_path / "o.png")]) == 2
        assert "train it once for this model with 'facegan train-encoder" in capsys.readouterr().err
    finally:
        (tmp_path / "encoder.pt").rename(tiny_editor_run / "encoder.pt")


def test_edit_scores_on_test_faces(tiny_editor_run, tmp_path, capsys):
    import json

    assert main(["eval-edit", "--checkpoint", str(tiny_editor_run / "checkpoint.pt"), "--n", "12", "--steps", "2",
                 "--detail-steps", "2", "--out", str(tmp_path / "scores")]) == 0
    scores = json.loads((tmp_path / "scores" / "edit_eval.json").read_text())
    assert scores["n_faces"] == 12 and scores["n_edits"] == 72 and scores["method"] == "inversion (2 steps, 2 detail steps)"
    assert 0 <= scores["same_person"]["all"] <= 1 and 0 <= scores["expression"]["balanced_accuracy"] <= 1
    assert 0 < scores["own_expression_reconstruction"]["psnr"] < 60 and scores["seconds_per_face"] > 0
    assert (tmp_path / "scores" / "strips.png").is_file() and "same person" in capsys.readouterr().out


def test_eval_edit_of_a_run_folder_writes_into_that_run(tiny_editor_run):
    from facegan.models.checkpoint import run_folder

    assert run_folder(tiny_editor_run) == tiny_editor_run
    assert run_folder(tiny_editor_run / "checkpoint.pt") == tiny_editor_run


def test_detail_refinement_fits_the_face_and_holds_the_other_expressions(tiny_editor_run):
    from facegan.editing.inversion import refine_detail
    from facegan.editing.redraw import InversionEngine

    editor = InversionEngine.load(tiny_editor_run / "checkpoint.pt")
    generator = editor.generator
    torch.manual_seed(0)
    labels, classes = torch.tensor([3, 5]), torch.arange(7)
    start = generator.layout(torch.randn(2, 100))
    with torch.no_grad():  # faces the tiny model can draw: it has barely trained
        faces = generator.draw(generator.layout(torch.randn(2, 100)), labels)
    untouched = {name: value.clone() for name, value in generator.state_dict().items()}

    def expression_drift(layout: torch.Tensor, detail: torch.Tensor) -> float:
        """How far the other classes' faces stray from the starting layout's, in the classifier's feature space."""
        with torch.no_grad():
            drift = [editor.features(generator.draw(ours.expand(7, -1, -1, -1), classes, our_detail.expand(7, -1, -1, -1)))
                     - editor.features(generator.draw(theirs.expand(7, -1, -1, -1), classes))
                     for ours, our_detail, theirs in zip(layout[:, None], detail[:, None], start[:, None])]
            return float(sum(d[classes != label].pow(2).mean() for d, label in zip(drift, labels)))

    layout, detail = refine_detail(generator, editor.features, faces, start, labels, steps=20)
    free = refine_detail(generator, editor.features, faces, start, labels, steps=20, keep_expression=0.0)
    held = refine_detail(generator, editor.features, faces, start, labels, steps=20, keep_expression=100.0)  # made to dominate
    assert detail.shape == (2, *generator.detail_shape) and detail.abs().mean() > 0
    with torch.no_grad():
        error = (generator.draw(layout, labels, detail) - faces).abs().mean()
        assert error < 0.8 * (generator.draw(start, labels) - faces).abs().mean()
    assert all(torch.equal(value, generator.state_dict()[name]) for name, value in untouched.items())  # G itself is unchanged
    again = refine_detail(generator, editor.features, faces, start, labels, steps=20)
    assert torch.equal(layout, again[0]) and torch.equal(detail, again[1]), "seeded"
    assert expression_drift(*held) < 0.6 * expression_drift(*free)  # Adam's steps keep their size: some drift stays


def free_port() -> int:
    import socket

    with socket.socket() as handle:
        handle.bind(("127.0.0.1", 0))
        return handle.getsockname()[1]


@pytest.mark.browser
def test_web_page_in_a_real_browser(tiny_editor_run, astronaut, tmp_path):
    """Upload a photo, press Edit, get an image back; a photo without a face gets a message, and no warning about
    Gradio's own use of pandas reaches the terminal. The waits are generous because `make test` runs another test file
    beside this one."""
    import shutil
    import warnings

    pytest.importorskip("gradio", reason="the web page needs gradio (pip install 'facegan[web]')")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium); Playwright's own browser download is not used")
    from facegan.editing import load_engine
    from facegan.editing.web import build_app, launch

    app = build_app(load_engine(tiny_editor_run / "checkpoint.pt"))
    port = free_port()
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        launch(app, "127.0.0.1", port, block=False)  # as `facegan web` serves it: with the request limit on every route
        Image.fromarray(skimage_data.coffee()).save(tmp_path / "coffee.png")
        try:
            with sync_api.sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.locator("#photo input[type=file]").set_input_files(str(astronaut))
                # The uploaded file's row; its text reads "astronaut .png" (name and extension in two spans) once the upload
                # is done, so matching the text "astronaut.png" only caught the upload's brief progress line, when it did.
                page.locator("#photo [aria-label='astronaut.png']").wait_for(timeout=120_000)
                page.locator("#edit").click()
                page.locator("#edited img").wait_for(timeout=180_000)
                assert page.locator("#edited img").get_attribute("src")
                sync_api.expect(page.locator("#status")).to_contain_text("-> happy in", timeout=120_000)
                link = page.locator("#download a[href*='astronaut_happy.png']").first  # the edited photo as a file like the upload
                link.wait_for(timeout=60_000)
                page.locator("#closer input").check()
                page.locator("#edit").click()
                sync_api.expect(page.locator("#status")).to_contain_text("-> happy, closer to the photo", timeout=180_000)
                page.reload()
                page.locator("#photo input[type=file]").set_input_files(str(tmp_path / "coffee.png"))
                page.locator("#photo [aria-label='coffee.png']").wait_for(timeout=120_000)
                page.locator("#edit").click()
                sync_api.expect(page.get_by_text("no face found in the photo").first).to_be_visible(timeout=120_000)
                browser.close()
        finally:
            app.close()
    assert not [str(warning.message) for warning in recorded if "gradio" in warning.filename and issubclass(warning.category, DeprecationWarning)]
