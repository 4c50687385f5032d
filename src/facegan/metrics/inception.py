"""Standard Inception FID, for comparison with papers, from a weights file the user brings.

FID as papers report it uses TensorFlow's 2015 Inception network. pytorch-fid ported its weights to
`pt_inception-2015-12-05-6726825d.pth`; this module rebuilds that network (torchvision's Inception
v3 with 1,008 classes and TensorFlow's pooling: average pools that ignore padding, and a max pool in
the last block) and loads the file. facegan never downloads it: it is offline by design.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from torchvision.models import inception as tv

from facegan.errors import FaceganError

WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{WEIGHTS_NAME}"


def _tf_average_pool(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class _BlockA(tv.InceptionA):
    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.branch1x1(x), self.branch5x5_2(self.branch5x5_1(x)),
                self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))), self.branch_pool(_tf_average_pool(x))]


class _BlockC(tv.InceptionC):
    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        seven = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        double = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            double = layer(double)
        return [self.branch1x1(x), seven, double, self.branch_pool(_tf_average_pool(x))]


class _BlockE(tv.InceptionE):
    def __init__(self, in_channels: int, max_pool: bool) -> None:
        super().__init__(in_channels)
        self.max_pool = max_pool  # the ported network's last block max-pools where the paper averages

    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        three = self.branch3x3_1(x)
        double = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1) if self.max_pool else _tf_average_pool(x)
        return [self.branch1x1(x), torch.cat([self.branch3x3_2a(three), self.branch3x3_2b(three)], 1),
                torch.cat([self.branch3x3dbl_3a(double), self.branch3x3dbl_3b(double)], 1), self.branch_pool(pooled)]


def fid_inception() -> tv.Inception3:
    """The FID network's architecture, untrained."""
    network = tv.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    network.Mixed_5b, network.Mixed_5c, network.Mixed_5d = _BlockA(192, 32), _BlockA(256, 64), _BlockA(288, 64)
    network.Mixed_6b, network.Mixed_6c = _BlockC(768, 128), _BlockC(768, 160)
    network.Mixed_6d, network.Mixed_6e = _BlockC(768, 160), _BlockC(768, 192)
    network.Mixed_7b, network.Mixed_7c = _BlockE(1280, max_pool=False), _BlockE(2048, max_pool=True)
    return network.eval()


def load_inception(path: str | Path) -> tv.Inception3:
    path = Path(path)
    if not path.is_file():
        raise FaceganError(f"Inception weights '{path}' do not exist. facegan works offline and never downloads them: "
                           f"fetch {WEIGHTS_URL} on a connected machine and pass its path to --inception-weights")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:
        raise FaceganError(f"'{path}' is not a readable weights file: pass {WEIGHTS_NAME}") from None
    network = fid_inception()
    try:
        network.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError):
        raise FaceganError(f"'{path}' does not hold the FID Inception weights: pass {WEIGHTS_NAME} (pytorch-fid's file)") from None
    return network


@torch.no_grad()
def inception_features(network: tv.Inception3, images_uint8: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """2048-d pool features of uint8 images (grayscale repeated to RGB), resized to 299x299 as pytorch-fid does."""
    trunk = nn.Sequential(*list(network.children())[:-2])  # through the global average pool: no dropout, no fc
    features = []
    for chunk in images_uint8.split(batch_size):
        x = chunk.float().div(255.0).expand(-1, 3, -1, -1)
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False) * 2 - 1
        features.append(trunk(x).flatten(1))
    return torch.cat(features)
