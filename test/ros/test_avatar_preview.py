"""avatar_preview as a real process: publishes the drawn face with the expression's stamp
over DDS, refuses a bad size at start-up."""

from __future__ import annotations

import numpy as np
import pytest
from demo_ros_helpers import node_script, peer, spawn, stop
from diagnostic_msgs.msg import DiagnosticArray
from eye_expression_driver.msg import FaceExpression
from preview_helpers import changed_pixels, inside
from sensor_msgs.msg import Image

from eye_expression_driver.ros.qos import RELIABLE

pytestmark = pytest.mark.ros


def test_node_publishes_the_face_with_the_expression_stamp(ros_env: dict, ros_domain: int) -> None:

    proc = spawn([node_script("avatar_preview"), "--ros-args", "-p", "max_rate:=200.0",
                  "-p", "size:=128"], ros_env)
    try:
        with peer(ros_domain) as p:
            pub = p.node.create_publisher(FaceExpression, "face_expression", RELIABLE)
            images: dict[int, Image] = {}
            p.node.create_subscription(Image, "avatar_preview",
                                       lambda m: images.setdefault(m.header.stamp.sec, m), RELIABLE)

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


def test_node_refuses_a_bad_size_at_start_up(ros_env: dict) -> None:

    proc = spawn([node_script("avatar_preview"), "--ros-args", "-p", "size:=8"], ros_env)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "size" in out and "range" in out and "Traceback" not in out
