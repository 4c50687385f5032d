import json

import pytest
import torch

from conftest import shared_data, write_image
from facegan.cli import main
from facegan.config import EXPRESSIONS
from facegan.data import load_fer2013
from facegan.errors import FaceganError
from facegan.metrics.classifier import (ROBUST_WEIGHTS, SHIPPED_WEIGHTS, ExpressionClassifier, evaluate_classifier, gaussian_blur,
                                        load_classifier, robust_augment, save_classifier, to_input)
from facegan.metrics.marks import blurred_and_compressed
from facegan.metrics.evaluate import FER2013, evaluate, evaluate_run, read_generated


@pytest.fixture
def untrained_classifier(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "classifier.pt"
    save_classifier(ExpressionClassifier(8).eval(), path, {"accuracy": 0.0})
    return path


def test_report_is_written_with_floor_and_memorisation(fer_folder, tmp_path, untrained_classifier):
    train = load_fer2013(fer_folder, "train")
    # "Generated" faces: two exact training copies and two fresh images, for happy and sad.
    generated = {"happy": train.only_class("happy").images[:4].clone(), "sad": train.only_class("sad").images[:4].clone()}
    generated["happy"][2:] = torch.randint(0, 256, (2, 1, 48, 48), dtype=torch.uint8)
    scores, report = evaluate_run(generated, fer_folder, tmp_path / "eval", "test", untrained_classifier)
    assert scores["expressions"] == ["happy", "sad"] and scores["counts"] == {"happy": 2, "sad": 2}
    for side in ("generated", "floor"):
        assert scores[side]["frechet_distance"] >= 0 and 0 <= scores[side]["precision"] <= 1
        assert set(scores[side]["expression"]["per_class"]) == {"happy", "sad"}
    # The first generated faces are copies of training faces: distance 0 to their nearest neighbour.
    assert scores["memorisation"]["min_nearest_train_distance"] == 0
    for name in ("eval.json", "eval.md", "samples.png", "confusion.png", "closest_pairs.png"):
        assert (tmp_path / "eval" / name).is_file(), name
    assert json.loads((tmp_path / "eval" / "eval.json").read_text())["counts"] == {"happy": 2, "sad": 2}
    assert "floor (real train faces)" in report.read_text()
    # FER2013 is also scored in the appearance network's features, which see how a face is drawn.
    assert "| Fréchet distance (appearance features) |" in report.read_text()
    assert {"frechet_distance", "kid"} <= set(scores["generated"]["appearance"]) <= set(scores["floor"]["appearance"])


def test_floor_of_real_faces_is_better_than_flat_grey_faces(fer_folder, untrained_classifier):
    classifier, _ = load_classifier(untrained_classifier)
    train, test = load_fer2013(fer_folder, "train"), load_fer2013(fer_folder, "test")
    flat = {e: torch.full((6, 1, 48, 48), 128, dtype=torch.uint8) for e in EXPRESSIONS}
    scores = evaluate(flat, FER2013, classifier, train, test, appearance=FER2013.load_appearance())
    assert scores["generated"]["frechet_distance"] > scores["floor"]["frechet_distance"]
    assert scores["generated"]["appearance"]["frechet_distance"] > scores["floor"]["appearance"]["frechet_distance"]
    assert scores["counts"] == {e: 2 for e in EXPRESSIONS}  # the test split's proportions: 2 of each
    # One face over and over has no spread; real training faces spread about as the test faces do.
    assert scores["generated"]["diversity"]["mean"] == 0
    assert 0.5 < scores["floor"]["diversity"]["mean"] < 2


def test_spread_is_the_mean_distance_between_two_faces():
    from facegan.metrics.distances import spread

    origin, corner = torch.zeros(1, 4), torch.ones(1, 4)
    assert spread(torch.cat([origin, corner])) == pytest.approx(2.0)  # sqrt(4 x 1^2)
    assert spread(torch.cat([origin, origin, corner])) == pytest.approx(2 * 2.0 * 2 / 6)  # 2 of 3 pairs differ


def test_read_generated_layout_and_bad_images(tmp_path):
    for i in range(3):
        write_image(tmp_path / "samples" / "fear" / f"{i:06d}.png", (48, 48), "L", i)
    faces = read_generated(tmp_path / "samples")
    assert list(faces) == ["fear"] and faces["fear"].shape == (3, 1, 48, 48)
    with pytest.raises(FaceganError, match="no generated faces"):
        read_generated(tmp_path)
    write_image(tmp_path / "samples" / "fear" / "big.png", (64, 64), "RGB", 9)
    with pytest.raises(FaceganError, match="is 64x64 RGB; FER2013 scores need 48x48 grayscale"):
        read_generated(tmp_path / "samples")
    (tmp_path / "samples" / "fear" / "big.png").write_bytes(b"broken")
    with pytest.raises(FaceganError, match="not a readable image"):
        read_generated(tmp_path / "samples")


def test_eval_command_bad_inputs(capsys, tmp_path, fer_folder, untrained_classifier):
    (tmp_path / "empty").mkdir()
    assert main(["eval", "--images", str(tmp_path / "empty"), "--data", str(fer_folder)]) == 2
    assert "no generated faces" in capsys.readouterr().err
    assert main(["eval", "--images", str(tmp_path / "empty")]) == 2
    assert "--images needs --data" in capsys.readouterr().err
    assert main(["eval", "--checkpoint", str(untrained_classifier)]) == 2
    assert "is not a facegan checkpoint" in capsys.readouterr().err
    write_image(tmp_path / "s" / "happy" / "000000.png", (48, 48), "L", 0)
    dcgan = tmp_path / "not_a_classifier.pt"
    torch.save({"kind": "facegan-dcgan"}, dcgan)
    assert main(["eval", "--images", str(tmp_path / "s"), "--data", str(fer_folder), "--classifier", str(dcgan)]) == 2
    assert "is not a facegan expression classifier" in capsys.readouterr().err


def test_shipped_classifier_reaches_its_stated_accuracy():
    if not SHIPPED_WEIGHTS.is_file():
        pytest.fail(f"the shipped classifier {SHIPPED_WEIGHTS} is missing from the package")
    classifier, stated = load_classifier()
    test = load_fer2013(shared_data("fer2013"), "test")
    measured = evaluate_classifier(classifier, test)
    assert measured["accuracy"] == pytest.approx(stated["accuracy"], abs=0.005)
    assert measured["balanced_accuracy"] == pytest.approx(stated["balanced_accuracy"], abs=0.005)


def test_shipped_robust_classifier_reads_blurred_and_compressed_faces():
    """Its stated scores hold, and after eval-edit's blur and JPEG it reads real test faces far better than
    the plain classifier, which is why it scores expression after the blur."""
    test = load_fer2013(shared_data("fer2013"), "test")
    washed = type(test)(blurred_and_compressed(test.images), test.labels, test.class_names)
    robust, stated = load_classifier(ROBUST_WEIGHTS)
    assert evaluate_classifier(robust, test)["balanced_accuracy"] == pytest.approx(stated["balanced_accuracy"], abs=0.005)
    blurred = evaluate_classifier(robust, washed)["balanced_accuracy"]
    assert blurred == pytest.approx(stated["blurred"]["balanced_accuracy"], abs=0.005)
    assert blurred > evaluate_classifier(load_classifier()[0], washed)["balanced_accuracy"] + 0.1


def test_train_classifier_robust_writes_a_classifier_with_its_blurred_score(tmp_path, fer_folder, capsys):
    out = tmp_path / "robust.pt"
    assert main(["train-classifier", "--network", "robust", "--data", str(fer_folder), "--epochs", "1", "--out", str(out)]) == 0
    _, metrics = load_classifier(out)
    assert 0 <= metrics["blurred"]["balanced_accuracy"] <= 1 and "after blur and JPEG" in capsys.readouterr().out
    assert main(["train-classifier", "--network", "robust", "--dataset", "celeba", "--data", str(fer_folder)]) == 2
    assert "the robust network is trained on FER2013" in capsys.readouterr().err


def test_gaussian_blur_matches_opencv_per_face_and_sigma_zero_keeps_the_face():
    import cv2
    import numpy as np

    faces = (torch.rand(2, 1, 48, 48, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8)
    blurred = gaussian_blur(to_input(faces), torch.tensor([0.0, 1.2]))
    assert torch.equal(blurred[0], to_input(faces)[0])
    reference = cv2.GaussianBlur(faces[1, 0].numpy(), (0, 0), 1.2, borderType=cv2.BORDER_REPLICATE).astype(np.float32)
    assert ((blurred[1, 0] + 1) * 127.5 - torch.from_numpy(reference)).abs().max() <= 1.5  # OpenCV rounds to whole levels


def test_robust_augment_is_seeded_bounded_and_softens_faces():
    faces = to_input((torch.rand(64, 1, 48, 48, generator=torch.Generator().manual_seed(1)) * 255).to(torch.uint8))
    first = robust_augment(faces.clone(), torch.Generator().manual_seed(3))
    assert torch.equal(first, robust_augment(faces.clone(), torch.Generator().manual_seed(3)))
    assert first.shape == faces.shape and first.min() >= -1 and first.max() <= 1
    roughness = lambda batch: (batch[..., 1:] - batch[..., :-1]).abs().mean()  # noqa: E731
    assert roughness(first) < 0.9 * roughness(faces)  # random faces are all edges: blur and JPEG take most away


def test_eval_every_writes_metrics_csv(fer_folder, tmp_path, untrained_classifier):
    import csv

    import facegan
    from facegan.metrics.epoch import EpochEvaluator

    config = facegan.Config(dataset="fer2013", data=str(fer_folder), expression="happy", batch_size=2, epochs=2,
                            eval_every=1, device="cpu", run_dir=str(tmp_path / "run"), quiet=True)
    evaluator = EpochEvaluator(fer_folder, n=8, classifier_path=untrained_classifier)
    run = facegan.train(config, evaluator=evaluator)
    with open(run / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [1, 2] and [int(r["iteration"]) for r in rows] == [3, 6]
    assert {"frechet_distance", "kid", "precision", "recall", "expression_accuracy"} <= set(rows[0])
    assert all(float(r["frechet_distance"]) > 0 for r in rows)
    with open(run / "metrics.csv", "a") as handle:  # a row written after the last checkpoint, then a crash
        handle.write("3,99," + ",".join(["1.0"] * (len(rows[0]) - 2)) + "\n")
    facegan.resume(run, evaluator, epochs=3)
    with open(run / "metrics.csv") as handle:
        assert [int(r["iteration"]) for r in csv.DictReader(handle)] == [3, 6, 9]
