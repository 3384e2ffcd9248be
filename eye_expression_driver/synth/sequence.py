"""Synthetic sessions: one person, one headset, both eyes, frame by frame, and their files.

``generate_sequence(seed, ...)`` is deterministic: the seed fixes the person, the behaviour and
the sensor noise, so the same seed gives the same image bytes. On disk a sequence is
``left/NNNNNN.png``, ``right/NNNNNN.png`` (8-bit grey, as the cameras see them), one
``truth.npz`` with per-frame arrays and ``meta.json`` (subjects, blink events, settings).
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from eye_expression_driver.core.names import EYES

from .behaviour import BehaviourParams, BehaviourScript, script_behaviour
from .renderer import FrameTruth, HeadsetRenderer
from .subject import SubjectParams

FORMAT = "eye_expression_driver.synth.sequence/1"
# FrameTruth fields stored per eye in truth.npz as "<eye>_<field>", with their dtypes.
TRUTH_FIELDS = {
    "landmarks": np.float32, "landmarks_hidden": bool, "pupil": np.float32,
    "pupil_ellipse": np.float32, "pupil_visible": np.float32, "openness": np.float32,
    "yaw": np.float32, "pitch": np.float32, "blinking": bool,
}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same sequence gives the same bytes
# Writes a session's behaviour: (rng, seconds, fps, params, slip_scale, glasses) -> script.
Scripter = Callable[..., BehaviourScript]


@dataclass(frozen=True)
class SyntheticFrame:
    """One frame pair: images as each camera sees them, truths in those images' pixels."""

    index: int
    t: float  # s since the start of the sequence
    left: np.ndarray  # (H, W) uint8
    right: np.ndarray  # (H, W) uint8, the right eye (nose on the image's right)
    left_truth: FrameTruth
    right_truth: FrameTruth

    def images(self) -> dict[str, np.ndarray]:
        """The frame's images by file-folder name."""
        return {"left": self.left, "right": self.right}


class SyntheticSequence:
    """An iterator over the frames of one session that also knows its settings and events."""

    def __init__(self, seed: int, seconds: float, fps: float, size: tuple[int, int],
                 params: BehaviourParams | None = None,
                 scripter: Scripter = script_behaviour) -> None:
        seq = np.random.SeedSequence(seed)
        subject_rng, other_rng, behaviour_rng, render_rng = (
            np.random.default_rng(s) for s in seq.spawn(4)
        )
        self.seed, self.seconds, self.fps = int(seed), float(seconds), float(fps)
        self.size = (int(size[0]), int(size[1]))
        self.left_subject = SubjectParams.sample(subject_rng)
        self.right_subject = self.left_subject.other_eye(other_rng)
        self.script: BehaviourScript = scripter(
            behaviour_rng, seconds, fps, params, self.left_subject.slip_scale,
            self.left_subject.glasses,
        )
        self.renderer = HeadsetRenderer(self.left_subject, self.right_subject, self.size)
        self._rng = render_rng
        self._next = 0

    def __len__(self) -> int:
        return len(self.script.t)

    def __iter__(self) -> Iterator[SyntheticFrame]:
        return self

    def __next__(self) -> SyntheticFrame:
        i = self._next
        if i >= len(self):
            raise StopIteration
        self._next += 1
        left, right, left_truth, right_truth = self.renderer.render_pair(
            self.script.left[i], self.script.right[i], self._rng
        )
        return SyntheticFrame(i, float(self.script.t[i]), left, right, left_truth, right_truth)

    def meta(self) -> dict:
        """JSON-ready description: settings, both eyes' subject parameters, blink events."""
        return {
            "format": FORMAT,
            "seed": self.seed,
            "seconds": self.seconds,
            "fps": self.fps,
            "size": list(self.size),
            "frames": len(self),
            "subjects": {
                "left": dataclasses.asdict(self.left_subject),
                "right": dataclasses.asdict(self.right_subject),
            },
            "events": [dataclasses.asdict(e) for e in self.script.events],
        }


def generate_sequence(seed: int, seconds: float, fps: float, size: tuple[int, int] = (200, 200),
                      params: BehaviourParams | None = None,
                      scripter: Scripter = script_behaviour) -> SyntheticSequence:
    """The frames of one synthetic session (an iterator with ``meta()`` and ``len()``).

    ``size`` is (width, height) in px; ``scripter`` writes the behaviour (random everyday
    behaviour by default, or e.g. demo.session.script_demo_session).
    """
    return SyntheticSequence(seed, seconds, fps, size, params, scripter)


def _truth_arrays(truths: list[FrameTruth]) -> dict[str, np.ndarray]:
    """Stack one eye's truths into per-field arrays; glints NaN-padded to the most per frame."""
    arrays = {
        name: np.array([getattr(tr, name) for tr in truths], dtype=dtype)
        for name, dtype in TRUTH_FIELDS.items()
    }
    most = max((len(tr.glints) for tr in truths), default=0)
    glints = np.full((len(truths), most, 2), np.nan, np.float32)
    for i, tr in enumerate(truths):
        glints[i, : len(tr.glints)] = tr.glints
    arrays["glints"] = glints
    return arrays


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez_compressed, but with fixed zip timestamps (reproducible bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def write_sequence(frames: Iterable[SyntheticFrame], out_dir: str | Path,
                   meta: dict | None = None) -> Path:
    """Write frames as PNGs plus truth.npz and meta.json; returns the directory.

    Images go to one folder per entry of ``frame.images()`` (``left``/``right``, or ``wide``
    for a camera that sees both eyes). ``meta`` defaults to ``frames.meta()`` when the
    frames come from ``generate_sequence``.
    """
    out = Path(out_dir)
    if meta is None and hasattr(frames, "meta"):
        meta = frames.meta()
    times: list[float] = []
    truths: dict[str, list[FrameTruth]] = {eye: [] for eye in EYES}
    folders: list[str] = []
    for frame in frames:
        name = f"{frame.index:06d}.png"
        for folder, image in frame.images().items():
            if folder not in folders:
                (out / folder).mkdir(parents=True, exist_ok=True)
                folders.append(folder)
            cv2.imwrite(str(out / folder / name), image)
        times.append(frame.t)
        truths["left"].append(frame.left_truth)
        truths["right"].append(frame.right_truth)
    arrays: dict[str, np.ndarray] = {"t": np.array(times, dtype=np.float64)}
    for eye in EYES:
        for name, array in _truth_arrays(truths[eye]).items():
            arrays[f"{eye}_{name}"] = array
    out.mkdir(parents=True, exist_ok=True)
    _save_npz(out / "truth.npz", arrays)
    meta = dict(meta or {"format": FORMAT})
    meta["images"] = {folder: f"{folder}/%06d.png" for folder in folders or EYES}
    (out / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return out


class LazyImages:
    """One eye's frames on disk, read when indexed."""

    def __init__(self, folder: Path, count: int) -> None:
        self.folder, self.count = folder, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> np.ndarray:
        if not -self.count <= index < self.count:
            raise IndexError(index)
        image = cv2.imread(str(self.folder / f"{index % self.count:06d}.png"), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise FileNotFoundError(self.folder / f"{index % self.count:06d}.png")
        return image


@dataclass(frozen=True)
class LoadedSequence:
    """A written sequence: metadata, times, per-eye truth arrays and lazily read images."""

    meta: dict
    t: np.ndarray
    truth: dict[str, dict[str, np.ndarray]]  # eye -> field -> (N, ...) array
    images: dict[str, LazyImages]  # folder ("left", "right" or "wide") -> images

    def __len__(self) -> int:
        return len(self.t)

    def frame_truth(self, eye: str, index: int) -> FrameTruth:
        """The FrameTruth of one eye and frame, as the renderer returned it."""
        arrays = self.truth[eye]
        glints = arrays["glints"][index]
        values = {name: arrays[name][index] for name in TRUTH_FIELDS}
        for name in ("pupil_visible", "openness", "yaw", "pitch"):
            values[name] = float(values[name])
        values["blinking"] = bool(values["blinking"])
        return FrameTruth(glints=glints[~np.isnan(glints[:, 0])], **values)


def load_sequence(directory: str | Path) -> LoadedSequence:
    """Read a directory written by ``write_sequence``."""
    path = Path(directory)
    meta = json.loads((path / "meta.json").read_text())
    with np.load(path / "truth.npz") as data:
        arrays = {name: data[name] for name in data.files}
    t = arrays.pop("t")
    truth = {
        eye: {name[len(eye) + 1 :]: a for name, a in arrays.items() if name.startswith(eye + "_")}
        for eye in EYES
    }
    folders = meta.get("images", dict.fromkeys(EYES))
    images = {name: LazyImages(path / name, len(t)) for name in folders}
    return LoadedSequence(meta=meta, t=t, truth=truth, images=images)
