"""Test-side helpers for the graph's node tests: node processes, images, diagnostics, params.

Nodes run as real processes over real Fast DDS; the test talks to them from an in-process
peer node (demo_ros_helpers.Peer) on the same per-module domain.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from demo_ros_helpers import Peer
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter
from sensor_msgs.msg import Image

from eye_expression_driver.ros.conversions import to_time

REPO = Path(__file__).resolve().parents[2]
LABELS = ("left/eye_tracker]", "right/eye_tracker]", "coefficient_node]", "avatar_bridge]")


def node_env(domain: int) -> dict[str, str]:
    """This environment with the test's domain and the repository importable."""
    return {**os.environ, "ROS_DOMAIN_ID": str(domain), "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


class NodeProcess:
    """A node script as a process; output goes to a file (a full pipe would block it)."""

    def __init__(self, script: str, args: list[str], domain: int) -> None:
        self.log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the node
            "w+", prefix=f"{script}_", suffix=".log")
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "nodes" / script), "--ros-args", *args],
            env=node_env(domain), cwd=REPO, stdout=self.log_file, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return Path(self.log_file.name).read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10.0) -> int:
        """Signal, wait; kill if it does not exit in time. The exit code."""
        if self.alive():
            self.proc.send_signal(sig)
        if self.wait_exit(timeout) is None:
            self.proc.kill()
            self.proc.wait(5)
        self.log_file.close()
        return self.proc.returncode


def image(encoding: str = "mono8", width: int = 64, height: int = 48, data: bytes | None = None,
          stamp_ns: int = 0, step: int | None = None, bigendian: int = 0) -> Image:
    """A sensor_msgs/Image; data defaults to a dark ellipse on grey (something eye-like)."""
    if data is None:
        data = eye_like(width, height).tobytes()
    msg = Image(encoding=encoding, width=width, height=height, is_bigendian=bigendian,
                step=width if step is None else step, data=data)
    msg.header.stamp = to_time(stamp_ns)
    msg.header.frame_id = "eye_camera"
    return msg


def eye_like(width: int, height: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    inside = ((xx - width / 2) / (width / 3)) ** 2 + ((yy - height / 2) / (height / 4)) ** 2 < 1
    picture = np.where(inside, 60, 170).astype(np.uint8)
    picture[(xx - width / 2) ** 2 + (yy - height / 2) ** 2 < (height / 8) ** 2] = 10
    return picture


class Diagnostics:
    """Collects /diagnostics of one peer; the latest values of a status by name part."""

    def __init__(self, peer: Peer) -> None:
        from diagnostic_msgs.msg import DiagnosticArray

        self.latest: dict[str, object] = {}
        peer.node.create_subscription(DiagnosticArray, "/diagnostics", self._on, 50)

    def _on(self, msg) -> None:
        for status in msg.status:
            self.latest[status.name] = status

    def values(self, name_part: str) -> dict[str, str]:
        for name, status in self.latest.items():
            if name_part in name:
                return {kv.key: kv.value for kv in status.values}
        return {}

    def count(self, name_part: str, key: str) -> int:
        return int(self.values(name_part).get(f"{key} count", 0))


def set_parameter(peer: Peer, node: str, name: str, value, timeout: float = 10.0):
    """Set one parameter of a remote node; the SetParametersResult (None on timeout)."""
    client = peer.node.create_client(SetParameters, f"{node}/set_parameters")
    try:
        if not peer.spin_until(client.service_is_ready, timeout):
            return None
        msg: ParameterMsg = Parameter(name, value=value).to_parameter_msg()
        future = client.call_async(SetParameters.Request(parameters=[msg]))
        peer.spin_until(future.done, timeout)
        return future.result().results[0] if future.done() else None
    finally:
        peer.node.destroy_client(client)


def call(peer: Peer, srv_type, name: str, request, timeout: float = 10.0):
    """Call a service of a remote node; the response (None on timeout)."""
    client = peer.node.create_client(srv_type, name)
    try:
        if not peer.spin_until(client.service_is_ready, timeout):
            return None
        future = client.call_async(request)
        peer.spin_until(future.done, timeout)
        return future.result() if future.done() else None
    finally:
        peer.node.destroy_client(client)


def wait_matched(peer: Peer, publisher, timeout: float = 20.0) -> bool:
    return peer.spin_until(lambda: publisher.get_subscription_count() > 0, timeout)


def stamp_of(msg) -> int:
    return msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec


def deadline_loop(seconds: float):
    """Iterate until seconds have passed (for polling loops)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        yield


class Runner:
    """`eye-expression run` as a process with its output in a file. The test publishes the
    images, so the synthetic headset stays off unless the args ask for a --source."""

    def __init__(self, tmp_path: Path, domain: int, *args: str) -> None:
        self.log_path = tmp_path / f"run_{time.monotonic_ns()}.log"
        self._log = self.log_path.open("w")
        source = [] if "--source" in args else ["--source", "none"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "eye_expression_driver.cli", "run", *source, *args],
            env=node_env(domain), cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def wait_started(self, timeout: float = 60.0) -> bool:
        """True once every node of the graph has said something."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if all(label in self.log() for label in LABELS):
                return True
            time.sleep(0.2)
        return False

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop(signal.SIGINT)

    def stop(self, sig: int, timeout: float = 30.0) -> int | None:
        """Signal the runner and wait; kill it (its nodes die with it) after timeout."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)
            self._log.close()


def gone(pids: list[int], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.1)
    return False


def standin_coefficient_model(path: Path, coefficients=(0.1, 0.2, 0.3, 0.4, 0.7),
                              confidence: float = 0.9, features=(0.05, -0.02, 0.28, 0.5)) -> Path:
    """A tiny ONNX file with the coefficient model's interface and fixed outputs."""
    from onnx import helper, numpy_helper

    constants = [
        numpy_helper.from_array(np.zeros((1,), np.float32), "zero"),
        numpy_helper.from_array(np.array([coefficients], np.float32), "fixed_coefficients"),
        numpy_helper.from_array(np.array([confidence], np.float32), "fixed_confidence"),
        numpy_helper.from_array(np.array([features], np.float32), "fixed_features"),
    ]
    nodes = [  # outputs = constants + 0 * mean(image)
        helper.make_node("ReduceMean", ["image"], ["mean"], keepdims=1),
        helper.make_node("Flatten", ["mean"], ["flat"], axis=1),
        helper.make_node("Mul", ["flat", "zero"], ["nothing"]),
        helper.make_node("Add", ["nothing", "fixed_coefficients"], ["coefficients"]),
        helper.make_node("Flatten", ["nothing"], ["nothing_n"], axis=0),
        helper.make_node("Squeeze", ["nothing_n"], ["nothing_1"]),
        helper.make_node("Add", ["nothing_1", "fixed_confidence"], ["confidence"]),
        helper.make_node("Add", ["nothing", "fixed_features"], ["features"]),
    ]
    return _save_model(path, nodes, constants, "standin_eye_coefficients",
                       [("coefficients", ["batch", 5]), ("confidence", ["batch"]),
                        ("features", ["batch", 4])])


def _save_model(path: Path, nodes, constants, name: str, outputs) -> Path:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 64, 64])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n, shape in outputs],
        constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.save(model, str(path))
    return path


def standin_landmark_model(path: Path) -> Path:
    """A tiny ONNX file with the eye feature model's interface and fixed outputs.

    For tests of the node's plumbing (decoding, drops, diagnostics, overlay) that must not
    depend on a trained model: the real detector code runs on it, the network is trivial.
    """
    from onnx import helper, numpy_helper

    points = np.zeros((1, 25, 2), np.float32)
    points[0, :, 0] = np.linspace(0.2, 0.8, 25)
    points[0, :, 1] = 0.5 + 0.1 * np.sin(np.linspace(0, 2 * np.pi, 25))
    points[0, 24] = (0.5, 0.5)
    constants = [
        numpy_helper.from_array(np.zeros((1,), np.float32), "zero"),
        numpy_helper.from_array(np.array([2], np.int64), "axis"),
        numpy_helper.from_array(points, "fixed_points"),
        numpy_helper.from_array(np.array([[0.9, 0.9, 0.05]], np.float32), "fixed_scores"),
    ]
    nodes = [  # outputs = constants + 0 * mean(image): right batch size, no real work
        helper.make_node("ReduceMean", ["image"], ["mean"], keepdims=1),
        helper.make_node("Flatten", ["mean"], ["flat"], axis=1),
        helper.make_node("Mul", ["flat", "zero"], ["nothing"]),
        helper.make_node("Unsqueeze", ["nothing", "axis"], ["nothing3"]),
        helper.make_node("Add", ["nothing3", "fixed_points"], ["points"]),
        helper.make_node("Add", ["nothing", "fixed_scores"], ["scores"]),
    ]
    return _save_model(path, nodes, constants, "standin_eye_features",
                       [("points", ["batch", 25, 2]), ("scores", ["batch", 3])])


def refusals(specs) -> list[tuple[str, object, str]]:
    """(name, a refused value, words of the reason) for every parameter a set must refuse:
    read-only ones (any value) and ranged ones (a value above the range)."""
    out = []
    for spec in specs:
        if spec.read_only:
            out.append((spec.name, spec.default, "read-only"))
        elif spec.high is not None and isinstance(spec.default, int):
            out.append((spec.name, int(spec.high) + 1, "out of range"))
        elif spec.high is not None:
            out.append((spec.name, float(spec.high) * 2 + 1.0, "out of range"))
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
