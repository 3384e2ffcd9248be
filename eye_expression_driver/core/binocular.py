"""Both eyes together: stamp pairing, one coefficient estimator per eye, lost-eye handling,
and the per-user profile of both eyes.

This is everything the coefficient node computes, callable without ROS: the node only
converts messages to ``EyeInput`` and ``BinocularResult`` back to messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .calibration import ProfileError, read_profile
from .eye_coefficients import CoefficientConfig, EyeCoefficientEstimator, EyeResult
from .names import EYES
from .pairing import StampPairer

# Each eye's calibration refresh phase: both eyes get the same frame pairs, so without an
# offset both recompute their full window (1.5-3 ms each) on the same pair.
REFRESH_PHASE = {"left": 0.0, "right": 0.5}


@dataclass(frozen=True)
class EyeInput:
    """What the coefficient method needs from one eye tracker observation."""

    stamp_ns: int  # the source image's stamp, kept exact for the output
    eyelid_distance: float
    pupil_offset: tuple[float, float]  # eye widths, +x out, +y up (NaN: none)
    confidence: float
    pupil_confidence: float
    learned: tuple[float, ...] | None = None  # [up, down, in, out, blink] of the model

    @property
    def is_learned(self) -> bool:
        return self.learned is not None and all(map(math.isfinite, self.learned))


@dataclass(frozen=True)
class BinocularResult:
    """One output: both eyes' coefficients; a lost eye has all zeros and confidence 0."""

    stamp_ns: int  # the newer of the two source stamps
    left: EyeResult
    right: EyeResult
    learned: bool  # every present eye came from the learned model
    present: tuple[bool, bool]  # (left, right) had an observation in this pair


def _direct(obs: EyeInput) -> EyeResult:
    """The learned model's coefficients as they came (no session statistics yet)."""
    up, down, in_, out, blink = (float(np.clip(v, 0.0, 1.0)) for v in obs.learned)
    return EyeResult(look_up=up, look_down=down, look_in=in_, look_out=out, blink=blink,
                     blink_confidence=obs.confidence,
                     gaze_confidence=min(obs.confidence, obs.pupil_confidence),
                     eyelid_distance=obs.eyelid_distance, calibrated=False)


def profile_paths(path: str | Path) -> dict[str, Path]:
    """The two per-eye files of one profile path: a.json -> a.left.json, a.right.json."""
    path = Path(path).expanduser()
    suffix = path.suffix or ".json"
    stem = path.with_suffix("") if path.suffix else path
    return {side: stem.with_name(f"{stem.name}.{side}{suffix}") for side in EYES}


class BinocularCoefficients:
    """Pairs observations of both eyes and turns each pair into coefficients."""

    def __init__(self, config: CoefficientConfig | None = None, slop: float = 0.005,
                 queue_size: int = 10, timeout: float = 0.5) -> None:
        self.config = (config or CoefficientConfig()).validate()
        self.estimators = {side: EyeCoefficientEstimator(self.config, REFRESH_PHASE[side])
                           for side in EYES}
        self.pairer = StampPairer(slop, queue_size, timeout)
        self._last: dict[str, EyeInput] = {}

    def push(self, side: str, observation: EyeInput, now: float) -> list[BinocularResult]:
        """Add one eye's observation (now: receive time, s); returns finished outputs."""
        pairs = self.pairer.push(side, observation.stamp_ns * 1e-9, observation, now)
        return [self._compute(pair.left, pair.right) for pair in pairs]

    def poll(self, now: float) -> list[BinocularResult]:
        """Outputs of observations waiting for an eye that has gone silent."""
        return [self._compute(pair.left, pair.right) for pair in self.pairer.poll(now)]

    def lost(self, side: str, now: float) -> bool:
        return self.pairer.lost(side, now)

    def _compute(self, left: EyeInput | None, right: EyeInput | None) -> BinocularResult:
        results = {}
        for side, obs in zip(EYES, (left, right), strict=True):
            results[side] = self._eye(side, obs)
            if obs is not None:
                self._last[side] = obs
        present = [o for o in (left, right) if o is not None]
        return BinocularResult(
            stamp_ns=max(o.stamp_ns for o in present),
            left=results["left"], right=results["right"],
            learned=all(o.is_learned for o in present),
            present=(left is not None, right is not None),
        )

    def _eye(self, side: str, obs: EyeInput | None) -> EyeResult:
        estimator = self.estimators[side]
        if obs is None:
            return EyeResult(calibrated=estimator.calibration.current.ready)
        result = estimator.update(obs.stamp_ns * 1e-9, obs.eyelid_distance, obs.pupil_offset,
                                  obs.confidence, obs.pupil_confidence)
        if obs.is_learned and not result.calibrated:
            return _direct(obs)  # the model's own coefficients until the session's statistics
        return result

    # --- calibration commands -------------------------------------------------------

    def reset_calibration(self) -> str:
        for estimator in self.estimators.values():
            estimator.reset()
        return "calibration of both eyes reset; warming up again"

    def look_straight(self) -> str:
        """Use each eye's latest pupil offset as its gaze centre; raises ValueError if none."""
        centres = {}
        for side in EYES:
            obs = self._last.get(side)
            offset = None if obs is None else np.asarray(obs.pupil_offset, dtype=np.float64)
            if offset is None or not np.isfinite(offset).all() or obs.pupil_confidence < \
                    self.config.min_pupil_confidence:
                raise ValueError(f"no confident pupil position of the {side} eye yet")
            centres[side] = offset
        for side, offset in centres.items():
            self.estimators[side].calibration.set_centre(offset)
        return "gaze centre set from the current pupil positions: " + ", ".join(
            f"{s} ({c[0]:+.3f}, {c[1]:+.3f})" for s, c in centres.items())

    def save_profile(self, path: str | Path) -> str:
        """Write both eyes' profiles; raises ProfileError (nothing written) or OSError."""
        paths = profile_paths(path)
        for side in EYES:  # check both before writing either
            th = self.estimators[side].calibration.thresholds
            if not th.ready:
                raise ProfileError(f"{side} eye calibration is still warming up "
                                   f"({th.sample_count} samples): nothing saved")
        for side in EYES:
            self.estimators[side].calibration.save_profile(paths[side])
        return f"saved {paths['left']} and {paths['right']}"

    def load_profile(self, path: str | Path) -> str:
        """Load both eyes' profiles; raises ProfileError and changes nothing when either fails."""
        paths = profile_paths(path)
        for side in EYES:
            read_profile(paths[side])
        for side in EYES:
            self.estimators[side].calibration.load_profile(paths[side])
        return f"loaded {paths['left']} and {paths['right']}"

    def thresholds(self, side: str):
        return self.estimators[side].calibration.thresholds
