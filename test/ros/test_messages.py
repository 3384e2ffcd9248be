"""Every message type of the package travels between two OS processes over Fast DDS."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from msg_fill import differences, fill, message_class

rclpy = pytest.importorskip("rclpy", reason="rclpy is part of the venv: run `make test`")
from rclpy.qos import QoSProfile, QoSReliabilityPolicy  # noqa: E402

MSG_DIR = Path(__file__).resolve().parents[2] / "msg"
SUPPORT = Path(__file__).resolve().parents[1] / "support"
TYPES = sorted(f"eye_expression_driver/msg/{p.stem}" for p in MSG_DIR.glob("*.msg"))

pytestmark = pytest.mark.ros


def receive_one(cls: type, topic: str, domain: int, timeout: float) -> object | None:
    """Subscribe in this process and return the first message within timeout."""
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=domain)
    try:
        node = rclpy.create_node("msg_listener", context=context)
        got: list[object] = []
        qos = QoSProfile(depth=10, reliability=QoSReliabilityPolicy.RELIABLE)
        node.create_subscription(cls, topic, got.append, qos)
        executor = rclpy.executors.SingleThreadedExecutor(context=context)
        executor.add_node(node)
        deadline = time.monotonic() + timeout
        while not got and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.1)
        node.destroy_node()
        return got[0] if got else None
    finally:
        rclpy.shutdown(context=context)


def test_every_message_file_is_covered() -> None:
    assert len(TYPES) >= 5, TYPES
    for name in ("EyeObservation", "EyeState", "EyeCoefficients", "FaceExpression",
                 "CalibrationState"):
        assert f"eye_expression_driver/msg/{name}" in TYPES


@pytest.mark.parametrize("type_name", TYPES)
def test_message_crosses_processes(type_name: str, ros_env: dict, ros_domain: int) -> None:
    cls = message_class(type_name)
    expected = fill(cls(), seed=7)
    assert differences(expected, cls()) != [], "the filler must change every message"
    peer = subprocess.Popen(
        [sys.executable, str(SUPPORT / "msg_peer.py"), type_name, "roundtrip", "7"],
        env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        received = receive_one(cls, "roundtrip", ros_domain, timeout=20.0)
    finally:
        peer.terminate()
        out, _ = peer.communicate(timeout=10)
    assert received is not None, f"no {type_name} received; peer said: {out.decode()[-2000:]}"
    assert differences(expected, received) == []
    assert received == expected
