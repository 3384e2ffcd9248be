"""Small pieces every node of the demo/output side shares: parameters, images, spinning.

Parameters: rclpy itself refuses out-of-range values (at start-up from overrides and on
every set) with the reason, once the range is in the descriptor; checks a range cannot
express (a host name, a file) go into `refuse_unless`, which a node registers as its
set-parameters callback, and `check_declared` for the start-up values.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import rclpy
from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
    SetParametersResult,
)
from rclpy.exceptions import InvalidParameterValueException
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Image


def declare(node: Node, name: str, default: Any, description: str,
            low: float | None = None, high: float | None = None, read_only: bool = False) -> Any:
    """Declare one parameter (range [low, high] for numbers) and return its current value."""
    descriptor = ParameterDescriptor(description=description, read_only=read_only)
    if low is not None and high is not None:
        if isinstance(default, bool):
            raise TypeError(f"{name}: a bool has no range")
        if isinstance(default, int):
            descriptor.integer_range = [IntegerRange(from_value=int(low), to_value=int(high),
                                                     step=1)]
        else:
            descriptor.floating_point_range = [FloatingPointRange(from_value=float(low),
                                                                  to_value=float(high))]
    return node.declare_parameter(name, default, descriptor).value


Check = Callable[[Any], str | None]  # value -> None when fine, else the reason to refuse


def refuse_unless(checks: dict[str, Check]) -> Callable[[list[Parameter]], SetParametersResult]:
    """A set-parameters callback that refuses a value when its check gives a reason."""

    def callback(params: list[Parameter]) -> SetParametersResult:
        for param in params:
            check = checks.get(param.name)
            reason = check(param.value) if check else None
            if reason:
                return SetParametersResult(successful=False, reason=f"{param.name}: {reason}")
        return SetParametersResult(successful=True)

    return callback


def check_declared(node: Node, checks: dict[str, Check]) -> None:
    """Apply the checks to the start-up values too (callbacks only see later sets)."""
    for name, check in checks.items():
        reason = check(node.get_parameter(name).value)
        if reason:
            raise ValueError(f"parameter {name}: {reason}")


def image_msg(array: np.ndarray, encoding: str, header: Any = None) -> Image:
    """A sensor_msgs/Image of a contiguous uint8 array (H, W) or (H, W, C), header copied."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    msg = Image()
    if header is not None:
        msg.header = header
    msg.height, msg.width = int(array.shape[0]), int(array.shape[1])
    msg.encoding = encoding
    msg.is_bigendian = 0
    msg.step = int(array.strides[0])
    msg.data = array.tobytes()
    return msg


def run_node(factory: Callable[[], Node], args: list[str] | None = None) -> int:
    """Init, build the node, spin until SIGINT/SIGTERM, clean up; 1 if the node refused to start.

    rclpy turns SIGINT and SIGTERM into a context shutdown, so spin returns (or raises
    ExternalShutdownException) and the node is destroyed before the process exits.
    """
    rclpy.init(args=args)
    node = None
    try:
        try:
            node = factory()
        except (ValueError, TypeError, InvalidParameterValueException) as exc:
            print(f"error: {exc}", file=sys.stderr)  # a refused parameter at start-up
            return 1
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            with contextlib.suppress(Exception):
                node.destroy_node()
        rclpy.try_shutdown()
    return 0
