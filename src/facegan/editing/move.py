"""Editing with the warp translator (facegan.models.warp): one forward pass gives each face a field per
expression, and the field moves the photo's own pixels at the photo's resolution. Nothing is painted,
so the edit keeps the photo's detail and colour; what a warp cannot make (the inside of a mouth that
opens) it does not make.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from facegan.editing.align import Alignment
from facegan.editing.field_engine import FieldEngine, Mouths, field_config
from facegan.errors import FaceganError
from facegan.models import to_model_range
from facegan.models.checkpoint import export_generator, load_exported_generator, load_generator
from facegan.models.warp import WarpTranslator
from facegan.weights import file_kind

KIND = "facegan-warp-translator"
SHIPPED = Path(__file__).parent / "weights" / "fer2013_warp.pt"


class WarpEngine(FieldEngine):
    """The fields of a trained warp translator (a training run's averaged weights)."""

    name = "warp"

    def __init__(self, translator: WarpTranslator) -> None:
        self.translator, self.config = translator.eval().requires_grad_(False), field_config()

    @classmethod
    def load(cls, path: str | Path | None = None) -> "WarpEngine":
        """A warp translator run (its averaged weights), a file written by `export_warp`, or without a path the
        one facegan ships."""
        if path is None and not SHIPPED.is_file():
            raise FaceganError("the warp engine needs a trained warp translator: pass --checkpoint RUN/checkpoint.pt "
                               "(facegan train --recipe fer2013-warp)")
        if path is None or file_kind(Path(path)) == KIND:
            config, translator = load_exported_generator(SHIPPED if path is None else path, "warp", KIND, "facegan warp translator file",
                                                         "reinstall facegan, or pass --checkpoint RUN/checkpoint.pt of a warp run")
        else:
            config, translator = load_generator(path, "warp")
        if config.dataset != "fer2013" or config.image_size != 48 or config.channels != 1:
            raise FaceganError(f"'{path}' moves {config.dataset} faces; the warp engine edits with FER2013's 48x48 grey faces")
        return cls(translator)

    @torch.no_grad()
    def fields(self, faces: torch.Tensor) -> torch.Tensor:
        """uint8 faces (N, 1, 48, 48) -> their field to every class (N, K, 2, 12, 12)."""
        classes = len(self.config.class_names)
        repeated = to_model_range(faces).repeat_interleave(classes, 0)
        fields = self.translator.field(repeated, torch.arange(classes).repeat(len(faces)))
        return fields.view(len(faces), classes, *fields.shape[1:])

    def face_fields(self, photo: np.ndarray, alignment: Alignment, face: np.ndarray, source: int) -> tuple[np.ndarray, Mouths, str]:
        fields = self.fields(torch.from_numpy(face)[None])[0].numpy()
        return fields, [None] * len(fields), ""

    @torch.no_grad()
    def every_class(self, faces: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
        """Test faces moved in one batch by the network's own resampling (bilinear at 48 pixels)."""
        classes = len(self.config.class_names)
        repeated = to_model_range(faces).repeat_interleave(classes, 0)
        targets = torch.arange(classes).repeat(len(faces))
        moved = self.translator(repeated, targets) if strength == 1 else self.scaled(repeated, targets, strength)
        return ((moved + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).view(len(faces), classes, *faces.shape[1:])

    def scaled(self, faces: torch.Tensor, targets: torch.Tensor, strength: float) -> torch.Tensor:
        from facegan.models.warp import warp

        return warp(faces, strength * self.translator.field(faces, targets), self.translator.fade, self.translator.base)


def export_warp(checkpoint: str | Path, out: str | Path, card: dict) -> Path:
    """The averaged warp translator of a run in half precision, with its model card's facts."""
    return export_generator(checkpoint, "warp", KIND, out, card)
