"""The expression translator: its network, its losses, its training run, and editing with it."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

import facegan
from facegan.cli import main
from facegan.config import EXPRESSIONS, Config
from facegan.editing import load_engine
from facegan.editing.translate import SHIPPED, TranslatorEngine, export_translator, load_exported
from facegan.errors import FaceganError
from facegan.models import Translator
from facegan.models.translator import composite
from facegan.models.checkpoint import load_checkpoint
from facegan.training.translation import cycle_loss, other_classes, smoothness
from test_training import RUN_OUTPUTS

DEMO_FACES = str(facegan.data.DEMO_DATA)


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def translator_config(data, run_dir, **changes) -> Config:
    """All 42 fixture faces, seven classes, batch 6: 7 iterations per epoch."""
    settings = dict(model="translator", dataset="fer2013", data=str(data), batch_size=6, epochs=2, device="cpu",
                    run_dir=str(run_dir), quiet=True, seed=3)
    return Config(**{**settings, **changes})


def test_shapes_and_parameter_count():
    translator = Translator(48, 1, 7)
    faces = torch.rand(3, 1, 48, 48) * 2 - 1
    mask, colour = translator(faces, torch.tensor([0, 3, 6]), maps=True)
    assert mask.shape == (3, 1, 48, 48) and colour.shape == (3, 1, 48, 48)
    assert translator(faces, torch.tensor([0, 3, 6])).shape == (3, 1, 48, 48)
    # encoder 170,688 + four residual blocks of 298,496 (two 3x3 convolutions and 3,584 class gains and biases each)
    # + decoder 92,352 + colour and mask heads 801 each
    assert count(translator) == 1_458_626
    assert Translator(64, 3, 2)(torch.zeros(2, 3, 64, 64), torch.tensor([0, 1])).shape == (2, 3, 64, 64)


def test_mask_and_colour_are_in_range_and_a_mask_of_ones_returns_the_face_exactly():
    torch.manual_seed(0)
    translator = Translator(48, 1, 7)
    faces = torch.rand(4, 1, 48, 48) * 2 - 1
    mask, colour = translator(faces, torch.tensor([1, 2, 3, 4]), maps=True)
    assert 0 <= mask.min() and mask.max() <= 1 and -1 <= colour.min() and colour.max() <= 1
    assert 0.5 < mask.mean() < 1  # it starts by keeping most of the face
    with torch.no_grad():
        translator.attention.weight.zero_()
        translator.attention.bias.fill_(100.0)  # sigmoid(100) is exactly 1 in float32
    sources = torch.tensor([0, 1, 2, 3])
    assert torch.equal(translator(faces, sources), faces)
    assert cycle_loss(faces, translator(translator(faces, other_classes(sources, 7)), sources)) == 0  # a perfect inverse


def test_losses_on_constructed_cases():
    faces = torch.rand(2, 1, 8, 8)
    assert cycle_loss(faces, faces) == 0 and cycle_loss(faces, faces + 0.5) == pytest.approx(0.5)
    assert smoothness(torch.ones(2, 1, 8, 8)) == 0
    stripes = torch.zeros(1, 1, 8, 8)
    stripes[..., ::2] = 1
    assert smoothness(stripes) == pytest.approx(1.0)  # every horizontal neighbour differs by 1, no vertical one
    assert torch.equal(composite(faces, torch.zeros_like(faces), -faces), -faces)
    sources = torch.arange(7).repeat(100)
    targets = other_classes(sources, 7)
    assert (targets != sources).all() and set(targets.tolist()) == set(range(7))


def test_translator_defaults_and_refusals(fer_folder):
    config = translator_config(fer_folder, "run").resolved()
    assert config.conditional and config.class_names == EXPRESSIONS
    assert (config.loss, config.spectral_norm, config.cycle_loss, config.mask_loss) == ("hinge", True, 10.0, 0.1)
    with pytest.raises(FaceganError, match="--mode-seeking and --uniform-fakes"):
        translator_config(fer_folder, "run", mode_seeking=1.0).resolved()
    with pytest.raises(FaceganError, match="add --model translator"):
        Config(data=str(fer_folder), conditional=True, cycle_loss=5.0).resolved()
    with pytest.raises(FaceganError, match="unknown model 'stargan'"):
        translator_config(fer_folder, "run", model="stargan").resolved()


def test_short_training_run_writes_every_output_and_resumes_bit_identically(fer_folder, tmp_path):
    straight = facegan.train(translator_config(fer_folder, tmp_path / "straight", max_steps=10))
    for name in RUN_OUTPUTS:
        assert (straight / name).is_file(), name
    with Image.open(straight / "final_samples.png") as grid:
        assert grid.width == 7 * 50 + 2  # each fixed face in every expression, one column per class
    halves = facegan.train(translator_config(fer_folder, tmp_path / "halves", max_steps=5))
    facegan.resume(halves, max_steps=10)
    a, b = load_checkpoint(straight), load_checkpoint(halves)
    for key in ("generator", "generator_ema", "discriminator", "fixed_noise"):
        for name, tensor in (a[key].items() if isinstance(a[key], dict) else [("", a[key])]):
            assert torch.equal(tensor, b[key][name] if name else b[key]), f"{key}.{name}"
    assert json.loads((straight / "config.json").read_text())["model"] == "translator"
    with pytest.raises(FaceganError, match="holds a translator"):
        facegan.sample(straight / "checkpoint.pt", n=2, out=tmp_path / "samples")


def test_exported_translator_is_small_and_loads_with_weights_only(fer_folder, tmp_path):
    run = facegan.train(translator_config(fer_folder, tmp_path / "run", max_steps=2))
    exported = export_translator(run / "checkpoint.pt", tmp_path / "translator.pt", {"images_seen": 12})
    saved = torch.load(exported, weights_only=True)
    assert saved["kind"] == "facegan-translator" and saved["translator"]["attention.weight"].dtype == torch.float16
    config, translator = load_exported(exported)
    live = TranslatorEngine.load(run / "checkpoint.pt").translator
    assert load_engine(run / "checkpoint.pt").name == load_engine(exported).name == "translator"
    faces = torch.rand(2, 1, 48, 48) * 2 - 1
    with torch.no_grad():
        assert (translator(faces, torch.tensor([1, 2])) - live(faces, torch.tensor([1, 2]))).abs().max() < 0.02  # fp16 rounding
    (tmp_path / "junk.pt").write_bytes(b"not a translator")
    with pytest.raises(FaceganError, match="not a readable facegan translator file"):
        load_exported(tmp_path / "junk.pt")


def test_shipped_translator_loads_with_weights_only():
    saved = torch.load(SHIPPED, weights_only=True)
    assert saved["kind"] == "facegan-translator" and SHIPPED.stat().st_size < 5_000_000
    assert {"images_seen", "command", "commit"} <= set(saved["card"])
    editor = TranslatorEngine.load()
    assert editor.config.class_names == EXPRESSIONS and not editor.translator.training


def test_editing_the_bundled_photo_changes_only_the_face_with_no_checkpoint(tmp_path, capsys):
    from facegan.editing.faces import crop_box, detect_faces, read_photo
    from facegan.data import DEMO_PHOTO as BUNDLED_PHOTO

    out = tmp_path / "edited.jpg"
    assert main(["edit", "--engine", "translator", str(BUNDLED_PHOTO), "--to", "all", "--out", str(out), "--strip"]) == 0
    printed = capsys.readouterr().out
    photo = read_photo(BUNDLED_PHOTO)
    found = detect_faces(photo)
    assert len(found) == 1 and "-> all in" in printed
    assert "s (found in 0." in printed and "aligned" not in printed  # this engine cuts the detector's box: no alignment
    face = crop_box(found[0], "fer2013")
    outside = np.ones(photo.shape[:2], bool)
    outside[face.top : face.top + face.size, face.left : face.left + face.size] = False
    for expression in EXPRESSIONS:
        after = read_photo(tmp_path / f"edited_{expression}.jpg")  # JPEG: compare loosely outside, exactly via PNG below
        assert after.shape == photo.shape
    png = tmp_path / "edited.png"
    assert main(["edit", "--engine", "translator", str(BUNDLED_PHOTO), "--to", "surprise", "--out", str(png)]) == 0
    after = read_photo(png)
    assert np.array_equal(after[outside], photo[outside]) and not np.array_equal(after, photo)
    with Image.open(tmp_path / "edited_strip.png") as strip:
        tile = strip.height - 14 - 2 * 2  # the names above, the grid's padding
        assert strip.width == 8 * (tile + 2) + 2 and 100 < tile <= 256  # the photo, then seven expressions, at its resolution
    assert main(["edit", "--engine", "translator", str(BUNDLED_PHOTO), "--to", "happy", "--out", str(png), "--detail-steps", "5"]) == 2
    assert "--detail-steps does not apply to the translator engine" in capsys.readouterr().err


def test_strength_scales_the_change_and_zero_keeps_the_photo(tmp_path, capsys):
    from facegan.data import DEMO_PHOTO as BUNDLED_PHOTO
    from facegan.editing.faces import read_photo

    photo = read_photo(BUNDLED_PHOTO).astype(int)
    change = {}
    for strength in ("0", "0.5", "1"):
        out = tmp_path / f"surprise_{strength}.png"
        assert main(["edit", "--engine", "translator", str(BUNDLED_PHOTO), "--to", "surprise", "--out", str(out), "--strength", strength]) == 0
        difference = np.abs(read_photo(out).astype(int) - photo)
        change[strength] = difference.mean()
        if strength == "0":  # the photo, but for float rounding in the feathered blend
            assert difference.max() <= 1
    assert 0.3 * change["1"] < change["0.5"] < 0.7 * change["1"]
    assert main(["edit", "--engine", "translator", str(BUNDLED_PHOTO), "--to", "surprise", "--out", str(tmp_path / "x.png"), "--strength", "1.5"]) == 2
    assert "strength 1.5 is out of range" in capsys.readouterr().err and not (tmp_path / "x.png").exists()


def test_identity_score_on_constructed_cases():
    from facegan.data import load_fer2013
    from facegan.metrics.identity import FaceRecognition, different_people_rate, same_person

    faces = load_fer2013(DEMO_FACES, "train").images[:40]
    recognition = FaceRecognition()
    descriptors = recognition.descriptors(faces)
    assert descriptors.shape == (40, 128)
    assert same_person(descriptors, recognition.descriptors(faces.clone())).all()
    assert same_person(descriptors, descriptors.roll(1, 0)).double().mean() < 0.2
    assert different_people_rate(descriptors) < 0.2


def test_identity_score_without_dlib_is_one_clear_line(monkeypatch):
    import importlib.util

    from facegan.metrics import identity

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(FaceganError, match=r"pip install dlib-bin face-recognition-models"):
        identity.FaceRecognition()


def test_eval_edit_runs_with_the_shipped_translator(fer_folder, tmp_path, capsys):
    assert main(["eval-edit", "--engine", "translator", "--data", str(fer_folder), "--n", "14", "--out", str(tmp_path / "scores")]) == 0
    scores = json.loads((tmp_path / "scores" / "edit_eval.json").read_text())
    assert scores["n_faces"] == 14 and scores["n_edits"] == 14 * 6 and scores["method"] == "translator (strength 1)"
    assert 0 <= scores["same_person"]["all"] <= 1 and set(scores["same_person"]["per_target"]) == set(EXPRESSIONS)
    assert 0 <= scores["expression"]["balanced_accuracy"] <= 1 and scores["realism"]["frechet_distance"] >= 0
    assert 0.3 < scores["paint_share"]["mean"] <= 1 and 0 <= scores["expression_blurred"]["balanced_accuracy"] <= 1  # it paints
    assert scores["detector_blurred"]["seeds"] == 5  # 14 faces leave no strangers to train it on: NaN, said so
    assert scores["realism"]["unedited"]["appearance"]["frechet_distance"] >= 0
    photos = scores["photos"]
    assert set(photos) == {"astronaut", "hopper"} and photos["astronaut"]["own_expression"] == "happy"
    assert len(photos["astronaut"]["per_target"]) == 6 and "happy" not in photos["astronaut"]["per_target"]
    assert all(photo["paint_share"] > 0.4 for photo in photos.values())  # at full resolution too, it paints
    assert (tmp_path / "scores" / "strips.png").is_file() and "at full resolution (astronaut, hopper)" in capsys.readouterr().out


def test_an_engine_that_changes_nothing_scores_the_unedited_distances(fer_folder):
    """The unedited reference is the realism of the faces themselves in the edits' places: an engine that changes
    nothing matches it exactly, and one grey picture for every edit lands above it."""
    from facegan.data import load_fer2013
    from facegan.editing.scores import edit_quality, edit_test_faces, unedited_realism

    test, train = load_fer2013(fer_folder, "test"), load_fer2013(fer_folder, "train")
    still = edit_test_faces(lambda faces: faces[:, None].repeat(1, 7, 1, 1, 1), test, 14)
    grey = edit_test_faces(lambda faces: torch.full((len(faces), 7, *faces.shape[1:]), 128, dtype=torch.uint8), test, 14)
    unedited = unedited_realism(still, EXPRESSIONS, test, train)
    assert unedited == unedited_realism(grey, EXPRESSIONS, test, train)  # it depends on the faces alone
    for space in (lambda scores: scores, lambda scores: scores["appearance"]):
        assert space(edit_quality(still, EXPRESSIONS, test, train)["generated"])["frechet_distance"] == space(unedited)["frechet_distance"]
        assert space(edit_quality(grey, EXPRESSIONS, test, train)["generated"])["frechet_distance"] > space(unedited)["frechet_distance"] + 1


def test_web_page_edits_with_the_shipped_translator(tmp_path, monkeypatch):
    pytest.importorskip("gradio", reason="the web page needs gradio (pip install 'facegan[web]')")
    from facegan.data import DEMO_PHOTO
    from facegan.editing.faces import read_photo
    from facegan.editing.web import build_app, edit_upload

    editor = load_engine(None, "translator")
    result, strip, status, download = edit_upload(editor, str(DEMO_PHOTO), "sad", -1)
    assert result.shape == (512, 512, 3) and strip.shape[1] > 7 * 48 and "-> sad, strength 1 in" in status and download is None
    with pytest.raises(FaceganError, match="upload a photo first"):
        edit_upload(editor, None, "sad", -1)
    unchanged, _, status, _ = edit_upload(editor, str(DEMO_PHOTO), "sad", -1, strength=0)
    assert np.abs(unchanged.astype(int) - read_photo(DEMO_PHOTO)).max() <= 1 and "strength 0" in status
    build_app(editor)  # the page builds without a checkpoint
    # Uploads reach facegan's own reader, so every refusal is the command line's one clear message.
    (tmp_path / "notes.png").write_text("not an image")
    (tmp_path / "empty.jpg").write_bytes(b"")
    for bad in ("notes.png", "empty.jpg"):
        with pytest.raises(FaceganError, match="not a readable image"):
            edit_upload(editor, str(tmp_path / bad), "sad", -1)
    from facegan.editing import web

    monkeypatch.setattr(web, "MAX_UPLOAD_BYTES", 1000)  # as a data: URL sent to the API past Gradio's limit would be
    with pytest.raises(FaceganError, match="is over 0 MB"):
        edit_upload(editor, str(DEMO_PHOTO), "sad", -1)


def test_a_colour_translator_paints_every_channel_of_a_colour_photo(monkeypatch):
    """Its colour map is RGB: a mask of 0 with a red map paints red, where a grayscale map would keep the
    photo's colour; a mask of 1 keeps the photo exactly. Then through the editor, on the colour astronaut."""
    from facegan.data import DEMO_PHOTO
    from facegan.editing.blend import translate_region
    from facegan.editing.faces import read_photo

    region = np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    red = torch.tensor([1.0, -1.0, -1.0])[:, None, None].expand(3, 8, 8)
    assert (translate_region(region, torch.zeros(1, 8, 8), red) == [255, 0, 0]).all()
    assert np.array_equal(translate_region(region, torch.ones(1, 8, 8), red), region)
    grey_painted = translate_region(region, torch.zeros(1, 8, 8), torch.zeros(1, 8, 8))
    assert grey_painted.std(axis=2).mean() > 5  # a grayscale map sets the luminance and keeps the photo's colour

    config = Config(model="translator", dataset="celeba", attribute="Smiling", conditional=True, data="x").resolved()
    torch.manual_seed(0)
    editor = TranslatorEngine(config, Translator(config.image_size, config.channels, len(config.class_names)))
    monkeypatch.setattr(editor.translator, "maps", lambda faces, targets: (torch.zeros(len(faces), 1, 64, 64),
                                                                           red[:, :1, :1].expand(len(faces), 3, 64, 64)))
    photo = read_photo(DEMO_PHOTO)
    (edit,) = editor.edit_faces(photo)
    edited = editor.render(photo, [edit], "Smiling")
    centre = edited[edit.box.top + edit.box.size // 2, edit.box.left + edit.box.size // 2]
    assert centre[0] > 240 and centre[1] < 15 and centre[2] < 15, centre


def test_export_reads_every_count_from_the_run(fer_folder, tmp_path, capsys):
    run = facegan.train(translator_config(fer_folder, tmp_path / "run", max_steps=3))
    assert main(["export", str(run), "--out", str(tmp_path / "t.pt")]) == 0
    saved = torch.load(tmp_path / "t.pt", weights_only=True)
    card = saved["card"]
    assert card["iterations"] == 3 and card["images_seen"] == 18 and card["training_images"] == 42
    assert card["parameters"] == count(Translator()) and card["training_minutes"] is not None
    assert card["command"].startswith("facegan train --model translator --dataset fer2013") and card["scores"] is None
    text = (tmp_path / "t.md").read_text()
    assert "1,458,626 parameters" in text and "18 (3 iterations, 0.4 epochs)" in text
    assert load_engine(tmp_path / "t.pt").name == "translator"


def test_cropped_faces_in_bulk_one_file_per_face_and_expression_at_its_size(tmp_path, capsys):
    faces = tmp_path / "faces"
    faces.mkdir()
    for index, path in enumerate(sorted((facegan.data.DEMO_DATA / "train" / "sad").glob("*.jpg"))[:2]):
        Image.open(path).save(faces / f"grey_{index}.png")
    Image.open(facegan.data.DEMO_PHOTO).crop((170, 59, 279, 168)).resize((60, 70)).save(faces / "colour.jpg")
    (faces / "notes.txt").write_text("not a face")
    assert main(["edit", "--engine", "translator", str(faces), "--cropped", "--to", "all", "--out", str(tmp_path / "out")]) == 0
    assert "wrote 3 faces in every expression" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(EXPRESSIONS)
    for expression in EXPRESSIONS:
        written = {p.name: Image.open(p) for p in (tmp_path / "out" / expression).iterdir()}
        assert sorted(written) == ["colour.png", "grey_0.png", "grey_1.png"]
        assert written["grey_0.png"].size == (48, 48) and written["grey_0.png"].mode == "L"
        assert written["colour.png"].size == (60, 70) and written["colour.png"].mode == "RGB"
    before = np.asarray(Image.open(faces / "grey_0.png"), dtype=int)
    assert np.abs(np.asarray(Image.open(tmp_path / "out" / "surprise" / "grey_0.png"), dtype=int) - before).mean() > 1  # edited
    assert main(["edit", "--engine", "translator", str(faces), "--cropped", "--to", "sad", "--strength", "0", "--out", str(tmp_path / "none")]) == 0
    assert np.abs(np.asarray(Image.open(tmp_path / "none" / "sad" / "grey_0.png"), dtype=int) - before).max() <= 1  # strength 0
