"""The learned backend through the whole graph: `eye-expression run --backend learned`; the
trackers publish the model's coefficients and features, the coefficient node passes the
coefficients on marked LEARNED while its session statistics warm up, and the avatar bridge
writes them into the face (the model here is a stand-in with the real model's interface and
fixed outputs, so the test checks the wiring)."""

from __future__ import annotations

import signal

import pytest
from demo_ros_helpers import Peer
from eye_expression_driver.msg import EyeCoefficients, EyeObservation, FaceExpression
from rclpy.qos import qos_profile_sensor_data
from ros_domains import next_domain
from ros_graph_helpers import (
    REPO,
    Runner,
    image,
    stamp_of,
    standin_coefficient_model,
    wait_matched,
)
from sensor_msgs.msg import Image

from eye_expression_driver.ros.qos import RELIABLE

pytest.importorskip("eye_expression_driver.vision.coefficient_model",
                    reason="the learned model runtime is not in this build")
pytestmark = pytest.mark.ros
LEARNED = (0.1, 0.2, 0.3, 0.4, 0.7)  # up, down, in, out, blink


def test_learned_backend_drives_the_face(tmp_path) -> None:
    model = standin_coefficient_model(tmp_path / "coefficients.onnx", LEARNED, 0.9)
    config = tmp_path / "learned.yaml"
    config.write_text((REPO / "config" / "eye_expression.yaml").read_text().replace(
        'coefficient_model: ""', f'coefficient_model: "{model}"'))
    domain = next_domain()
    with Runner(tmp_path, domain, "--config", str(config), "--backend", "learned") as runner:
        peer = Peer(domain, "learned_test")
        try:
            assert runner.wait_started(), runner.log()
            pubs = [peer.node.create_publisher(Image, f"/{eye}/image_raw",
                                               qos_profile_sensor_data)
                    for eye in ("left", "right")]
            faces: list[FaceExpression] = []
            coefficients: list[EyeCoefficients] = []
            peer.node.create_subscription(FaceExpression, "/face_expression", faces.append,
                                          RELIABLE)
            peer.node.create_subscription(EyeCoefficients, "/coefficients", coefficients.append,
                                          RELIABLE)
            observations: list[EyeObservation] = []
            peer.node.create_subscription(EyeObservation, "/right/observation",
                                          observations.append, RELIABLE)
            assert all(wait_matched(peer, p) for p in pubs), runner.log()
            sent: list[int] = []

            def send() -> None:
                sent.append(1_900_000_000_000_000_000 + len(sent) * 10_000_000)
                for pub in pubs:
                    pub.publish(image(stamp_ns=sent[-1]))
                peer.spin_for(0.02)

            assert peer.spin_until(lambda: len(faces) >= 2, 30.0, step=send), \
                runner.log()[-3000:]
        finally:
            peer.close()
        assert runner.stop(signal.SIGINT) == 0, runner.log()[-3000:]
    face = faces[-1]
    assert stamp_of(face) in sent
    weights = dict(zip(face.names, face.weights, strict=True))
    assert weights["eyeBlinkLeft"] == pytest.approx(0.7, abs=1e-5)
    assert weights["eyeLookOutRight"] == pytest.approx(0.4, abs=1e-5)
    assert weights["eyeLookUpLeft"] == pytest.approx(0.1, abs=1e-5)
    assert coefficients and coefficients[-1].source == EyeCoefficients.LEARNED
    assert coefficients[-1].left.blink_confidence == pytest.approx(0.9, abs=1e-5)
    assert observations, "no observation of the right eye"
    obs = observations[-1]
    assert obs.backend == EyeObservation.LEARNED
    assert (obs.pupil_offset_x, obs.pupil_offset_y, obs.eyelid_distance) == pytest.approx(
        (0.05, -0.02, 0.28), abs=1e-6)
    assert obs.pupil_confidence == pytest.approx(0.9 * 0.5, abs=1e-5)  # present x visible
