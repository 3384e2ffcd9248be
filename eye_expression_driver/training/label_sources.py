"""Image sequences the auto-labeller reads: one person, one session, one or both eyes.

A *session* yields ``EyeFrame``s in time order: each eye's image as its camera sees it (a
right eye is not mirrored here; the detector and the model mirror it themselves, as at run
time) and, for synthetic sessions, the exact truth in the left-eye view. Three kinds:

* a synthetic sequence directory (``meta.json`` + ``left/``/``right/`` or ``wide/`` PNGs,
  written by ``eye-expression synth``) or a sequence rendered in memory;
* a folder of frames of one eye (PNG/JPG sorted by name, ``fps`` apart);
* a rosbag2 bag (directory or .mcap/.db3 file): every ``sensor_msgs/msg/Image`` topic, or
  the chosen ones, one eye each (``left``/``right`` in the topic name, else ``eye``), timed
  by the header stamps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eye_expression_driver.core.eye_tracking import View
from eye_expression_driver.media.image_decode import decode_message
from eye_expression_driver.synth.renderer import FrameTruth
from eye_expression_driver.synth.sequence import EYES, SyntheticSequence, load_sequence

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
BAG_SUFFIXES = (".mcap", ".db3")
IMAGE_TYPE = "sensor_msgs/msg/Image"


class SourceError(ValueError):
    """A path that is no readable image sequence (says why)."""


@dataclass(frozen=True)
class EyeFrame:
    """One eye's image of one frame; ``truth`` (synthetic only) is in the left-eye view."""

    eye: str
    t: float  # s since the session's first frame
    image: np.ndarray  # grey, as the camera sees it
    truth: FrameTruth | None = None


@dataclass
class Session:
    """A named session: ``frames()`` iterates its EyeFrames; ``meta`` describes it (JSON)."""

    name: str
    eyes: tuple[str, ...]
    meta: dict
    _frames: object  # a zero-argument callable returning an iterator of EyeFrame

    def frames(self) -> Iterator[EyeFrame]:
        return self._frames()


def _truth_in_view(truth: FrameTruth, eye: str, region: tuple[int, int, int, int]):
    """A truth given in the full image's px -> the eye's own left-eye view."""
    x0, y0, x1, _ = region
    offset = np.array([x0, y0], dtype=np.float64)
    moved = replace(truth, landmarks=truth.landmarks - offset, pupil=truth.pupil - offset,
                    glints=np.asarray(truth.glints).reshape(-1, 2) - offset)
    return moved.mirrored(x1 - x0) if eye == "right" else moved


def _views(meta: dict) -> dict[str, tuple[str, View]]:
    """eye -> (image folder, crop) of a synthetic sequence (per-eye cameras or one wide)."""
    folders = meta.get("images", dict.fromkeys(EYES))
    if "wide" in folders:
        crops = meta.get("crops", {})
        return {eye: ("wide", View(tuple(crops[eye]))) for eye in EYES if eye in crops}
    return {eye: (eye, View()) for eye in EYES if eye in folders}


def synthetic_dir_session(path: Path) -> Session:
    """A directory written by ``write_sequence`` (both eyes, with truth)."""
    seq = load_sequence(path)
    views = _views(seq.meta)

    def frames() -> Iterator[EyeFrame]:
        for i, t in enumerate(seq.t):
            for eye, (folder, view) in views.items():
                image, region = view.apply(seq.images[folder][i])
                truth = _truth_in_view(seq.frame_truth(eye, i), eye, region)
                yield EyeFrame(eye, float(t), image, truth)

    meta = {"kind": "synthetic_dir", "path": str(path), "seed": seq.meta.get("seed"),
            "frames": len(seq), "events": seq.meta.get("events", [])}
    return Session(session_name(path), tuple(views), meta, frames)


def synthetic_session(sequence: SyntheticSequence, name: str | None = None) -> Session:
    """A sequence rendered in memory (``generate_sequence``); one pass renders both eyes."""
    width = sequence.size[0]

    def frames() -> Iterator[EyeFrame]:
        for frame in sequence:
            yield EyeFrame("left", frame.t, frame.left, frame.left_truth)
            yield EyeFrame("right", frame.t, frame.right, frame.right_truth.mirrored(width))

    meta = {"kind": "synthetic", "seed": sequence.seed, "frames": len(sequence),
            "seconds": sequence.seconds, "fps": sequence.fps, "size": list(sequence.size),
            "events": sequence.meta()["events"]}
    return Session(name or f"synth_{sequence.seed}", EYES, meta, frames)


def folder_session(path: Path, eye: str, fps: float) -> Session:
    """Image files of one eye, sorted by name, ``fps`` apart."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise SourceError(f"{path}: no image files ({', '.join(IMAGE_SUFFIXES)})")
    from eye_expression_driver.vision.detect_command import read_image

    def frames() -> Iterator[EyeFrame]:
        for i, file in enumerate(files):
            yield EyeFrame(eye, i / fps, read_image(str(file)))

    meta = {"kind": "folder", "path": str(path), "frames": len(files), "fps": fps}
    return Session(session_name(path), (eye,), meta, frames)


def _topic_eye(topic: str, default: str) -> str:
    """The eye an image topic shows: 'left'/'right' in its name, else the default."""
    parts = topic.lower().replace("-", "_").replace("/", "_").split("_")
    found = [eye for eye in EYES if eye in parts]
    return found[0] if len(found) == 1 else default


def bag_session(path: Path, eye: str, topics: list[str] | None = None) -> Session:
    """The image topics of a rosbag2 bag, timed by their header stamps."""
    from rosbags.rosbag2 import Reader

    from eye_expression_driver.media.bag import typestore

    try:
        with Reader(path) as reader:
            conns = [c for c in reader.connections if c.msgtype == IMAGE_TYPE
                     and (not topics or c.topic in topics)]
    except Exception as exc:  # rosbags raises many kinds for broken files
        raise SourceError(f"{path}: not a readable rosbag2 bag ({exc})") from exc
    if not conns:
        raise SourceError(f"{path}: no {IMAGE_TYPE} topic" + (f" among {topics}" if topics else ""))
    eyes = {c.topic: _topic_eye(c.topic, eye) for c in conns}
    if len(set(eyes.values())) < len(eyes):
        raise SourceError(f"{path}: cannot tell the eyes of topics {sorted(eyes)} apart; "
                          "choose one with --topic and --eye")
    store = typestore()

    def frames() -> Iterator[EyeFrame]:
        first = None
        with Reader(path) as reader:
            for conn, _, raw in reader.messages(connections=[c for c in reader.connections
                                                             if c.topic in eyes]):
                msg = store.deserialize_cdr(raw, conn.msgtype)
                stamp = msg.header.stamp.sec + 1e-9 * msg.header.stamp.nanosec
                first = stamp if first is None else first
                image = decode_message(msg)
                yield EyeFrame(eyes[conn.topic], stamp - first, image)

    meta = {"kind": "bag", "path": str(path), "topics": eyes}
    return Session(session_name(path), tuple(sorted(set(eyes.values()))), meta, frames)


def session_name(path: Path) -> str:
    """A readable name: a generic folder name ('bag', 'left') gets its parent's in front."""
    name = path.stem if path.is_file() else path.name
    generic = name in ("bag", "left", "right", "wide", "images", "frames")
    return f"{path.resolve().parent.name}_{name}" if generic else name


def open_session(path: str | Path, eye: str = "left", fps: float = 120.0,
                 topics: list[str] | None = None) -> Session:
    """The session at ``path``: a synthetic sequence dir, a bag, or a folder of frames."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if (path / "meta.json").is_file():
        return synthetic_dir_session(path)
    if path.suffix in BAG_SUFFIXES or (path / "metadata.yaml").is_file():
        return bag_session(path, eye, topics)
    if path.is_dir():
        return folder_session(path, eye, fps)
    raise SourceError(f"{path}: not a sequence directory, a folder of frames or a bag")
