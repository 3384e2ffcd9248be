"""The eye feature network: a small CNN from one grey eye square to points and scores.

Outputs (the ONNX contract the run-time detector relies on):

* ``points`` (N, 25, 2): the 24 landmarks then the pupil centre, in units of the input
  square (0..1 spans it edge to edge; landmarks may lie outside when the crop cuts the eye).
* ``scores`` (N, 3): probabilities that an eye is present and that the pupil is visible,
  then the pupil radius in input-square units.

Two heads are available and were compared by measurement (see the model card):
``regression`` regresses all 25 points from the whole feature map; ``hybrid`` regresses
the landmarks (they may leave the image) and finds the pupil, a local dark blob, with a
soft-argmax heatmap at a quarter of the input resolution. Input standardisation is part
of the graph, so any intensity scale (8 bit, 16 bit, float) gives the same result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

N_POINTS = 25  # 24 landmarks + pupil
PUPIL = 24


@dataclass(frozen=True)
class NetConfig:
    """Architecture knobs; stored in checkpoints and the model card."""

    size: int = 64
    width: int = 16
    head: str = "hybrid"

    def as_dict(self) -> dict:
        return asdict(self)


def conv_bn(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    """3x3 convolution, batch norm, ReLU: the only building block (fast on CPU, fuses)."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)
    )


def soft_argmax(logits: torch.Tensor) -> torch.Tensor:
    """(N, K, H, W) heatmap logits -> (N, K, 2) expected positions in 0..1 units."""
    n, k, h, w = logits.shape
    prob = torch.softmax(logits.reshape(n, k, h * w), dim=-1).reshape(n, k, h, w)
    xs = (torch.arange(w, dtype=logits.dtype, device=logits.device) + 0.5) / w
    ys = (torch.arange(h, dtype=logits.dtype, device=logits.device) + 0.5) / h
    x = (prob.sum(dim=2) * xs).sum(dim=-1)
    y = (prob.sum(dim=3) * ys).sum(dim=-1)
    return torch.stack([x, y], dim=-1)


class EyeFeatureNet(nn.Module):
    """Four stride-2 stages (size/2 .. size/16), a dense regression head, an optional heatmap."""

    def __init__(self, config: NetConfig = NetConfig()):
        super().__init__()
        if config.head not in ("regression", "hybrid") or config.size % 16:
            raise ValueError(f"unsupported config {config}")
        self.config = config
        c = config.width
        self.stage1 = nn.Sequential(conv_bn(1, c, 2), conv_bn(c, c))  # /2
        self.stage2 = nn.Sequential(conv_bn(c, 2 * c, 2), conv_bn(2 * c, 2 * c))  # /4
        self.stage3 = nn.Sequential(conv_bn(2 * c, 4 * c, 2), conv_bn(4 * c, 4 * c))  # /8
        self.stage4 = nn.Sequential(conv_bn(4 * c, 8 * c, 2), conv_bn(8 * c, 8 * c))  # /16
        cells = (config.size // 16) ** 2
        self.squeeze = nn.Sequential(nn.Conv2d(8 * c, 4 * c, 1), nn.ReLU(True))
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(4 * c * cells, 256), nn.ReLU(True))
        self.points = nn.Linear(256, N_POINTS * 2)
        self.scores = nn.Linear(256, 3)
        if config.head == "hybrid":
            self.lateral = nn.Conv2d(4 * c, 2 * c, 1)
            self.heat = nn.Sequential(conv_bn(2 * c, 2 * c), nn.Conv2d(2 * c, 1, 1))
        self.register_buffer("centre", torch.full((N_POINTS, 2), 0.5))

    def heads(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, 1, S, S) raw intensities -> points (N, 25, 2), raw scores (N, 3) for the loss."""
        mean = image.mean(dim=(2, 3), keepdim=True)
        std = image.std(dim=(2, 3), keepdim=True)
        x = (image - mean) / (std + 1e-3 * mean.abs() + 1e-6)
        f2 = self.stage2(self.stage1(x))
        f3 = self.stage3(f2)
        hidden = self.fc(self.squeeze(self.stage4(f3)))
        points = self.points(hidden).reshape(-1, N_POINTS, 2) + self.centre
        if self.config.head == "hybrid":
            up = nn.functional.interpolate(self.lateral(f3), scale_factor=2.0, mode="nearest")
            pupil = soft_argmax(self.heat(f2 + up))
            points = torch.cat([points[:, :PUPIL], pupil], dim=1)
        return points, self.scores(hidden)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, 1, S, S) raw intensities -> points (N, 25, 2), scores (N, 3) as exported."""
        points, raw = self.heads(image)
        scores = torch.cat([torch.sigmoid(raw[:, :2]), nn.functional.softplus(raw[:, 2:])], 1)
        return points, scores
