"""avatar_bridge as a real process over real DDS: eye weights into the template with the
source stamp, another input merged by priority, stale inputs easing back to neutral,
malformed inputs skipped, refused parameters, a bad template at start-up."""

from __future__ import annotations

import re

import pytest
from demo_ros_helpers import Peer
from eye_expression_driver.msg import EyeCoefficients, FaceExpression
from ros_domains import next_domain
from ros_graph_helpers import (
    Diagnostics,
    NodeProcess,
    refusals,
    set_parameter,
    stamp_of,
    wait_matched,
)

from eye_expression_driver.core.blendshapes import ARKIT52
from eye_expression_driver.ros.conversions import to_time
from eye_expression_driver.ros.node_params import BRIDGE_PARAMS
from eye_expression_driver.ros.qos import RELIABLE

pytestmark = pytest.mark.ros


def coefficients(stamp_ns: int, blink_left: float, look_up_right: float) -> EyeCoefficients:
    msg = EyeCoefficients()
    msg.header.stamp = to_time(stamp_ns)
    msg.left.blink, msg.left.blink_confidence, msg.left.gaze_confidence = blink_left, 0.9, 0.8
    msg.right.look_up, msg.right.blink_confidence, msg.right.gaze_confidence = \
        look_up_right, 0.7, 0.6
    return msg


def face(names, weights, stamp_ns: int = 5) -> FaceExpression:
    msg = FaceExpression(schema="arkit52", names=list(names), weights=list(weights))
    msg.header.stamp = to_time(stamp_ns)
    return msg


class BridgeRig:
    def __init__(self) -> None:
        self.domain = next_domain()
        self.node = NodeProcess("avatar_bridge", [
            "-p", "input_topics:=[mouth/face_expression]", "-p", "input_priorities:=[10.0]",
            "-p", "stale_after:=0.3", "-p", "ease_time:=0.3", "-p", "idle_rate:=20.0",
            "-p", "diagnostics_period:=0.2", "-p", "log_period:=600.0"], self.domain)
        self.peer = Peer(self.domain, "bridge_test")
        node = self.peer.node
        self.eyes = node.create_publisher(EyeCoefficients, "coefficients", RELIABLE)
        self.mouth = node.create_publisher(FaceExpression, "mouth/face_expression", RELIABLE)
        self.faces: list[FaceExpression] = []
        node.create_subscription(FaceExpression, "face_expression", self.faces.append, 100)
        self.diagnostics = Diagnostics(self.peer)

    def latest_with(self, stamp_ns: int, timeout: float = 10.0) -> FaceExpression | None:
        match = lambda: [f for f in self.faces if stamp_of(f) == stamp_ns]  # noqa: E731
        self.peer.spin_until(lambda: bool(match()), timeout)
        found = match()
        return found[-1] if found else None


def weight(msg: FaceExpression, name: str) -> float:
    return msg.weights[list(msg.names).index(name)]


@pytest.fixture(scope="module")
def rig():
    rig = BridgeRig()
    assert wait_matched(rig.peer, rig.eyes) and wait_matched(rig.peer, rig.mouth), rig.node.log()
    yield rig
    rig.peer.close()
    assert rig.node.stop() == 0


def test_eye_weights_fill_the_template_with_the_source_stamp(rig: BridgeRig) -> None:
    rig.eyes.publish(coefficients(1_234_567_890_123, 0.8, 0.6))
    out = rig.latest_with(1_234_567_890_123)
    assert out is not None, rig.node.log()
    assert out.schema == "arkit52" and tuple(out.names) == ARKIT52
    assert weight(out, "eyeBlinkLeft") == pytest.approx(0.8)
    assert weight(out, "eyeLookUpRight") == pytest.approx(0.6)
    assert weight(out, "jawOpen") == 0.0
    confidences = dict(zip(out.names, out.confidences, strict=True))
    assert confidences["eyeBlinkLeft"] == pytest.approx(0.9)
    assert confidences["eyeLookUpRight"] == pytest.approx(0.6)
    assert confidences["jawOpen"] == 0.0


def test_other_input_merges_by_name_and_priority(rig: BridgeRig) -> None:
    rig.eyes.publish(coefficients(2_000_000_000_000, 0.8, 0.0))
    rig.peer.spin_for(0.05)
    rig.mouth.publish(face(["jawOpen", "eyeBlinkLeft"], [0.7, 0.1], 2_000_000_000_001))
    out = rig.latest_with(2_000_000_000_001)
    assert out is not None, rig.node.log()
    assert weight(out, "jawOpen") == pytest.approx(0.7)
    assert weight(out, "eyeBlinkLeft") == pytest.approx(0.8), "eyes have the higher priority"


def test_stale_inputs_ease_back_to_neutral(rig: BridgeRig) -> None:
    rig.mouth.publish(face(["jawOpen"], [0.9], 3_000_000_000_000))
    assert rig.latest_with(3_000_000_000_000) is not None
    rig.faces.clear()
    rig.peer.spin_for(1.2)  # stale_after 0.3 + ease_time 0.3, republished at idle_rate
    jaw = [weight(f, "jawOpen") for f in rig.faces]
    assert len(jaw) >= 5, "idle frames while easing"
    assert any(0.05 < w < 0.85 for w in jaw), f"eases, does not jump: {jaw}"
    assert jaw[-1] == 0.0
    assert jaw == sorted(jaw, reverse=True)


def test_malformed_input_is_skipped_and_counted(rig: BridgeRig) -> None:
    rig.mouth.publish(face(["jawOpen", "mouthClose"], [0.5]))
    assert rig.peer.spin_until(
        lambda: rig.diagnostics.count("avatar bridge", "malformed face inputs") >= 1, 10.0)
    rig.eyes.publish(coefficients(4_000_000_000_000, 0.3, 0.0))
    assert rig.latest_with(4_000_000_000_000) is not None
    assert len([li for li in rig.node.log().splitlines() if "2 names but 1 weights" in li]) == 1


@pytest.mark.parametrize("name,value,reason", [
    ("ease_time", -1.0, "out of range"),
    ("input_priorities", [1.0, 2.0], "2 entries for 1 input_topics"),
    ("template_path", "/x.yaml", "read-only"),
])
def test_bad_parameter_is_refused_with_the_reason(rig, name, value, reason) -> None:
    result = set_parameter(rig.peer, "/avatar_bridge", name, value)
    assert result is not None and not result.successful
    assert re.search(reason, result.reason), result.reason


def test_bad_template_stops_start_up_naming_the_file(tmp_path) -> None:
    template = tmp_path / "face.yaml"
    template.write_text("schema: arkit52\nblendshapes: {eyeBlinkLeft: 2.0}\n")
    node = NodeProcess("avatar_bridge", ["-p", f"template_path:={template}"], next_domain())
    code = node.wait_exit(30.0)
    log = node.log()
    node.stop()
    assert code == 1 and str(template) in log, log


@pytest.mark.parametrize("name,value,reason", refusals(BRIDGE_PARAMS),
                         ids=[r[0] for r in refusals(BRIDGE_PARAMS)])
def test_every_ranged_or_fixed_parameter_refuses(rig, name, value, reason) -> None:
    result = set_parameter(rig.peer, "/avatar_bridge", name, value)
    assert result is not None and not result.successful, (name, value)
    assert reason in result.reason, result.reason
