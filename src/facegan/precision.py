"""Which precision to train in: bf16 only where the hardware runs it natively.

bf16 autocast roughly doubles training speed on GPUs and on CPUs with AVX512-BF16 or AMX. On other
CPUs (AVX2 laptops, many cloud machines) PyTorch emulates it, and the same training runs up to 40x
slower than fp32 (measured: 2.6 against 106 img/s for the report's FER2013 model on an AVX2 EPYC).
"""

from __future__ import annotations

import warnings

import torch

from facegan.errors import FaceganError

PRECISIONS = ("auto", "fp32", "bf16")


def native_bf16(device: torch.device) -> bool:
    """Does this device compute in bf16 natively, rather than emulate it?"""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def resolve_precision(name: str, device: torch.device) -> str:
    """'auto' -> bf16 where native, else fp32. An explicit bf16 on emulating hardware is kept, with a warning."""
    if name not in PRECISIONS:
        raise FaceganError(f"unknown precision '{name}': choose {', '.join(PRECISIONS)}")
    native = native_bf16(device)
    if name == "auto":
        return "bf16" if native else "fp32"
    if name == "bf16" and not native:
        warnings.warn(f"--precision bf16 on {device.type}: this hardware has no native bf16 (no AVX512-BF16 or AMX), so PyTorch "
                      "emulates it and training runs many times slower than fp32; use --precision auto or fp32")
    return name
