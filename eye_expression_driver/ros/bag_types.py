"""Message types for rosbag2 files written and read with `rosbags` (no rclpy needed here).

A bag must carry the definition of every message type it holds, so that Foxglove and
`ros2 bag` can decode it without this package. rosbags knows the standard ROS 2 types; this
package's own types are registered from its msg/*.msg text (installed share directory
first, the source tree's msg/ otherwise).
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

PACKAGE = "eye_expression_driver"
IMAGE_TYPES = frozenset({"sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage"})


def msg_dir() -> Path:
    """Where this package's .msg files are: the installed share directory, else the source."""
    try:
        from ament_index_python.packages import get_package_share_directory

        installed = Path(get_package_share_directory(PACKAGE)) / "msg"
        if any(installed.glob("*.msg")):
            return installed
    except Exception:  # not installed or no ament index: use the source tree
        pass
    return Path(__file__).resolve().parents[2] / "msg"


@cache
def typestore() -> Typestore:
    """The ROS 2 (kilted) standard types plus this package's messages."""
    store = get_typestore(Stores.ROS2_KILTED)
    types: dict = {}
    for path in sorted(msg_dir().glob("*.msg")):
        types.update(get_types_from_msg(path.read_text(), f"{PACKAGE}/msg/{path.stem}"))
    store.register(types)
    return store


def message_class(msgtype: str) -> type:
    """'sensor_msgs/msg/Image' -> the generated Python class; ImportError/AttributeError else."""
    package, kind, name = msgtype.split("/")
    return getattr(importlib.import_module(f"{package}.{kind}"), name)
