"""Robustness of the whole graph, started as `eye-expression run` (real processes,
real DDS): image stamps jumping backwards, one eye's stream stopping and resuming, a burst
far above the processing rate (drops counted, latency bounded, memory flat), and the
learned backend refusing to start on a bad model file (the runner names it and stops).

The per-node versions of these faults are in test_coefficient_node/test_eye_tracker;
these check that the graph as a whole goes on. The landmark model is a stand-in with the
real model's interface, so the test measures the plumbing, not a trained network.
"""

from __future__ import annotations

import signal
import time

import pytest
from demo_ros_helpers import Peer
from diagnostic_msgs.msg import DiagnosticArray
from eye_expression_driver.msg import FaceExpression
from rclpy.qos import qos_profile_sensor_data
from ros_domains import next_domain
from ros_graph_helpers import (
    REPO,
    Runner,
    gone,
    image,
    rss_mb,
    stamp_of,
    standin_landmark_model,
    wait_matched,
)
from sensor_msgs.msg import Image

from eye_expression_driver.ros import graph as ros_graph

pytestmark = pytest.mark.ros
# this test plays the cameras itself: no built-in synthetic headset (where the runner has one)
NO_HEADSET = ("--source", "none") if hasattr(ros_graph, "SOURCES") else ()
PERIOD_NS = 10_000_000
W, H = 64, 48


class GraphRig:
    """The graph under `eye-expression run`, and a peer that plays both cameras."""

    def __init__(self, tmp_path) -> None:
        model = standin_landmark_model(tmp_path / "standin.onnx")
        config = tmp_path / "graph.yaml"
        config.write_text((REPO / "config" / "eye_expression.yaml").read_text()
                          .replace('landmark_model: ""', f'landmark_model: "{model}"')
                          .replace("load_profile_on_start: true", "load_profile_on_start: false")
                          .replace("diagnostics_period: 1.0", "diagnostics_period: 0.3"))
        self.domain = next_domain()
        self.runner = Runner(tmp_path, self.domain, "--config", str(config), *NO_HEADSET)
        self.peer = Peer(self.domain, "robustness_graph")
        node = self.peer.node
        self.pubs = {eye: node.create_publisher(Image, f"/{eye}/image_raw",
                                                qos_profile_sensor_data)
                     for eye in ("left", "right")}
        self.faces: dict[int, tuple[float, FaceExpression]] = {}
        self.face_sub = node.create_subscription(FaceExpression, "/face_expression",
                                                 self._on_face, 1000)
        self.counts: dict[str, dict[str, int]] = {}
        node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diag, 100)
        self.stamp = 1_750_000_000_000_000_000
        self.frame = bytes(image(width=W, height=H).data)

    def _on_face(self, msg: FaceExpression) -> None:
        self.faces[stamp_of(msg)] = (time.monotonic(), msg)

    def _on_diag(self, msg: DiagnosticArray) -> None:
        for status in msg.status:
            self.counts[status.name] = {kv.key[:-6]: int(kv.value) for kv in status.values
                                        if kv.key.endswith(" count")}

    def count(self, name_part: str, key: str) -> int:
        return sum(c.get(key, 0) for n, c in self.counts.items() if name_part in n)

    def send(self, eyes=("left", "right"), step_ns: int = PERIOD_NS) -> int:
        self.stamp += step_ns
        for eye in eyes:
            self.pubs[eye].publish(image(width=W, height=H, data=self.frame,
                                         stamp_ns=self.stamp))
        return self.stamp

    def stream(self, pairs: int, eyes=("left", "right"), period: float = 0.01) -> list[int]:
        """Paced pairs (the peer spins between them); their stamps."""
        stamps, tick = [], time.monotonic()
        for _ in range(pairs):
            stamps.append(self.send(eyes))
            tick += period
            while (left := tick - time.monotonic()) > 0:
                self.peer.executor.spin_once(timeout_sec=left)
        return stamps

    def face_for(self, stamps: list[int], timeout: float = 10.0) -> bool:
        """True once a FaceExpression carries one of these stamps."""
        return self.peer.spin_until(lambda: any(s in self.faces for s in stamps), timeout)

    def weights(self, stamp: int) -> dict[str, tuple[float, float]]:
        msg = self.faces[stamp][1]
        return {n: (w, c) for n, w, c in zip(msg.names, msg.weights, msg.confidences,
                                             strict=True)}

    def alive(self) -> bool:
        return self.runner.proc.poll() is None and \
            len(self.runner.children()) == len(ros_graph.graph(source="none"))


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    rig = GraphRig(tmp_path_factory.mktemp("graph"))
    try:
        assert rig.runner.wait_started(), rig.runner.log()
        assert all(wait_matched(rig.peer, p) for p in rig.pubs.values()), rig.runner.log()
        assert rig.peer.spin_until(lambda: rig.face_sub.get_publisher_count() > 0, 20.0)
        assert rig.peer.spin_until(lambda: bool(rig.faces), 30.0, step=rig.send), \
            rig.runner.log()[-3000:]  # sent until the whole chain is connected
        yield rig
    finally:
        rig.peer.close()
        children = rig.runner.children()
        code = rig.runner.stop(signal.SIGINT)
        assert code == 0, rig.runner.log()[-3000:]
        assert gone(children), "node processes left behind"


def test_stamps_jumping_backwards_keep_the_faces_coming(rig: GraphRig) -> None:
    jumps = rig.count("coefficient_node", "stamp jumps")
    rig.stream(10)
    rig.stamp -= 10_000_000_000  # 10 s back, as a camera driver restarting its clock
    later = rig.stream(30)
    assert rig.face_for(later[-10:]), rig.runner.log()[-3000:]
    assert rig.peer.spin_until(
        lambda: rig.count("coefficient_node", "stamp jumps") > jumps, 5.0), rig.counts
    assert rig.alive()


def test_one_eye_stops_then_resumes_through_the_graph(rig: GraphRig) -> None:
    rig.stream(20)
    alone = rig.stream(100, eyes=("left",))  # 1 s: twice the coefficient node's eye timeout
    assert rig.face_for(alone[-30:]), "faces must go on with one eye: " + rig.runner.log()[-2000:]
    late = [s for s in alone[-30:] if s in rig.faces]
    for stamp in late:
        weights = rig.weights(stamp)
        assert weights["eyeBlinkRight"][1] == 0.0 and weights["eyeBlinkLeft"][1] > 0.0
    back = rig.stream(40)
    assert rig.face_for(back[-10:]), rig.runner.log()[-2000:]
    resumed = [s for s in back[-10:] if s in rig.faces]
    assert all(rig.weights(s)["eyeBlinkRight"][1] > 0.0 for s in resumed)
    assert "right eye back" in rig.runner.log()


def test_a_burst_far_above_the_processing_rate_is_absorbed(rig: GraphRig) -> None:
    rig.stream(20)
    rig.peer.spin_for(1.0)
    rss = {pid: rss_mb(pid) for pid in rig.runner.children()}
    dropped = rig.count("eye_tracker", "dropped")
    started = time.monotonic()
    for _ in range(600):  # back to back: thousands of pairs per second
        rig.send()
    burst = time.monotonic() - started
    after = rig.stream(20, period=0.02)  # paced again: these must come through promptly
    assert rig.face_for(after[-10:], timeout=10.0), rig.runner.log()[-3000:]
    delays = [rig.faces[s][0] - started - burst for s in after if s in rig.faces]
    assert delays and min(delays) < 2.0, delays  # latency bounded: no backlog
    assert rig.peer.spin_until(lambda: rig.count("eye_tracker", "dropped") > dropped, 5.0), \
        rig.counts  # the drops are counted
    assert rig.alive()
    grown = {pid: rss_mb(pid) - before for pid, before in rss.items()}
    assert all(g < 30.0 for g in grown.values()), f"memory must stay flat: {grown}"


def test_learned_backend_with_a_bad_model_stops_naming_the_file(tmp_path) -> None:
    pytest.importorskip("eye_expression_driver.vision.coefficient_model")
    bad = tmp_path / "coefficients.onnx"
    bad.write_text("not a model\n")
    config = tmp_path / "learned.yaml"
    config.write_text((REPO / "config" / "eye_expression.yaml").read_text().replace(
        'coefficient_model: ""', f'coefficient_model: "{bad}"'))
    with Runner(tmp_path, next_domain(), "--config", str(config), "--backend", "learned",
                *NO_HEADSET) as runner:
        code = runner.proc.wait(60.0)
    log = runner.log()
    assert code == 1, log
    assert str(bad) in log and "eye_tracker exited with 1" in log
    assert "Traceback" not in log
