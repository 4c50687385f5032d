"""CelebA evaluation (attribute classifier features, held-out faces, Smiling accuracy) and the
optional standard Inception FID from a user-supplied weights file."""

import pytest
import torch

from conftest import shared_data
from facegan.cli import main
from facegan.data import load_celeba
from facegan.data import celeba as celeba_module
from facegan.errors import FaceganError
from facegan.metrics.attributes import (SHIPPED_WEIGHTS, AttributeClassifier, evaluate_attribute_classifier,
                                        load_attribute_classifier, save_attribute_classifier)
from facegan.metrics.evaluate import CELEBA, evaluate, write_report
from facegan.metrics.inception import fid_inception, inception_features, load_inception
from test_data import CELEBA_ATTRIBUTES, make_celeba


def test_subset_without_test_partition_holds_out_its_last_images(tmp_path, monkeypatch):
    make_celeba(tmp_path, count=8, listed=0)
    (tmp_path / "list_eval_partition.txt").write_text("".join(f"{i:06d}.jpg 0\n" for i in range(1, 9)))
    monkeypatch.setattr(celeba_module, "HELD_OUT", 3)
    train, test, everything = (load_celeba(tmp_path, split) for split in ("train", "test", "all"))
    assert (len(train), len(test), len(everything)) == (5, 3, 8)
    assert torch.equal(torch.cat([train.images, test.images]), everything.images)


@pytest.fixture
def celeba_sets(tmp_path):
    make_celeba(tmp_path / "celeba", count=12, listed=0)
    return load_celeba(tmp_path / "celeba", "train"), load_celeba(tmp_path / "celeba", "test")


def test_celeba_scores_with_floor_memorisation_and_smiling_accuracy(celeba_sets, tmp_path):
    torch.manual_seed(0)
    train, test = celeba_sets
    classifier = AttributeClassifier(CELEBA_ATTRIBUTES, width=8).eval()
    smiling = train.attributes[:, CELEBA_ATTRIBUTES.index("Smiling")]
    generated = {"not_Smiling": train.images[~smiling], "Smiling": train.images[smiling]}  # exact training copies
    scores = evaluate(generated, CELEBA, classifier, train, test)
    assert scores["classes"] == ["not_Smiling", "Smiling"] and sum(scores["counts"].values()) <= len(test)
    assert scores["memorisation"]["min_nearest_train_distance"] == 0
    assert scores["memorisation"]["share_closer_than_real_test_1st_percentile"] == 1.0
    assert set(scores["generated"]["attribute"]["per_class"]) <= {"not_Smiling", "Smiling"}
    report = write_report(scores, generated, train, tmp_path / "eval", "copies", CELEBA)
    assert "Smiling accuracy" in report.read_text() and (tmp_path / "eval" / "closest_pairs.png").is_file()
    unconditional = evaluate({"images": torch.randint(0, 256, (4, 3, 64, 64), dtype=torch.uint8)}, CELEBA, classifier, train, test)
    assert "attribute" not in unconditional["generated"] and unconditional["generated"]["frechet_distance"] > 0


def test_attribute_classifier_file_round_trip_and_wrong_files(tmp_path):
    model = AttributeClassifier(CELEBA_ATTRIBUTES, width=8).eval()
    save_attribute_classifier(model, tmp_path / "a.pt", {"mean_accuracy": 0.5})
    loaded, metrics = load_attribute_classifier(tmp_path / "a.pt")
    assert loaded.attribute_names == CELEBA_ATTRIBUTES and metrics == {"mean_accuracy": 0.5}
    with pytest.raises(FaceganError, match="does not exist"):
        load_attribute_classifier(tmp_path / "missing.pt")
    torch.save({"kind": "facegan-dcgan"}, tmp_path / "dcgan.pt")
    with pytest.raises(FaceganError, match="not a facegan CelebA attribute classifier"):
        load_attribute_classifier(tmp_path / "dcgan.pt")


def test_shipped_attribute_classifier_reaches_its_stated_accuracy():
    if not SHIPPED_WEIGHTS.is_file():
        pytest.fail(f"the shipped attribute classifier {SHIPPED_WEIGHTS} is missing from the package")
    classifier, stated = load_attribute_classifier()
    measured = evaluate_attribute_classifier(classifier, load_celeba(shared_data("celeba"), "test"))
    assert measured["mean_accuracy"] == pytest.approx(stated["mean_accuracy"], abs=0.005)
    assert measured["per_attribute"]["Smiling"] == pytest.approx(stated["per_attribute"]["Smiling"], abs=0.005)


def test_inception_weights_are_never_downloaded(tmp_path, capsys, fer_folder):
    with pytest.raises(FaceganError, match="offline and never downloads them: fetch https://github.com/mseitzer"):
        load_inception(tmp_path / "pt_inception.pth")
    torch.save({"conv.weight": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(FaceganError, match="does not hold the FID Inception weights"):
        load_inception(tmp_path / "other.pth")
    assert main(["eval", "--images", str(fer_folder / "train"), "--data", str(fer_folder),
                 "--inception-weights", str(tmp_path / "missing.pth")]) == 2
    assert "never downloads" in capsys.readouterr().err


def test_inception_features_from_a_weights_file(tmp_path):
    torch.manual_seed(0)
    torch.save(fid_inception().state_dict(), tmp_path / "weights.pth")  # a file of the right layout
    network = load_inception(tmp_path / "weights.pth")
    assert sum(p.numel() for p in network.parameters()) == 23_850_960
    grey = torch.randint(0, 256, (2, 1, 48, 48), dtype=torch.uint8)
    features = inception_features(network, grey)
    assert features.shape == (2, 2048) and torch.isfinite(features).all()
    assert torch.allclose(inception_features(network, grey.expand(-1, 3, -1, -1).contiguous()), features)
