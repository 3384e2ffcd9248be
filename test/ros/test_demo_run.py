"""`eye-expression demo` on a short session: the whole graph on the synthetic headset, every
frame in the bag, and the report (plot, animated preview, summary) written; then the bag
replayed with `eye-expression play` through `eye-expression run` gives the same coefficients
at the same stamps.

The eye trackers use a stand-in landmark model (fixed outputs), so this checks the
orchestration, recording and report, not the coefficients' accuracy (the graph's
end-to-end test does that with the shipped model).
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("rclpy", reason="rclpy is part of the venv: run `make test`")
from demo_ros_helpers import cli, peer, spawn, stop
from eye_expression_driver.msg import EyeCoefficients
from PIL import Image as PILImage
from ros_domains import next_domain
from ros_graph_helpers import REPO, Runner, node_env, standin_landmark_model
from rosbags.rosbag2 import Reader

from eye_expression_driver.media.bag import typestore

pytestmark = [pytest.mark.ros, pytest.mark.slow]
SECONDS, RATE = 3, 30
FIELDS = ("blink", "look_up", "look_down", "look_in", "look_out")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path, str]:
    """One short demo for this module: (report folder, stand-in model, output)."""
    tmp = tmp_path_factory.mktemp("demo")
    model = standin_landmark_model(tmp / "standin.onnx")
    proc = spawn(cli("demo", "--seconds", str(SECONDS), "--rate", str(RATE), "--out",
                     str(tmp / "reports"), "--landmark-model", str(model)),
                 node_env(next_domain()))
    out, _ = proc.communicate(timeout=150)
    assert proc.returncode == 0, out
    return Path(re.search(r"demo: report in (\S+)", out).group(1)), model, out


def test_demo_records_every_frame_and_writes_the_report(demo) -> None:
    folder, _, _ = demo
    summary = (folder / "summary.txt").read_text()
    frames = SECONDS * RATE
    assert f"frame pairs out count {frames}" in summary  # what the headset says it published
    with Reader(folder / "session") as reader:
        counts = {c.topic: c.msgcount for c in reader.connections}
        assert list((folder / "session").glob("*.mcap"))
    for topic in ("/ground_truth", "/left/image_raw", "/right/image_raw"):
        assert counts[topic] == frames, (topic, counts)
    for topic in ("/left/observation", "/right/observation", "/coefficients",
                  "/face_expression", "/avatar_preview", "/diagnostics"):
        assert counts.get(topic, 0) > 0, (topic, counts)
    assert re.search(r"latency ms: mean \d+\.\d+", summary)
    assert re.search(r"latency .*: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms", summary)
    assert re.search(r"frame drops: \d+ of 90 frame pairs", summary)
    assert "frames without output" in summary and "left eye: blink MAE" in summary
    with PILImage.open(folder / "preview.gif") as gif:
        assert gif.n_frames >= 10 and gif.width > 2 * gif.height  # two eyes and a face
    assert (folder / "coefficients.png").stat().st_size > 10_000
    assert (folder / "preview.png").exists()


def coefficients_in(bag: Path) -> dict[int, np.ndarray]:
    """The bag's EyeCoefficients by stamp: [left fields..., right fields...]."""
    out = {}
    with Reader(bag) as reader:
        conns = [c for c in reader.connections if c.topic == "/coefficients"]
        for conn, _, data in reader.messages(connections=conns):
            msg = typestore().deserialize_cdr(data, conn.msgtype)
            stamp = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
            out[stamp] = values(msg)
    return out


def image_stamps(bag: Path) -> set[int]:
    with Reader(bag) as reader:
        conns = [c for c in reader.connections if c.topic == "/left/image_raw"]
        headers = [typestore().deserialize_cdr(data, conn.msgtype).header
                   for conn, _, data in reader.messages(connections=conns)]
    return {h.stamp.sec * 1_000_000_000 + h.stamp.nanosec for h in headers}


def values(msg) -> np.ndarray:
    """Both eyes' coefficients; NaN for an eye the graph reports without an estimate (its
    frame was lost on the way, so there is nothing to compare)."""
    return np.array([getattr(getattr(msg, eye), f) if getattr(msg, eye).blink_confidence > 0
                     else np.nan for eye in ("left", "right") for f in FIELDS], dtype=float)


def graph_config(tmp: Path, model: Path) -> str:
    text = (REPO / "config" / "eye_expression.yaml").read_text()
    text = text.replace('landmark_model: ""', f'landmark_model: "{model}"')
    text = text.replace("load_profile_on_start: true", "load_profile_on_start: false")
    path = tmp / "replay.yaml"
    path.write_text(text)
    return str(path)


def test_replaying_the_bag_through_the_graph_gives_the_same_coefficients(demo, tmp_path) -> None:
    folder, model, _ = demo
    recorded = coefficients_in(folder / "session")
    domain = next_domain()
    runner = Runner(tmp_path, domain, "--config", graph_config(tmp_path, model))
    replayed: dict[int, np.ndarray] = {}
    try:
        assert runner.wait_started(), runner.log()
        with peer(domain) as p:
            p.node.create_subscription(
                EyeCoefficients, "/coefficients",
                lambda m: replayed.__setitem__(m.header.stamp.sec * 1_000_000_000
                                               + m.header.stamp.nanosec, values(m)), 100)
            p.spin_for(1.0)  # the trackers' observations reach the coefficient node
            play = spawn(cli("play", str(folder / "session"), "--wait", "30"), node_env(domain))
            p.spin_until(lambda: play.poll() is not None, 60.0)
            p.spin_until(lambda: max(recorded) in replayed, 5.0)
            code, out = stop(play)
    finally:
        assert runner.stop(signal.SIGINT) == 0, runner.log()[-3000:]
    assert code == 0, out
    common = sorted(set(recorded) & set(replayed))
    assert len(common) >= 0.8 * len(recorded), (len(common), len(recorded), out)
    assert set(replayed) <= image_stamps(folder / "session")  # original stamps, not new ones
    error = np.array([np.abs(recorded[s] - replayed[s]).max() for s in common])
    assert np.isfinite(error).sum() >= 0.8 * len(common), error  # compared, not all lost
    assert np.nanmax(error) <= 0.05, error
