"""Node parameters as data: name, default, description, unit, range, choices, extra rule.

Nodes declare their ROS parameters from these specs and validate every set against
them, so the rules (and the reasons a value is refused) are testable without ROS and
the YAML, the descriptors and the checks cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ParamSpec:
    """One parameter; ``check`` returns the reason a value is bad, or None."""

    name: str
    default: Any
    description: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    read_only: bool = False
    check: Callable[[Any], str | None] | None = None
    array_of: str = ""  # "string" or "double" for arrays whose default may be empty

    def constraints(self) -> str:
        """Human-readable constraints for the descriptor."""
        parts = []
        if self.unit:
            parts.append(f"unit: {self.unit}")
        if self.low is not None and self.high is not None:
            parts.append(f"range [{self.low}, {self.high}]")
        if self.choices:
            parts.append("one of: " + ", ".join(self.choices))
        if self.read_only:
            parts.append("read-only after start-up")
        return "; ".join(parts)


def check_value(spec: ParamSpec, value: Any) -> str | None:
    """The reason this value is refused for this parameter, or None when it is fine."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{spec.name} must be finite, got {value}"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and spec.low is not None and not spec.low <= value <= spec.high:
        return f"{spec.name} must be in [{spec.low}, {spec.high}] {spec.unit}, got {value}"
    if spec.choices and value not in spec.choices:
        return f"{spec.name} must be one of {', '.join(spec.choices)}, got {value!r}"
    if spec.check is not None:
        reason = spec.check(value)
        if reason:
            return f"{spec.name}: {reason}"
    return None


def check_values(specs: Iterable[ParamSpec], values: dict[str, Any]) -> str | None:
    """The first reason any of these values is refused (unknown names are ignored)."""
    by_name = {spec.name: spec for spec in specs}
    for name, value in values.items():
        spec = by_name.get(name)
        reason = check_value(spec, value) if spec else None
        if reason:
            return reason
    return None


def defaults(specs: Iterable[ParamSpec]) -> dict[str, Any]:
    return {spec.name: spec.default for spec in specs}
