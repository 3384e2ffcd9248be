"""`eye-expression demo` on a short session: the whole graph on the synthetic headset, every
frame in the bag, and the report (plot, animated preview, summary) written.

The eye trackers use a stand-in landmark model (fixed outputs), so this checks the
orchestration, recording and report, not the coefficients' accuracy (the graph's
end-to-end test does that with the shipped model).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("rclpy", reason="rclpy is part of the venv: run `make test`")
from demo_ros_helpers import cli, spawn
from PIL import Image as PILImage
from ros_graph_helpers import standin_landmark_model
from rosbags.rosbag2 import Reader

pytestmark = [pytest.mark.ros, pytest.mark.slow]
SECONDS, RATE = 3, 30


def test_demo_records_every_frame_and_writes_the_report(tmp_path: Path, ros_env: dict) -> None:
    model = standin_landmark_model(tmp_path / "standin.onnx")
    proc = spawn(cli("demo", "--seconds", str(SECONDS), "--rate", str(RATE), "--out",
                     str(tmp_path / "reports"), "--landmark-model", str(model)), ros_env)
    out, _ = proc.communicate(timeout=150)
    assert proc.returncode == 0, out
    folder = Path(re.search(r"demo: report in (\S+)", out).group(1))
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
    assert "frames without output" in summary and "left eye: blink MAE" in summary
    with PILImage.open(folder / "preview.gif") as gif:
        assert gif.n_frames >= 10 and gif.width > 2 * gif.height  # two eyes and a face
    assert (folder / "coefficients.png").stat().st_size > 10_000
    assert (folder / "preview.png").exists()
