"""Messages <-> the plain values of ``core``: images, observations, coefficients, faces.

Stamps travel as integer nanoseconds so an output's stamp equals its source's exactly.
cv_bridge is optional: the package decodes the encodings eye cameras use itself (with
full checks); cv_bridge, when installed, only adds encodings the own decoder lacks.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
from builtin_interfaces.msg import Time
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from eye_expression_driver.core.binocular import BinocularResult, EyeInput
from eye_expression_driver.core.calibration import Thresholds
from eye_expression_driver.core.eye_coefficients import EyeResult
from eye_expression_driver.core.eye_tracking import Observation
from eye_expression_driver.media.image_decode import (
    DEFAULT_MAX_PIXELS,
    ImageDecodeError,
    decode_message,
)
from eye_expression_driver.msg import (
    EyeCalibration,
    EyeCoefficients,
    EyeObservation,
    EyeState,
)

try:  # optional; PyPI's cv_bridge does not load with numpy 2
    from cv_bridge import CvBridge
except Exception:
    CvBridge = None

EYE_CODES = {"left": EyeObservation.LEFT, "right": EyeObservation.RIGHT}
_bridge = None


def message_class(msgtype: str) -> type:
    """'sensor_msgs/msg/Image' -> the generated Python class; ImportError/AttributeError else."""
    package, kind, name = msgtype.split("/")
    return getattr(importlib.import_module(f"{package}.{kind}"), name)


def stamp_ns(header: Header) -> int:
    return int(header.stamp.sec) * 1_000_000_000 + int(header.stamp.nanosec)


def to_time(ns: int) -> Time:
    return Time(sec=int(ns // 1_000_000_000), nanosec=int(ns % 1_000_000_000))


def image_to_grey(msg: Image, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A sensor_msgs/Image as a grey array; raises ImageDecodeError for a bad frame."""
    try:
        return decode_message(msg, max_pixels)
    except ImageDecodeError as exc:
        if exc.kind != "unsupported_encoding" or CvBridge is None:
            raise
    return _cv_bridge_grey(msg)


def _cv_bridge_grey(msg: Image) -> np.ndarray:
    """cv_bridge's conversion for encodings the own decoder does not handle."""
    global _bridge
    _bridge = _bridge or CvBridge()
    try:
        return _bridge.imgmsg_to_cv2(msg, desired_encoding="mono8")
    except Exception as exc:
        raise ImageDecodeError("cv_bridge", f"cv_bridge cannot convert: {exc}") from exc


def observation_msg(obs: Observation, header: Header, eye: str, learned_backend: bool,
                    processing_time: float) -> EyeObservation:
    landmarks = np.asarray(obs.landmarks, dtype=np.float32)
    return EyeObservation(
        header=header, eye=EYE_CODES[eye],
        backend=EyeObservation.LEARNED if learned_backend else EyeObservation.GEOMETRIC,
        landmarks_x=landmarks[:, 0], landmarks_y=landmarks[:, 1],
        pupil_x=float(obs.pupil[0]), pupil_y=float(obs.pupil[1]),
        eye_width=float(obs.eye_width), eyelid_distance=float(obs.eyelid_distance),
        pupil_offset_x=float(obs.pupil_offset[0]), pupil_offset_y=float(obs.pupil_offset[1]),
        confidence=float(obs.confidence), pupil_confidence=float(obs.pupil_confidence),
        learned_coefficients=np.asarray(obs.learned, dtype=np.float32),
        processing_time=float(processing_time),
    )


def eye_input(msg: EyeObservation) -> EyeInput:
    learned = tuple(float(v) for v in msg.learned_coefficients)
    return EyeInput(
        stamp_ns=stamp_ns(msg.header), eyelid_distance=float(msg.eyelid_distance),
        pupil_offset=(float(msg.pupil_offset_x), float(msg.pupil_offset_y)),
        confidence=_unit(msg.confidence), pupil_confidence=_unit(msg.pupil_confidence),
        learned=learned if all(map(math.isfinite, learned)) else None,
    )


def _unit(value: float) -> float:
    """A confidence from the wire: NaN counts as 0, the rest is clipped to 0..1."""
    return float(np.clip(value, 0.0, 1.0)) if math.isfinite(value) else 0.0


def eye_state(result: EyeResult) -> EyeState:
    return EyeState(
        look_up=result.look_up, look_down=result.look_down, look_in=result.look_in,
        look_out=result.look_out, blink=result.blink, wide=result.wide,
        blink_confidence=result.blink_confidence, gaze_confidence=result.gaze_confidence,
        eyelid_distance=result.eyelid_distance, calibrated=bool(result.calibrated),
    )


def eye_result(state: EyeState) -> EyeResult:
    return EyeResult(
        look_up=state.look_up, look_down=state.look_down, look_in=state.look_in,
        look_out=state.look_out, blink=state.blink, wide=state.wide,
        blink_confidence=state.blink_confidence, gaze_confidence=state.gaze_confidence,
        eyelid_distance=state.eyelid_distance, calibrated=state.calibrated,
    )


def coefficients_msg(result: BinocularResult, frame_id: str = "") -> EyeCoefficients:
    return EyeCoefficients(
        header=Header(stamp=to_time(result.stamp_ns), frame_id=frame_id),
        source=EyeCoefficients.LEARNED if result.learned else EyeCoefficients.GEOMETRIC,
        left=eye_state(result.left), right=eye_state(result.right),
    )


def calibration_msg(th: Thresholds, frozen: bool) -> EyeCalibration:
    return EyeCalibration(
        ready=bool(th.ready), frozen=bool(frozen), sample_count=int(th.sample_count),
        window_seconds=float(th.window_span), d_min=float(th.d_min), d_max=float(th.d_max),
        centre_x=float(th.centre[0]), centre_y=float(th.centre[1]),
        gaze_min=np.asarray(th.gaze_min, dtype=np.float32),
        gaze_max=np.asarray(th.gaze_max, dtype=np.float32),
    )
