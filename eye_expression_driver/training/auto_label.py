"""Auto-labelling: image sequences -> per-frame [E_up, E_down, E_in, E_out, P] labels.

``eye-expression label SEQUENCES... --out DIR`` runs the eye feature detector over every
frame of each session (one person, one session), computes that session's statistics per eye
(``core.eye_coefficients.label_sequence``: offline thresholds over the whole sequence) and
labels every frame with the coefficient method, exactly as the geometric path would with
those thresholds. Frames the detector is not sure of (``confidence`` below the calibration's
``min_confidence``, or no eyelid distance) are marked ``keep = False`` and left out of
training. Per eye it writes ``<session>.<eye>.npz`` (the model's input squares as uint8,
labels, the detector's features, times) and ``<session>.<eye>.json`` (the statistics and
counts); over all, ``summary.json`` and ``summary.png`` (label_summary.py).

The features come from an injected function (``FeatureFn``), so tests and evaluation can
label from exact synthetic truth with the same code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from eye_expression_driver.core.eye_coefficients import CoefficientConfig, label_sequence
from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.gaze import pupil_offset
from eye_expression_driver.core.landmarks import EyeGeometryError
from eye_expression_driver.vision.coefficient_model import model_input
from eye_expression_driver.vision.preprocess import UnusableImageError

from .label_sources import EyeFrame, Session

INPUT_SIZE = 64  # px of the stored model inputs (the network's input square)


class Features(NamedTuple):
    """What the coefficient method needs from one eye image."""

    eyelid_distance: float
    pupil_offset: np.ndarray  # (2,) eye widths, NaN when no pupil
    confidence: float
    pupil_confidence: float


FeatureFn = Callable[[EyeFrame], Any]  # -> Features or vision.eye_features.EyeFeatures
NO_EYE = Features(math.nan, np.full(2, math.nan), 0.0, 0.0)


def detector_features(detector) -> FeatureFn:
    """Features from the eye feature detector; an unusable image gives no eye."""
    def features(frame: EyeFrame):
        try:
            return detector.detect(frame.image, frame.eye)
        except UnusableImageError:
            return NO_EYE
    return features


def truth_features(frame: EyeFrame) -> Features:
    """Features from a synthetic frame's exact truth (confidence 1, pupil as visible)."""
    truth = frame.truth
    if truth is None:
        raise ValueError("this frame has no ground truth (not a synthetic sequence)")
    try:
        d = eyelid_distance(truth.landmarks)
        offset = pupil_offset(truth.landmarks, truth.pupil)
    except EyeGeometryError:
        return NO_EYE
    return Features(d, offset, 1.0, float(truth.pupil_visible))


@dataclass
class TrackLabels:
    """One eye of one session, labelled; arrays have one row per frame."""

    name: str  # "<session>.<eye>"
    eye: str
    t: np.ndarray  # (N,) s
    images: np.ndarray  # (N, S, S) uint8 model inputs (left-eye view, letterboxed)
    labels: np.ndarray  # (N, 5) float32 [up, down, in, out, blink]
    keep: np.ndarray  # (N,) bool: usable for training
    confidence: np.ndarray  # (N,) detector: an eye is in the image
    pupil_confidence: np.ndarray  # (N,)
    eyelid_distance: np.ndarray  # (N,)
    pupil_offset: np.ndarray  # (N, 2)
    statistics: dict = field(default_factory=dict)  # thresholds, source, counts (JSON)

    ARRAYS = ("t", "images", "labels", "keep", "confidence", "pupil_confidence",
              "eyelid_distance", "pupil_offset")

    def __len__(self) -> int:
        return len(self.t)

    def save(self, out_dir: Path) -> Path:
        """Write ``<name>.npz`` and ``<name>.json``; returns the npz path."""
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{self.name}.npz"
        np.savez_compressed(path, **{k: getattr(self, k) for k in self.ARRAYS})
        meta = {"name": self.name, "eye": self.eye, **self.statistics}
        (out_dir / f"{self.name}.json").write_text(json.dumps(meta, indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> TrackLabels:
        path = Path(path)
        meta = json.loads(path.with_suffix(".json").read_text())
        with np.load(path) as data:
            arrays = {k: data[k] for k in cls.ARRAYS}
        extra = {k: v for k, v in meta.items() if k not in ("name", "eye")}
        return cls(name=meta["name"], eye=meta["eye"], statistics=extra, **arrays)


def stored_square(image: np.ndarray, eye: str, size: int) -> np.ndarray:
    """The model input as uint8 (deep images scaled down; the network standardises anyway)."""
    square = model_input(image, eye, size)
    peak = float(square.max())
    if peak > 255.0:
        square = square * (255.0 / peak)
    return np.clip(square + 0.5, 0, 255).astype(np.uint8)


def _collect(frames: Iterable[EyeFrame], features: FeatureFn, size: int) -> dict[str, dict]:
    """Per eye: lists of times, input squares and features, in arrival order."""
    per_eye: dict[str, dict] = {}
    for frame in frames:
        rows = per_eye.setdefault(frame.eye, {"t": [], "images": [], "features": []})
        rows["t"].append(frame.t)
        rows["images"].append(stored_square(frame.image, frame.eye, size))
        rows["features"].append(features(frame))
    return per_eye


def label_features(t, found: list, config: CoefficientConfig):
    """(labels (N, 5), thresholds, keep, arrays of the features) of one eye's frames."""
    d = np.array([f.eyelid_distance for f in found], dtype=np.float64)
    offsets = np.array([np.asarray(f.pupil_offset, np.float64).reshape(2) for f in found])
    conf = np.array([f.confidence for f in found], dtype=np.float64)
    pconf = np.array([f.pupil_confidence for f in found], dtype=np.float64)
    labels, thresholds = label_sequence(d, offsets.reshape(-1, 2), conf, pconf, config,
                                        times=np.asarray(t, dtype=np.float64))
    keep = (conf >= config.calibration.min_confidence) & np.isfinite(d)
    return labels, thresholds, keep, (d, offsets.reshape(-1, 2), conf, pconf)


def label_session(session: Session, features: FeatureFn, config: CoefficientConfig | None = None,
                  size: int = INPUT_SIZE) -> list[TrackLabels]:
    """Label every frame of every eye of one session."""
    config = (config or CoefficientConfig()).validate()
    tracks = []
    for eye, rows in _collect(session.frames(), features, size).items():
        t = np.asarray(rows["t"], dtype=np.float64)
        labels, thresholds, keep, (d, offsets, conf, pconf) = label_features(
            t, rows["features"], config)
        statistics = {"source": session.meta, "thresholds": thresholds.to_dict(),
                      "frames": len(t), "kept": int(keep.sum())}
        tracks.append(TrackLabels(
            f"{session.name}.{eye}", eye, t, np.stack(rows["images"]),
            labels.astype(np.float32), keep, conf.astype(np.float32), pconf.astype(np.float32),
            d.astype(np.float32), offsets.astype(np.float32), statistics))
    return tracks


def load_tracks(directory: str | Path) -> list[TrackLabels]:
    """Every labelled track in a directory written by ``label``."""
    paths = sorted(Path(directory).glob("*.npz"))
    return [TrackLabels.load(p) for p in paths if p.with_suffix(".json").is_file()]
