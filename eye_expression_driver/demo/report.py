"""The demo's report from its recorded bag: a plot, an animated preview and a text summary.

Reads the bag with `rosbags` (no DDS), so a report can be rebuilt from any recording of the
synthetic headset. The preview shows both eye images with the tracker's landmarks (drawn
from the recorded observations with outputs.overlay, the tracker's own debug drawing) beside
the avatar face drawn from the recorded FaceExpression (outputs.avatar_preview, the preview
node's drawing), all at one stamp per frame.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from rosbags.rosbag2 import Reader

from eye_expression_driver.core.eye_tracking import Observation
from eye_expression_driver.core.names import EYES
from eye_expression_driver.media.bag import typestore
from eye_expression_driver.media.image_decode import decode_message, to_mono8
from eye_expression_driver.outputs.avatar_preview import render_avatar
from eye_expression_driver.outputs.overlay import draw_overlay

from .metrics import EyeTruth, Session, evaluate, format_report, headline
from .plot import label, per_frame, plot, session_time
from .session import Segment

GIF_FPS = 10.0
PANEL = 200  # px, height of each panel of the preview (the synthetic cameras' own size)
CAPTION = 22  # px, the text line under the panels
GIF_GREYS, GIF_COLOURS = 64, 128  # palette: grey levels for the eyes, colours for the rest


def _ns(header) -> int:
    return int(header.stamp.sec) * 1_000_000_000 + int(header.stamp.nanosec)


@dataclass
class Recording:
    """What the report needs from the bag, gathered in one pass."""

    truth: list[tuple[int, tuple]] = field(default_factory=list)  # stamp, per-side values
    faces: list[tuple[int, int, dict[str, float]]] = field(default_factory=list)
    observations: dict[str, dict[int, Observation]] = field(
        default_factory=lambda: {s: {} for s in EYES})
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
              *(f"{prefix}{s}/observation" for s in EYES)}
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
    """The recording as arrays for demo.metrics.evaluate."""
    truth = sorted(rec.truth)
    eyes = {side: _eye_truth([v[i] for _, v in truth]) for i, side in enumerate(EYES)}
    faces = sorted(rec.faces, key=lambda f: f[0])
    names = sorted({n for _, _, w in faces for n in w})
    weights = {n: np.array([w.get(n, np.nan) for _, _, w in faces]) for n in names}
    return Session(np.array([s for s, _ in truth], np.int64), eyes,
                   np.array([f[0] for f in faces], np.int64),
                   np.array([f[1] for f in faces], np.int64), weights, dict(rec.counts))


def _grey(msg) -> np.ndarray:
    return to_mono8(decode_message(msg))


def _fit(picture: np.ndarray) -> np.ndarray:
    scale = PANEL / picture.shape[0]
    size = (max(1, round(picture.shape[1] * scale)), PANEL)
    return cv2.resize(picture, size, interpolation=cv2.INTER_AREA)


@dataclass
class PreviewFrame:
    t: float  # s into the session
    face: dict[str, float]  # the FaceExpression drawn
    picture: np.ndarray  # BGR


def preview_frames(bag: Path, rec: Recording, session: Session, namespace: str = "",
                   fps: float = GIF_FPS, rate: float | None = None,
                   segments: Sequence[Segment] = ()) -> list[PreviewFrame]:
    """BGR frames: right eye, left eye (as the avatar faces the viewer), then the avatar,
    and a caption with the session time, the plan's current step and the blink weights."""
    prefix = "/" + namespace.strip("/") + "/" if namespace.strip("/") else "/"
    t, weights = session_time(session, rate), per_frame(session)
    produced = np.flatnonzero(np.isfinite(next(iter(weights.values()), np.array([]))))
    if produced.size == 0:
        return []
    wanted = produced[np.unique(np.searchsorted(t[produced], np.arange(0, t[-1], 1 / fps)))]
    images = _images_at(bag, prefix, {int(session.truth_ns[i]) for i in wanted})
    frames = []
    for i in wanted:
        pair = images.get(int(session.truth_ns[i]), {})
        if len(pair) < 2:
            continue  # an image lost on the way to the recorder
        stamp = int(session.truth_ns[i])
        panels = [_panel(draw_overlay(pair[side], rec.observations[side].get(stamp,
                                                                            Observation()),
                                      min_width=PANEL), f"{side} eye")
                  for side in reversed(EYES)]  # right, left: as the avatar faces you
        face = {n: float(w[i]) for n, w in weights.items()}
        panels.append(_panel(render_avatar(face, PANEL), "avatar"))
        picture = np.vstack([np.hstack(panels), _caption(float(t[i]), face, segments,
                                                          3 * PANEL)])
        frames.append(PreviewFrame(float(t[i]), face, picture))
    return frames


def _images_at(bag: Path, prefix: str, stamps: set[int]) -> dict[int, dict[str, np.ndarray]]:
    """Both eyes' images at these stamps, as grey arrays."""
    images: dict[int, dict[str, np.ndarray]] = defaultdict(dict)
    with Reader(bag) as reader:
        conns = [c for c in reader.connections
                 if c.topic in {f"{prefix}{s}/image_raw" for s in EYES}]
        for conn, _, data in reader.messages(connections=conns):
            msg = typestore().deserialize_cdr(data, conn.msgtype)
            if _ns(msg.header) in stamps:
                images[_ns(msg.header)][conn.topic.removeprefix(prefix).split("/")[0]] = _grey(msg)
    return images


def _panel(picture: np.ndarray, name: str) -> np.ndarray:
    picture = _fit(picture)
    _text(picture, name, (6, PANEL - 8))
    return picture


def _text(picture: np.ndarray, text: str, origin: tuple[int, int], scale: float = 0.45) -> None:
    """White text on a dark box, legible on eyes and on the avatar alike."""
    (width, height), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    x, y = origin
    cv2.rectangle(picture, (x - 3, y - height - 3), (x + width + 3, y + base), (30, 30, 30), -1)
    cv2.putText(picture, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                cv2.LINE_AA)


def _caption(t: float, face: dict[str, float], segments: Sequence[Segment],
             width: int) -> np.ndarray:
    strip = np.full((CAPTION, width, 3), 30, np.uint8)
    doing = ", ".join(("look " if s.kind == "saccade" else "") + label(s)
                      for s in segments if s.start <= t < s.end)
    _text(strip, f"{t:5.1f} s  {doing}", (6, 15))
    blink = "  ".join(f"eyeBlink{s} {face.get(f'eyeBlink{s}', float('nan')):.2f}"
                      for s in ("Right", "Left"))
    (size, _), _ = cv2.getTextSize(blink, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)
    _text(strip, blink, (width - 8 - size, 15))
    return strip


def gif_palette(frames: list[np.ndarray]):
    """One palette for the whole GIF: grey levels for the eye images, and the overlay's and
    the avatar's colours from a sample of frames (an adaptive palette gives the large grey
    area nearly every entry, and the iris and the pupil mark lose their colour)."""
    from PIL import Image as PILImage

    sample = np.vstack([frames[i] for i in np.linspace(0, len(frames) - 1, 12).astype(int)])
    rgb = cv2.cvtColor(sample, cv2.COLOR_BGR2RGB).reshape(-1, 3)
    coloured = rgb[rgb.max(1).astype(int) - rgb.min(1) > 12]
    if coloured.size == 0:
        coloured = np.zeros((1, 3), np.uint8)
    side = int(np.ceil(np.sqrt(len(coloured))))
    square = np.resize(coloured, (side * side, 3)).reshape(side, side, 3)
    colours = PILImage.fromarray(square).quantize(GIF_COLOURS, PILImage.Quantize.MEDIANCUT)
    levels = np.linspace(0, 255, GIF_GREYS).round().astype(np.uint8)
    entries = np.concatenate([np.repeat(levels, 3), np.array(colours.getpalette(), np.uint8)])
    palette = PILImage.new("P", (1, 1))
    palette.putpalette(entries[:768].tolist())
    return palette


def write_gif(frames: list[np.ndarray], path: Path, fps: float = GIF_FPS) -> None:
    from PIL import Image as PILImage

    palette = gif_palette(frames)
    pictures = [PILImage.fromarray(cv2.cvtColor(f, cv2.COLOR_BGR2RGB)).quantize(
        palette=palette, dither=PILImage.Dither.NONE) for f in frames]
    pictures[0].save(path, save_all=True, append_images=pictures[1:],
                     duration=round(1000 / fps), loop=0)


def write_report(bag: Path, out: Path, namespace: str = "", skip_seconds: float = 5.0,
                 extra: str = "", rate: float | None = None,
                 segments: Sequence[Segment] = (),
                 drops: dict[str, int] | None = None) -> dict[str, Path]:
    """coefficients.png, preview.gif (+ preview.png, one frame) and summary.txt in `out`.

    ``rate`` is the headset's frame rate (else taken from the stamps), ``segments`` the
    scripted plan to draw, ``drops`` the nodes' own drop counts for the summary.
    """
    out.mkdir(parents=True, exist_ok=True)
    rec = read_recording(bag, namespace)
    session = session_of(rec)
    paths = {"plot": out / "coefficients.png", "summary": out / "summary.txt"}
    plot(session, paths["plot"], rate, segments, skip_seconds)
    frames = preview_frames(bag, rec, session, namespace, rate=rate, segments=segments)
    if frames:
        paths["preview"], paths["frame"] = out / "preview.gif", out / "preview.png"
        write_gif([f.picture for f in frames], paths["preview"])
        cv2.imwrite(str(paths["frame"]), telling_frame(frames).picture)
    report = evaluate(session, skip_seconds)
    paths["summary"].write_text(
        headline(report, skip_seconds, drops) + f"\nbag: {bag}\n" + extra
        + "details:\n" + format_report(report, session.counts))
    return paths


def telling_frame(frames: list[PreviewFrame]) -> PreviewFrame:
    """The frame for preview.png: the one whose eyes' blink weights differ most (a wink),
    which shows at once that each eye is tracked on its own."""
    def wink(frame: PreviewFrame) -> float:
        left, right = (frame.face.get(f"eyeBlink{s}", 0.0) for s in ("Left", "Right"))
        return abs(left - right) if np.isfinite(left - right) else -1.0

    return max(frames, key=wink)
