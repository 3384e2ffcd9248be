"""eye_tracker as a real process over real DDS: malformed and odd images, drops under a
burst, the debug overlay only while watched, refused parameters, bad model files.

The landmark model is a stand-in with the real model's interface (ros_graph_helpers), so
these tests check the node, not the quality of a trained network.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from demo_ros_helpers import Peer
from eye_expression_driver.msg import EyeObservation
from rclpy.qos import qos_profile_sensor_data
from ros_domains import next_domain
from ros_graph_helpers import (
    Diagnostics,
    NodeProcess,
    image,
    refusals,
    rss_mb,
    set_parameter,
    stamp_of,
    standin_landmark_model,
    wait_matched,
)
from sensor_msgs.msg import Image

from eye_expression_driver.ros.node_params import TRACKER_PARAMS

pytestmark = pytest.mark.ros

W, H = 64, 48
GOOD = bytes(image().data)


def mono16_be() -> bytes:
    return (np.arange(W * H, dtype=np.uint16) * 13).astype(">u2").tobytes()


def float_nan_inf() -> bytes:
    values = np.linspace(0, 1, W * H, dtype=np.float32)
    values[::7], values[::11] = np.nan, np.inf
    return values.tobytes()


# (label, the key its problem is counted under, image keywords)
MALFORMED = [
    ("unknown encoding", "malformed unknown_encoding", {"encoding": "grey9"}),
    ("unsupported encoding", "malformed unsupported_encoding", {"encoding": "bayer_rggb8"}),
    ("step smaller than a row", "malformed step_too_small", {"step": W - 1,
                                                             "data": bytes((W - 1) * H)}),
    ("data shorter than step x height", "malformed data_short", {"data": GOOD[:-1]}),
    ("data longer than step x height", "malformed data_long", {"data": GOOD + b"\0"}),
    ("zero width", "malformed zero_size", {"width": 0, "step": 0, "data": b""}),
    # 64 MB do not cross best-effort DDS intact; the size is refused before the data is read
    ("very large frame", "malformed too_large", {"width": 8000, "height": 8000, "step": 8000,
                                                 "data": bytes(8000)}),
]
ODD = [  # decodable but odd: processed (an observation comes back), some counted
    ("1x1", "too small", {"width": 1, "height": 1, "step": 1, "data": b"\x80"}),
    ("all black", "uniform", {"data": bytes(W * H)}),
    ("all white", "uniform", {"data": b"\xff" * (W * H)}),
    ("pure noise", None, {"data": np.random.default_rng(1).integers(
        0, 256, W * H, dtype=np.uint8).tobytes()}),
    ("mono16 big-endian", None, {"encoding": "mono16", "step": 2 * W, "bigendian": 1,
                                 "data": mono16_be()}),
    ("32FC1 with NaN and Inf", None, {"encoding": "32FC1", "step": 4 * W,
                                      "data": float_nan_inf()}),
]
LOG_WORDS = {"unknown encoding": "unknown_encoding", "unsupported encoding": "unsupported",
             "step smaller than a row": "step_too_small", "data shorter than step x height":
             "data_short", "data longer than step x height": "data_long", "zero width":
             "zero_size", "very large frame": "too_large", "1x1": "1x1 frame is too small",
             "all black": "every pixel 0", "all white": "every pixel 255"}


class TrackerRig:
    """One eye tracker process and a peer that feeds it images and listens."""

    def __init__(self, tmp_path) -> None:
        self.domain = next_domain()
        model = standin_landmark_model(tmp_path / "standin.onnx")
        self.node = NodeProcess("eye_tracker", [
            "-p", "eye:=right", "-p", f"landmark_model:={model}", "-p", "log_period:=600.0",
            "-p", "diagnostics_period:=0.2", "-p", "debug_rate:=100.0"], self.domain)
        self.peer = Peer(self.domain, "tracker_test")
        self.pub = self.peer.node.create_publisher(Image, "image_raw", qos_profile_sensor_data)
        self.observations: dict[int, EyeObservation] = {}
        self.peer.node.create_subscription(
            EyeObservation, "observation",
            lambda m: self.observations.__setitem__(stamp_of(m), m), 100)
        self.diagnostics = Diagnostics(self.peer)
        self.stamp = 1_700_000_000_000_000_000

    def next_stamp(self) -> int:
        self.stamp += 8_333_333
        return self.stamp

    def send(self, **keywords) -> int:
        stamp = self.next_stamp()
        self.pub.publish(image(stamp_ns=stamp, **keywords))
        return stamp

    def processed(self, stamp: int, timeout: float = 10.0) -> EyeObservation | None:
        self.peer.spin_until(lambda: stamp in self.observations, timeout)
        return self.observations.get(stamp)

    def good_frame_processed(self) -> bool:
        """A good frame goes through (resent if best-effort lost it)."""
        return any(self.processed(self.send(), timeout=3.0) is not None for _ in range(3))

    def counted(self, key: str, at_least: int, timeout: float = 10.0) -> bool:
        return self.peer.spin_until(
            lambda: self.diagnostics.count("eye tracker", key) >= at_least, timeout)

    def close(self) -> int:
        self.peer.close()
        return self.node.stop()


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    rig = TrackerRig(tmp_path_factory.mktemp("tracker"))
    assert wait_matched(rig.peer, rig.pub), rig.node.log()
    assert rig.good_frame_processed(), rig.node.log()
    yield rig
    assert rig.close() == 0, "the tracker must exit cleanly on SIGINT"


def test_observation_carries_the_source_stamp(rig: TrackerRig) -> None:
    stamp = rig.send()
    obs = rig.processed(stamp)
    assert obs is not None, rig.node.log()
    assert obs.header.frame_id == "eye_camera" and obs.eye == EyeObservation.RIGHT
    assert obs.backend == EyeObservation.GEOMETRIC
    assert 0 < obs.processing_time < 5.0
    assert np.isfinite(obs.landmarks_x).all() and np.isnan(obs.learned_coefficients).all()


@pytest.mark.parametrize("label,key,keywords", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_image_is_counted_logged_once_and_skipped(rig, label, key, keywords):
    before = rig.diagnostics.count("eye tracker", key)
    stamps = []
    for n in (1, 2):  # twice, one after the other (a waiting frame would be replaced)
        for _attempt in range(3):  # best effort: resend what DDS may have lost
            stamps.append(rig.send(**keywords))
            if rig.counted(key, before + n, timeout=3.0):
                break
        else:
            pytest.fail(f"{label}: not counted in diagnostics")
    assert rig.node.alive(), rig.node.log()
    assert not any(s in rig.observations for s in stamps)
    assert rig.good_frame_processed(), f"after {label}: " + rig.node.log()[-2000:]
    lines = [li for li in rig.node.log().splitlines() if LOG_WORDS[label] in li]
    assert len(lines) == 1, f"{label}: expected one throttled log line, got {lines}"


@pytest.mark.parametrize("label,key,keywords", ODD, ids=[o[0] for o in ODD])
def test_odd_image_is_processed_and_the_node_goes_on(rig, label, key, keywords):
    before = rig.diagnostics.count("eye tracker", key) if key else 0
    obs = rig.processed(rig.send(**keywords))
    assert obs is not None, f"{label}: no observation; " + rig.node.log()[-2000:]
    if key:
        assert rig.counted(key, before + 1), f"{label}: not counted"
        assert obs.confidence == 0.0
        assert len([li for li in rig.node.log().splitlines() if LOG_WORDS[label] in li]) == 1
    assert rig.good_frame_processed()


def test_burst_far_above_the_processing_rate_drops_the_oldest(rig: TrackerRig) -> None:
    big = dict(width=640, height=480, step=640, data=bytes(image(width=640, height=480).data))
    before = rig.diagnostics.count("eye tracker", "dropped")
    rss_before = rss_mb(rig.node.proc.pid)
    for _ in range(300):
        rig.send(**big)
    rig.peer.spin_for(0.3)
    last = rig.send(**big)
    obs = rig.processed(last, timeout=10.0)
    assert obs is not None and obs.processing_time < 1.0, rig.node.log()[-2000:]
    assert rig.counted("dropped", before + 1), rig.diagnostics.values("eye tracker")
    assert rig.node.alive()
    assert rss_mb(rig.node.proc.pid) - rss_before < 50, "memory must stay flat"


def test_diagnostics_report_rates_times_and_drops(rig: TrackerRig) -> None:
    rig.processed(rig.send())
    rig.peer.spin_for(0.5)
    values = rig.diagnostics.values("eye tracker")
    for key in ("images in rate (Hz)", "observations out rate (Hz)", "processing p50 (ms)",
                "processing p99 (ms)", "images in count", "dropped count"):
        assert key in values, sorted(values)
    status = next(s for n, s in rig.diagnostics.latest.items() if "eye tracker" in n)
    assert status.name.startswith("eye_tracker: ") and status.hardware_id == "eye_camera_right"


def test_debug_image_only_while_subscribed(rig: TrackerRig) -> None:
    for _ in range(5):
        assert rig.processed(rig.send()) is not None
    rig.peer.spin_for(0.5)
    assert rig.diagnostics.count("eye tracker", "debug images out") == 0
    got: list[Image] = []
    sub = rig.peer.node.create_subscription(Image, "debug_image", got.append,
                                            qos_profile_sensor_data)
    sent = []
    assert rig.peer.spin_until(lambda: bool(got), 15.0, step=lambda: sent.append(rig.send())), \
        rig.node.log()[-2000:]
    assert stamp_of(got[0]) in sent and got[0].encoding == "bgr8"
    rig.peer.node.destroy_subscription(sub)
    rig.peer.spin_for(1.0)
    for _ in range(5):
        rig.processed(rig.send())
    rig.peer.spin_for(0.5)
    settled = rig.diagnostics.count("eye tracker", "debug images out")
    for _ in range(10):
        rig.processed(rig.send())
    rig.peer.spin_for(0.5)
    assert rig.diagnostics.count("eye tracker", "debug images out") == settled


@pytest.mark.parametrize("name,value,reason", [
    ("crop", [1, 2, 3], "crop: needs 4 integers"),
    ("crop", [0, 0, -5, 10], "width and height must be >= 0"),
    ("debug_rate", 500.0, "out of range"),
    ("max_pixels", 0, "out of range"),
    ("eye", "left", "read-only"),
    ("backend", "learned", "read-only"),
])
def test_bad_parameter_is_refused_with_the_reason(rig, name, value, reason) -> None:
    result = set_parameter(rig.peer, "/eye_tracker", name, value)
    assert result is not None and not result.successful
    assert re.search(reason, result.reason), result.reason


def test_good_parameter_is_taken(rig: TrackerRig) -> None:
    result = set_parameter(rig.peer, "/eye_tracker", "crop", [8, 4, 32, 32])
    assert result is not None and result.successful, result
    obs = rig.processed(rig.send())
    assert obs is not None
    assert np.nanmin(obs.landmarks_x) >= 8 and np.nanmax(obs.landmarks_x) <= 8 + 31
    assert set_parameter(rig.peer, "/eye_tracker", "crop", [0, 0, 0, 0]).successful


@pytest.mark.parametrize("content", [None, b"this is not an onnx file"])
def test_bad_model_file_stops_start_up_naming_the_file(tmp_path, content) -> None:
    path = tmp_path / "landmarks.onnx"
    if content is not None:
        path.write_bytes(content)
    node = NodeProcess("eye_tracker", ["-p", f"landmark_model:={path}"], next_domain())
    code = node.wait_exit(30.0)
    log = node.log()
    node.stop()
    assert code == 1, log
    assert str(path) in log and "Traceback" not in log


@pytest.mark.parametrize("name,value,reason", refusals(TRACKER_PARAMS),
                         ids=[r[0] for r in refusals(TRACKER_PARAMS)])
def test_every_ranged_or_fixed_parameter_refuses(rig, name, value, reason) -> None:
    result = set_parameter(rig.peer, "/eye_tracker", name, value)
    assert result is not None and not result.successful, (name, value)
    assert reason in result.reason, result.reason
