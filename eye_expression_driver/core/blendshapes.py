"""ARKit blendshape names, the eye coefficients as ARKit weights, and the face template.

Left and Right are the wearer's anatomical sides (docs/design.md), as in ARKit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .eye_coefficients import EyeResult

ARKIT52: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight",
    "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)  # fmt: skip
ARKIT52_SCHEMA = "arkit52"

# EyeResult field -> ARKit name stem; the side suffix is added per eye.
_EYE_FIELDS = (
    ("blink", "eyeBlink"),
    ("look_up", "eyeLookUp"),
    ("look_down", "eyeLookDown"),
    ("look_in", "eyeLookIn"),
    ("look_out", "eyeLookOut"),
)
_WIDE_FIELD = ("wide", "eyeWide")
# Every name eye_weights can write, in a fixed order.
EYE_BLENDSHAPES: tuple[str, ...] = tuple(
    f"{stem}{side}" for side in ("Left", "Right") for _, stem in (*_EYE_FIELDS, _WIDE_FIELD)
)


class TemplateError(ValueError):
    """A face template file that cannot be used."""


def _side_weights(result: EyeResult, side: str, include_wide: bool) -> dict[str, float]:
    pairs = (*_EYE_FIELDS, _WIDE_FIELD) if include_wide else _EYE_FIELDS
    return {f"{stem}{side}": float(getattr(result, attr)) for attr, stem in pairs}


def eye_weights(left: EyeResult, right: EyeResult, include_wide: bool = False) -> dict[str, float]:
    """ARKit eye weights from both eyes' results (eyeBlinkLeft = left.blink, ...)."""
    weights = _side_weights(left, "Left", include_wide)
    weights.update(_side_weights(right, "Right", include_wide))
    return weights


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with a repeated key (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
        if repeated:
            raise TemplateError(f"repeated names {repeated} (line {node.start_mark.line + 1})")
        return super().construct_mapping(node, deep=deep)


def _parse_weights(raw, where: str) -> dict[str, float]:
    """The ``blendshapes`` mapping, checked: names to numbers in [0, 1]."""
    if not isinstance(raw, dict) or not raw:
        raise TemplateError(f"{where}: 'blendshapes' must be a non-empty mapping name: weight")
    weights = {}
    for name, value in raw.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not isinstance(name, str) or not number or not 0.0 <= value <= 1.0:
            raise TemplateError(f"{where}: {name!r}: {value!r} is not a name with a weight in 0..1")
        weights[name] = float(value)
    return weights


@dataclass(frozen=True)
class FaceTemplate:
    """A default face expression: every blendshape name with its neutral weight."""

    schema: str
    names: tuple[str, ...]
    neutral: tuple[float, ...]

    @classmethod
    def arkit52(cls) -> FaceTemplate:
        """The built-in template: the 52 ARKit names, all at 0."""
        return cls(ARKIT52_SCHEMA, ARKIT52, (0.0,) * len(ARKIT52))

    @classmethod
    def load(cls, path) -> FaceTemplate:
        """Read a YAML template (``schema``, ``blendshapes``); TemplateError with the reason."""
        path = Path(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
        except OSError as exc:
            raise TemplateError(f"cannot read face template {path}: {exc.strerror or exc}") from exc
        except (yaml.YAMLError, TemplateError, ValueError) as exc:
            raise TemplateError(f"face template {path} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("schema"), str):
            raise TemplateError(f"face template {path} needs a 'schema' string and 'blendshapes'")
        weights = _parse_weights(data.get("blendshapes"), f"face template {path}")
        if data["schema"] == ARKIT52_SCHEMA and set(weights) != set(ARKIT52):
            missing = sorted(set(ARKIT52) - set(weights))
            extra = sorted(set(weights) - set(ARKIT52))
            raise TemplateError(
                f"face template {path} claims {ARKIT52_SCHEMA} but misses {missing} "
                f"and has unknown {extra}"
            )
        return cls(data["schema"], tuple(weights), tuple(weights.values()))

    def weights(self, overrides: Mapping[str, float] | None = None) -> np.ndarray:
        """Neutral weights in ``names`` order with ``overrides`` written over them.

        A NaN override leaves the neutral weight (no estimate). Raises KeyError for a name
        the template does not have.
        """
        out = np.array(self.neutral, dtype=np.float64)
        if overrides:
            index = {name: i for i, name in enumerate(self.names)}
            for name, value in overrides.items():
                if name not in index:
                    raise KeyError(f"{name!r} is not in the {self.schema} face template")
                out[index[name]] = value if math.isfinite(value) else out[index[name]]
        return out
