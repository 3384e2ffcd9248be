"""Synthetic sessions as rosbag2 (.mcap) files, written with the pure-Python ``rosbags``.

A bag holds what the built-in synthetic headset would publish: the eye images as
``sensor_msgs/msg/Image`` (mono8) and the exact truth as
``eye_expression_driver/msg/SyntheticGroundTruth``, all stamped with the sequence time from a
fixed epoch, so that the same seed gives the same bytes and ``ros2 bag play`` replays it at the
recorded rate. The package's message types are registered from its msg/*.msg text, and the
bag carries their definitions, so it can be read without this package being built.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from rosbags.rosbag2 import StoragePlugin, Writer

from eye_expression_driver.core.names import EYES
from eye_expression_driver.media.bag import (
    IMAGE,
    PACKAGE,
    RELIABLE_QOS,
    SENSOR_QOS,
    header,
    image_message,
    typestore,
)

from .renderer import FrameTruth

EPOCH_NS = 1_700_000_000 * 10**9  # stamp of a sequence's first frame (2023-11-14T22:13:20Z)
TOPICS = {"left": "/eyes/left/image_raw", "right": "/eyes/right/image_raw",
          "wide": "/eyes/image_raw", "truth": "/eyes/ground_truth"}
FRAME_IDS = {"left": "left_eye_camera", "right": "right_eye_camera", "wide": "eye_camera"}
TRUTH = f"{PACKAGE}/msg/SyntheticGroundTruth"
EYE_TRUTH = f"{PACKAGE}/msg/EyeGroundTruth"


def stamp_ns(t: float) -> int:
    """The header stamp (ns) of sequence time t (s)."""
    return EPOCH_NS + round(t * 1e9)


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
        cameras = ("wide",) if self.wide else EYES
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
