"""The demo's report from its recorded bag: a plot, an animated preview and a text summary.

Reads the bag with `rosbags` (no DDS), so a report can be rebuilt from any recording of the
synthetic headset. The preview shows both eye images with the tracker's landmarks (drawn
from the recorded observations with core.overlay, the tracker's own debug drawing) beside
the avatar face drawn from the recorded FaceExpression (core.avatar_preview, the preview
node's drawing), all at one stamp per frame.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from rosbags.rosbag2 import Reader

from ..core.avatar_preview import render_avatar
from ..core.eye_tracking import Observation
from ..core.image_decode import decode_image, to_mono8
from ..core.overlay import draw_overlay
from ..core.session_metrics import SIDES, EyeTruth, Session, evaluate, format_report, gaze_signal
from .bag_types import typestore

GIF_FPS = 10.0
PANEL = 240  # px, height of each panel of the preview


def _ns(header) -> int:
    return int(header.stamp.sec) * 1_000_000_000 + int(header.stamp.nanosec)


@dataclass
class Recording:
    """What the report needs from the bag, gathered in one pass."""

    truth: list[tuple[int, tuple]] = field(default_factory=list)  # stamp, per-side values
    faces: list[tuple[int, int, dict[str, float]]] = field(default_factory=list)
    observations: dict[str, dict[int, Observation]] = field(
        default_factory=lambda: {s: {} for s in SIDES})
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _eye_values(eye) -> tuple[float, float, float, bool]:
    return float(eye.openness), float(eye.gaze_yaw), float(eye.gaze_pitch), bool(eye.blinking)


def _observation(msg) -> Observation:
    return Observation(landmarks=np.stack([msg.landmarks_x, msg.landmarks_y], 1),
                       pupil=np.array([msg.pupil_x, msg.pupil_y]),
                       confidence=float(msg.confidence))


def read_recording(bag: Path, namespace: str = "") -> Recording:
    """Truth, faces and observations of the bag (images are read later, only where needed)."""
    prefix = "/" + namespace.strip("/") + "/" if namespace.strip("/") else "/"
    store, rec = typestore(), Recording()
    wanted = {f"{prefix}ground_truth", f"{prefix}face_expression",
              *(f"{prefix}{s}/observation" for s in SIDES)}
    with Reader(bag) as reader:
        for conn in reader.connections:
            rec.counts[conn.topic] += conn.msgcount
        conns = [c for c in reader.connections if c.topic in wanted]
        for conn, received, data in reader.messages(connections=conns):
            msg = store.deserialize_cdr(data, conn.msgtype)
            topic = conn.topic.removeprefix(prefix)
            if topic == "ground_truth":
                rec.truth.append((_ns(msg.header), (_eye_values(msg.left),
                                                    _eye_values(msg.right))))
            elif topic == "face_expression":
                rec.faces.append((_ns(msg.header), received,
                                  dict(zip(msg.names, map(float, msg.weights), strict=False))))
            else:
                rec.observations[topic.split("/")[0]][_ns(msg.header)] = _observation(msg)
    return rec


def _eye_truth(rows: list[tuple[float, float, float, bool]]) -> EyeTruth:
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
    return EyeTruth(*(np.array(c, dtype) for c, dtype in
                      zip(columns, (float, float, float, bool), strict=True)))


def session_of(rec: Recording) -> Session:
    """The recording as arrays for core.session_metrics."""
    truth = sorted(rec.truth)
    eyes = {side: _eye_truth([v[i] for _, v in truth]) for i, side in enumerate(SIDES)}
    faces = sorted(rec.faces, key=lambda f: f[0])
    names = sorted({n for _, _, w in faces for n in w})
    weights = {n: np.array([w.get(n, np.nan) for _, _, w in faces]) for n in names}
    return Session(np.array([s for s, _ in truth], np.int64), eyes,
                   np.array([f[0] for f in faces], np.int64),
                   np.array([f[1] for f in faces], np.int64), weights, dict(rec.counts))


def plot(session: Session, path: Path) -> None:
    """Each eye's blink and gaze coefficients over time against the ground truth."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = session.truth_ns[0] if session.truth_ns.size else 0
    tt = (session.truth_ns - t0) / 1e9
    tf = (session.face_ns - t0) / 1e9
    if tt.size:  # faces outside the session (easing after it) came from no frame
        tf[(tf < tt[0]) | (tf > tt[-1])] = np.nan
    fig, axes = plt.subplots(3, 2, figsize=(12, 8), sharex=True)
    for col, side in enumerate(SIDES):
        truth = session.truth[side]
        blink = session.weights.get(f"eyeBlink{side.capitalize()}", np.full(tf.shape, np.nan))
        horizontal, vertical = (gaze_signal(session.weights, side)
                                if f"eyeBlink{side.capitalize()}" in session.weights
                                else (blink, blink))
        rows = [("eyeBlink", blink, truth.blink, "1 - openness", (-0.05, 1.05)),
                ("eyeLookOut - eyeLookIn", horizontal, truth.yaw, "yaw (deg, + out)", None),
                ("eyeLookUp - eyeLookDown", vertical, truth.pitch, "pitch (deg, + up)", None)]
        for row, (label, coeff, true, true_label, limits) in enumerate(rows):
            ax = axes[row, col]
            ax.plot(tf, coeff, color="tab:blue", lw=1)
            other = ax if limits else ax.twinx()
            other.plot(tt, true, color="tab:orange", lw=1, alpha=0.8)
            if limits:
                ax.set_ylim(*limits)
                ax.set_ylabel(f"{label} / truth {true_label}")
            else:
                ax.set_ylabel(label, color="tab:blue")
                other.set_ylabel(f"truth: {true_label}", color="tab:orange")
            ax.set_title(f"{side} eye: {label} (blue), truth {true_label} (orange)",
                         fontsize=9)
        axes[2, col].set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _grey(msg) -> np.ndarray:
    return to_mono8(decode_image(msg.encoding, msg.width, msg.height, msg.step,
                                 msg.is_bigendian, bytes(msg.data)))


def _fit(picture: np.ndarray) -> np.ndarray:
    scale = PANEL / picture.shape[0]
    size = (max(1, round(picture.shape[1] * scale)), PANEL)
    return cv2.resize(picture, size, interpolation=cv2.INTER_AREA)


def preview_frames(bag: Path, rec: Recording, session: Session, namespace: str = "",
                   fps: float = GIF_FPS) -> list[np.ndarray]:
    """BGR frames: right eye, left eye (as the avatar faces the viewer), then the avatar."""
    prefix = "/" + namespace.strip("/") + "/" if namespace.strip("/") else "/"
    stamps = session.face_ns
    if stamps.size == 0:
        return []
    step_ns = 1e9 / fps
    chosen = set(stamps[np.unique(np.searchsorted(
        stamps, np.arange(stamps[0], stamps[-1], step_ns)))].tolist())
    images: dict[int, dict[str, np.ndarray]] = defaultdict(dict)
    with Reader(bag) as reader:
        conns = [c for c in reader.connections
                 if c.topic in {f"{prefix}{s}/image_raw" for s in SIDES}]
        for conn, _, data in reader.messages(connections=conns):
            msg = typestore().deserialize_cdr(data, conn.msgtype)
            if _ns(msg.header) in chosen:
                images[_ns(msg.header)][conn.topic.removeprefix(prefix).split("/")[0]] = _grey(msg)
    faces = {s: i for i, s in enumerate(stamps.tolist())}
    frames = []
    for stamp in sorted(chosen):
        pair = images.get(stamp, {})
        if len(pair) < 2:
            continue  # an image lost on the way to the recorder
        panels = [_fit(draw_overlay(pair[side], rec.observations[side].get(stamp, Observation())))
                  for side in ("right", "left")]
        weights = {n: float(w[faces[stamp]]) for n, w in session.weights.items()}
        panels.append(render_avatar(weights, PANEL))
        frames.append(np.hstack(panels))
    return frames


def write_gif(frames: list[np.ndarray], path: Path, fps: float = GIF_FPS) -> None:
    from PIL import Image as PILImage

    pictures = [PILImage.fromarray(cv2.cvtColor(f, cv2.COLOR_BGR2RGB)) for f in frames]
    pictures[0].save(path, save_all=True, append_images=pictures[1:],
                     duration=round(1000 / fps), loop=0, optimize=True)


def write_report(bag: Path, out: Path, namespace: str = "", skip_seconds: float = 5.0,
                 extra: str = "") -> dict[str, Path]:
    """plot.png, preview.gif (+ preview.png, one frame) and summary.txt in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    rec = read_recording(bag, namespace)
    session = session_of(rec)
    paths = {"plot": out / "coefficients.png", "summary": out / "summary.txt"}
    plot(session, paths["plot"])
    frames = preview_frames(bag, rec, session, namespace)
    if frames:
        paths["preview"], paths["frame"] = out / "preview.gif", out / "preview.png"
        write_gif(frames, paths["preview"])
        cv2.imwrite(str(paths["frame"]), frames[len(frames) // 2])
    report = evaluate(session, skip_seconds)
    header = f"bag: {bag}\nwarm-up not judged: first {skip_seconds:g} s\n"
    paths["summary"].write_text(header + extra + format_report(report, session.counts))
    return paths
