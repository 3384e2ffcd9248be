"""coefficient_node as a real process over real DDS, fed EyeObservations by a test peer:
pairing and stamps, one eye stopping and resuming, stamps jumping back, calibration
services (save, reset, load, look straight, failures with reasons), refused parameters."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
from demo_ros_helpers import Peer
from eye_expression_driver.msg import CalibrationState, EyeCoefficients, EyeObservation
from eye_expression_driver.srv import ProfileFile
from ros_domains import next_domain
from ros_graph_helpers import NodeProcess, call, refusals, set_parameter, stamp_of, wait_matched
from std_srvs.srv import Trigger

from eye_expression_driver.core.names import EYES
from eye_expression_driver.ros.conversions import to_time
from eye_expression_driver.ros.node_params import COEFFICIENT_PARAMS
from eye_expression_driver.ros.qos import RELIABLE

pytestmark = pytest.mark.ros
PERIOD_NS = 10_000_000  # 100 Hz


def observation(eye: str, stamp_ns: int, d: float, offset=(0.02, 0.01)) -> EyeObservation:
    msg = EyeObservation(eye=EyeObservation.LEFT if eye == "left" else EyeObservation.RIGHT,
                         eyelid_distance=d, pupil_offset_x=offset[0], pupil_offset_y=offset[1],
                         confidence=0.95, pupil_confidence=0.9 if d > 0.1 else 0.1,
                         eye_width=40.0)
    msg.learned_coefficients = np.full(5, np.nan, np.float32)
    msg.header.stamp = to_time(stamp_ns)
    return msg


def blink_d(i: int) -> float:
    return 0.02 if i % 25 in (10, 11, 12) else 0.3


class CoefficientRig:
    def __init__(self, profile: str) -> None:
        self.domain = next_domain()
        self.node = NodeProcess("coefficient_node", [
            "-p", "min_samples:=30", "-p", "eye_timeout:=0.3", "-p", "calibration_rate:=10.0",
            "-p", f"profile_path:={profile}", "-p", "load_profile_on_start:=false",
            "-p", "diagnostics_period:=0.2"], self.domain)
        self.peer = Peer(self.domain, "coefficient_test")
        node = self.peer.node
        self.pubs = {eye: node.create_publisher(EyeObservation, f"{eye}/observation",
                                                RELIABLE) for eye in EYES}
        self.out: dict[int, EyeCoefficients] = {}
        self.arrivals: list[tuple[float, EyeCoefficients]] = []
        self.sub = node.create_subscription(EyeCoefficients, "coefficients", self._on, 200)
        self.calibration: list[CalibrationState] = []
        node.create_subscription(CalibrationState, "calibration_state",
                                 self.calibration.append, 10)
        self.stamp = 1_000_000_000_000

    def _on(self, msg: EyeCoefficients) -> None:
        self.out[stamp_of(msg)] = msg
        self.arrivals.append((time.monotonic(), msg))

    def feed(self, frames: int, eyes=("left", "right"), d=blink_d, offset=(0.02, 0.01),
             step_ns: int = PERIOD_NS) -> list[int]:
        """Publish frames of these eyes at ~100 Hz; their stamps."""
        stamps = []
        tick = time.monotonic()
        for i in range(frames):
            self.stamp += step_ns
            for eye in eyes:
                self.pubs[eye].publish(observation(eye, self.stamp, d(i), offset))
            stamps.append(self.stamp)
            tick += 0.01
            while (left := tick - time.monotonic()) > 0:  # take in what arrives meanwhile
                self.peer.executor.spin_once(timeout_sec=left)
        return stamps

    def wait_for(self, stamp: int, timeout: float = 10.0) -> EyeCoefficients | None:
        self.peer.spin_until(lambda: stamp in self.out, timeout)
        return self.out.get(stamp)

    def trigger(self, name: str):
        return call(self.peer, Trigger, name, Trigger.Request())

    def profile(self, name: str, path: str = ""):
        return call(self.peer, ProfileFile, name, ProfileFile.Request(path=path))

    def latest_calibration(self) -> CalibrationState:
        self.calibration.clear()
        assert self.peer.spin_until(lambda: bool(self.calibration), 5.0)
        return self.calibration[-1]


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    rig = CoefficientRig(str(tmp_path_factory.mktemp("profile") / "user.json"))
    assert all(wait_matched(rig.peer, p) for p in rig.pubs.values()), rig.node.log()
    assert rig.peer.spin_until(lambda: rig.sub.get_publisher_count() > 0, 20.0)
    yield rig
    rig.peer.close()
    assert rig.node.stop() == 0


def test_pairs_become_coefficients_with_the_source_stamps(rig: CoefficientRig) -> None:
    stamps = rig.feed(100)
    last = rig.wait_for(stamps[-1])
    assert last is not None, rig.node.log()
    received = [rig.out[s] for s in stamps if s in rig.out]
    missing = [i for i, s in enumerate(stamps) if s not in rig.out]
    # keep-last-10 QoS may drop a few while this test process is busy publishing
    assert len(received) >= 90, f"pairs lost: {missing}; {rig.node.log()[-1500:]}"
    blinks = [m.left.blink for m in received if m.left.blink_confidence > 0]
    assert max(blinks) > 0.8 and min(blinks) < 0.2
    assert last.source == EyeCoefficients.GEOMETRIC
    assert last.left.blink_confidence > 0 and last.right.blink_confidence > 0


def test_one_eye_stops_then_resumes(rig: CoefficientRig) -> None:
    rig.feed(10)
    alone = rig.feed(60, eyes=("left",))  # 0.6 s, twice the eye timeout
    rig.peer.spin_for(0.5)
    late = [rig.out[s] for s in alone[-20:] if s in rig.out]
    assert late, "outputs must go on with one eye"
    assert all(m.right.blink_confidence == 0 and m.right.gaze_confidence == 0 for m in late)
    assert all(m.left.blink_confidence > 0 for m in late)
    back = rig.feed(20)
    last = rig.wait_for(back[-1])
    assert last is not None and last.right.blink_confidence > 0
    assert rig.peer.spin_until(lambda: "right eye back" in rig.node.log(), 3.0)
    assert "right eye lost" in rig.node.log()


def test_nonsense_observations_do_not_stop_it(rig: CoefficientRig) -> None:
    rig.stamp += PERIOD_NS
    bad = observation("left", rig.stamp, float("nan"), (float("nan"), float("inf")))
    bad.confidence, bad.pupil_confidence, bad.eye = float("nan"), 7.0, 9
    rig.pubs["left"].publish(bad)
    rig.pubs["right"].publish(observation("right", rig.stamp, 0.3))
    out = rig.wait_for(rig.stamp)
    assert out is not None and out.left.blink_confidence == 0.0
    assert "says eye=9" in rig.node.log()
    assert rig.wait_for(rig.feed(3)[-1]) is not None


def test_stamps_jumping_backwards_restart_pairing(rig: CoefficientRig) -> None:
    rig.feed(10)
    rig.stamp -= 5_000_000_000
    stamps = rig.feed(10)
    assert rig.wait_for(stamps[-1]) is not None, rig.node.log()[-2000:]


def test_calibration_services(rig: CoefficientRig, tmp_path) -> None:
    assert rig.trigger("reset_calibration").success
    assert not rig.latest_calibration().left.ready
    refused = rig.profile("save_profile")
    assert not refused.success and "warming up" in refused.message
    rig.wait_for(rig.feed(80)[-1])
    state = rig.latest_calibration()
    assert state.left.ready and state.right.ready and state.left.sample_count >= 30
    path = tmp_path / "me.json"
    saved = rig.profile("save_profile", str(path))
    assert saved.success, saved.message
    assert json.loads((tmp_path / "me.left.json").read_text())["thresholds"]["ready"]
    assert rig.trigger("reset_calibration").success
    assert not rig.latest_calibration().left.ready
    loaded = rig.profile("load_profile", str(path))
    assert loaded.success, loaded.message
    assert rig.latest_calibration().right.ready


def test_profile_failures_say_why(rig: CoefficientRig, tmp_path) -> None:
    missing = rig.profile("load_profile", str(tmp_path / "nobody.json"))
    assert not missing.success and "nobody.left.json" in missing.message
    (tmp_path / "bad.left.json").write_text("{ not json")
    (tmp_path / "bad.right.json").write_text("{}")
    corrupt = rig.profile("load_profile", str(tmp_path / "bad.json"))
    assert not corrupt.success and "not valid JSON" in corrupt.message
    rig.wait_for(rig.feed(40)[-1])
    blocked = tmp_path / "file"
    blocked.write_text("")
    unwritable = rig.profile("save_profile", str(blocked / "sub" / "p.json"))
    assert not unwritable.success and unwritable.message
    assert rig.node.alive()


def test_look_straight_sets_both_centres(rig: CoefficientRig) -> None:
    rig.wait_for(rig.feed(5, d=lambda i: 0.3, offset=(0.07, -0.03))[-1])
    answer = rig.trigger("look_straight")
    assert answer.success, answer.message
    state = rig.latest_calibration()
    assert state.left.centre_x == pytest.approx(0.07, abs=1e-6)
    assert state.right.centre_y == pytest.approx(-0.03, abs=1e-6)


@pytest.mark.parametrize("name,value,reason", [
    ("slop", 5.0, "out of range"),
    ("queue_size", 0, "out of range"),
    ("eye_timeout", 0.0, "out of range"),
    ("d_min_percentile", 60.0, "read-only"),
])
def test_bad_parameter_is_refused_with_the_reason(rig, name, value, reason) -> None:
    result = set_parameter(rig.peer, "/coefficient_node", name, value)
    assert result is not None and not result.successful
    assert re.search(reason, result.reason), result.reason


def test_good_parameter_is_taken(rig: CoefficientRig) -> None:
    assert set_parameter(rig.peer, "/coefficient_node", "slop", 0.002).successful
    assert rig.wait_for(rig.feed(3)[-1]) is not None


def test_bad_start_up_values_and_profiles(tmp_path) -> None:
    (tmp_path / "p.left.json").write_text("[]")
    domain = next_domain()
    refused = NodeProcess("coefficient_node", ["-p", "d_min_percentile:=70.0"], domain)
    corrupt = NodeProcess("coefficient_node", ["-p", f"profile_path:={tmp_path / 'p.json'}",
                                               "-r", "__node:=second"], domain)
    assert refused.wait_exit(30.0) == 1
    assert "d_min_percentile < d_max_percentile" in refused.log()
    time.sleep(1.0)
    deadline = time.monotonic() + 20.0
    while "warming up" not in corrupt.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert corrupt.alive() and "profile not used" in corrupt.log(), corrupt.log()
    refused.stop()
    assert corrupt.stop() == 0


@pytest.mark.parametrize("name,value,reason", refusals(COEFFICIENT_PARAMS),
                         ids=[r[0] for r in refusals(COEFFICIENT_PARAMS)])
def test_every_ranged_or_fixed_parameter_refuses(rig, name, value, reason) -> None:
    result = set_parameter(rig.peer, "/coefficient_node", name, value)
    assert result is not None and not result.successful, (name, value)
    assert reason in result.reason, result.reason
