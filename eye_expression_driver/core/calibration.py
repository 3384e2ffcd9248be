"""Calibration statistics: eyelid thresholds d_min/d_max, the gaze centre and per-direction
gaze thresholds, offline over a whole sequence or streaming over a sliding window.

Both forms call ``compute_thresholds`` on the same confidence-gated samples, so they give
the same thresholds on the same data. Whatever the samples cannot tell yet (too few frames,
no blink seen, a direction never looked in) comes from a *fallback*: the nominal values of
the config, or a per-user profile loaded from disk.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from .gaze import project_directions

PROFILE_SCHEMA = "eye_expression_driver/calibration_profile"
PROFILE_VERSION = 1


class ProfileError(ValueError):
    """A calibration profile that cannot be used (missing, corrupt, foreign, bad values)."""


@dataclass
class CalibrationConfig:
    """Parameters of the calibration statistics (units: normalised distances, eye widths, s)."""

    d_min_percentile: float = 1.0  # eyelid distance treated as closed
    d_max_percentile: float = 50.0  # eyelid distance treated as relaxed open (median)
    use_min_max: bool = False  # min/max instead of the percentiles (eyelid and gaze)
    gaze_min_percentile: float = 5.0  # of each direction's non-zero components
    gaze_max_percentile: float = 99.0  # measured: docs/method.md, "Default gaze percentiles"
    window_seconds: float = 60.0  # streaming window length in time ...
    window_frames: int = 12000  # ... and in frames (the shorter one wins)
    min_samples: int = 120  # accepted frames before the window's statistics are used
    min_direction_samples: int = 20  # non-zero components before a direction is calibrated
    min_confidence: float = 0.5  # frames with a lower tracker confidence are excluded
    refresh_every: int = 240  # at most this many accepted frames between recomputations
    nominal_open_distance: float = 0.25  # relaxed-open d for the calibration-free blink
    min_blink_span: float = 0.5  # (d_max - d_min) / d_max needed to trust d_min (a blink seen)
    # Gaze values before any statistics (eye widths; typical of the synthetic people).
    nominal_centre: tuple[float, float] = (0.0, 0.04)
    nominal_gaze_min: tuple[float, float, float, float] = (0.005, 0.005, 0.005, 0.005)
    nominal_gaze_max: tuple[float, float, float, float] = (0.11, 0.12, 0.16, 0.17)
    min_gaze_span: float = 0.03  # floor of f_max - f_min per direction (eye widths)

    def validate(self) -> CalibrationConfig:
        """Raise ValueError naming the first bad parameter; return self when all are fine."""
        gaze_pairs = list(zip(self.nominal_gaze_min, self.nominal_gaze_max, strict=False))
        checks = (
            (
                0.0 <= self.d_min_percentile < self.d_max_percentile <= 100.0,
                "eyelid percentiles need 0 <= d_min_percentile < d_max_percentile <= 100, "
                f"got {self.d_min_percentile}, {self.d_max_percentile}",
            ),
            (
                0.0 <= self.gaze_min_percentile < self.gaze_max_percentile <= 100.0,
                "gaze percentiles need 0 <= gaze_min_percentile < gaze_max_percentile <= 100, "
                f"got {self.gaze_min_percentile}, {self.gaze_max_percentile}",
            ),
            (self.window_seconds > 0.0, f"window_seconds must be > 0: {self.window_seconds}"),
            (self.min_samples >= 1, f"min_samples must be >= 1: {self.min_samples}"),
            (
                self.window_frames >= self.min_samples,
                f"window_frames ({self.window_frames}) must hold min_samples ({self.min_samples})",
            ),
            (self.min_direction_samples >= 1, "min_direction_samples must be >= 1"),
            (
                0.0 <= self.min_confidence <= 1.0,
                f"min_confidence must be in [0, 1]: {self.min_confidence}",
            ),
            (self.refresh_every >= 1, f"refresh_every must be >= 1: {self.refresh_every}"),
            (self.nominal_open_distance > 0.0, "nominal_open_distance must be > 0"),
            (
                0.0 < self.min_blink_span < 1.0,
                f"min_blink_span must be in (0, 1): {self.min_blink_span}",
            ),
            (self.min_gaze_span > 0.0, f"min_gaze_span must be > 0: {self.min_gaze_span}"),
            (
                len(self.nominal_centre) == 2 and all(map(math.isfinite, self.nominal_centre)),
                f"nominal_centre must be two finite numbers: {self.nominal_centre}",
            ),
            (
                len(self.nominal_gaze_min) == 4 == len(self.nominal_gaze_max)
                and all(0.0 <= lo < hi for lo, hi in gaze_pairs),
                "nominal_gaze_min/max need 4 values each with 0 <= min < max",
            ),
        )
        for ok, reason in checks:
            if not ok:
                raise ValueError(reason)
        return self


@dataclass
class Thresholds:
    """The statistics one eye's coefficients use. Gaze arrays are ordered [up, down, in, out]."""

    d_min: float
    d_max: float
    centre: np.ndarray  # (2,) eye widths, +x out, +y up
    gaze_min: np.ndarray  # (4,)
    gaze_max: np.ndarray  # (4,)
    sample_count: int = 0  # eyelid samples behind d_min/d_max
    ready: bool = False  # False: warming up, nominal values (calibration-free blink)
    gaze_sample_count: int = 0  # pupil samples behind the centre and gaze thresholds
    blink_calibrated: bool = False  # d_min comes from a blink; False: d_min = 0 (calibration-free)
    window_span: float = 0.0  # s between the oldest and newest sample used

    def to_dict(self) -> dict:
        """JSON-ready values."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("centre", "gaze_min", "gaze_max"):
            out[key] = [float(v) for v in out[key]]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Thresholds:
        """Parse and check values written by ``to_dict``; raises ValueError on anything off."""
        sizes = {"centre": 2, "gaze_min": 4, "gaze_max": 4}
        values = {}
        for f in fields(cls):
            if f.name not in data:
                raise ValueError(f"missing field {f.name!r}")
            raw = data[f.name]
            if f.name in sizes:
                try:
                    arr = np.asarray(raw, dtype=np.float64)
                except (TypeError, ValueError):
                    arr = np.full(0, np.nan)
                if arr.shape != (sizes[f.name],) or not np.isfinite(arr).all():
                    raise ValueError(f"{f.name} must be {sizes[f.name]} finite numbers: {raw!r}")
                values[f.name] = arr
            elif f.name in ("ready", "blink_calibrated"):
                if not isinstance(raw, bool):
                    raise ValueError(f"{f.name} must be true/false: {raw!r}")
                values[f.name] = raw
            else:
                number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
                if not (number and math.isfinite(raw)):
                    raise ValueError(f"{f.name} must be a finite number: {raw!r}")
                values[f.name] = int(raw) if f.name.endswith("count") else float(raw)
        out = cls(**values)
        if not out.d_max > out.d_min:
            raise ValueError(f"d_max ({out.d_max}) must exceed d_min ({out.d_min})")
        if not (out.gaze_max > out.gaze_min).all():
            raise ValueError("every gaze_max must exceed its gaze_min")
        return out


def nominal_thresholds(config: CalibrationConfig) -> Thresholds:
    """The warm-up values: calibration-free blink (d_min = 0, d_max = nominal), nominal gaze."""
    return Thresholds(
        d_min=0.0,
        d_max=float(config.nominal_open_distance),
        centre=np.array(config.nominal_centre, dtype=np.float64),
        gaze_min=np.array(config.nominal_gaze_min, dtype=np.float64),
        gaze_max=np.array(config.nominal_gaze_max, dtype=np.float64),
    )


def _range_stats(values: np.ndarray, lo_pct: float, hi_pct: float, use_min_max: bool):
    """(low, high) statistics of a non-empty 1-D array: percentiles or min/max."""
    if use_min_max:
        return float(values.min()), float(values.max())
    lo, hi = np.percentile(values, (lo_pct, hi_pct))
    return float(lo), float(hi)


def _eyelid_thresholds(d: np.ndarray, config: CalibrationConfig, fallback: Thresholds):
    """(d_min, d_max, ready, blink_calibrated) from finite eyelid distances."""
    if d.size < config.min_samples:
        return fallback.d_min, fallback.d_max, fallback.ready, fallback.blink_calibrated
    lo, hi = _range_stats(d, config.d_min_percentile, config.d_max_percentile, config.use_min_max)
    if not hi > 0.0:  # the eye never looked open: nothing to scale by
        return fallback.d_min, fallback.d_max, fallback.ready, fallback.blink_calibrated
    lowest_closed = hi * (1.0 - config.min_blink_span)
    if lo <= lowest_closed:
        return lo, hi, True, True
    # No blink in the data: keep the measured opening, borrow d_min or close at d = 0.
    if fallback.blink_calibrated and fallback.d_min <= lowest_closed:
        return fallback.d_min, hi, True, True
    return 0.0, hi, True, False


def _gaze_thresholds(
    offsets: np.ndarray, config: CalibrationConfig, fallback: Thresholds, centre
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centre, gaze_min, gaze_max) from finite pupil offsets (N, 2)."""
    enough = offsets.shape[0] >= config.min_samples
    if centre is None:
        centre = np.median(offsets, axis=0) if enough else fallback.centre
    centre = np.asarray(centre, dtype=np.float64)
    gaze_min, gaze_max = fallback.gaze_min.copy(), fallback.gaze_max.copy()
    if enough:
        components = project_directions(offsets - centre)
        for i in range(4):
            nonzero = components[components[:, i] > 0.0, i]
            if nonzero.size >= config.min_direction_samples:
                lo, hi = _range_stats(
                    nonzero, config.gaze_min_percentile, config.gaze_max_percentile,
                    config.use_min_max,
                )
                gaze_min[i], gaze_max[i] = lo, max(hi, lo + config.min_gaze_span)
    return centre, gaze_min, gaze_max


def compute_thresholds(
    distances: np.ndarray,
    offsets: np.ndarray,
    config: CalibrationConfig,
    fallback: Thresholds | None = None,
    centre=None,
    window_span: float = 0.0,
) -> Thresholds:
    """Thresholds from already gated samples: distances (N,) and pupil offsets (M, 2).

    Non-finite entries are skipped. ``centre`` overrides the median pupil position (an
    explicit "look straight" calibration); ``fallback`` fills what the data cannot tell.
    """
    fallback = nominal_thresholds(config) if fallback is None else fallback
    d = np.asarray(distances, dtype=np.float64).ravel()
    d = d[np.isfinite(d)]
    o = np.asarray(offsets, dtype=np.float64).reshape(-1, 2)
    o = o[np.isfinite(o).all(axis=1)]
    d_min, d_max, ready, blink_calibrated = _eyelid_thresholds(d, config, fallback)
    c, gaze_min, gaze_max = _gaze_thresholds(o, config, fallback, centre)
    return Thresholds(
        d_min=float(d_min),
        d_max=float(d_max),
        centre=c,
        gaze_min=gaze_min,
        gaze_max=gaze_max,
        sample_count=int(d.size),
        ready=bool(ready),
        gaze_sample_count=int(o.shape[0]),
        blink_calibrated=bool(blink_calibrated),
        window_span=float(window_span),
    )


def offline_thresholds(
    distances, offsets, confidences, config: CalibrationConfig | None = None, centre=None
) -> Thresholds:
    """Thresholds over a whole sequence (the auto-labeller's statistics).

    distances (N,), offsets (N, 2) with NaN rows for frames without a usable pupil,
    confidences (N,); frames below ``config.min_confidence`` are excluded.
    """
    config = (config or CalibrationConfig()).validate()
    keep = np.asarray(confidences, dtype=np.float64) >= config.min_confidence
    d = np.asarray(distances, dtype=np.float64)[keep]
    o = np.asarray(offsets, dtype=np.float64).reshape(-1, 2)[keep]
    return compute_thresholds(d, o, config, centre=centre)


def _write_atomic(path: Path, text: str) -> None:
    """Write text so that readers see the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _parse_centre(raw) -> np.ndarray | None:
    """A saved centre override: null or two finite numbers."""
    if raw is None:
        return None
    centre = np.asarray(raw, dtype=np.float64)
    if centre.shape != (2,) or not np.isfinite(centre).all():
        raise ValueError(f"centre_override must be null or two finite numbers: {raw!r}")
    return centre


def read_profile(path) -> tuple[Thresholds, np.ndarray | None]:
    """(thresholds, centre override) from a profile file; ProfileError with the reason."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        reason = exc.strerror or exc
        raise ProfileError(f"cannot read calibration profile {path}: {reason}") from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise ProfileError(f"calibration profile {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != PROFILE_SCHEMA:
        raise ProfileError(
            f"{path} is not a calibration profile (expected schema {PROFILE_SCHEMA!r})"
        )
    if data.get("version") != PROFILE_VERSION:
        raise ProfileError(
            f"calibration profile {path} has version {data.get('version')!r}; "
            f"this build reads version {PROFILE_VERSION}"
        )
    try:
        raw = data.get("thresholds")
        if not isinstance(raw, dict):
            raise ValueError("no 'thresholds' object")
        thresholds = Thresholds.from_dict(raw)
        centre = _parse_centre(data.get("centre_override"))
    except (ValueError, TypeError) as exc:
        raise ProfileError(f"calibration profile {path} has bad values: {exc}") from exc
    if not thresholds.ready:
        raise ProfileError(f"calibration profile {path} holds no finished calibration")
    return thresholds, centre


class StreamingCalibration:
    """Calibration statistics over a sliding window, updated frame by frame.

    Samples below the confidence gate are ignored. The statistics (``current``) are
    recomputed every ``count / 64`` accepted frames, at most every ``config.refresh_every``,
    so that a frame costs a few microseconds on average; ``thresholds`` is always up to
    date. Until ``config.min_samples`` frames are in the window the thresholds are the
    fallback: a loaded profile, or the nominal values (calibration-free blink).

    ``phase`` (0 <= phase < 1) delays each scheduled recomputation by that fraction of the
    interval, keeping the schedule itself: two eyes fed the same frames, one with phase
    0.5, never recompute on the same frame once the interval is 2 or more, so a full
    window's 1.5-3 ms is paid once per frame pair, not twice. The statistics are the same.
    """

    def __init__(self, config: CalibrationConfig | None = None, phase: float = 0.0):
        self.config = (config or CalibrationConfig()).validate()
        if not 0.0 <= phase < 1.0:
            raise ValueError(f"phase must be in [0, 1): {phase}")
        self.phase = float(phase)
        # Ring buffer, one row per accepted frame: t, d, pupil offset x, y.
        self._rows = np.empty((self.config.window_frames, 4))
        self.reset()

    def reset(self) -> None:
        """Forget all samples, the loaded profile, the centre override and the freeze."""
        self._count = 0
        self._next = 0
        self._now = -math.inf
        self._pending = 0  # accepted frames since the last recomputation
        self._since = 0  # accepted frames since the last point of the unphased schedule
        self._delay = -1  # frames until the phased recomputation (-1: none due)
        self._frozen = False
        self._centre: np.ndarray | None = None
        self._profile: Thresholds | None = None
        self._refresh()

    def update(self, t: float, d: float, offset=None, confidence: float = 1.0) -> bool:
        """Add one frame (time s, eyelid distance, pupil offset or None); True if accepted."""
        if self._frozen or not confidence >= self.config.min_confidence:
            return False
        ox, oy = (math.nan, math.nan) if offset is None else offset
        if not (math.isfinite(d) or (math.isfinite(ox) and math.isfinite(oy))):
            return False
        size = self._rows.shape[0]
        self._rows[self._next] = (t, d, ox, oy)
        self._next = (self._next + 1) % size
        self._count = min(self._count + 1, size)
        self._now = float(t)
        self._pending += 1
        if self._due():
            self._refresh(anchor=self.phase == 0.0)
        return True

    def _due(self) -> bool:
        """Whether this accepted frame recomputes: ``phase`` x interval frames after each
        point of the schedule. A recomputation costs time in proportion to the samples,
        so a small window is refreshed often (fast warm-up), a full one every
        refresh_every frames."""
        interval = min(self.config.refresh_every, 1 + self._count // 64)
        self._since += 1
        if self._since >= interval:
            self._since = 0
            self._delay = int(self.phase * interval)
        elif self._delay > 0:
            self._delay -= 1
        else:
            return False
        return self._delay == 0

    def _refresh(self, anchor: bool = True) -> None:
        """Recompute the statistics over the samples within the window. ``anchor``: the
        schedule restarts here (any recomputation but a phased scheduled one)."""
        rows = self._rows[: self._count]
        t = rows[:, 0]
        rows = rows[(t >= self._now - self.config.window_seconds) & (t <= self._now)]
        span = float(rows[:, 0].max() - rows[:, 0].min()) if rows.shape[0] else 0.0
        self._current = compute_thresholds(
            rows[:, 1], rows[:, 2:], self.config,
            fallback=self._profile, centre=self._centre, window_span=span,
        )
        self._pending = 0
        self._delay = -1
        if anchor:
            self._since = 0

    @property
    def current(self) -> Thresholds:
        """The thresholds as of the last recomputation (cheap; what each frame uses)."""
        return self._current

    @property
    def thresholds(self) -> Thresholds:
        """The thresholds over every accepted sample so far (recomputes if needed)."""
        if self._pending:
            self._refresh()
        return self._current

    @property
    def ready(self) -> bool:
        """True once real statistics (window or a loaded profile) replace the nominal values."""
        return self._current.ready

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or resume) taking samples; the thresholds stay as they are meanwhile."""
        if frozen and self._pending:
            self._refresh()
        self._frozen = bool(frozen)

    def set_centre(self, offset=None) -> None:
        """'Look straight now': use this pupil offset as the gaze centre (None: the median)."""
        self._centre = _parse_centre(None if offset is None else list(np.ravel(offset)))
        if self._profile is not None and self._centre is not None:
            self._profile = replace(self._profile, centre=self._centre.copy())
        self._refresh()

    def save_profile(self, path) -> None:
        """Write the current thresholds as a per-user JSON profile (atomically)."""
        thresholds = self.thresholds
        if not thresholds.ready:
            raise ProfileError(
                f"calibration still warming up ({thresholds.sample_count} of "
                f"{self.config.min_samples} samples): nothing to save"
            )
        centre = None if self._centre is None else [float(v) for v in self._centre]
        data = {
            "schema": PROFILE_SCHEMA,
            "version": PROFILE_VERSION,
            "thresholds": thresholds.to_dict(),
            "centre_override": centre,
        }
        _write_atomic(Path(path), json.dumps(data, indent=2) + "\n")

    def load_profile(self, path) -> Thresholds:
        """Use a saved profile where the window cannot tell yet; unchanged state on error."""
        profile, centre = read_profile(path)
        self._profile, self._centre = profile, centre
        self._refresh()
        return self._current
