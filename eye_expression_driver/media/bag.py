"""rosbag2 files with ``rosbags`` (no rclpy needed): the type store and bag QoS profiles.

A bag must carry the definition of every message type it holds, so that Foxglove and
`ros2 bag` can decode it without this package. The type store holds the standard ROS 2
types plus this package's msg/*.msg, read from their text; the synthetic camera, the
recorder, the demo report and the labeller all write or read bags through it.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from rosbags.interfaces import (
    Qos,
    QosDurability,
    QosHistory,
    QosLiveliness,
    QosReliability,
    QosTime,
)
from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

PACKAGE = "eye_expression_driver"
IMAGE = "sensor_msgs/msg/Image"
IMAGE_TYPES = frozenset({IMAGE, "sensor_msgs/msg/CompressedImage"})
_UNSPECIFIED = QosTime(0, 0)


def bag_qos(depth: int, reliability: QosReliability,
            durability: QosDurability = QosDurability.VOLATILE) -> Qos:
    """A QoS profile as rosbag2 metadata records it (``ros2 bag play`` offers it again)."""
    return Qos(QosHistory.KEEP_LAST, depth, reliability, durability, _UNSPECIFIED,
               _UNSPECIFIED, QosLiveliness.AUTOMATIC, _UNSPECIFIED, False)


SENSOR_QOS = bag_qos(5, QosReliability.BEST_EFFORT)
RELIABLE_QOS = bag_qos(50, QosReliability.RELIABLE)


def msg_dir() -> Path:
    """This package's msg/ folder: the source tree's, else an installed share directory
    (ament's, or pip's data files under sys.prefix)."""
    candidates = [Path(__file__).resolve().parents[2] / "msg"]
    prefixes = [*os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep), sys.prefix]
    for prefix in filter(None, prefixes):
        candidates.append(Path(prefix) / "share" / PACKAGE / "msg")
    for path in candidates:
        if (path / "SyntheticGroundTruth.msg").is_file():
            return path
    raise FileNotFoundError(f"no {PACKAGE} msg/*.msg definitions in {candidates}")


@cache
def typestore() -> Typestore:
    """The ROS 2 standard types plus this package's messages (from their .msg text)."""
    store = get_typestore(Stores.ROS2_KILTED)
    types: dict = {}
    for path in sorted(msg_dir().glob("*.msg")):
        types.update(get_types_from_msg(path.read_text(), f"{PACKAGE}/msg/{path.stem}"))
    store.register(types)
    return store


def header(stamp: int, frame_id: str) -> Any:
    types = typestore().types
    time = types["builtin_interfaces/msg/Time"](sec=stamp // 10**9, nanosec=stamp % 10**9)
    return types["std_msgs/msg/Header"](stamp=time, frame_id=frame_id)


def image_message(image: np.ndarray, stamp: int, frame_id: str) -> Any:
    """A mono8 sensor_msgs/Image of a grey uint8 image."""
    height, width = image.shape
    return typestore().types[IMAGE](
        header=header(stamp, frame_id), height=height, width=width, encoding="mono8",
        is_bigendian=0, step=width, data=np.ascontiguousarray(image, np.uint8).reshape(-1),
    )
