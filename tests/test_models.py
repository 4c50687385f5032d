import pytest
import torch
from torch import nn

from facegan.models import Discriminator, Generator, build_dcgan


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    "size, channels, g_params, d_params",
    [(64, 3, 3_576_704, 2_765_568), (48, 1, 3_216_256, 2_759_936)],
)
def test_parameter_counts(size, channels, g_params, d_params):
    generator, discriminator = build_dcgan(size, channels)
    assert count(generator) == g_params
    assert count(discriminator) == d_params


def layer_list(module: nn.Module) -> list[str]:
    # Newer PyTorch prints BatchNorm's bias flag; the report's list (older PyTorch) does not.
    return [repr(layer).replace(", bias=True", "") for layer in module.main]


def test_64x64_layers_are_the_reports():
    generator, discriminator = build_dcgan(64, 3)
    assert layer_list(generator) == [
        "ConvTranspose2d(100, 512, kernel_size=(4, 4), stride=(1, 1), bias=False)",
        "BatchNorm2d(512, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "ReLU(inplace=True)",
        "ConvTranspose2d(512, 256, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
        "BatchNorm2d(256, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "ReLU(inplace=True)",
        "ConvTranspose2d(256, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
        "BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "ReLU(inplace=True)",
        "ConvTranspose2d(128, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
        "BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "ReLU(inplace=True)",
        "ConvTranspose2d(64, 3, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
        "Tanh()",
    ]
    # The report's trailing Sigmoid lives in the loss (BCEWithLogitsLoss), so D ends at its last conv.
    assert layer_list(discriminator) == [
        "Conv2d(3, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
        "LeakyReLU(negative_slope=0.2, inplace=True)",
        "Conv2d(64, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
        "BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "LeakyReLU(negative_slope=0.2, inplace=True)",
        "Conv2d(128, 256, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
        "BatchNorm2d(256, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "LeakyReLU(negative_slope=0.2, inplace=True)",
        "Conv2d(256, 512, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
        "BatchNorm2d(512, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "LeakyReLU(negative_slope=0.2, inplace=True)",
        "Conv2d(512, 1, kernel_size=(4, 4), stride=(1, 1), bias=False)",
    ]


def test_48x48_changes_only_the_edge_layers():
    generator, discriminator = build_dcgan(48, 1)
    reference_g, reference_d = build_dcgan(64, 3)
    g, ref_g = layer_list(generator), layer_list(reference_g)
    d, ref_d = layer_list(discriminator), layer_list(reference_d)
    assert g[0] == "ConvTranspose2d(100, 512, kernel_size=(3, 3), stride=(1, 1), bias=False)"
    assert g[-2] == "ConvTranspose2d(64, 1, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)"
    assert d[0] == "Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)"
    assert d[-1] == "Conv2d(512, 1, kernel_size=(3, 3), stride=(1, 1), bias=False)"
    assert g[1:-2] == ref_g[1:-2] and d[1:-1] == ref_d[1:-1]


@pytest.mark.parametrize("size, channels", [(64, 3), (48, 1)])
def test_shapes_and_output_range(size, channels):
    torch.manual_seed(0)
    generator, discriminator = build_dcgan(size, channels)
    with torch.no_grad():
        generator.main[-2].weight.mul_(100)  # large output weights push Tanh to its limits
    images = generator(torch.randn(5, 100))
    assert images.shape == (5, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1 and images.abs().max() > 0.99
    assert discriminator(images).shape == (5,)


def test_dcgan_initialisation():
    torch.manual_seed(0)
    generator, _ = build_dcgan(64, 3)
    conv, batchnorm = generator.main[3], generator.main[4]
    assert abs(conv.weight.mean().item()) < 1e-3
    assert conv.weight.std().item() == pytest.approx(0.02, rel=0.02)
    assert batchnorm.weight.mean().item() == pytest.approx(1.0, abs=0.01)
    assert batchnorm.weight.std().item() == pytest.approx(0.02, rel=0.2)
    assert torch.all(batchnorm.bias == 0)


def test_unsupported_size_is_refused():
    with pytest.raises(ValueError, match="image_size must be one of"):
        Generator(32, 3)
    with pytest.raises(ValueError, match="image_size must be one of"):
        Discriminator(128, 3)


def test_generator_layers_are_named_and_numbered_checkpoints_still_load():
    from facegan.models.dcgan import GENERATOR_LAYERS

    torch.manual_seed(0)
    generator = Generator(48, 1, num_classes=7)
    assert [name for name, _ in generator.main.named_children()] == list(GENERATOR_LAYERS)
    assert generator.main.norm2 is generator.main[7] and generator.detail_shape == (128, 12, 12)
    numbered = {f"main.{GENERATOR_LAYERS.index(key.split('.')[1])}.{key.split('.', 2)[2]}": value
                for key, value in generator.state_dict().items()}  # how checkpoints before the names were written
    older = Generator(48, 1, num_classes=7)
    older.load_state_dict(numbered)
    z, labels = torch.randn(2, 100), torch.tensor([0, 3])
    assert torch.equal(older.eval()(z, labels), generator.eval()(z, labels))
