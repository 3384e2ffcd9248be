"""Message types for rosbag2 files written and read with `rosbags` (no rclpy needed here).

A bag must carry the definition of every message type it holds, so that Foxglove and
`ros2 bag` can decode it without this package. The type store (standard ROS 2 types plus
this package's msg/*.msg) is the synthetic camera's, which writes bags too.
"""

from __future__ import annotations

import importlib

from ..synth.bag import msg_dir, typestore

__all__ = ["IMAGE_TYPES", "message_class", "msg_dir", "typestore"]

IMAGE_TYPES = frozenset({"sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage"})


def message_class(msgtype: str) -> type:
    """'sensor_msgs/msg/Image' -> the generated Python class; ImportError/AttributeError else."""
    package, kind, name = msgtype.split("/")
    return getattr(importlib.import_module(f"{package}.{kind}"), name)
