"""The built-in synthetic headset: both eyes and their truth, one stamp, at the configured rate."""

from __future__ import annotations

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is part of the venv: run `make test`")
from demo_ros_helpers import node_script, peer, spawn, stop  # noqa: E402
from diagnostic_msgs.msg import DiagnosticArray  # noqa: E402
from eye_expression_driver.msg import SyntheticGroundTruth  # noqa: E402
from rclpy.qos import QoSProfile, ReliabilityPolicy, qos_profile_sensor_data  # noqa: E402

RELIABLE = ReliabilityPolicy.RELIABLE
from sensor_msgs.msg import Image  # noqa: E402

pytestmark = pytest.mark.ros
RATE = 60.0


def ns(stamp) -> int:
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def collect(domain: int, env: dict, args: list[str], frames: int, timeout: float = 30.0,
            until: str = ""):
    """Start the node, collect `frames` ground truths (and the images alongside) or until a
    diagnostics message `until`, then stop it."""
    got: dict[str, list] = {"left": [], "right": [], "truth": [], "status": []}
    proc = spawn([node_script("synthetic_headset"), "--ros-args", *args], env)
    try:
        with peer(domain) as p:
            for eye in ("left", "right"):
                p.node.create_subscription(Image, f"{eye}/image_raw", got[eye].append,
                                           qos_profile_sensor_data)
            p.node.create_subscription(
                SyntheticGroundTruth, "ground_truth", got["truth"].append,
                QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE))
            p.node.create_subscription(DiagnosticArray, "/diagnostics",
                                       lambda m: got["status"].extend(m.status), 10)
            p.spin_until(lambda: (len(got["truth"]) >= frames and got["status"]) or any(
                st.message == until for st in got["status"]), timeout)
            p.spin_for(0.1)
    finally:
        code, out = stop(proc)
    return got, code, out


def test_both_eyes_and_truth_share_stamps_at_the_rate(ros_env: dict, ros_domain: int) -> None:
    got, code, out = collect(ros_domain, ros_env, [
        "-p", f"rate:={RATE}", "-p", "width:=96", "-p", "height:=80", "-p", "duration:=1.0",
        "-p", "diagnostics_period:=0.5"], frames=90)
    assert code == 0, out
    assert len(got["truth"]) >= 90, out  # more than one pass of a 1 s session: it loops
    left = {ns(m.header.stamp): m for m in got["left"]}
    right = {ns(m.header.stamp): m for m in got["right"]}
    truth = [ns(m.header.stamp) for m in got["truth"]]
    # Images are best-effort: nearly all arrive; every one has its twin and its truth.
    assert len(left) >= 0.8 * len(truth) and len(right) >= 0.8 * len(truth)
    both = {s for s in set(left) & set(right) if s <= truth[-1]}  # the last truth may lag
    assert len(both) >= 0.7 * len(truth) and both <= set(truth)
    image = left[min(both)]
    assert (image.encoding, image.width, image.height) == ("mono8", 96, 80)
    assert image.header.frame_id == "left_eye_camera"
    assert right[min(both)].header.frame_id == "right_eye_camera"
    pixels = np.frombuffer(bytes(image.data), np.uint8)
    assert pixels.size == 96 * 80 and pixels.std() > 5  # a picture, not a blank
    # The rate, from the stamps (independent of discovery delays).
    span = (truth[-1] - truth[0]) / 1e9
    rate = (len(truth) - 1) / span
    assert 0.7 * RATE <= rate <= 1.1 * RATE, (rate, out)
    assert truth == sorted(set(truth))  # one truth per pair, in order, no duplicates
    t = got["truth"][-1]
    assert t.left.eye == 0 and t.right.eye == 1
    assert 0 < t.left.pupil_x < 96 and 0 <= t.left.openness <= 2.0
    assert any(s.name.endswith("synthetic headset") for s in got["status"])


def test_without_loop_the_session_ends(ros_env: dict, ros_domain: int) -> None:
    got, code, out = collect(ros_domain, ros_env, [
        "-p", f"rate:={RATE}", "-p", "width:=64", "-p", "height:=64", "-p", "duration:=0.5",
        "-p", "loop:=false", "-p", "diagnostics_period:=0.2", "-p", "wait_for_subscribers:=1",
        "-p", "wait_for_truth_subscribers:=1"], frames=10_000, until="session finished")
    assert code == 0, out
    assert len(got["truth"]) == 30  # 0.5 s at 60 Hz, all of it (it waited), then no more
    assert got["status"][-1].message == "session finished", out


def test_a_bad_rate_is_refused(ros_env: dict) -> None:
    proc = spawn([node_script("synthetic_headset"), "--ros-args", "-p", "rate:=1000.0"], ros_env)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "rate" in out and "Traceback" not in out


def test_it_pauses_while_another_node_publishes_its_images(ros_env: dict,
                                                         ros_domain: int) -> None:
    """A real headset on the same topics wins: the synthetic one stops publishing."""
    proc = spawn([node_script("synthetic_headset"), "--ros-args", "-p", "width:=64", "-p",
                  "height:=64", "-p", "rate:=30.0", "-p", "wait_for_subscribers:=0", "-p",
                  "diagnostics_period:=0.2"], ros_env)
    truth: list = []
    status: list = []
    try:
        with peer(ros_domain) as p:
            p.node.create_subscription(SyntheticGroundTruth, "ground_truth", truth.append,
                                       QoSProfile(depth=100, reliability=RELIABLE))
            p.node.create_subscription(DiagnosticArray, "/diagnostics",
                                       lambda m: status.extend(m.status), 10)
            assert p.spin_until(lambda: len(truth) > 3, 20.0)  # publishing on its own
            p.node.create_publisher(Image, "left/image_raw", qos_profile_sensor_data)
            paused = lambda: any(s.message.startswith("paused: another node publishes "  # noqa
                                                      "/left/image_raw") for s in status)
            assert p.spin_until(paused, 10.0), [s.message for s in status[-3:]]
            p.spin_for(0.3)
            before = len(truth)
            p.spin_for(0.5)
            assert len(truth) == before  # nothing while the other camera is there
    finally:
        code, out = stop(proc)
    assert code == 0, out
    assert "paused until it stops" in out
