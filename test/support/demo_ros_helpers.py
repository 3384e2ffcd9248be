"""Test-side ROS helpers for the demo/output tests: an in-process peer node and node processes."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node

REPO = Path(__file__).resolve().parents[2]


class Peer:
    """One node in this test process, on its own context and domain."""

    def __init__(self, domain: int, name: str = "test_peer") -> None:
        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=domain)
        self.node: Node = rclpy.create_node(name, context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def spin_until(self, done: Callable[[], bool], timeout: float,
                   step: Callable[[], None] | None = None) -> bool:
        """Spin until done() (calling step() between spins); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return True
            if step is not None:
                step()
            self.executor.spin_once(timeout_sec=0.05)
        return done()

    def collect(self, msg_type, topic: str, qos=10) -> list:
        """A list that fills with the messages of a topic while the peer spins."""
        received: list = []
        self.node.create_subscription(msg_type, topic, received.append, qos)
        return received

    def spin_for(self, seconds: float) -> None:
        self.spin_until(lambda: False, seconds)

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


@contextlib.contextmanager
def peer(domain: int, name: str = "test_peer") -> Iterator[Peer]:
    p = Peer(domain, name)
    try:
        yield p
    finally:
        p.close()


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A package process (node script or `eye-expression` command) with output captured."""
    return subprocess.Popen([sys.executable, *args], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def node_script(name: str) -> str:
    return str(REPO / "nodes" / name)


def cli(*args: str) -> list[str]:
    return ["-m", "eye_expression_driver.cli", *args]


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> tuple[int, str]:
    """SIGINT, then wait (kill after timeout); (return code, output)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return proc.returncode, out
