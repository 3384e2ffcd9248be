"""End to end over real DDS: the first 12 s of the synthetic camera's demo session (saccades
in four directions, then a pursuit circle, blinks and a wink of each eye) stream into the
graph started by `eye-expression run`; the FaceExpression that comes out has eyeBlink* high
during ground-truth blinks and low outside them, eyeLook* following the ground-truth gaze,
and the source images' stamps. The frames are rendered while the graph starts.

Needs the shipped landmark model (vision.eye_features.DEFAULT_MODEL); skipped without it.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

import numpy as np
import pytest
from demo_ros_helpers import Peer
from eye_expression_driver.msg import FaceExpression
from rclpy.qos import qos_profile_sensor_data
from ros_domains import next_domain
from ros_graph_helpers import REPO, Runner, image, stamp_of, wait_matched
from sensor_msgs.msg import Image

from eye_expression_driver.demo.session import script_demo_session
from eye_expression_driver.ros.qos import RELIABLE
from eye_expression_driver.synth.sequence import generate_sequence
from eye_expression_driver.vision.eye_features import DEFAULT_MODEL

pytestmark = [
    pytest.mark.ros, pytest.mark.slow,
    pytest.mark.skipif(not DEFAULT_MODEL.is_file(),
                       reason=f"no shipped landmark model yet ({DEFAULT_MODEL})"),
]
SEED, SECONDS, FPS, SIZE = 3, 12.0, 30.0, (200, 160)
PUBLISH_HZ = 60.0  # faster than the sequence's own rate; stamps keep the sequence's timing
BASE_NS = 1_750_000_000_000_000_000
WARM_UP = 1 / 3  # the first third calibrates; the rest is judged


@dataclass
class Truth:
    stamps: list[int]
    openness: dict[str, np.ndarray]
    blinking: dict[str, np.ndarray]
    yaw: dict[str, np.ndarray]
    pitch: dict[str, np.ndarray]


def render() -> tuple[list, Truth]:
    frames = list(generate_sequence(SEED, SECONDS, FPS, SIZE, scripter=script_demo_session))
    stamps = [BASE_NS + round(f.t * 1e9) for f in frames]

    def per_eye(field: str) -> dict[str, np.ndarray]:
        return {eye: np.array([getattr(getattr(f, f"{eye}_truth"), field) for f in frames])
                for eye in ("left", "right")}

    return frames, Truth(stamps, per_eye("openness"), per_eye("blinking"), per_eye("yaw"),
                         per_eye("pitch"))


def graph_config(tmp_path) -> str:
    text = (REPO / "config" / "eye_expression.yaml").read_text()
    text = text.replace("min_samples: 120", "min_samples: 60")
    text = text.replace("load_profile_on_start: true", "load_profile_on_start: false")
    path = tmp_path / "e2e.yaml"
    path.write_text(text)
    return str(path)


def stream(tmp_path) -> tuple[Truth, dict[int, FaceExpression], str]:
    domain = next_domain()
    runner = Runner(tmp_path, domain, "--config", graph_config(tmp_path))
    frames, truth = render()  # while the graph starts
    peer = Peer(domain, "e2e_camera")
    faces: dict[int, FaceExpression] = {}
    try:
        assert runner.wait_started(), runner.log()
        pubs = {eye: peer.node.create_publisher(Image, f"/{eye}/image_raw",
                                                qos_profile_sensor_data)
                for eye in ("left", "right")}
        peer.node.create_subscription(FaceExpression, "/face_expression",
                                      lambda m: faces.__setitem__(stamp_of(m), m), RELIABLE)
        assert all(wait_matched(peer, p) for p in pubs.values()), runner.log()
        peer.spin_for(1.0)  # the trackers' observation publishers reach the coefficient node
        for frame, stamp in zip(frames, truth.stamps, strict=True):
            for eye, picture in frame.images().items():
                height, width = picture.shape
                pubs[eye].publish(image(width=width, height=height, data=picture.tobytes(),
                                        stamp_ns=stamp))
            peer.spin_for(1.0 / PUBLISH_HZ)
        peer.spin_until(lambda: truth.stamps[-1] in faces, 5.0)
    finally:
        peer.close()
        code = runner.stop(signal.SIGINT)
    assert code == 0, runner.log()[-3000:]
    return truth, faces, runner.log()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return stream(tmp_path_factory.mktemp("e2e"))


def weights(faces: dict[int, FaceExpression], stamps: list[int], name: str,
            field: str = "weights") -> np.ndarray:
    """The weight (or confidence) of name at each stamp (NaN where no FaceExpression came)."""
    out = np.full(len(stamps), np.nan)
    for i, stamp in enumerate(stamps):
        face = faces.get(stamp)
        if face is not None and len(getattr(face, field)):
            out[i] = getattr(face, field)[list(face.names).index(name)]
    return out


def judged(truth: Truth) -> slice:
    return slice(int(len(truth.stamps) * WARM_UP), None)


def test_stamps_are_the_source_stamps(run) -> None:
    truth, faces, log = run
    stamped = [s for s in faces if s >= BASE_NS]
    assert len(stamped) >= 0.6 * len(truth.stamps), f"{len(stamped)} faces; {log[-2000:]}"
    assert set(stamped) <= set(truth.stamps)


@pytest.mark.parametrize("eye", ["left", "right"])
def test_blink_weight_follows_ground_truth_blinks(run, eye: str) -> None:
    truth, faces, _ = run
    part = judged(truth)
    blink = weights(faces, truth.stamps, f"eyeBlink{eye.title()}")[part]
    openness = truth.openness[eye][part]
    have = np.isfinite(blink)
    closed = have & (openness < 0.2)
    open_ = have & (openness > 0.8) & ~truth.blinking[eye][part]
    assert closed.sum() >= 5 and open_.sum() >= 50
    assert np.mean(blink[closed] > 0.5) >= 0.8, f"closed frames: {np.round(blink[closed], 2)}"
    assert np.mean(blink[open_] < 0.3) >= 0.9


@pytest.mark.parametrize("eye", ["left", "right"])
def test_look_weights_follow_ground_truth_gaze(run, eye: str) -> None:
    """Judged where the graph is confident of the gaze: the method holds the gaze (and says
    so with a low confidence) while the lid covers the pupil, e.g. looking far down."""
    truth, faces, _ = run
    part = judged(truth)
    side = eye.title()
    look = {d: weights(faces, truth.stamps, f"eyeLook{d}{side}")[part]
            for d in ("Up", "Down", "In", "Out")}
    confidence = weights(faces, truth.stamps, f"eyeLookUp{side}", "confidences")[part]
    horizontal, vertical = look["Out"] - look["In"], look["Up"] - look["Down"]
    sure = np.isfinite(horizontal) & (confidence >= 0.5)
    assert sure.sum() >= 50, f"only {sure.sum()} frames with a confident gaze"
    r_yaw = np.corrcoef(horizontal[sure], truth.yaw[eye][part][sure])[0, 1]
    r_pitch = np.corrcoef(vertical[sure], truth.pitch[eye][part][sure])[0, 1]
    assert r_yaw >= 0.6, f"eyeLookOut-In vs yaw: r = {r_yaw:.2f}"
    assert r_pitch >= 0.5, f"eyeLookUp-Down vs pitch: r = {r_pitch:.2f}"
