import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import fer_rows, shared_data, write_fer_csv, write_image
from facegan.config import EXPRESSIONS
from facegan.data import DEMO_DATA, load_celeba, load_fer2013, load_folder
from facegan.data.images import resize_and_crop
from facegan.errors import FaceganError


def test_fer_csv_original_layout_and_splits(tmp_path):
    rows = fer_rows(12)
    path = write_fer_csv(tmp_path / "fer2013.csv", rows)
    train = load_fer2013(path, "train")
    test = load_fer2013(path, "test")
    everything = load_fer2013(path, "all")
    assert (len(train), len(test), len(everything)) == (6, 6, 12)
    assert train.images.shape == (6, 1, 48, 48) and train.images.dtype == torch.uint8
    assert train.class_names == EXPRESSIONS
    first = np.array(rows[0][1].split(), dtype=np.uint8).reshape(48, 48)
    assert torch.equal(train.images[0, 0], torch.from_numpy(first))
    assert train.labels.tolist() == [r[0] for r in rows if r[2] == "Training"]


def test_fer_csv_icml_variant_with_spaced_headers(tmp_path):
    # Leading spaces in the header, and another column order.
    with open(tmp_path / "icml_face_data.csv", "w") as handle:
        handle.write("emotion, Usage, pixels\n")
        for emotion, pixels, usage in fer_rows(8):
            handle.write(f"{emotion},{usage},{pixels}\n")
    data = load_fer2013(tmp_path, "test")  # found by name inside the folder
    assert len(data) == 4


def test_fer_kaggle_train_csv_without_usage(tmp_path):
    path = write_fer_csv(tmp_path / "train.csv", fer_rows(5), header=("emotion", "pixels"))
    assert len(load_fer2013(path)) == 5
    with pytest.raises(FaceganError, match="no Usage column"):
        load_fer2013(path, "test")


def test_fer_csv_without_needed_columns(tmp_path):
    path = tmp_path / "test.csv"
    path.write_text("id,pixels\n1,0 0 0\n")
    with pytest.raises(FaceganError, match="needs 'emotion' and 'pixels'"):
        load_fer2013(path)


def test_fer_csv_with_wrong_pixel_count(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text("emotion,pixels,Usage\n3,1 2 3,Training\n")
    with pytest.raises(FaceganError, match="line 2: expected 2304 pixels"):
        load_fer2013(path)


def test_fer_folder_layout(fer_folder):
    train = load_fer2013(fer_folder, "train")
    assert len(train) == 42 and train.images.shape[1:] == (1, 48, 48)
    assert torch.bincount(train.labels).tolist() == [6] * 7
    assert len(load_fer2013(fer_folder, "test")) == 14
    assert len(load_fer2013(fer_folder, "all")) == 56
    assert len(train.only_class("happy")) == 6


def test_corrupt_files_are_skipped_and_counted(fer_folder):
    (fer_folder / "train" / "happy" / "Training_broken.jpg").write_bytes(b"not a jpeg")
    truncated = fer_folder / "train" / "sad" / "Training_40.jpg"
    truncated.write_bytes(truncated.read_bytes()[:100])
    with pytest.warns(UserWarning, match="skipped 2 unreadable, corrupt or oversized image file"):
        data = load_fer2013(fer_folder, "train")
    assert len(data) == 41


def test_nothing_readable_is_an_error(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"junk")
    with pytest.raises(FaceganError, match="none of the 1 image files could be read"):
        load_folder(tmp_path, 64, 3)


def test_missing_and_empty_paths(tmp_path):
    with pytest.raises(FaceganError, match="does not exist"):
        load_fer2013(tmp_path / "nowhere")
    with pytest.raises(FaceganError, match="holds no FER2013 data"):
        load_fer2013(tmp_path)
    with pytest.raises(FaceganError, match="no image files"):
        load_folder(tmp_path, 64, 3)
    with pytest.raises(FaceganError, match="CelebA image folder .* does not exist"):
        load_celeba(tmp_path)


CELEBA_ATTRIBUTES = tuple(
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair Blond_Hair "
    "Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup High_Cheekbones Male "
    "Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks "
    "Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace "
    "Wearing_Necktie Young".split()
)


def make_celeba(root: Path, count: int, listed: int) -> None:
    names = [f"{i:06d}.jpg" for i in range(1, count + 1)]
    for i, name in enumerate(names):
        write_image(root / "img_align_celeba" / name, (89, 109), "RGB", i)
    header = " ".join(CELEBA_ATTRIBUTES)
    rows = [name + "".join("  1" if (i + j) % 3 == 0 else " -1" for j in range(40)) for i, name in enumerate(names)]
    # The count line says 202599, as in the full file; extra rows name images that are not there.
    extra = [f"{i:06d}.jpg" + " -1" * 40 for i in range(count + 1, count + 1 + listed)]
    (root / "list_attr_celeba.txt").write_text("\n".join(["202599", header, *rows, *extra]) + "\n")
    partition = [f"{name} {0 if i < count - 2 else 2}" for i, name in enumerate(names)]
    (root / "list_eval_partition.txt").write_text("\n".join(partition) + "\n")


def test_celeba_subset_with_disagreeing_count_line(tmp_path):
    make_celeba(tmp_path, count=6, listed=3)
    train = load_celeba(tmp_path, "train")
    assert train.images.shape == (4, 3, 64, 64)
    assert train.attributes.shape == (4, 40) and len(train.attribute_names) == 40
    assert train.attributes[0, 0].item() is True and train.attributes[0, 1].item() is False
    assert len(load_celeba(tmp_path, "test")) == 2
    assert len(load_celeba(tmp_path, "all")) == 6


def test_celeba_without_metadata_files(tmp_path):
    make_celeba(tmp_path, count=3, listed=0)
    (tmp_path / "list_attr_celeba.txt").unlink()
    (tmp_path / "list_eval_partition.txt").unlink()
    data = load_celeba(tmp_path)
    assert len(data) == 3 and data.attributes is None
    with pytest.raises(FaceganError, match="no test split"):
        load_celeba(tmp_path, "test")


def test_resize_and_crop_matches_the_dcgan_recipe():
    torchvision_transforms = pytest.importorskip("torchvision.transforms")
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (109, 89, 3), dtype=np.uint8))
    recipe = torchvision_transforms.Compose([torchvision_transforms.Resize(64), torchvision_transforms.CenterCrop(64)])
    ours = np.asarray(resize_and_crop(image, 64), dtype=np.int16)
    theirs = np.asarray(recipe(image), dtype=np.int16)
    assert ours.shape == theirs.shape == (64, 64, 3)
    assert np.abs(ours - theirs).max() <= 1


def test_folder_is_searched_recursively_and_converted(tmp_path):
    write_image(tmp_path / "a" / "one.png", (100, 80), "RGB", 0)
    write_image(tmp_path / "a" / "b" / "two.jpg", (64, 64), "L", 1)
    (tmp_path / "notes.txt").write_text("not an image")
    data = load_folder(tmp_path, 48, 1)
    assert data.images.shape == (2, 1, 48, 48) and data.labels is None


def test_embedded_demo_data_has_every_expression():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_fer2013(DEMO_DATA)
    counts = torch.bincount(data.labels, minlength=7).tolist()
    assert all(c >= 128 for c in counts) and counts[EXPRESSIONS.index("happy")] >= 1024


def test_real_fer2013_folder_counts():
    root = shared_data("fer2013")
    train = load_fer2013(root, "train")
    assert len(train) == 28_709
    assert torch.bincount(train.labels).tolist() == [3995, 436, 4097, 7215, 4830, 3171, 4965]
    assert len(load_fer2013(root, "test")) == 7_178


def test_real_celeba_half_size_subset():
    data = load_celeba(shared_data("celeba"), "all")
    assert data.images.shape == (8000, 3, 64, 64)
    assert data.attribute_names[31] == "Smiling"


def test_cache_is_built_once_reused_and_rebuilt_when_the_source_changes(fer_folder, tmp_path, monkeypatch):
    import facegan.data.images as images_module
    from facegan.config import Config
    from facegan.data import load_dataset

    config = Config(dataset="fer2013", data=str(fer_folder), cache_dir=str(tmp_path / "cache"), conditional=True).resolved()
    first = load_dataset(config)
    assert len(list((tmp_path / "cache").glob("*.u8"))) == 1

    def no_decoding(*args):
        raise AssertionError("a cached data set was decoded again")

    monkeypatch.setattr(images_module, "decode_image", no_decoding)
    second = load_dataset(config)
    assert torch.equal(first.images, second.images) and torch.equal(first.labels, second.labels)
    monkeypatch.undo()

    write_image(fer_folder / "train" / "fear" / "Training_new.jpg", (48, 48), "L", 999)
    third = load_dataset(config)
    assert len(third) == len(first) + 1
    assert torch.equal(load_dataset(Config(dataset="fer2013", data=str(fer_folder), conditional=True).resolved()).images, third.images)
    assert len(list((tmp_path / "cache").glob("*.u8"))) == 1  # rebuilt in place, not beside


def test_streaming_decode_matches_in_memory_decode(tmp_path):
    from facegan.data.images import decode_files

    paths = []
    for i in range(5):
        paths.append(tmp_path / f"{i}.png")
        write_image(paths[-1], (60, 50), "RGB", i)
    (tmp_path / "bad.png").write_bytes(b"broken")
    paths.insert(2, tmp_path / "bad.png")
    with pytest.warns(UserWarning, match="skipped 1"):
        in_memory, kept = decode_files(paths, 48, 3)
    with pytest.warns(UserWarning, match="skipped 1"):
        streamed, kept_streamed = decode_files(paths, 48, 3, into=tmp_path / "raw.u8")
    assert kept == kept_streamed == [0, 1, 3, 4, 5]
    assert torch.equal(in_memory, streamed) and (tmp_path / "raw.u8").stat().st_size == 5 * 3 * 48 * 48
