"""``eye-expression run``: start the graph without launch_ros, one process per tracker.

Starts the processes of ``ros.graph`` with the parameters of one YAML file (the same file
the launch file uses), prefixes and forwards their output, and on Ctrl-C or SIGTERM
stops them all: SIGINT first (the nodes shut down cleanly), SIGTERM and SIGKILL only
for a process that does not exit in time. If one node dies, the others are stopped too:
a graph with a missing piece would only look like it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from eye_expression_driver.ros.graph import DEFAULT_IMAGE, SOURCES, NodeLaunch, graph, ros_args
from eye_expression_driver.ros.node_params import (
    BACKENDS,
    BRIDGE_PARAMS,
    COEFFICIENT_PARAMS,
    HEADSET_PARAMS,
    TRACKER_PARAMS,
    VMC_SENDER_PARAMS,
    check_yaml_section,
)
from eye_expression_driver.ros.paths import package_file

DEFAULT_CONFIG = "config/eye_expression.yaml"
SECTIONS = {"eye_tracker": TRACKER_PARAMS, "coefficient_node": COEFFICIENT_PARAMS,
            "avatar_bridge": BRIDGE_PARAMS, "synthetic_headset": HEADSET_PARAMS,
            "vmc_sender": VMC_SENDER_PARAMS}
_PR_SET_PDEATHSIG = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None,
                        help=f"parameter YAML (default: the package's {DEFAULT_CONFIG})")
    parser.add_argument("--namespace", default="", help="namespace of the whole graph")
    parser.add_argument("--backend", choices=BACKENDS, default="geometric",
                        help="eye tracker backend")
    parser.add_argument("--left-image", default=DEFAULT_IMAGE,
                        help="left camera topic, relative to <ns>/left (default image_raw)")
    parser.add_argument("--right-image", default=DEFAULT_IMAGE,
                        help="right camera topic, relative to <ns>/right (default image_raw)")
    parser.add_argument("--source", choices=SOURCES, default="auto",
                        help="image source: the built-in synthetic headset, or none (a real "
                             "headset or a bag publishes the images); auto = synthetic "
                             "unless --left-image or --right-image names a camera")
    parser.add_argument("--vmc", action="store_true",
                        help="also start vmc_sender (FaceExpression to a VMC/OSC avatar app; "
                             "host and port in the YAML)")
    parser.add_argument("--separate", action="store_true",
                        help="coefficient_node and avatar_bridge in a process each (default: "
                             "composed in one, coefficient_bridge, which saves a hop)")
    parser.add_argument("--stop-timeout", type=float, default=5.0,
                        help="seconds a node gets to exit after SIGINT")


def check_config(path: Path) -> list[str]:
    """Problems of a parameter file, found before anything starts."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"cannot read {path}: {exc}"]
    if not isinstance(data, dict):
        return [f"{path}: expected sections like '/**/eye_tracker: ros__parameters: ...'"]
    problems = []
    for section, body in data.items():
        node = str(section).rstrip("/").rsplit("/", 1)[-1]
        values = (body or {}).get("ros__parameters", {}) if isinstance(body, dict) else None
        if not isinstance(values, dict):
            problems.append(f"{section}: needs a 'ros__parameters' mapping")
        elif node in SECTIONS:
            problems += [f"{section}: {p}" for p in check_yaml_section(SECTIONS[node], values)]
        elif node != "**":
            problems.append(f"{section}: no node of the graph is called {node!r}")
    return problems


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the runner itself dies (Linux), so nothing is orphaned."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class NodeProcess:
    """One node process whose output is forwarded line by line with a prefix."""

    def __init__(self, node: NodeLaunch, params_file: str, out=sys.stdout) -> None:
        self.node, self.out = node, out
        command = [sys.executable, "-u", "-m", node.module,
                   *ros_args(node, params_file)]
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            start_new_session=True, preexec_fn=_die_with_parent if os.name == "posix" else None,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._reader = threading.Thread(target=self._forward, daemon=True)
        self._reader.start()

    def _forward(self) -> None:
        for line in self.proc.stdout:
            self.out.write(f"[{self.node.label}] {line}")
            self.out.flush()

    def stop(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def finish(self) -> int:
        code = self.proc.wait()
        self._reader.join(timeout=2.0)
        return code


def stop_all(processes: list[NodeProcess], timeout: float) -> None:
    """SIGINT, then SIGTERM, then SIGKILL for what is still running after each timeout."""
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        alive = [p for p in processes if p.proc.poll() is None]
        if not alive:
            return
        for p in alive:
            p.stop(sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(p.proc.poll() is None for p in alive):
            time.sleep(0.05)


def run(args: argparse.Namespace) -> int:
    config = Path(args.config) if args.config else package_file(DEFAULT_CONFIG)
    problems = check_config(config)
    if problems:
        print(f"eye-expression run: {config} has problems:", *problems, sep="\n  ",
              file=sys.stderr)
        return 2
    nodes = graph(args.namespace, args.backend, args.left_image, args.right_image,
                  args.source, args.vmc, composed=not args.separate)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: list[NodeProcess] = []
    died: list[NodeProcess] = []
    try:
        for node in nodes:
            processes.append(NodeProcess(node, str(config.resolve())))
        print(f"eye-expression run: {len(processes)} processes with {config}"
              f"{_source_note(nodes)}; Ctrl-C stops them", flush=True)
        while not died and not stop.wait(0.2):
            died = [p for p in processes if p.proc.poll() is not None]
    finally:
        stop_all(processes, args.stop_timeout)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return _report(processes, died)


def _source_note(nodes: list[NodeLaunch]) -> str:
    """Says where the images come from, so nobody mistakes synthetic eyes for their own."""
    if any(n.executable == "synthetic_headset" for n in nodes):
        return " (images: the built-in synthetic headset; --source none for a real one)"
    return ""


def _report(processes: list[NodeProcess], died: list[NodeProcess]) -> int:
    """Exit code: 0 after a requested stop with clean exits; else that of the node that
    died on its own (1 if it exited 0), or 1 if a node failed to stop cleanly."""
    codes = {p.node.label: p.finish() for p in processes}
    for label, code in codes.items():
        if code != 0:
            print(f"eye-expression run: {label} exited with {code}", file=sys.stderr)
    if died:
        label = died[0].node.label
        print(f"eye-expression run: {label} stopped on its own; stopped the others",
              file=sys.stderr)
        return abs(codes[label]) or 1
    return 0 if all(code == 0 for code in codes.values()) else 1
