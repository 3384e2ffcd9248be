"""The expression coefficient recognition network: one grey eye square -> 5 coefficients.

ONNX contract (what ``vision.coefficient_model`` relies on): input ``image`` (N, 1, S, S)
float32 of any intensity scale (standardised inside the graph, as the detector's); outputs
``coefficients`` (N, 5) = sigmoid [E_up, E_down, E_in, E_out, P], ``confidence`` (N,) =
sigmoid P(an eye the labels can describe is in the image) and ``features`` (N, 4) = the eye's
pupil offset (x out, y up) and eyelid distance, in eye widths, and sigmoid P(the pupil is
visible) (a lid lowered by a downward look covers it while the eye counts as open). The
features let the run time normalise the gaze with the session's own statistics
(``core.eye_coefficients``), which the labels were made with and no single image shows.

Small on purpose: the run-time budget is 0.3 ms per image on one core including the
letterbox, so the network is seven conv3x3-BN-ReLU layers (the detector's building block)
in four stride-2 stages and a two-layer dense head on the 4x4 map, whose cells keep *where*
the pupil and lids are (a global pooling would throw that away).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from .detector_model import conv_bn

N_COEFFICIENTS = 5
N_FEATURES = 4  # the labeller's pupil offset (x, y) and eyelid distance, pupil visibility
FEATURE_SCALE = 5.0  # eye widths -> about the coefficients' scale (a gaze range is ~0.15)


@dataclass(frozen=True)
class CoefficientNetConfig:
    """Architecture knobs; stored in checkpoints, the ONNX metadata and the model card."""

    size: int = 64
    width: int = 8
    hidden: int = 64

    def as_dict(self) -> dict:
        return asdict(self)


class CoefficientNet(nn.Module):
    """Stages at 1/2 .. 1/16 of the input, then dense layers to 5 coefficients + confidence."""

    def __init__(self, config: CoefficientNetConfig = CoefficientNetConfig()):
        super().__init__()
        if config.size % 16 or config.width < 1 or config.hidden < 1:
            raise ValueError(f"unsupported config {config}")
        self.config = config
        c = config.width
        self.features = nn.Sequential(
            conv_bn(1, c, 2),
            conv_bn(c, 2 * c, 2), conv_bn(2 * c, 2 * c),
            conv_bn(2 * c, 4 * c, 2), conv_bn(4 * c, 4 * c),
            conv_bn(4 * c, 8 * c, 2), conv_bn(8 * c, 8 * c),
        )
        cells = (config.size // 16) ** 2
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(8 * c * cells, config.hidden), nn.ReLU(True),
            nn.Linear(config.hidden, N_COEFFICIENTS + 1 + N_FEATURES),
        )

    def logits(self, image: torch.Tensor) -> torch.Tensor:
        """(N, 1, S, S) raw intensities -> (N, 10): 5 coefficient and 1 confidence logits,
        the 3 geometric features x FEATURE_SCALE, the pupil visibility logit."""
        mean = image.mean(dim=(2, 3), keepdim=True)
        std = image.std(dim=(2, 3), keepdim=True)
        x = (image - mean) / (std + 1e-3 * mean.abs() + 1e-6)
        return self.head(self.features(x))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(N, 1, S, S) -> coefficients (N, 5), confidence (N,), features (N, 4), as exported."""
        logits = self.logits(image)
        out = torch.sigmoid(logits[:, : N_COEFFICIENTS + 1])
        geometry = logits[:, N_COEFFICIENTS + 1: -1] / FEATURE_SCALE
        visible = torch.sigmoid(logits[:, -1:])
        return out[:, :N_COEFFICIENTS], out[:, N_COEFFICIENTS], torch.cat([geometry, visible], 1)
