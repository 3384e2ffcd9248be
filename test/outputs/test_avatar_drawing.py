"""The avatar preview: the drawn face follows the weights, and the node publishes it over DDS."""

from __future__ import annotations

import numpy as np
import pytest

from eye_expression_driver.outputs.avatar_preview import eye_box, render_avatar


def changed_pixels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=2)


def inside(mask: np.ndarray, side: str, size: int) -> tuple[int, int]:
    """(changed pixels inside that eye's box, changed pixels outside it)."""
    box = eye_box(side, size)
    region = np.zeros_like(mask)
    region[box.y0:box.y1, box.x0:box.x1] = True
    return int((mask & region).sum()), int((mask & ~region).sum())


def test_blink_left_closes_the_eye_on_the_image_right() -> None:
    size = 256
    neutral = render_avatar({}, size)
    blink = render_avatar({"eyeBlinkLeft": 1.0}, size)
    changed = changed_pixels(neutral, blink)
    in_box, outside = inside(changed, "Left", size)
    assert in_box > 200 and outside == 0
    assert eye_box("Left", size).x0 > size // 2  # the wearer's left eye is on the image right
    # Closed: no iris/pupil (dark) pixels remain inside the left eye's box.
    box = eye_box("Left", size)
    grey = blink[box.y0:box.y1, box.x0:box.x1].mean(axis=2)
    assert (render_avatar({}, size)[box.y0:box.y1, box.x0:box.x1].mean(axis=2) < 40).sum() > 20
    assert (grey < 40).sum() == 0


def test_half_blink_is_between_open_and_closed() -> None:
    open_, half, closed = (render_avatar({"eyeBlinkRight": w}) for w in (0.0, 0.5, 1.0))
    sclera = [int((img.min(axis=2) > 235).sum()) for img in (open_, half, closed)]
    assert sclera[0] > sclera[1] > sclera[2]


def dark_centroid_x(image: np.ndarray, side: str) -> float:
    box = eye_box(side, image.shape[0])
    _ys, xs = np.nonzero(image[box.y0:box.y1, box.x0:box.x1].mean(axis=2) < 40)
    return float(xs.mean()) + box.x0


@pytest.mark.parametrize("side", ["Left", "Right"])
def test_look_out_moves_the_pupil_away_from_the_nose(side: str) -> None:
    mid = 128
    straight = dark_centroid_x(render_avatar({}, 256), side)
    out = dark_centroid_x(render_avatar({f"eyeLookOut{side}": 1.0}, 256), side)
    in_ = dark_centroid_x(render_avatar({f"eyeLookIn{side}": 1.0}, 256), side)
    assert abs(out - mid) > abs(straight - mid) + 5 > abs(in_ - mid) + 10


def test_unknown_and_invalid_weights_are_neutral() -> None:
    neutral = render_avatar({})
    odd = render_avatar({"notABlendshape": 1.0, "eyeBlinkLeft": float("nan"),
                         "eyeBlinkRight": -3.0})
    assert np.array_equal(neutral, odd)
    with pytest.raises(ValueError):
        render_avatar({}, 8)


@pytest.mark.ros
def test_node_publishes_the_face_with_the_expression_stamp(ros_env: dict, ros_domain: int) -> None:
    pytest.importorskip("rclpy")
    from demo_ros_helpers import node_script, peer, spawn, stop
    from diagnostic_msgs.msg import DiagnosticArray
    from eye_expression_driver.msg import FaceExpression
    from rclpy.qos import QoSProfile, QoSReliabilityPolicy
    from sensor_msgs.msg import Image

    proc = spawn([node_script("avatar_preview"), "--ros-args", "-p", "max_rate:=200.0",
                  "-p", "size:=128"], ros_env)
    try:
        with peer(ros_domain) as p:
            qos = QoSProfile(depth=10, reliability=QoSReliabilityPolicy.RELIABLE)
            pub = p.node.create_publisher(FaceExpression, "face_expression", qos)
            images: dict[int, Image] = {}
            p.node.create_subscription(Image, "avatar_preview",
                                       lambda m: images.setdefault(m.header.stamp.sec, m), qos)

            def send(sec: int, blink: float) -> None:
                msg = FaceExpression(schema="arkit52", names=["eyeBlinkLeft"], weights=[blink])
                msg.header.stamp.sec = sec
                pub.publish(msg)

            statuses: list = []
            p.node.create_subscription(DiagnosticArray, "/diagnostics",
                                       lambda m: statuses.extend(m.status), 10)
            for sec, blink in ((1, 0.0), (2, 1.0)):
                assert p.spin_until(lambda s=sec: s in images, 30.0,
                                    step=lambda s=sec, b=blink: send(s, b)), proc.poll()
            assert p.spin_until(lambda: any("previews out count" in [v.key for v in s.values]
                                            for s in statuses), 5.0)
    finally:
        code, out = stop(proc)
    assert code == 0, out
    a, b = (np.frombuffer(bytes(images[s].data), np.uint8).reshape(128, 128, 3) for s in (1, 2))
    assert images[2].encoding == "bgr8" and images[2].header.stamp.sec == 2
    in_box, outside = inside(changed_pixels(a, b), "Left", 128)
    assert in_box > 50 and outside == 0


@pytest.mark.ros
def test_node_refuses_a_bad_size_at_start_up(ros_env: dict) -> None:
    pytest.importorskip("rclpy")
    from demo_ros_helpers import node_script, spawn

    proc = spawn([node_script("avatar_preview"), "--ros-args", "-p", "size:=8"], ros_env)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "size" in out and "range" in out and "Traceback" not in out
