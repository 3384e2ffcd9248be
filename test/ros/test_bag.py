"""Record and play: messages published in one process, recorded by `eye-expression record` in
another, read back with rosbags, and played again by `eye-expression play` byte for byte."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is part of the venv: run `make test`")
from demo_ros_helpers import Peer, cli, peer, spawn, stop  # noqa: E402
from eye_expression_driver.msg import FaceExpression, SyntheticGroundTruth  # noqa: E402
from msg_fill import fill  # noqa: E402
from rclpy.qos import QoSProfile, ReliabilityPolicy  # noqa: E402
from rclpy.serialization import serialize_message  # noqa: E402
from rosbags.rosbag2 import Reader  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402

from eye_expression_driver.media.bag import typestore  # noqa: E402

pytestmark = pytest.mark.ros

N = 25
QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
TYPES = {"/left/image_raw": Image, "/face_expression": FaceExpression,
         "/ground_truth": SyntheticGroundTruth}


def make_messages() -> dict[str, list]:
    """N distinct messages per topic; stamps are sec=100+i so they differ from 'now'."""
    out: dict[str, list] = {topic: [] for topic in TYPES}
    rng = np.random.default_rng(3)
    for i in range(N):
        image = Image(height=6, width=8, encoding="mono8", step=8,
                      data=rng.integers(0, 256, 48, dtype=np.uint8).tobytes())
        face = FaceExpression(schema="arkit52", names=["eyeBlinkLeft", "jawOpen"],
                              weights=[i / N, 1 - i / N])
        truth = fill(SyntheticGroundTruth(), seed=i)
        for msg in (image, face, truth):
            msg.header.stamp.sec, msg.header.stamp.nanosec = 100 + i, 1000 * i + 7
            msg.header.frame_id = "left_eye_camera"
        for topic, msg in zip(TYPES, (image, face, truth), strict=True):
            out[topic].append(msg)
    return out


def publish_all(p: Peer, messages: dict[str, list], spacing: float) -> dict[str, str]:
    """Publish every message once subscribed; the graph's type hash of every topic."""
    pubs = {t: p.node.create_publisher(TYPES[t], t, QOS) for t in TYPES}
    assert p.spin_until(lambda: all(x.get_subscription_count() for x in pubs.values()), 30.0)
    for i in range(N):
        for topic, pub in pubs.items():
            pub.publish(messages[topic][i])
        time.sleep(spacing)  # no subscriptions here: nothing to spin
    for pub in pubs.values():
        assert pub.wait_for_all_acked(rclpy.duration.Duration(seconds=10))
    return {t: str(p.node.get_publishers_info_by_topic(t)[0].topic_type_hash) for t in TYPES}


def read_bag(path: Path) -> tuple[dict[str, list], dict[str, str]]:
    """Every message of the bag deserialized with rosbags, and each topic's type hash."""
    store = typestore()
    out: dict[str, list] = {}
    with Reader(path) as reader:
        digests = {c.topic: c.digest for c in reader.connections}
        for conn, _stamp, data in reader.messages():
            out.setdefault(conn.topic, []).append(store.deserialize_cdr(data, conn.msgtype))
    return out, digests


def record(tmp_path: Path, env: dict, domain: int, messages: dict[str, list]
           ) -> tuple[Path, dict[str, str], str]:
    bag = tmp_path / "session"
    proc = spawn(cli("record", "-o", str(bag), "--topics", "left/image_raw", "face_expression",
                     "ground_truth", "never_published"), env)
    try:
        with peer(domain) as p:
            hashes = publish_all(p, messages, spacing=0.02)
    finally:
        code, out = stop(proc)
    assert code == 0, out
    return bag, hashes, out


def receive_played(domain: int, env: dict, bag: Path, passes: int) -> tuple[dict, float, str]:
    """Play the bag looping at rate 2 until `passes` copies of every message arrived."""
    got: dict[str, list] = {t: [] for t in TYPES}
    arrival: list[float] = []
    with peer(domain) as p:
        for topic, cls in TYPES.items():
            p.node.create_subscription(
                cls, topic, lambda m, t=topic: (got[t].append(m), arrival.append(time.monotonic())),
                QOS)
        proc = spawn(cli("play", str(bag), "--all", "--loop", "--rate", "2", "--wait", "30"),
                     env)
        try:
            p.spin_until(lambda: all(len(v) >= passes * N for v in got.values()), 60.0)
        finally:
            code, out = stop(proc)
    assert code == 0, out
    first_pass_span = arrival[3 * N - 1] - arrival[0] if len(arrival) >= 3 * N else 0.0
    return got, first_pass_span, out


def test_record_then_play_keeps_every_message(tmp_path: Path, ros_env: dict,
                                              ros_domain: int) -> None:
    messages = make_messages()
    bag, hashes, out = record(tmp_path, ros_env, ros_domain, messages)
    # The recorder's own account, then the bag itself, read back with rosbags.
    for topic in TYPES:
        assert f"{N:8d}  {topic}" in out, out
    assert "never_published" in out
    assert list(bag.glob("*.mcap")) and (bag / "metadata.yaml").exists()
    in_bag, digests = read_bag(bag)
    assert {t: len(v) for t, v in in_bag.items()} == {t: N for t in TYPES}
    assert digests == hashes  # the definitions written match the publishers' type hashes
    for i, (image, face, truth) in enumerate(zip(*(in_bag[t] for t in TYPES), strict=True)):
        assert (image.header.stamp.sec, image.header.stamp.nanosec) == (100 + i, 1000 * i + 7)
        assert bytes(image.data) == bytes(messages["/left/image_raw"][i].data)
        assert list(face.names) == ["eyeBlinkLeft", "jawOpen"]
        assert face.weights[0] == pytest.approx(i / N)
        assert truth.header.stamp.sec == 100 + i
        assert np.array_equal(truth.left.landmarks_x,
                              messages["/ground_truth"][i].left.landmarks_x)

    got, span, out = receive_played(ros_domain, ros_env, bag, passes=2)
    for topic, sent in messages.items():
        for copy in range(2):  # --loop: the second pass is the same as the first
            received = got[topic][copy * N:(copy + 1) * N]
            assert [serialize_message(m) for m in received] == [
                serialize_message(m) for m in sent], f"{topic} pass {copy}"
    recorded_span = 0.02 * (N - 1)
    assert recorded_span / 2 * 0.8 <= span <= recorded_span / 2 + 5.0, (span, out)


def write_image_bag(path: Path, count: int) -> None:
    """A valid bag written directly with rosbags (no DDS), to sit among bad files."""
    from rosbags.rosbag2 import StoragePlugin, Writer

    with Writer(path, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        conn = writer.add_connection("/left/image_raw", "sensor_msgs/msg/Image",
                                     typestore=typestore())
        for i in range(count):
            msg = Image(height=1, width=2, encoding="mono8", step=2, data=bytes([i, i]))
            writer.write(conn, 1_000_000_000 + i * 1_000_000, serialize_message(msg))


def test_bad_files_are_reported_and_the_next_bag_plays(tmp_path: Path, ros_env: dict) -> None:
    good = tmp_path / "good"
    write_image_bag(good, 5)
    mcap = next(good.glob("*.mcap"))
    truncated = tmp_path / "truncated.mcap"
    truncated.write_bytes(mcap.read_bytes()[: mcap.stat().st_size // 2])
    empty = tmp_path / "empty.mcap"
    empty.touch()
    text = tmp_path / "notes.mcap"
    text.write_text("not a bag at all\n")
    unknown = tmp_path / "video.avi"
    shutil.copy(mcap, unknown)
    missing = tmp_path / "missing"
    bad = [missing, empty, truncated, text, unknown]
    proc = spawn(cli("play", *map(str, bad), str(good), str(mcap)), ros_env)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    assert "Traceback" not in out
    lines = out.splitlines()
    reasons = ["no such file", "empty file", "not a readable", "not a readable",
               "not a readable"]
    for path, words in zip(bad, reasons, strict=True):
        said = [line for line in lines if line.startswith(f"play: {path}:")]
        assert said and words in said[-1], (path, out)
    assert f"play: {good}: published 5 messages" in out
    assert f"play: {mcap}: published 5 messages" in out  # a bare .mcap file plays too


def test_record_stops_after_its_duration(tmp_path: Path, ros_env: dict) -> None:
    bag = tmp_path / "quiet"
    proc = spawn(cli("record", "-o", str(bag), "--duration", "1"), ros_env)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "wrote 0 messages" in out
    with Reader(bag) as reader:
        assert reader.message_count == 0
    again = spawn(cli("record", "-o", str(bag), "--duration", "1"), ros_env)
    out, _ = again.communicate(timeout=60)
    assert again.returncode == 1 and "exists" in out and "Traceback" not in out
