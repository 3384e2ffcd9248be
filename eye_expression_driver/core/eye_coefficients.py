"""Eye expression coefficients [E_up, E_down, E_in, E_out, P] per eye and frame.

``EyeCoefficientEstimator`` is the live per-eye pipeline (streaming calibration, warm-up,
blink-aware gaze hold, optional smoothing); ``label_sequence`` applies the same formulas
with offline statistics over a whole sequence (the auto-labeller). With smoothing off and
the same thresholds both give the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .blink import (
    DEFAULT_SHARPNESS,
    DEFAULT_THRESHOLD,
    DEFAULT_WIDE_FULL_RATIO,
    blink_coefficient,
    check_constraint,
    wide_coefficient,
)
from .calibration import (
    CalibrationConfig,
    StreamingCalibration,
    Thresholds,
    compute_thresholds,
    offline_thresholds,
)
from .gaze import gaze_coefficients, project_directions
from .names import COEFFICIENTS
from .smoothing import OneEuroFilter


@dataclass
class CoefficientConfig:
    """Parameters of the coefficients; ``calibration`` holds those of the statistics."""

    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    blink_threshold: float = DEFAULT_THRESHOLD  # T of the constraint function
    blink_sharpness: float = DEFAULT_SHARPNESS  # k of the constraint function
    wide_full_ratio: float = DEFAULT_WIDE_FULL_RATIO  # r at which eyeWide reaches 1
    min_pupil_confidence: float = 0.5  # pupil estimates below this are not used
    gaze_hold_blink: float = 0.5  # at P >= this the gaze holds its last value ...
    lid_motion_rate: float = 5.0  # ... and while |dP/dt| >= this (1/s: closing, reopening)
    lid_motion_min_blink: float = 0.2  # ... at P >= this
    label_frame_rate: float = 120.0  # Hz, frame spacing label_sequence assumes without times
    held_gaze_confidence: float = 0.25  # factor on the gaze confidence while holding
    warmup_confidence: float = 0.5  # factor on the confidences while warming up
    smooth_gaze: bool = False  # One Euro on E_up..E_out
    gaze_min_cutoff: float = 1.0  # Hz
    gaze_beta: float = 0.5  # 1 / (coefficient/s)
    smooth_blink: bool = False  # One Euro on P (onsets still pass, see blink_onset_step)
    blink_min_cutoff: float = 2.0  # Hz
    blink_beta: float = 5.0
    blink_onset_step: float = 0.05  # a rise of P by more than this skips the blink filter
    d_cutoff: float = 1.0  # Hz, the One Euro derivative filter

    def validate(self) -> CoefficientConfig:
        """Raise ValueError naming the first bad parameter; return self when all are fine."""
        self.calibration.validate()
        check_constraint(self.blink_threshold, self.blink_sharpness)
        checks = (
            (self.wide_full_ratio > 1.0, f"wide_full_ratio must be > 1: {self.wide_full_ratio}"),
            (0.0 <= self.min_pupil_confidence <= 1.0, "min_pupil_confidence must be in [0, 1]"),
            (0.0 < self.gaze_hold_blink <= 1.0, "gaze_hold_blink must be in (0, 1]"),
            (self.lid_motion_rate > 0.0, "lid_motion_rate must be > 0"),
            (0.0 <= self.lid_motion_min_blink <= 1.0, "lid_motion_min_blink must be in [0, 1]"),
            (self.label_frame_rate > 0.0, "label_frame_rate must be > 0"),
            (0.0 <= self.held_gaze_confidence <= 1.0, "held_gaze_confidence must be in [0, 1]"),
            (0.0 <= self.warmup_confidence <= 1.0, "warmup_confidence must be in [0, 1]"),
            (self.blink_onset_step >= 0.0, "blink_onset_step must be >= 0"),
        )
        for ok, reason in checks:
            if not ok:
                raise ValueError(reason)
        OneEuroFilter(self.gaze_min_cutoff, self.gaze_beta, self.d_cutoff)
        OneEuroFilter(self.blink_min_cutoff, self.blink_beta, self.d_cutoff)
        return self


def as_coefficient_config(config) -> CoefficientConfig:
    """A CoefficientConfig from None, a CalibrationConfig or a CoefficientConfig."""
    if config is None:
        return CoefficientConfig()
    if isinstance(config, CalibrationConfig):
        return CoefficientConfig(calibration=config)
    if isinstance(config, CoefficientConfig):
        return config
    raise TypeError(f"expected CoefficientConfig or CalibrationConfig, got {type(config).__name__}")


@dataclass
class EyeResult:
    """One eye's coefficients for one frame (ARKit semantics, each 0..1)."""

    look_up: float = 0.0
    look_down: float = 0.0
    look_in: float = 0.0  # towards the nose
    look_out: float = 0.0  # towards the temple
    blink: float = 0.0  # 0 relaxed open .. 1 closed
    wide: float = 0.0  # opened wider than relaxed
    blink_confidence: float = 0.0  # 0 = no estimate
    gaze_confidence: float = 0.0  # lowered while the gaze is held through a blink
    eyelid_distance: float = math.nan  # d behind `blink`
    calibrated: bool = False  # False while the calibration warms up

    def as_vector(self) -> np.ndarray:
        """The coefficients in names.COEFFICIENTS order (the model's and the labels')."""
        return np.array([getattr(self, name) for name in COEFFICIENTS])


def lids_unsettled(blink, rate, config: CoefficientConfig):
    """True where the pupil estimate is not trusted: the eye (mostly) closed, or the lids
    moving fast (closing or reopening) past ``lid_motion_min_blink``. Floats or arrays."""
    moving = (blink >= config.lid_motion_min_blink) & (abs(rate) >= config.lid_motion_rate)
    return (blink >= config.gaze_hold_blink) | moving


def _finite_offset(offset) -> np.ndarray | None:
    """The pupil offset as a (2,) array, or None when missing or NaN."""
    if offset is None:
        return None
    arr = np.asarray(offset, dtype=np.float64).reshape(2)
    return arr if math.isfinite(arr[0]) and math.isfinite(arr[1]) else None


class EyeCoefficientEstimator:
    """Per-eye live pipeline: eyelid distance and pupil offset in, EyeResult out."""

    def __init__(self, config: CoefficientConfig | CalibrationConfig | None = None,
                 refresh_phase: float = 0.0):
        """``refresh_phase``: StreamingCalibration's phase (staggers two eyes' refreshes)."""
        self.config = as_coefficient_config(config).validate()
        self.calibration = StreamingCalibration(self.config.calibration, refresh_phase)
        self._blink_filter = OneEuroFilter(
            self.config.blink_min_cutoff, self.config.blink_beta, self.config.d_cutoff
        )
        self._gaze_filter = OneEuroFilter(
            self.config.gaze_min_cutoff, self.config.gaze_beta, self.config.d_cutoff
        )
        self.reset_output()

    def reset_output(self) -> None:
        """Forget held values and filter states (keeps the calibration)."""
        self._blink, self._wide = 0.0, 0.0
        self._t = math.nan  # time of the previous frame
        self._gaze = np.zeros(4)
        self._gaze_confidence = 0.0
        self._blink_filter.reset()
        self._gaze_filter.reset()

    def reset(self) -> None:
        """Start over: calibration and outputs."""
        self.calibration.reset()
        self.reset_output()

    def _blink_step(self, th: Thresholds, d: float, eye_ok: bool, confidence: float):
        """(P, wide, blink confidence); holds the last values when there is no estimate."""
        cfg = self.config
        if not eye_ok:
            return self._blink, self._wide, 0.0
        blink = blink_coefficient(d, th.d_min, th.d_max, cfg.blink_threshold, cfg.blink_sharpness)
        wide = wide_coefficient(d, th.d_min, th.d_max, cfg.wide_full_ratio) if th.ready else 0.0
        scale = 1.0 if th.ready else cfg.warmup_confidence
        self._blink, self._wide = blink, wide
        return blink, wide, confidence * scale

    def _gaze_step(self, th: Thresholds, offset: np.ndarray | None, confidence: float):
        """(E (4,), gaze confidence): new values from a valid pupil, else the held ones."""
        if offset is None:
            return self._gaze, self._gaze_confidence * self.config.held_gaze_confidence
        f = project_directions(offset - th.centre)
        self._gaze = gaze_coefficients(f, th.gaze_min, th.gaze_max)
        scale = 1.0 if th.ready else self.config.warmup_confidence
        self._gaze_confidence = confidence * scale
        return self._gaze, self._gaze_confidence

    def _smooth(self, t: float, blink: float, gaze: np.ndarray):
        """Optional One Euro smoothing; blink onsets bypass the blink filter."""
        cfg = self.config
        if cfg.smooth_blink:
            smoothed = self._blink_filter(t, blink)
            if blink - smoothed > cfg.blink_onset_step:
                self._blink_filter.reset()
                smoothed = self._blink_filter(t, blink)
            blink = smoothed
        if cfg.smooth_gaze:
            gaze = self._gaze_filter(t, gaze)
        return blink, gaze

    def update(
        self,
        t: float,
        eyelid_distance: float,
        pupil_offset,
        confidence: float,
        pupil_confidence: float,
    ) -> EyeResult:
        """Coefficients of one frame (t in s; pupil_offset (2,) eye widths, or None/NaN)."""
        cfg = self.config
        th = self.calibration.current
        d = float(eyelid_distance)
        eye_ok = confidence >= cfg.calibration.min_confidence and math.isfinite(d)
        previous, dt = self._blink, t - self._t
        blink, wide, blink_conf = self._blink_step(th, d, eye_ok, confidence)
        self._t = t
        rate = (blink - previous) / dt if dt > 0.0 else 0.0
        offset = _finite_offset(pupil_offset)
        gaze_ok = (
            offset is not None
            and eye_ok
            and pupil_confidence >= cfg.min_pupil_confidence
            and not lids_unsettled(blink, rate, cfg)
        )
        usable = offset if gaze_ok else None
        self.calibration.update(t, d if eye_ok else math.nan, usable, confidence)
        gaze, gaze_conf = self._gaze_step(th, usable, min(confidence, pupil_confidence))
        blink, gaze = self._smooth(t, blink, gaze)
        return EyeResult(
            look_up=float(gaze[0]), look_down=float(gaze[1]), look_in=float(gaze[2]),
            look_out=float(gaze[3]),
            blink=float(blink), wide=float(wide),
            blink_confidence=float(blink_conf), gaze_confidence=float(gaze_conf),
            eyelid_distance=d, calibrated=th.ready,
        )


def _hold_last(values: np.ndarray, valid: np.ndarray, initial: float) -> np.ndarray:
    """Rows where ``valid`` is False take the last valid row before them (else ``initial``)."""
    index = np.maximum.accumulate(np.where(valid, np.arange(valid.size), -1))
    held = values[np.maximum(index, 0)]
    missing = (index < 0).reshape((-1,) + (1,) * (values.ndim - 1))
    return np.where(missing, initial, held)


def _blink_rate(blink: np.ndarray, times: np.ndarray) -> np.ndarray:
    """dP/dt between consecutive frames (0 for the first frame and non-increasing times)."""
    rate = np.zeros_like(blink)
    dt = np.diff(times)
    rate[1:] = np.where(dt > 0.0, np.diff(blink) / np.where(dt > 0.0, dt, 1.0), 0.0)
    return rate


def label_sequence(
    distances, offsets, confidences, pupil_confidences, config=None, times=None
) -> tuple[np.ndarray, Thresholds]:
    """Labels (N, 5) [up, down, in, out, blink] for a whole sequence, and its thresholds.

    Same formulas and gates as the estimator, with statistics over the whole sequence:
    frames without an eye hold the last blink, frames without a usable pupil (missing,
    unsure, the eye closed, the lids moving fast) hold the last gaze. ``times`` (s) set
    the lid speed; without them frames are ``config.label_frame_rate`` apart.
    """
    cfg = as_coefficient_config(config).validate()
    cal = cfg.calibration
    d = np.asarray(distances, dtype=np.float64).ravel()
    o = np.asarray(offsets, dtype=np.float64).reshape(-1, 2)
    conf = np.asarray(confidences, dtype=np.float64).ravel()
    pupil_conf = np.asarray(pupil_confidences, dtype=np.float64).ravel()
    if not d.size == o.shape[0] == conf.size == pupil_conf.size:
        raise ValueError(
            f"sequence lengths differ: {d.size}, {o.shape[0]}, {conf.size}, {pupil_conf.size}"
        )
    eye_ok = (conf >= cal.min_confidence) & np.isfinite(d)
    eyelid_only = compute_thresholds(d[eye_ok], np.empty((0, 2)), cal)
    with np.errstate(invalid="ignore"):
        blink = blink_coefficient(
            np.where(eye_ok, d, 0.0), eyelid_only.d_min, eyelid_only.d_max,
            cfg.blink_threshold, cfg.blink_sharpness,
        )
    blink = _hold_last(blink, eye_ok, 0.0)
    t = np.arange(d.size) / cfg.label_frame_rate if times is None else np.asarray(times, float)
    if t.shape != d.shape:
        raise ValueError(f"times has shape {t.shape}, the sequence {d.shape}")
    gaze_ok = (
        eye_ok
        & np.isfinite(o).all(axis=1)
        & (pupil_conf >= cfg.min_pupil_confidence)
        & ~lids_unsettled(blink, _blink_rate(blink, t), cfg)
    )
    thresholds = offline_thresholds(
        np.where(eye_ok, d, np.nan), np.where(gaze_ok[:, None], o, np.nan), conf, cal
    )
    offsets_used = np.where(gaze_ok[:, None], o, thresholds.centre)
    components = project_directions(offsets_used - thresholds.centre)
    gaze = _hold_last(
        gaze_coefficients(components, thresholds.gaze_min, thresholds.gaze_max), gaze_ok, 0.0
    )
    return np.column_stack([gaze, blink]), thresholds
