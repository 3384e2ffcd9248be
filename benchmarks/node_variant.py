"""Run the package's node modules with another executor, GIL switch interval, or composed.

    python benchmarks/node_variant.py [--executor events|single|multi] [--switch-interval S]
        eye_expression_driver.ros.eye_tracker --ros-args ...
    python benchmarks/node_variant.py --executor events
        eye_expression_driver.ros.coefficient_node,eye_expression_driver.ros.avatar_bridge
        --ros-args -r __ns:=/ --params-file FILE

For measuring fixes before they go into the node code: the node module runs unchanged
(as ``python -m MODULE``), only ``rclpy.spin``, which ``ros.node_support.run_node`` calls,
is replaced by a spin on the chosen executor, and ``sys.setswitchinterval`` is applied
first. ``single`` is what rclpy.spin does; ``events`` is rclpy's EventsExecutor (C++
event queue, no wait-set rebuild per callback); ``multi`` a MultiThreadedExecutor.
Several modules (comma-separated) are composed: their nodes share one process, one context
(one DDS participant) and one executor, as ROS composition does, which removes a process
hop; each node keeps its own name and its own parameter section.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import runpy
import sys

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node


def _executor(kind: str, context):
    if kind == "events":
        from rclpy.experimental import EventsExecutor

        return EventsExecutor(context=context)
    if kind == "multi":
        return rclpy.executors.MultiThreadedExecutor(num_threads=2, context=context)
    return rclpy.executors.SingleThreadedExecutor(context=context)


def spin_with(kind: str):
    """A replacement for rclpy.spin(node) that uses the executor ``kind``."""
    def spin(node, executor=None) -> None:
        chosen = _executor(kind, node.context)
        chosen.add_node(node)
        try:  # EventsExecutor.spin() (rclpy 10) neither fires timers nor returns on shutdown
            while node.context.ok():
                chosen.spin_once(timeout_sec=0.5)
        finally:
            chosen.remove_node(node)
            chosen.shutdown()
    return spin


def node_class(module_name: str) -> type[Node]:
    """The Node subclass a node module defines."""
    module = importlib.import_module(module_name)
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Node)
             and v.__module__ == module.__name__]
    if len(found) != 1:
        raise SystemExit(f"{module_name}: expected one Node class, found {found}")
    return found[0]


def compose(modules: list[str], kind: str, ros_args: list[str]) -> int:
    """Several nodes in this process on one executor until SIGINT/SIGTERM."""
    rclpy.init(args=[sys.argv[0], *ros_args])
    nodes = []
    try:
        nodes = [node_class(m)() for m in modules]
        executor = _executor(kind, nodes[0].context)
        for node in nodes:
            executor.add_node(node)
        while nodes[0].context.ok():
            executor.spin_once(timeout_sec=0.5)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        for node in nodes:
            with contextlib.suppress(Exception):
                node.destroy_node()
        rclpy.try_shutdown()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", choices=("single", "events", "multi"), default="single")
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval (s)")
    parser.add_argument("module", help="e.g. eye_expression_driver.ros.eye_tracker")
    args, rest = parser.parse_known_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    modules = args.module.split(",")
    if len(modules) > 1:
        sys.exit(compose(modules, args.executor, rest))
    rclpy.spin = spin_with(args.executor)
    sys.argv = [args.module, *rest]
    runpy.run_module(args.module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
