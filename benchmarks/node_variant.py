"""Run the package's node modules with another executor or GIL switch interval, or composed.

    python benchmarks/node_variant.py [--executor events|single|multi] [--switch-interval S]
        eye_expression_driver.ros.nodes.eye_tracker --ros-args ...
    python benchmarks/node_variant.py --executor single
        eye_expression_driver.ros.nodes.coefficient_node,eye_expression_driver.ros.nodes.avatar_bridge
        --ros-args -r __ns:=/ --params-file FILE

For measuring a change before it goes into the node code: the node module runs unchanged
(as ``python -m MODULE``); only the executor that ``ros.node_support`` spins its nodes on
is replaced, and ``sys.setswitchinterval`` is applied first. Without --executor the nodes
keep their own (EventsExecutor); ``single`` is what rclpy.spin does (Python wait-set loop),
``events`` rclpy's EventsExecutor, ``multi`` a MultiThreadedExecutor. Several modules
(comma-separated) are composed with ``ros.node_support.run_nodes``, as the package's own
composed process (``ros.nodes.coefficient_bridge``) is: one process, one context, one executor,
each node with its own name and parameter section.
"""

from __future__ import annotations

import argparse
import importlib
import runpy
import sys

import rclpy
from rclpy.node import Node

from eye_expression_driver.ros import node_support


def executor_factory(kind: str):
    """A replacement for node_support._executor that builds the executor ``kind``."""
    def make(context) -> rclpy.executors.Executor:
        if kind == "events":
            from rclpy.experimental import EventsExecutor

            return EventsExecutor(context=context)
        if kind == "multi":
            return rclpy.executors.MultiThreadedExecutor(num_threads=2, context=context)
        return rclpy.executors.SingleThreadedExecutor(context=context)
    return make


def node_class(module_name: str) -> type[Node]:
    """The Node subclass a node module defines."""
    module = importlib.import_module(module_name)
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Node)
             and v.__module__ == module.__name__]
    if len(found) != 1:
        raise SystemExit(f"{module_name}: expected one Node class, found {found}")
    return found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", choices=("single", "events", "multi"),
                        help="default: the nodes' own (node_support)")
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval (s)")
    parser.add_argument("module", help="e.g. eye_expression_driver.ros.nodes.eye_tracker")
    args, rest = parser.parse_known_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    if args.executor:
        node_support._executor = executor_factory(args.executor)
    modules = args.module.split(",")
    if len(modules) > 1:
        sys.exit(node_support.run_nodes([node_class(m) for m in modules],
                                        [sys.argv[0], *rest]))
    sys.argv = [args.module, *rest]
    runpy.run_module(args.module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
