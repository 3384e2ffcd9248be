"""Declare a node's parameters from ``runtime.param_spec`` specs and validate every set.

Descriptors come from ``node_support.parameter_descriptor`` (rclpy enforces ranges);
this also checks rules between parameters, supports arrays whose default is empty, calls
the node back after a change, and warns about unknown names in the YAML. Each set is checked per
parameter, then as a whole, before rclpy stores it, and refused with the reason otherwise.
Declaration runs the same checks, so a bad value in the YAML stops the node at start-up
with the reason instead of running with it.
"""

from __future__ import annotations

import array
from collections.abc import Callable, Sequence
from typing import Any

from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter

from eye_expression_driver.runtime.param_spec import ParamSpec, check_value

from .node_support import parameter_descriptor

_ARRAY_TYPES = {"string": Parameter.Type.STRING_ARRAY, "double": Parameter.Type.DOUBLE_ARRAY,
                "integer": Parameter.Type.INTEGER_ARRAY}


def plain(value: Any) -> Any:
    """Parameter values as plain Python (arrays as lists, unset arrays as empty lists)."""
    if value is None:
        return []
    if isinstance(value, (array.array, tuple)) or hasattr(value, "tolist"):
        return list(value.tolist() if hasattr(value, "tolist") else value)
    return value


class NodeParameters:
    """The declared parameters of one node, their current values and change hooks."""

    def __init__(self, node: Node, specs: Sequence[ParamSpec],
                 validate: Callable[[dict[str, Any]], str | None] | None = None,
                 on_change: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._node = node
        self._specs = {spec.name: spec for spec in specs}
        self._validate = validate
        self.values: dict[str, Any] = {s.name: plain(s.default) for s in specs}
        self._declared: set[str] = set()
        node.add_on_set_parameters_callback(self._check)
        for spec in specs:
            default = _ARRAY_TYPES[spec.array_of] if spec.array_of else spec.default
            param = node.declare_parameter(spec.name, default, parameter_descriptor(spec))
            self.values[spec.name] = plain(param.value)
            self._declared.add(spec.name)
        self._on_change = on_change
        node.add_post_set_parameters_callback(self._changed)
        self._warn_unknown()

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def _check(self, params: list[Parameter]) -> SetParametersResult:
        pending = {p.name: plain(p.value) for p in params if p.name in self._specs}
        for name, value in pending.items():
            reason = check_value(self._specs[name], value)
            if reason:
                return SetParametersResult(successful=False, reason=reason)
        if self._validate is not None:
            reason = self._validate({**self.values, **pending})
            if reason:
                return SetParametersResult(successful=False, reason=reason)
        return SetParametersResult(successful=True)

    def _changed(self, params: list[Parameter]) -> None:
        changed = {p.name: plain(p.value) for p in params if p.name in self._specs}
        self.values.update(changed)
        if changed and self._on_change is not None:
            self._on_change(changed)

    def _warn_unknown(self) -> None:
        """A typo in the YAML would otherwise be ignored without a word."""
        known = set(self._specs) | {"use_sim_time", "start_type_description_service"}
        unknown = sorted(set(getattr(self._node, "_parameter_overrides", {})) - known)
        if unknown:
            self._node.get_logger().warning(
                f"ignoring unknown parameters {unknown}; known: {sorted(self._specs)}")
