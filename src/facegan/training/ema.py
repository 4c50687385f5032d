"""An exponential moving average of G's weights (Karras et al. 2018; Yazıcı et al. 2019).

GAN weights oscillate from step to step; their running average makes smoother, steadier faces and is
what sampling, evaluation and editing use. Early on the average follows the live weights closely
(decay min(decay, (1 + t) / (10 + t)) at update t), so short CPU runs are not dominated by their
random start.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class WeightAverage:
    def __init__(self, generator: nn.Module, decay: float, updates: int = 0) -> None:
        self.model = copy.deepcopy(generator).requires_grad_(False)
        device = next(generator.parameters()).device
        self.decay = torch.tensor(decay, device=device)
        self.count = torch.tensor(float(updates), device=device)  # on the device: no host sync, CUDA-graph safe

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        self.count += 1
        decay = torch.minimum(self.decay, (1 + self.count) / (10 + self.count))
        for average, live in zip(self.model.parameters(), generator.parameters()):
            average.lerp_(live, 1 - decay)
        for average, live in zip(self.model.buffers(), generator.buffers()):  # BatchNorm statistics: the live ones
            average.copy_(live)
