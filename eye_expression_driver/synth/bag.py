"""Synthetic sessions as rosbag2 (.mcap) files, written with the pure-Python ``rosbags``.

A bag holds what the built-in synthetic headset would publish: the eye images as
``sensor_msgs/msg/Image`` (mono8) and the exact truth as
``eye_expression_driver/msg/SyntheticGroundTruth``, all stamped with the sequence time from a
fixed epoch, so that the same seed gives the same bytes and ``ros2 bag play`` replays it at the
recorded rate. The package's message types are registered from its msg/*.msg text, and the
bag carries their definitions, so it can be read without this package being built.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
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
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

from .renderer import FrameTruth

PACKAGE = "eye_expression_driver"
EPOCH_NS = 1_700_000_000 * 10**9  # stamp of a sequence's first frame (2023-11-14T22:13:20Z)
TOPICS = {"left": "/eyes/left/image_raw", "right": "/eyes/right/image_raw",
          "wide": "/eyes/image_raw", "truth": "/eyes/ground_truth"}
FRAME_IDS = {"left": "left_eye_camera", "right": "right_eye_camera", "wide": "eye_camera"}
IMAGE = "sensor_msgs/msg/Image"
TRUTH = f"{PACKAGE}/msg/SyntheticGroundTruth"
EYE_TRUTH = f"{PACKAGE}/msg/EyeGroundTruth"
_ZERO = QosTime(0, 0)
SENSOR_QOS = Qos(QosHistory.KEEP_LAST, 5, QosReliability.BEST_EFFORT, QosDurability.VOLATILE,
                 _ZERO, _ZERO, QosLiveliness.AUTOMATIC, _ZERO, False)
RELIABLE_QOS = Qos(QosHistory.KEEP_LAST, 50, QosReliability.RELIABLE, QosDurability.VOLATILE,
                   _ZERO, _ZERO, QosLiveliness.AUTOMATIC, _ZERO, False)


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


def stamp_ns(t: float) -> int:
    """The header stamp (ns) of sequence time t (s)."""
    return EPOCH_NS + round(t * 1e9)


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


def eye_truth_message(truth: FrameTruth, eye: int) -> Any:
    """One eye's FrameTruth as EyeGroundTruth (eye: 0 left, 1 right)."""
    return typestore().types[EYE_TRUTH](
        eye=eye,
        landmarks_x=np.asarray(truth.landmarks[:, 0], np.float32),
        landmarks_y=np.asarray(truth.landmarks[:, 1], np.float32),
        landmarks_hidden=np.asarray(truth.landmarks_hidden, bool),
        pupil_x=float(truth.pupil[0]), pupil_y=float(truth.pupil[1]),
        pupil_visible=float(truth.pupil_visible), openness=float(truth.openness),
        gaze_yaw=float(truth.yaw), gaze_pitch=float(truth.pitch), blinking=bool(truth.blinking),
    )


def truth_message(left: FrameTruth, right: FrameTruth, stamp: int, frame_id: str) -> Any:
    return typestore().types[TRUTH](header=header(stamp, frame_id),
                                    left=eye_truth_message(left, 0),
                                    right=eye_truth_message(right, 1))


class SequenceBag:
    """A rosbag2 directory being written: ``<path>/<name>.mcap`` plus metadata.yaml.

    ``passthrough(frames)`` writes each frame as it goes by, so that one rendering pass
    feeds both the image files and the bag.
    """

    def __init__(self, path: str | Path, wide: bool = False) -> None:
        self.path = Path(path)
        self.wide = wide
        self.writer = Writer(self.path, version=Writer.VERSION_LATEST,
                             storage_plugin=StoragePlugin.MCAP)
        self.connections: dict[str, Any] = {}
        self.counts: dict[str, int] = {}

    def __enter__(self) -> SequenceBag:
        self.writer.open()
        store = typestore()
        cameras = ("wide",) if self.wide else ("left", "right")
        for name in cameras:
            self.connections[name] = self.writer.add_connection(
                TOPICS[name], IMAGE, typestore=store, offered_qos_profiles=[SENSOR_QOS])
        self.connections["truth"] = self.writer.add_connection(
            TOPICS["truth"], TRUTH, typestore=store, offered_qos_profiles=[RELIABLE_QOS])
        self.counts = dict.fromkeys(self.connections, 0)
        return self

    def __exit__(self, *exc: object) -> None:
        self.writer.close()

    def _write(self, name: str, stamp: int, message: Any, msgtype: str) -> None:
        data = typestore().serialize_cdr(message, msgtype)
        self.writer.write(self.connections[name], stamp, data)
        self.counts[name] += 1

    def write_frame(self, frame: Any) -> None:
        """One SyntheticFrame (left and right images) or WideFrame (one image) and its truth."""
        stamp = stamp_ns(frame.t)
        for name, image in frame.images().items():
            self._write(name, stamp, image_message(image, stamp, FRAME_IDS[name]), IMAGE)
        frame_id = FRAME_IDS["wide" if self.wide else "left"]
        self._write("truth", stamp, truth_message(frame.left_truth, frame.right_truth, stamp,
                                                  frame_id), TRUTH)

    def passthrough(self, frames: Iterable[Any]) -> Iterator[Any]:
        for frame in frames:
            self.write_frame(frame)
            yield frame
