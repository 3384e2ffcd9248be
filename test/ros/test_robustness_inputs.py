"""Robustness where no DDS is needed: a real 8000x8000 frame through the eye tracker's
own processing (in this process), model files that are missing, empty, truncated, not ONNX
or the wrong model for either backend, every parameter value outside its range refused with
its reason (start-up YAML and sets), and `eye-expression detect` given truncated or
header-only image files next to a good one.

What the node-process tests (test_eye_tracker.py and the other node tests here) already
cover is not repeated here: the malformed image kinds over DDS, a landmark model missing at
start-up, values above the range on a running node, missing/corrupt/unwritable profiles
through the services.
"""

from __future__ import annotations

import json
import math
import time

import cv2
import numpy as np
import pytest
from ros_graph_helpers import eye_like, standin_coefficient_model, standin_landmark_model

from eye_expression_driver.cli import main as cli_main
from eye_expression_driver.core.eye_tracking import View
from eye_expression_driver.ros.node_params import BRIDGE_PARAMS, COEFFICIENT_PARAMS, TRACKER_PARAMS
from eye_expression_driver.ros.tools.run import check_config
from eye_expression_driver.synth.sequence import generate_sequence
from eye_expression_driver.vision.tracker_backends import BACKENDS, BackendError, make_tracking

HUGE = 8000


# --- a very large frame through the tracker's processing --------------------------------


@pytest.fixture
def tracker(tmp_path, capfd):
    """An eye tracker node in this process (its worker idle: frames are handed in directly)."""
    rclpy = pytest.importorskip("rclpy")
    from ros_domains import next_domain

    from eye_expression_driver.ros.nodes.eye_tracker import EyeTrackerNode

    model = standin_landmark_model(tmp_path / "standin.onnx")
    rclpy.init(args=["eye_tracker", "--ros-args", "-p", f"landmark_model:={model}",
                     "-p", "log_period:=600.0"], domain_id=next_domain())
    node = EyeTrackerNode()
    try:
        yield node
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


def mono8(picture: np.ndarray):
    from eye_expression_driver.ros.node_support import image_msg

    return image_msg(picture, "mono8")


@pytest.mark.ros
def test_an_8000x8000_frame_is_refused_cheaply_then_processed_when_allowed(tracker, capfd):
    from rclpy.parameter import Parameter

    huge = mono8(cv2.resize(eye_like(400, 400), (HUGE, HUGE), interpolation=cv2.INTER_NEAREST))
    good = mono8(eye_like(64, 48))
    started = time.monotonic()
    for _ in range(3):  # refused by its size (default max_pixels), before the data is read
        tracker._process(huge, time.monotonic())
    assert time.monotonic() - started < 1.0
    assert tracker.stats.total("malformed too_large") == 3
    assert tracker.stats.total("observations out") == 0
    lines = [li for li in capfd.readouterr().err.splitlines() if "too_large" in li]
    assert len(lines) == 1, lines  # one throttled line names the problem
    tracker._process(good, time.monotonic())
    assert tracker.stats.total("observations out") == 1

    result = tracker.set_parameters([Parameter("max_pixels", value=HUGE * HUGE)])[0]
    assert result.successful, result.reason
    started = time.monotonic()
    tracker._process(huge, time.monotonic())
    assert tracker.stats.total("observations out") == 2, capfd.readouterr().err[-2000:]
    assert time.monotonic() - started < 10.0
    assert tracker.stats.total("internal error") == tracker.stats.total("detector error") == 0
    tracker._process(good, time.monotonic())
    assert tracker.stats.total("observations out") == 3


# --- model files ------------------------------------------------------------------------


def bad_model_files(folder, good):
    """(label, path) of unusable model files next to a good one."""
    (folder / "empty.onnx").write_bytes(b"")
    (folder / "text.onnx").write_text("not a model\n")
    data = good.read_bytes()
    (folder / "truncated.onnx").write_bytes(data[: len(data) // 2])
    return [("missing", folder / "missing.onnx"), ("empty", folder / "empty.onnx"),
            ("not ONNX", folder / "text.onnx"), ("truncated", folder / "truncated.onnx")]


def model_files(backend: str, path) -> dict[str, str]:
    return {"landmark_model" if backend == "geometric" else "coefficient_model": str(path)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_unusable_model_files_are_refused_naming_the_file(tmp_path, backend) -> None:
    if backend == "learned":
        pytest.importorskip("eye_expression_driver.vision.coefficient_model")
    good = standin_landmark_model(tmp_path / "landmarks.onnx") if backend == "geometric" \
        else standin_coefficient_model(tmp_path / "coefficients.onnx")
    for label, path in bad_model_files(tmp_path, good):
        with pytest.raises(BackendError) as info:
            make_tracking("left", backend, View(), **model_files(backend, path))
        assert str(path) in str(info.value), (label, str(info.value))
    assert make_tracking("left", backend, View(), **model_files(backend, good)) is not None


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_other_kind_of_model_is_refused_naming_the_file(tmp_path, backend) -> None:
    pytest.importorskip("eye_expression_driver.vision.coefficient_model")
    wrong = standin_coefficient_model(tmp_path / "coefficients.onnx") if backend == \
        "geometric" else standin_landmark_model(tmp_path / "landmarks.onnx")
    with pytest.raises(BackendError) as info:
        make_tracking("left", backend, View(), **model_files(backend, wrong))
    assert str(wrong) in str(info.value)


# --- every parameter outside its range ------------------------------------------------------


def out_of_range(specs) -> list[tuple[str, object]]:
    """(name, value) for every way a ranged or choice parameter can be out of range."""
    cases = []
    for spec in specs:
        if spec.choices:
            cases.append((spec.name, "nonsense"))
        if spec.low is None or isinstance(spec.default, bool):
            continue
        if isinstance(spec.default, int):
            cases += [(spec.name, int(spec.low) - 1), (spec.name, int(spec.high) + 1)]
        else:
            cases += [(spec.name, float(spec.low) - 1.0), (spec.name, float(spec.high) + 1.0),
                      (spec.name, math.nan)]
    return cases


SECTIONS = {"eye_tracker": TRACKER_PARAMS, "coefficient_node": COEFFICIENT_PARAMS,
            "avatar_bridge": BRIDGE_PARAMS}
CASES = [(node, name, value) for node, specs in SECTIONS.items()
         for name, value in out_of_range(specs)]


def test_every_graph_parameter_has_refusable_values() -> None:
    ranged = {(n, s.name) for n, specs in SECTIONS.items() for s in specs
              if s.choices or (s.low is not None and not isinstance(s.default, bool))}
    assert ranged == {(n, name) for n, name, _ in CASES}
    assert len(CASES) >= 40


@pytest.mark.parametrize("node,name,value", CASES, ids=[f"{n}.{p}={v}" for n, p, v in CASES])
def test_out_of_range_value_in_the_config_is_refused_with_its_reason(tmp_path, node, name,
                                                                     value) -> None:
    config = tmp_path / "bad.yaml"
    shown = ".nan" if isinstance(value, float) and math.isnan(value) else json.dumps(value)
    config.write_text(f"/**/{node}:\n  ros__parameters:\n    {name}: {shown}\n")
    problems = check_config(config)
    assert len(problems) == 1, problems
    assert name in problems[0] and ("must be" in problems[0]), problems[0]


@pytest.mark.ros
@pytest.mark.parametrize("name,value", [c[1:] for c in CASES if c[0] == "eye_tracker"],
                         ids=[f"{c[1]}={c[2]}" for c in CASES if c[0] == "eye_tracker"])
def test_out_of_range_set_on_a_running_tracker_is_refused(tracker, name, value) -> None:
    from rclpy.parameter import Parameter

    before = tracker.get_parameter(name).value
    result = tracker.set_parameters([Parameter(name, value=value)])[0]
    assert not result.successful and result.reason, (name, value)
    assert tracker.get_parameter(name).value == before


# --- `eye-expression detect` on damaged files ----------------------------------------------


def test_detect_reports_truncated_and_header_only_files_and_goes_on(tmp_path, capsys) -> None:
    frame = next(iter(generate_sequence(1, 0.05, 120.0, (200, 200))))
    names = []
    for ext in (".png", ".jpg"):
        good = tmp_path / f"good{ext}"
        cv2.imwrite(str(good), frame.left)
        data = good.read_bytes()
        (tmp_path / f"truncated{ext}").write_bytes(data[: len(data) // 2])
        (tmp_path / f"header{ext}").write_bytes(data[:40])
        names += [f"truncated{ext}", f"header{ext}", f"good{ext}"]
    (tmp_path / "folder.png").mkdir()  # a directory with an image name: expands to nothing
    paths = [str(tmp_path / n) for n in names] + [str(tmp_path / "folder.png")]
    assert cli_main(["detect", *paths]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["image"].rsplit("/", 1)[-1] for r in records] == names
    for record in records:
        if record["image"].rsplit("/", 1)[-1].startswith("good"):
            assert "error" not in record and len(record["landmarks"]) == 24
        else:
            assert set(record) == {"image", "error"} and record["error"], record
