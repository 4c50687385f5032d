"""The report's DCGAN (Radford et al. 2016): generator and discriminator for 64x64 and 48x48 faces.

At 64x64 the layers are exactly the report's section 3 list. At 48x48 the report only says the first
and last layers change: G's first transposed convolution becomes 3x3 (1 -> 3 -> 6 -> 12 -> 24 -> 48)
and D's last convolution becomes 3x3, so every layer in between keeps its shape.

The discriminator returns logits. The report's final Sigmoid is applied inside the loss
(BCEWithLogitsLoss is Sigmoid followed by BCE, computed stably), which is also what lets the same
network run under bf16 autocast.

Conditional models (num_classes > 0) keep the same layers and add the label in the two standard
places: G's BatchNorms become class-conditional (each label has its own BatchNorm gain and bias, so
the label shapes every resolution while z alone decides the identity), and D becomes a projection
discriminator (Miyato & Koyama 2018): its logit gains the inner product of a label embedding with
D's pooled last features, and it may also classify the real faces (an auxiliary classifier), which
teaches G the classes much sooner. Spectral normalisation (Miyato et al. 2018) replaces D's BatchNorms.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

SUPPORTED_SIZES = (48, 64)
GENERATOR_LAYERS = ("layout", "norm0", "relu0", "up1", "norm1", "relu1", "up2", "norm2", "relu2", "up3", "norm3", "relu3",
                    "to_image", "tanh")


def _edge_kernel(image_size: int) -> int:
    """The kernel of G's first and D's last layer: 4 maps 1x1 <-> 4x4 (64 px), 3 maps 1x1 <-> 3x3 (48 px)."""
    if image_size not in SUPPORTED_SIZES:
        raise ValueError(f"image_size must be one of {SUPPORTED_SIZES}, got {image_size}")
    return 4 if image_size == 64 else 3


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm whose gain and bias are looked up per label (or mixed, for soft labels)."""

    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(features, affine=False)
        self.gain = nn.Embedding(num_classes, features)
        self.bias = nn.Embedding(num_classes, features)

    def forward(self, x: torch.Tensor, labels: torch.Tensor, offset: torch.Tensor | None = None) -> torch.Tensor:
        """`offset` is added to the normalised map, before the label's gain and bias shape it."""
        gain, bias = (embed_labels(table, labels) for table in (self.gain, self.bias))
        normalised = self.norm(x) if offset is None else self.norm(x) + offset
        return normalised * gain[:, :, None, None] + bias[:, :, None, None]


def embed_labels(table: nn.Embedding, labels: torch.Tensor) -> torch.Tensor:
    """Integer labels (N,) pick rows; soft labels (N, num_classes) mix them, which lets a face move
    smoothly from one expression to another."""
    return table(labels) if labels.dtype == torch.long else labels.to(table.weight.dtype) @ table.weight


class Generator(nn.Module):
    def __init__(self, image_size: int = 64, channels: int = 3, nz: int = 100, ngf: int = 64, num_classes: int = 0) -> None:
        super().__init__()
        self.image_size, self.channels, self.nz, self.num_classes = image_size, channels, nz, num_classes
        k = _edge_kernel(image_size)

        def norm(features: int) -> nn.Module:
            return ConditionalBatchNorm2d(features, num_classes) if num_classes else nn.BatchNorm2d(features)

        # The report's layers, named: each upsampling doubles the side, and `norm2` normalises the third
        # feature map, where photo editing adds a face's own detail (see `draw`).
        self.main = nn.Sequential(OrderedDict([
            ("layout", nn.ConvTranspose2d(nz, ngf * 8, k, 1, 0, bias=False)),
            ("norm0", norm(ngf * 8)),
            ("relu0", nn.ReLU(True)),
            ("up1", nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False)),
            ("norm1", norm(ngf * 4)),
            ("relu1", nn.ReLU(True)),
            ("up2", nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False)),
            ("norm2", norm(ngf * 2)),
            ("relu2", nn.ReLU(True)),
            ("up3", nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False)),
            ("norm3", norm(ngf)),
            ("relu3", nn.ReLU(True)),
            ("to_image", nn.ConvTranspose2d(ngf, channels, 4, 2, 1, bias=False)),
            ("tanh", nn.Tanh()),
        ]))
        self.register_load_state_dict_pre_hook(_name_numbered_layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """z: (N, nz) or (N, nz, 1, 1) -> images (N, channels, size, size) in [-1, 1].

        A conditional generator also takes labels: (N,) class indices or (N, num_classes) weights."""
        if not self.num_classes:
            return self.main(z.view(z.shape[0], self.nz, 1, 1))
        return self.draw(self.layout(z), labels)

    def layout(self, z: torch.Tensor) -> torch.Tensor:
        """G's first feature map (N, ngf*8, k, k), before any label enters: a conditional G is
        draw(layout(z), labels). Photo editing inverts into it (facegan.editing.inversion), as it can
        hold far more of a face than z's 100 numbers while every class still shapes what follows."""
        return self.main.layout(z.view(z.shape[0], self.nz, 1, 1))

    def draw(self, layout: torch.Tensor, labels: torch.Tensor | None, detail: torch.Tensor | None = None) -> torch.Tensor:
        """The rest of a conditional G: a first feature map and labels -> images in [-1, 1].

        `detail` (N, *detail_shape) is added to G's third feature map once it is normalised, before the
        labels' gain and bias: photo editing puts there what the first map cannot hold of a face, and
        every class still draws it in its own way."""
        if labels is None:
            raise ValueError("this generator is conditional: pass labels")
        x = layout
        for layer in self.main[1:]:
            if isinstance(layer, ConditionalBatchNorm2d):
                x = layer(x, labels, detail if layer is self.main.norm2 else None)
            else:
                x = layer(x)
        return x

    @property
    def detail_shape(self) -> tuple[int, int, int]:
        """One face's `detail` in `draw`: the shape of G's third feature map."""
        side = 4 * self.main.layout.kernel_size[0]
        return self.main.norm2.norm.num_features, side, side


def _name_numbered_layers(module: nn.Module, state: dict, prefix: str, *args) -> None:
    """Checkpoints written before G's layers had names number them (main.0.weight): read those too."""
    for key in [key for key in state if key.startswith(prefix + "main.") and key[len(prefix) + 5 :].split(".")[0].isdigit()]:
        index, rest = key[len(prefix) + 5 :].split(".", 1)
        state[f"{prefix}main.{GENERATOR_LAYERS[int(index)]}.{rest}"] = state.pop(key)


class Discriminator(nn.Module):
    def __init__(self, image_size: int = 64, channels: int = 3, ndf: int = 64, num_classes: int = 0, spectral_norm: bool = False,
                 class_head: bool = False) -> None:
        super().__init__()
        self.image_size, self.channels, self.num_classes = image_size, channels, num_classes
        k = _edge_kernel(image_size)

        def norm(features: int) -> nn.Module:
            return nn.Identity() if spectral_norm else nn.BatchNorm2d(features)

        self.main = nn.Sequential(
            nn.Conv2d(channels, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            norm(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            norm(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            norm(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, k, 1, 0, bias=False),
        )
        if num_classes:
            self.embed = nn.Embedding(num_classes, ndf * 8)
        if class_head:  # an auxiliary classifier (Odena et al. 2017) on the same pooled features
            self.classify = nn.Linear(ndf * 8, num_classes)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None,
                with_classes: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """images (N, channels, size, size) in [-1, 1] -> one real/fake logit per image, shape (N,);
        with_classes also returns the auxiliary classifier's class logits (N, num_classes)."""
        if not self.num_classes:
            return self.main(images).view(-1)
        if labels is None:
            raise ValueError("this discriminator is conditional: pass labels")
        features = self.main[:-1](images)
        pooled = features.sum((2, 3))
        logits = self.main[-1](features).view(-1) + (embed_labels(self.embed, labels) * pooled).sum(1)
        return (logits, self.classify(pooled)) if with_classes else logits


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv weights N(0, 0.02); BatchNorm weights N(1, 0.02) and biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, ConditionalBatchNorm2d):
        nn.init.normal_(module.gain.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias.weight)
    elif isinstance(module, nn.Embedding):  # the projection discriminator's label embedding
        nn.init.normal_(module.weight, 0.0, 0.02)


def build_discriminator(image_size: int, channels: int, ndf: int = 64, num_classes: int = 0, spectral_norm: bool = False,
                        class_head: bool = False) -> Discriminator:
    """A freshly initialised discriminator (with spectral norm on its convolutions and embedding, if asked)."""
    discriminator = Discriminator(image_size, channels, ndf, num_classes, spectral_norm, class_head)
    discriminator.apply(init_weights)
    if spectral_norm:
        for module in discriminator.modules():
            if isinstance(module, (nn.Conv2d, nn.Embedding)):
                nn.utils.parametrizations.spectral_norm(module)
    return discriminator


def build_dcgan(image_size: int, channels: int, nz: int = 100, ngf: int = 64, ndf: int = 64, num_classes: int = 0,
                spectral_norm: bool = False, class_head: bool = False) -> tuple[Generator, Discriminator]:
    """A freshly initialised generator and discriminator pair (conditional when num_classes > 0)."""
    generator = Generator(image_size, channels, nz, ngf, num_classes)
    generator.apply(init_weights)
    return generator, build_discriminator(image_size, channels, ndf, num_classes, spectral_norm, class_head)
