"""`eye-expression run`: the whole graph in three processes (four with --separate) under a
namespace, images in, FaceExpression out with the images' stamps, output forwarded with
prefixes, and clean stops on SIGINT and SIGTERM (no process left), a dying node stopping
the rest."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from demo_ros_helpers import Peer
from eye_expression_driver.msg import FaceExpression, SyntheticGroundTruth
from rclpy.qos import qos_profile_sensor_data
from ros_domains import next_domain
from ros_graph_helpers import (
    REPO,
    Runner,
    gone,
    image,
    node_env,
    stamp_of,
    standin_landmark_model,
    wait_matched,
)
from sensor_msgs.msg import Image

from eye_expression_driver.ros.qos import RELIABLE

pytestmark = pytest.mark.ros


def config_with_model(tmp_path: Path, model: Path) -> Path:
    text = (REPO / "config" / "eye_expression.yaml").read_text()
    path = tmp_path / "graph.yaml"
    path.write_text(text.replace('landmark_model: ""', f'landmark_model: "{model}"'))
    return path


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return standin_landmark_model(tmp_path / "standin.onnx")


@pytest.mark.parametrize("separate", [False, True], ids=["composed", "separate"])
def test_graph_runs_under_a_namespace_and_stops_on_sigint(tmp_path, model, separate) -> None:
    domain = next_domain()
    runner = Runner(tmp_path, domain, "--config", str(config_with_model(tmp_path, model)),
                    "--namespace", "ns", *(["--separate"] if separate else []))
    peer = Peer(domain, "runner_test")
    try:
        assert runner.wait_started(), runner.log()
        pubs = [peer.node.create_publisher(Image, f"/ns/{eye}/image_raw",
                                           qos_profile_sensor_data) for eye in ("left", "right")]
        faces: list[FaceExpression] = []
        peer.node.create_subscription(FaceExpression, "/ns/face_expression", faces.append,
                                      RELIABLE)
        assert all(wait_matched(peer, p) for p in pubs), runner.log()
        sent: list[int] = []

        def send() -> None:
            stamp = 1_800_000_000_000_000_000 + len(sent) * 10_000_000
            sent.append(stamp)
            for pub in pubs:
                pub.publish(image(stamp_ns=stamp))
            peer.spin_for(0.02)

        assert peer.spin_until(lambda: len(faces) >= 3, 30.0, step=send), runner.log()[-3000:]
        assert all(stamp_of(f) in sent for f in faces[:3]), "FaceExpression keeps image stamps"
        children = runner.children()
        assert len(children) == (4 if separate else 3)
    finally:
        peer.close()
        code = runner.stop(signal.SIGINT)
    assert code == 0, runner.log()[-3000:]
    assert gone(children), "node processes left behind"
    assert "exited with" not in runner.log()


def test_by_default_the_synthetic_headset_drives_the_graph_and_sigterm_stops_all(
        tmp_path, model) -> None:
    """No camera named: the built-in headset publishes, faces come out with its stamps."""
    domain = next_domain()
    runner = Runner(tmp_path, domain, "--config", str(config_with_model(tmp_path, model)),
                    "--source", "auto")
    peer = Peer(domain, "runner_test")
    try:
        assert runner.wait_started(), runner.log()
        faces = peer.collect(FaceExpression, "/face_expression", RELIABLE)
        truth = peer.collect(SyntheticGroundTruth, "/ground_truth", RELIABLE)
        common = lambda: {stamp_of(f) for f in faces} & {stamp_of(t) for t in truth}  # noqa
        assert peer.spin_until(lambda: len(common()) >= 3, 30.0), runner.log()[-3000:]
        assert "images: the built-in synthetic headset" in runner.log()
        children = runner.children()
        assert len(children) == 4  # headset, two trackers, coefficient_bridge
    finally:
        peer.close()
        code = runner.stop(signal.SIGTERM)
    assert code == 0, runner.log()[-3000:]
    assert gone(children)


def test_a_dying_node_stops_the_rest(tmp_path) -> None:
    config = str(config_with_model(tmp_path, tmp_path / "missing.onnx"))
    with Runner(tmp_path, next_domain(), "--config", config) as runner:
        code = runner.proc.wait(60.0)
    log = runner.log()
    assert code == 1, log
    assert "missing.onnx" in log and "eye_tracker exited with 1" in log


def test_bad_config_starts_nothing(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("/**/coefficient_node:\n  ros__parameters:\n    slop: 9.0\n")
    result = subprocess.run([sys.executable, "-m", "eye_expression_driver.cli", "run",
                             "--config", str(bad)], env=node_env(next_domain()), cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "slop must be in [0.0, 1.0]" in result.stderr


def test_a_node_refused_at_start_up_exits_1_even_if_stopped_while_going(tmp_path) -> None:
    """The runner stops the others when one dies; a SIGINT during the refused node's own
    shutdown must not turn its exit code 1 into -2 (it is sent here during try_shutdown)."""
    script = tmp_path / "refused.py"
    script.write_text(
        "import os, signal, sys\n"
        "from eye_expression_driver.ros import node_support\n"
        "shutdown = node_support.rclpy.try_shutdown\n"
        "def interrupted():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    shutdown()\n"
        "node_support.rclpy.try_shutdown = interrupted\n"
        "def refuse():\n"
        "    raise ValueError('bad parameter')\n"
        "sys.exit(node_support.run_node(refuse, []))\n")
    result = subprocess.run([sys.executable, str(script)], env=node_env(next_domain()),
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "error: bad parameter" in result.stderr and "Traceback" not in result.stderr
