"""`facegan edit` with the default engine runs without importing PyTorch (about 2 seconds of every edit):
its weight files are read by a NumPy reader of torch.save's format, and the expression a face shows by the
classifier's forward pass in NumPy. Both must give what PyTorch gives."""

import pickle
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch

from facegan.config import EXPRESSIONS
from facegan.data import load_fer2013
from facegan.errors import FaceganError
from facegan.metrics.classifier import ROBUST_WEIGHTS, SHIPPED_WEIGHTS, ExpressionClassifier, load_classifier, predict, save_classifier
from facegan.metrics.classifier_numpy import KIND, load_numpy_classifier, numpy_logits
from facegan.weights import load_arrays, read_tagged_arrays

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "facegan"
SHIPPED_FILES = sorted(PACKAGE.glob("*/weights/*.pt"))


def assert_same(loaded, read, where: str = "") -> None:
    """torch.load's contents and the NumPy reader's are the same, tensor for array, bit for bit."""
    if isinstance(loaded, torch.Tensor):
        assert isinstance(read, np.ndarray) and read.dtype == loaded.numpy().dtype and read.shape == tuple(loaded.shape), where
        assert np.array_equal(read, loaded.numpy(), equal_nan=True), where
    elif isinstance(loaded, dict):
        assert isinstance(read, dict) and list(read) == list(loaded), where
        for key in loaded:
            assert_same(loaded[key], read[key], f"{where}/{key}")
    elif isinstance(loaded, (list, tuple)):
        assert type(read) is type(loaded) and len(read) == len(loaded), where
        for index, (a, b) in enumerate(zip(loaded, read)):
            assert_same(a, b, f"{where}[{index}]")
    else:
        assert read == loaded, where


def test_every_shipped_file_is_found():
    assert len(SHIPPED_FILES) == 7


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.name)
def test_the_numpy_reader_reads_every_shipped_file_as_torch_does(path):
    assert_same(torch.load(path, map_location="cpu", weights_only=True), load_arrays(path))


def test_the_numpy_reader_reads_views_and_every_dtype(tmp_path):
    base = torch.arange(24, dtype=torch.float32).view(4, 6)
    contents = {"kind": "k", "view": base[1:, ::2], "transposed": base.t(), "scalar": torch.tensor(3.5, dtype=torch.float64),
                "flags": torch.tensor([True, False]), "bytes": torch.arange(5, dtype=torch.uint8), "half": base.half()[0]}
    torch.save(contents, tmp_path / "w.pt")
    assert_same(contents, load_arrays(tmp_path / "w.pt"))


def test_the_numpy_reader_refuses_other_classes_and_damaged_files(tmp_path):
    arguments = ("facegan-test", "test file", "make another", {"x": np.ndarray})
    torch.save({"kind": "facegan-test", "x": Fraction(1, 3)}, tmp_path / "object.pt")
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction"):
        load_arrays(tmp_path / "object.pt")
    with pytest.raises(FaceganError, match="not a readable test file"):
        read_tagged_arrays(tmp_path / "object.pt", *arguments)
    whole = SHIPPED_FILES[0].read_bytes()
    (tmp_path / "cut.pt").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "text.pt").write_text("not weights")
    for name in ("cut.pt", "text.pt"):
        with pytest.raises(FaceganError, match="not a readable test file"):
            read_tagged_arrays(tmp_path / name, *arguments)
    torch.save({"kind": "facegan-test", "x": torch.tensor([1.0, float("nan")])}, tmp_path / "nan.pt")
    with pytest.raises(FaceganError, match="not finite"):
        read_tagged_arrays(tmp_path / "nan.pt", *arguments)


@pytest.mark.parametrize("weights", [SHIPPED_WEIGHTS, ROBUST_WEIGHTS], ids=["plain", "robust"])
def test_the_numpy_classifier_gives_pytorchs_logits(weights):
    faces = load_fer2013(PACKAGE / "data" / "demo" / "fer2013", "train")
    chosen = torch.cat([faces.images[faces.labels == label][:20] for label in range(len(EXPRESSIONS))])
    expected = predict(load_classifier(weights)[0], chosen)[0].numpy()
    logits = numpy_logits(load_numpy_classifier(weights), chosen.numpy())
    assert np.abs(logits - expected).max() < 1e-4
    assert (logits.argmax(1) == expected.argmax(1)).all()


def test_the_numpy_classifier_follows_any_width_and_refuses_another_network(tmp_path):
    torch.manual_seed(0)
    network = ExpressionClassifier(8).eval()
    for module in network.modules():  # batch norms that are not the identity, so that folding them is tested
        if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            module.running_mean.uniform_(-0.5, 0.5), module.running_var.uniform_(0.5, 2), module.weight.data.uniform_(0.5, 1.5)
    save_classifier(network, tmp_path / "narrow.pt", {})
    faces = torch.randint(0, 256, (9, 1, 48, 48), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    expected = predict(load_classifier(tmp_path / "narrow.pt")[0], faces)[0].numpy()
    assert np.abs(numpy_logits(load_numpy_classifier(tmp_path / "narrow.pt"), faces.numpy()) - expected).max() < 1e-4
    torch.save({"kind": KIND, "width": 32, "state": {"head.1.weight": torch.zeros(7, 256)}, "metrics": {}}, tmp_path / "other.pt")
    with pytest.raises(FaceganError, match="another shape or version"):
        load_numpy_classifier(tmp_path / "other.pt")


def test_editing_a_photo_and_its_strip_with_the_default_engine_never_imports_torch_nor_dlib(tmp_path):
    out = tmp_path / "edit.jpg"
    code = ("import sys; from facegan.cli import main; "
            f"sys.argv = ['facegan', 'edit', {str(PACKAGE / 'data' / 'demo' / 'astronaut.jpg')!r}, '--to', 'all', '--strip', '--out', {str(out)!r}]; "
            "main(); print('torch' in sys.modules, 'dlib' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[-1] == "False False"
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([*(f"edit_{name}.jpg" for name in EXPRESSIONS), "edit_strip.png"])
