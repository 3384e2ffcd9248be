"""The parameters of the graph's nodes, as data (importable without ROS).

Nodes declare these; the runner and tests check ``config/eye_expression.yaml`` against
them. Units are in ``ParamSpec.unit``; ranges are enforced on every set.
"""

from __future__ import annotations

from typing import Any

from eye_expression_driver.core.calibration import CalibrationConfig
from eye_expression_driver.core.eye_coefficients import CoefficientConfig
from eye_expression_driver.core.names import EYES
from eye_expression_driver.media.image_decode import DEFAULT_MAX_PIXELS
from eye_expression_driver.outputs.vmc import DEFAULT_PORT, check_host, parse_name_map
from eye_expression_driver.runtime.param_spec import ParamSpec, check_value
from eye_expression_driver.vision.tracker_backends import BACKENDS


def _crop_rule(value: Any) -> str | None:
    if len(value) != 4:
        return f"needs 4 integers [x, y, width, height], got {list(value)}"
    if value[2] < 0 or value[3] < 0:
        return f"width and height must be >= 0 (0 = whole image), got {list(value)}"
    return None


def reporting_params(diagnostics_period: float = 1.0) -> list[ParamSpec]:
    """The parameters every node of the package has: how often it reports on /diagnostics,
    how often it may repeat a log line, and how long an input may be silent before WARN."""
    return [
        ParamSpec("diagnostics_period", diagnostics_period,
                  "period of the DiagnosticArray on /diagnostics", "s", 0.1, 60.0),
        ParamSpec("log_period", 5.0, "at most one log line per problem kind per period",
                  "s", 0.1, 3600.0),
        ParamSpec("silence_warning", 2.0,
                  "input silent this long turns the diagnostics to WARN", "s", 0.1, 600.0),
    ]


TRACKER_PARAMS: list[ParamSpec] = [
    ParamSpec("eye", "left", "which of the wearer's eyes this camera sees", choices=EYES,
              read_only=True),
    ParamSpec("mirror", False, "the camera delivers a mirrored picture: flip it first"),
    ParamSpec("crop", [0, 0, 0, 0],
              "this eye's region [x, y, width, height] of a camera that sees both eyes; "
              "width or height 0 = the whole image", "px", check=_crop_rule),
    ParamSpec("backend", "geometric",
              "geometric: landmarks + coefficient method; learned: coefficient model",
              choices=BACKENDS, read_only=True),
    ParamSpec("landmark_model", "", "ONNX landmark/pupil model; empty = the shipped one",
              read_only=True),
    ParamSpec("coefficient_model", "", "ONNX coefficient model (learned backend); "
              "empty = the shipped one", read_only=True),
    ParamSpec("threads", 1, "inference threads of the model runtime", "", 1, 16,
              read_only=True),
    ParamSpec("max_pixels", DEFAULT_MAX_PIXELS,
              "frames with more pixels are refused as malformed", "px", 1, 1 << 28),
    ParamSpec("debug_rate", 15.0,
              "most debug_image overlays per second (only drawn while subscribed); 0 = off",
              "Hz", 0.0, 200.0),
    *reporting_params(),
]

_cal, _coef = CalibrationConfig(), CoefficientConfig()

COEFFICIENT_PARAMS: list[ParamSpec] = [
    ParamSpec("slop", 0.005, "largest stamp difference of a left/right pair", "s", 0.0, 1.0),
    ParamSpec("queue_size", 10, "observations per eye waiting for their partner", "", 1, 1000),
    ParamSpec("eye_timeout", 0.5,
              "an eye silent this long is lost: outputs go on with its confidence 0",
              "s", 0.01, 60.0),
    ParamSpec("calibration_rate", 1.0, "rate of calibration_state", "Hz", 0.01, 50.0),
    ParamSpec("profile_path", "~/.ros/eye_expression_driver/profile.json",
              "per-user profile (one file per eye beside it: .left.json, .right.json)"),
    ParamSpec("load_profile_on_start", True,
              "load the profile at start-up when its files exist"),
    # The coefficient method (docs/method.md); fixed while running.
    ParamSpec("min_confidence", _cal.min_confidence,
              "frames with lower tracker confidence are not used", "", 0.0, 1.0,
              read_only=True),
    ParamSpec("d_min_percentile", _cal.d_min_percentile,
              "percentile of d treated as closed", "%", 0.0, 100.0, read_only=True),
    ParamSpec("d_max_percentile", _cal.d_max_percentile,
              "percentile of d treated as relaxed open", "%", 0.0, 100.0, read_only=True),
    ParamSpec("gaze_min_percentile", _cal.gaze_min_percentile,
              "percentile of each direction's components for f_min", "%", 0.0, 100.0,
              read_only=True),
    ParamSpec("gaze_max_percentile", _cal.gaze_max_percentile,
              "percentile of each direction's components for f_max", "%", 0.0, 100.0,
              read_only=True),
    ParamSpec("window_seconds", _cal.window_seconds, "calibration window length", "s",
              1.0, 3600.0, read_only=True),
    ParamSpec("min_samples", _cal.min_samples, "frames before the statistics are used",
              "", 1, 100000, read_only=True),
    ParamSpec("blink_threshold", _coef.blink_threshold,
              "T of the blink constraint function", "", 0.05, 0.95, read_only=True),
    ParamSpec("smooth_gaze", _coef.smooth_gaze, "One Euro filter on the gaze coefficients",
              read_only=True),
    ParamSpec("smooth_blink", _coef.smooth_blink, "One Euro filter on the blink coefficient",
              read_only=True),
    *reporting_params(),
]


def coefficient_config(values: dict[str, Any]) -> CoefficientConfig:
    """The method's config from the coefficient node's parameter values (not validated)."""
    cal_fields = ("min_confidence", "d_min_percentile", "d_max_percentile",
                  "gaze_min_percentile", "gaze_max_percentile", "window_seconds", "min_samples")
    calibration = CalibrationConfig(**{k: values[k] for k in cal_fields})
    calibration.window_frames = max(calibration.window_frames, calibration.min_samples)
    return CoefficientConfig(
        calibration=calibration, blink_threshold=values["blink_threshold"],
        smooth_gaze=values["smooth_gaze"], smooth_blink=values["smooth_blink"],
    )


def check_coefficient_config(values: dict[str, Any]) -> str | None:
    """The method's own rules between parameters (percentile order, ...)."""
    try:
        coefficient_config(values).validate()
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


BRIDGE_PARAMS: list[ParamSpec] = [
    ParamSpec("template_path", "",
              "face template YAML (schema + neutral weights); empty = ARKit 52 of config/",
              read_only=True),
    ParamSpec("include_wide", False, "also write eyeWideLeft/Right from the coefficients"),
    ParamSpec("eye_priority", 100.0, "priority of the eye weights over other inputs", "",
              -1e6, 1e6),
    ParamSpec("input_topics", [], "other FaceExpression topics to merge (e.g. a mouth "
              "tracker), relative names", read_only=True, array_of="string"),
    ParamSpec("input_priorities", [], "priority of each input topic (same order); higher "
              "wins a name; missing entries are 0", array_of="double"),
    ParamSpec("stale_after", 0.3, "an input silent this long starts easing to neutral", "s",
              0.0, 60.0),
    ParamSpec("ease_time", 0.5, "time a stale input takes to ease back to neutral", "s",
              0.0, 60.0),
    ParamSpec("idle_rate", 30.0,
              "publish rate while inputs ease out and nothing new arrives; 0 = off", "Hz",
              0.0, 200.0),
    *reporting_params(),
]


def check_bridge(values: dict[str, Any]) -> str | None:
    topics, priorities = values["input_topics"], values["input_priorities"]
    if len(priorities) > len(topics):
        return f"input_priorities has {len(priorities)} entries for {len(topics)} input_topics"
    return None


SESSIONS = ("demo", "random")

HEADSET_PARAMS: list[ParamSpec] = [
    ParamSpec("rate", 120.0, "frame pairs per second", "Hz", 1.0, 500.0, read_only=True),
    ParamSpec("width", 200, "image width", "px", 32, 1280, read_only=True),
    ParamSpec("height", 200, "image height", "px", 32, 1280, read_only=True),
    ParamSpec("seed", 11, "fixes the person, the sensor noise and (random) the behaviour", "",
              0, 2**31 - 1, read_only=True),
    ParamSpec("session", "demo", "demo: the scripted 20 s tour (fixations, saccades, pursuit, "
              "blinks, winks, squint, wide eyes, reading); random: everyday behaviour",
              choices=SESSIONS, read_only=True),
    ParamSpec("duration", 20.0, "length of the session", "s", 0.1, 3600.0, read_only=True),
    ParamSpec("loop", True, "play the session again when it ends (else stop publishing)"),
    ParamSpec("buffer", 0.5, "frames rendered ahead", "s", 0.02, 10.0, read_only=True),
    ParamSpec("wait_for_subscribers", 1, "start the session only once both image topics have "
              "this many subscribers (0 = at once), so a graph that starts later sees it all",
              "", 0, 100, read_only=True),
    ParamSpec("wait_for_truth_subscribers", 0, "and once ground_truth has this many (a "
              "recorder or an evaluation)", "", 0, 100, read_only=True),
    ParamSpec("wait_for_topics", [], "and once each of these topics (relative names) has a "
              "publisher and as many subscribers as the images: the graph downstream is "
              "connected", read_only=True, array_of="string"),
    ParamSpec("start_delay", 0.0, "then wait this long more, while the other processes finish "
              "starting (their first frames are slow)", "s", 0.0, 60.0, read_only=True),
    ParamSpec("reliable_images", False, "publish the images reliable instead of best effort, "
              "so a recorder that must not lose a frame (the demo's) gets every one; "
              "best-effort subscribers such as the trackers are served as before",
              read_only=True),
    ParamSpec("left_frame_id", "left_eye_camera", "frame_id of the left images and truth"),
    ParamSpec("right_frame_id", "right_eye_camera", "frame_id of the right images"),
    *reporting_params(),
]

def _check_name_map(entries: list[str]) -> str | None:
    try:
        parse_name_map(entries)
    except ValueError as exc:
        return str(exc)
    return None


VMC_SENDER_PARAMS: list[ParamSpec] = [
    ParamSpec("host", "127.0.0.1", "where the VMC receiver (avatar app) listens",
              check=check_host),
    ParamSpec("port", DEFAULT_PORT, "UDP port of the VMC receiver", "", 1, 65535),
    ParamSpec("bundle", True, "send each expression as one OSC bundle (Vals then Apply in one "
              "datagram, never split or reordered) instead of separate messages"),
    ParamSpec("name_map", [], "renames, 'arkitName=avatarName'; an empty target drops "
              "that blendshape; unlisted names are sent as they are",
              check=_check_name_map, array_of="string"),
    *reporting_params(),
]

PREVIEW_PARAMS: list[ParamSpec] = [
    ParamSpec("size", 256, "side of the square preview image", "px", 32, 1024),
    ParamSpec("max_rate", 30.0, "most preview images per second; extra expressions are skipped",
              "Hz", 0.1, 240.0),
    *reporting_params(),
]



def check_yaml_section(specs: list[ParamSpec], values: dict[str, Any]) -> list[str]:
    """Problems of one node's YAML parameters: unknown names, wrong types, refused values."""
    by_name = {s.name: s for s in specs}
    problems = []
    for name, value in values.items():
        spec = by_name.get(name)
        if spec is None:
            problems.append(f"unknown parameter {name!r}")
        elif _type_name(value) != _type_name(spec.default) and spec.default != []:
            problems.append(f"{name} must be {_type_name(spec.default)} (like "
                            f"{spec.default!r}), got {_type_name(value)} {value!r}")
        elif reason := check_value(spec, value):
            problems.append(reason)
    return problems


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list of " + (_type_name(value[0]) if value else "values")
    return {bool: "a bool", int: "an integer", float: "a float", str: "a string"}.get(
        type(value), type(value).__name__)
