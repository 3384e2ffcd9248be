"""Small pieces the nodes share: parameter descriptors, images, spinning.

A runtime.param_spec spec becomes a descriptor that carries the description, constraints and
range, so rclpy itself refuses out-of-range values with the reason (ros.params declares
the parameters and checks the rest).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import rclpy
from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
)
from rclpy.exceptions import InvalidParameterValueException
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from sensor_msgs.msg import Image

from eye_expression_driver.runtime.param_spec import ParamSpec


def parameter_descriptor(spec: ParamSpec) -> ParameterDescriptor:
    """The rclpy descriptor of a spec: description, constraints, read-only and range, so
    rclpy itself refuses an out-of-range value with the reason."""
    descriptor = ParameterDescriptor(description=spec.description,
                                     additional_constraints=spec.constraints(),
                                     read_only=spec.read_only)
    numeric = isinstance(spec.default, (int, float)) and not isinstance(spec.default, bool)
    if numeric and spec.low is not None and spec.high is not None:
        if isinstance(spec.default, int):
            descriptor.integer_range = [IntegerRange(from_value=int(spec.low),
                                                     to_value=int(spec.high), step=1)]
        else:
            descriptor.floating_point_range = [FloatingPointRange(from_value=float(spec.low),
                                                                  to_value=float(spec.high))]
    return descriptor


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
    """Init, build the node, spin until SIGINT/SIGTERM, clean up; 1 if the node refused to start."""
    return run_nodes([factory], args)


def run_nodes(factories: Sequence[Callable[[], Node]], args: list[str] | None = None) -> int:
    """``run_node`` for several nodes composed in one process: one context (one DDS
    participant) and one executor, each node with its own name and parameter section.

    rclpy turns SIGINT and SIGTERM into a context shutdown, so spin returns (or raises
    ExternalShutdownException) and the nodes are destroyed before the process exits.
    """
    rclpy.init(args=args)
    nodes: list[Node] = []
    code = 0
    try:
        try:
            for factory in factories:
                nodes.append(factory())  # built so far: destroyed if a later one refuses
        except (ValueError, TypeError, InvalidParameterValueException) as exc:
            print(f"error: {exc}", file=sys.stderr)  # a refused parameter at start-up
            code = 1
        else:
            spin(*nodes)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        _clean_up(nodes)
    return code


def _executor(context) -> rclpy.executors.Executor:
    """rclpy's EventsExecutor where the distribution has it (Jazzy on), else the default.

    Dispatching from C++ instead of the Python wait-set loop cut the graph's p99 latency at
    2x200 Hz from 14.9 to 5.5 ms and its drops from 22 to 0 (benchmarks/run_all.py with
    --executor single vs events).
    """
    try:
        from rclpy.experimental import EventsExecutor
    except ImportError:
        return rclpy.executors.SingleThreadedExecutor(context=context)
    return EventsExecutor(context=context)


def spin(*nodes: Node) -> None:
    """Spin the nodes on one executor until their context shuts down (SIGINT/SIGTERM).

    A spin_once loop, because EventsExecutor.spin() here neither fires timers nor returns
    on shutdown. The GIL switch interval stays Python's 5 ms: 0.5 ms showed no gain at
    2 x 200 Hz (benchmarks/run_all.py --switch-interval, four A/B pairs under SCHED_FIFO:
    p50 2.4-3.2 ms either way); the only second Python thread, the tracker's worker, is
    idle most of the time.
    """
    context = nodes[0].context
    executor = _executor(context)
    for node in nodes:
        executor.add_node(node)
    try:
        while context.ok():
            executor.spin_once(timeout_sec=0.5)
    finally:
        for node in nodes:
            executor.remove_node(node)
        executor.shutdown()


def _clean_up(nodes: list[Node]) -> None:
    """Destroy the nodes and shut rclpy down, deaf to further SIGINT/SIGTERM: a stop request
    that arrives while a node is already going must not turn its exit code into -2."""
    with contextlib.suppress(ValueError):  # signal.signal only works in the main thread
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
    for node in nodes:
        with contextlib.suppress(Exception):
            node.destroy_node()
    rclpy.try_shutdown()
