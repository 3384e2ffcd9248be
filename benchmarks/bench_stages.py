"""Per-stage times of the eye pipeline on one core: median and p99 per eye image.

Stages, each on realistic input (rendered synthetic eyes, as the graph bench streams):
decode (``sensor_msgs/Image`` -> mono8 with media.image_decode, as the tracker does it) at
200x200 and 400x400; the detector (``EyeFeatureDetector.detect``, both eyes alternating);
the coefficient method (bench_core's eye-frame update: eyelid distance, pupil offset,
``EyeCoefficientEstimator.update``) and the binocular step (pairing + both eyes, per pair);
the learned model (``CoefficientModel.predict``); and the node glue around them without
DDS (message building and serialisation), which the graph's latency also pays.

    python benchmarks/bench_stages.py [--model ONNX] [--learned-model ONNX] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import bench_core
import cv2
import numpy as np

from eye_expression_driver.core.binocular import BinocularCoefficients, EyeInput
from eye_expression_driver.core.blendshapes import FaceTemplate, eye_weights
from eye_expression_driver.core.eye_coefficients import EyeCoefficientEstimator
from eye_expression_driver.core.eye_tracking import EyeTracking
from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.face_merge import FaceMerger, eye_confidences
from eye_expression_driver.core.gaze import pupil_offset
from eye_expression_driver.media.image_decode import to_mono8
from eye_expression_driver.synth.sequence import generate_sequence
from eye_expression_driver.vision.eye_features import EyeFeatureDetector

Call = Callable[[int], object]


@contextlib.contextmanager
def one_core(core: int):
    """Pin this process to one core (and cv2 to one thread) while inside; restore after."""
    if core < 0 or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    threads = cv2.getNumThreads()
    os.sched_setaffinity(0, {core})
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
        cv2.setNumThreads(threads)


def time_calls(fn: Call, runs: int, warmup: int = 20) -> dict[str, float]:
    """Wall and thread-CPU median, p99 and max in ms of fn(i) for i in range(runs), GC paused.

    On a shared machine the wall figures include preemption by other processes; the CPU
    figures are this code's own cost (its spikes included) on one core.
    """
    for i in range(warmup):
        fn(i)
    wall, cpu = np.empty(runs), np.empty(runs)
    clock, thread = time.perf_counter_ns, time.thread_time_ns
    gc.collect()
    gc.disable()
    try:
        for i in range(runs):
            start, start_cpu = clock(), thread()
            fn(i)
            cpu[i] = thread() - start_cpu
            wall[i] = clock() - start
    finally:
        gc.enable()
    wall, cpu = wall / 1e6, cpu / 1e6
    return {"median_ms": float(np.median(wall)), "p99_ms": float(np.percentile(wall, 99)),
            "max_ms": float(wall.max()), "cpu_median_ms": float(np.median(cpu)),
            "cpu_p99_ms": float(np.percentile(cpu, 99)), "cpu_max_ms": float(cpu.max()),
            "runs": runs}


def rendered_eyes(size: int, pairs: int = 60) -> list[tuple[np.ndarray, str]]:
    """(image, eye) of rendered pairs (blinks and saccades), left and right alternating."""
    out = []
    for frame in generate_sequence(5, pairs / 120.0, 120.0, (size, size)):
        out += [(frame.left, "left"), (frame.right, "right")]
    return out


def image_messages(eyes: list[tuple[np.ndarray, str]], encoding: str = "mono8") -> list:
    """The images as sensor_msgs/Image (what the tracker's callback receives)."""
    from eye_expression_driver.ros.node_support import image_msg

    out = []
    for image, _ in eyes:
        if encoding == "mono16":
            wide = (image.astype(np.uint16) << 2).astype(">u2")  # 10-bit camera, big-endian
            msg = image_msg(wide.view(np.uint8).reshape(image.shape[0], -1), "mono16")
            msg.width, msg.is_bigendian = image.shape[1], 1
        elif encoding == "yuv422":
            uyvy = np.full((image.shape[0], image.shape[1] * 2), 128, np.uint8)
            uyvy[:, 1::2] = image
            msg = image_msg(uyvy, "yuv422")
            msg.width = image.shape[1]
        else:
            msg = image_msg(image, encoding)
        out.append(msg)
    return out


def decode_stages(runs: int) -> dict[str, dict]:
    from eye_expression_driver.ros.conversions import image_to_grey

    out = {}
    for size, encoding in ((200, "mono8"), (400, "mono8"), (400, "mono16"), (400, "yuv422")):
        msgs = image_messages(rendered_eyes(size, 10), encoding)
        out[f"decode {encoding} {size}x{size}"] = time_calls(
            lambda i, m=msgs: to_mono8(image_to_grey(m[i % len(m)])), runs)
    return out


def detector_stages(model: Path, runs: int) -> dict[str, dict]:
    detector = EyeFeatureDetector(model, threads=1)
    out = {}
    for size in (200, 400):
        eyes = rendered_eyes(size)
        out[f"detector {size}x{size}"] = time_calls(
            lambda i, e=eyes: detector.detect(e[i % len(e)][0], eye=e[i % len(e)][1]), runs)
    tracking = EyeTracking("left", detector.detect)
    eyes = rendered_eyes(200)
    out["tracker step 200x200 (view + detector)"] = time_calls(
        lambda i: tracking.process(eyes[i % len(eyes)][0]), runs)
    return out


def coefficient_stages(runs: int) -> dict[str, dict]:
    """bench_core's per-eye update in its steady state (window full), and the binocular step
    per pair; both include the periodic full-window recalibration (the max shows it)."""
    estimator = EyeCoefficientEstimator()
    window = estimator.config.calibration.window_frames
    t, landmarks, pupils = bench_core.frames(window + runs + 20)
    bench_core.run(estimator, t[:window], landmarks[:window], pupils[:window], False, "")

    def update(i: int) -> None:  # the body of bench_core.run
        k = window + i
        d = eyelid_distance(landmarks[k])
        offset = pupil_offset(landmarks[k], pupils[k])
        estimator.update(float(t[k]), d, offset, 0.95, 0.95)

    out = {"coefficient method (one eye update)": time_calls(update, runs)}
    inputs = [EyeInput(stamp_ns=int(t[i] * 1e9), eyelid_distance=eyelid_distance(landmarks[i]),
                       pupil_offset=tuple(pupil_offset(landmarks[i], pupils[i])),
                       confidence=0.95, pupil_confidence=0.95) for i in range(len(t))]
    binocular = BinocularCoefficients()

    def pair(i: int) -> None:
        obs = inputs[i % len(inputs)]
        binocular.push("left", obs, i * 0.005)
        binocular.push("right", obs, i * 0.005)

    for i in range(window):
        pair(i)
    out["binocular step (one pair, both eyes)"] = time_calls(lambda i: pair(window + i), runs)
    return out


def learned_stage(model: Path, runs: int) -> dict[str, dict]:
    from eye_expression_driver.vision.coefficient_model import CoefficientModel

    learned = CoefficientModel(model, threads=1)
    eyes = rendered_eyes(200)
    return {"learned model 200x200": time_calls(
        lambda i: learned.predict(eyes[i % len(eyes)][0], eyes[i % len(eyes)][1]), runs)}


def glue_stages(model: Path, runs: int) -> dict[str, dict]:
    """Per-message work of the nodes outside the algorithms (no DDS)."""
    from eye_expression_driver.msg import FaceExpression
    from rclpy.serialization import serialize_message

    from eye_expression_driver.ros.conversions import (
        coefficients_msg,
        eye_input,
        eye_result,
        observation_msg,
    )
    from eye_expression_driver.ros.paths import package_file

    eyes = rendered_eyes(200, 10)
    images = image_messages(eyes)
    obs = EyeTracking("left", EyeFeatureDetector(model).detect).process(eyes[0][0])
    header = images[0].header
    observation = observation_msg(obs, header, "left", False, 0.001)
    binocular = BinocularCoefficients()
    binocular.push("left", eye_input(observation), 0.0)
    result = binocular.push("right", eye_input(observation), 0.0)[0]
    coefficients = coefficients_msg(result)
    template = FaceTemplate.load(package_file("config/face_template_arkit52.yaml"))
    merger = FaceMerger(list(template.names), template.neutral)

    def bridge(_i: int) -> FaceExpression:  # what avatar_bridge does per EyeCoefficients
        left, right = eye_result(coefficients.left), eye_result(coefficients.right)
        weights = eye_weights(left, right)
        confidences = eye_confidences(weights, {"Left": 1.0, "Right": 1.0},
                                      {"Left": 1.0, "Right": 1.0})
        merger.update("eyes", weights, 0.0, 1, 100.0, confidences)
        face = merger.merged(0.0)
        return FaceExpression(header=header, schema=template.schema, names=list(template.names),
                              weights=face.weights.astype(float).tolist(),
                              confidences=face.confidences.astype(float).tolist())

    face = bridge(0)
    return {
        "tracker: build EyeObservation": time_calls(
            lambda i: observation_msg(obs, header, "left", False, 0.001), runs),
        "coefficient node: EyeObservation -> input": time_calls(
            lambda i: eye_input(observation), runs),
        "coefficient node: build EyeCoefficients": time_calls(
            lambda i: coefficients_msg(result), runs),
        "avatar bridge: coefficients -> FaceExpression": time_calls(bridge, runs),
        "serialise Image 200x200": time_calls(
            lambda i: serialize_message(images[i % len(images)]), runs),
        "serialise FaceExpression": time_calls(lambda i: serialize_message(face), runs),
    }


def run(model: Path, learned_model: Path | None, runs: int, core: int = 0) -> dict[str, dict]:
    """Every stage, pinned to one core."""
    with one_core(core):
        stages = decode_stages(runs)
        stages.update(detector_stages(model, runs))
        stages.update(coefficient_stages(runs))
        if learned_model is not None:
            stages.update(learned_stage(learned_model, runs))
        stages.update(glue_stages(model, runs))
    return stages


def main() -> int:
    from eye_expression_driver.vision.eye_features import DEFAULT_MODEL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--learned-model", type=Path)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--core", type=int, default=0, help="-1: do not pin")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    stages = run(args.model, args.learned_model, args.runs, args.core)
    for name, row in stages.items():
        print(f"{name:48s} median {row['median_ms']:.3f} ms   p99 {row['p99_ms']:.3f} ms   "
              f"CPU p99 {row['cpu_p99_ms']:.3f} ms   CPU max {row['cpu_max_ms']:.2f} ms")
    if args.json:
        args.json.write_text(json.dumps(stages, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
