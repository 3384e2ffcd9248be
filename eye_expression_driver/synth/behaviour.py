"""Behaviour scripts: what one person's eyes and headset do over a session.

Timelines are built at 1 kHz from physiological models (fixations with drift and
microsaccades, main-sequence saccades, smooth pursuit, reading, blinks and winks, squints,
wide eyes, pupil changes, headset slips) and then sampled at the camera's frame times, so the
same script looks the same at 30 Hz and 240 Hz apart from sampling.

Horizontal gaze is scripted in the head (``gaze_x`` + = towards the wearer's left) and turned
into each eye's anatomical yaw (+ = out/temporal); every pose is a left-eye view, so for the
right eye a headset shift to the right appears as a shift to the left after mirroring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from eye_expression_driver.core.names import EYES

from .pose import EyePose

RATE_HZ = 1000.0  # internal timeline rate


@dataclass(frozen=True)
class BehaviourParams:
    """Rates (per minute), durations (s) and amplitudes (deg) of the scripted behaviour."""

    blinks_per_min: float | None = None  # None: 15/min, more in short sequences (see blink_rate)
    partial_blink_share: float = 0.2
    winks_per_min: float = 0.8
    squints_per_min: float = 1.5
    wides_per_min: float = 1.0
    slips_per_min: float = 2.0
    mode_weights: tuple[float, float, float] = (0.6, 0.2, 0.2)  # free viewing, pursuit, reading
    gaze_spread_deg: tuple[float, float] = (13.0, 9.0)  # std of fixation targets (x, y)
    gaze_limit_deg: tuple[float, float] = (32.0, 25.0)
    exposure_time_s: float = 0.004  # for motion blur during saccades
    slip_std: float = 0.015  # image widths per slip (scaled by the subject's slip_scale)


@dataclass(frozen=True)
class BlinkEvent:
    """One scripted closure: kind 'blink', 'partial' or 'wink'; eye 'both', 'left' or 'right'."""

    kind: str
    eye: str
    start: float  # s, the lid starts to close
    end: float  # s, the lid is back open
    depth: float  # 1 = fully closed, less for partial blinks


@dataclass
class BehaviourScript:
    """Per-frame poses of both eyes (left-eye views) and the blink events."""

    t: np.ndarray  # (N,) s
    left: list[EyePose]
    right: list[EyePose]
    events: list[BlinkEvent] = field(default_factory=list)


def blink_rate(params: BehaviourParams, seconds: float) -> float:
    """Blinks per minute: a few per minute, more in short sequences so they show up."""
    if params.blinks_per_min is not None:
        return params.blinks_per_min
    return 15.0 + 30.0 * math.exp(-seconds / 30.0)


def slow_noise(rng: np.random.Generator, t: np.ndarray, timescale: float) -> np.ndarray:
    """Smooth zero-mean noise (std about 1) varying over ``timescale`` seconds."""
    out = np.zeros_like(t)
    for _ in range(4):
        freq = rng.uniform(0.5, 2.0) / timescale
        out += math.sqrt(0.5) * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
    return out / math.sqrt(2.0)


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """The minimum-jerk position profile from 0 to 1 over tau in [0, 1]."""
    tau = np.clip(tau, 0.0, 1.0)
    return tau**3 * (10.0 - 15.0 * tau + 6.0 * tau * tau)


def saccade_duration(amplitude_deg: float) -> float:
    """Main sequence: about 2.2 ms per degree plus 21 ms."""
    return 0.021 + 0.0022 * amplitude_deg


class GazeWriter:
    """Appends gaze movements to 1 kHz x/y timelines (deg; x + = wearer's left, y + = up)."""

    def __init__(self, n: int, rng: np.random.Generator, params: BehaviourParams) -> None:
        self.x = np.zeros(n)
        self.y = np.zeros(n)
        self.i = 0
        self.rng = rng
        self.params = params
        self.pos = np.zeros(2)

    @property
    def done(self) -> bool:
        return self.i >= len(self.x)

    def put(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Append a path given sample by sample (cut at the end of the timeline)."""
        k = min(len(xs), len(self.x) - self.i)
        self.x[self.i : self.i + k] = xs[:k]
        self.y[self.i : self.i + k] = ys[:k]
        self.i += k
        if len(xs):
            self.pos = np.array([xs[-1], ys[-1]])

    def _clip(self, target: np.ndarray) -> np.ndarray:
        return np.clip(target, -np.array(self.params.gaze_limit_deg), self.params.gaze_limit_deg)

    def saccade(self, target: np.ndarray) -> None:
        target = self._clip(target)
        amplitude = float(np.hypot(*(target - self.pos)))
        n = max(int(saccade_duration(amplitude) * RATE_HZ), 1)
        s = min_jerk(np.arange(1, n + 1) / n)
        start = self.pos
        self.put(start[0] + (target[0] - start[0]) * s, start[1] + (target[1] - start[1]) * s)

    def fixate(self, seconds: float) -> None:
        """Hold with slow drift, tremor and microsaccades of a few tenths of a degree."""
        n = max(int(seconds * RATE_HZ), 1)
        drift = np.cumsum(self.rng.normal(0.0, 0.004, (n, 2)), axis=0)
        for k in np.flatnonzero(self.rng.random(n) < 1.5 / RATE_HZ):
            drift[k:] += self.rng.normal(0.0, 0.25, 2)
        path = self.pos + drift + self.rng.normal(0.0, 0.01, (n, 2))
        self.put(path[:, 0], path[:, 1])

    def pursue(self, seconds: float) -> None:
        """Follow a target moving at 5-25 deg/s along a gentle arc."""
        n = max(int(seconds * RATE_HZ), 1)
        speed = self.rng.uniform(5.0, 25.0)
        heading = self.rng.uniform(0, 2 * np.pi)
        turn = self.rng.normal(0.0, 0.8)
        t = np.arange(1, n + 1) / RATE_HZ
        ang = heading + turn * t
        path = self.pos + np.cumsum(np.stack([np.cos(ang), np.sin(ang)], 1), 0) * speed / RATE_HZ
        path = self._clip(path)
        self.put(path[:, 0], path[:, 1])

    def free_viewing(self, seconds: float) -> None:
        end = self.i + int(seconds * RATE_HZ)
        spread = np.array(self.params.gaze_spread_deg)
        while self.i < end and not self.done:
            self.saccade(self.rng.normal(0.0, 1.0, 2) * spread)
            self.fixate(float(np.clip(self.rng.lognormal(math.log(0.3), 0.5), 0.1, 1.5)))

    def read(self, seconds: float) -> None:
        """Lines of text below straight ahead: small rightward saccades, return sweeps."""
        end = self.i + int(seconds * RATE_HZ)
        line_y = self.rng.uniform(-25.0, -12.0)
        width = self.rng.uniform(12.0, 25.0)
        while self.i < end and not self.done:
            x = width / 2.0  # gaze_x + = wearer's left: a line starts on the left
            self.saccade(np.array([x, line_y]))
            while x > -width / 2.0 and self.i < end:
                self.fixate(self.rng.uniform(0.18, 0.3))
                x -= self.rng.uniform(1.5, 3.5)
                self.saccade(np.array([x, line_y + self.rng.normal(0.0, 0.2)]))
            line_y -= self.rng.uniform(0.8, 1.5)


def _gaze(rng: np.random.Generator, n: int, params: BehaviourParams) -> tuple[np.ndarray, ...]:
    writer = GazeWriter(n, rng, params)
    weights = np.asarray(params.mode_weights, dtype=np.float64)
    while not writer.done:
        mode = rng.choice(3, p=weights / weights.sum())
        seconds = rng.uniform(2.0, 6.0)
        if mode == 0:
            writer.free_viewing(seconds)
        elif mode == 1:
            writer.pursue(seconds)
        else:
            writer.read(seconds)
    return writer.x, writer.y


def _poisson_times(rng: np.random.Generator, seconds: float, per_min: float) -> np.ndarray:
    count = rng.poisson(per_min * seconds / 60.0)
    return np.sort(rng.uniform(0.0, seconds, count))


def closure_profile(t: np.ndarray, start: float, close: float, hold: float,
                    reopen: float) -> np.ndarray:
    """0..1 closure of one blink: fast cosine closing, hold, slower opening."""
    c = np.zeros_like(t)
    a, b, e = start + close, start + close + hold, start + close + hold + reopen
    closing = (t >= start) & (t < a)
    c[closing] = 0.5 - 0.5 * np.cos(np.pi * (t[closing] - start) / close)
    c[(t >= a) & (t < b)] = 1.0
    opening = (t >= b) & (t < e)
    c[opening] = 1.0 - min_jerk((t[opening] - b) / reopen)
    return c


def _blinks(
    rng: np.random.Generator, t: np.ndarray, params: BehaviourParams
) -> tuple[np.ndarray, list[BlinkEvent]]:
    """Closure timelines (2, N) of the left and right eye, and the events behind them."""
    seconds = float(t[-1]) if len(t) else 0.0
    closure = np.zeros((2, len(t)))
    events: list[BlinkEvent] = []
    free_from = -1.0
    for start in _poisson_times(rng, seconds, blink_rate(params, seconds)):
        if start < free_from:  # blinks do not overlap
            continue
        partial = rng.random() < params.partial_blink_share
        depth = rng.uniform(0.35, 0.75) if partial else 1.0
        close, reopen = rng.uniform(0.07, 0.12), rng.uniform(0.15, 0.25)
        hold = 0.0 if partial else rng.uniform(0.0, 0.06)
        c = depth * closure_profile(t, start, close, hold, reopen)
        closure = np.maximum(closure, c)
        kind = "partial" if partial else "blink"
        end = float(start + close + hold + reopen)
        free_from = end + 0.1
        events.append(BlinkEvent(kind, "both", float(start), end, float(depth)))
    for start in _poisson_times(rng, seconds, params.winks_per_min):
        eye = int(rng.integers(0, 2))
        close, hold, reopen = rng.uniform(0.1, 0.2), rng.uniform(0.2, 0.7), rng.uniform(0.15, 0.3)
        c = closure_profile(t, start, close, hold, reopen)
        closure[eye] = np.maximum(closure[eye], c)
        closure[1 - eye] = np.maximum(closure[1 - eye], 0.25 * c)  # the other eye narrows
        end = float(start + close + hold + reopen)
        events.append(BlinkEvent("wink", EYES[eye], float(start), end, 1.0))
    events.sort(key=lambda e: e.start)
    return closure, events


def _inside_events(t: np.ndarray, events: list[BlinkEvent], eye: str) -> np.ndarray:
    """Frames inside a blink or wink of this eye (from closing start to fully open)."""
    inside = np.zeros(len(t), bool)
    for e in events:
        if e.eye in ("both", eye):
            inside |= (t >= e.start) & (t <= e.end)
    return inside


def _episodes(rng: np.random.Generator, t: np.ndarray, per_min: float,
              duration: tuple[float, float]) -> np.ndarray:
    """0..1 envelope of episodes (squints, wide eyes) with 150 ms ramps."""
    env = np.zeros_like(t)
    seconds = float(t[-1]) if len(t) else 0.0
    for start in _poisson_times(rng, seconds, per_min):
        length = rng.uniform(*duration)
        rise = np.clip((t - start) / 0.15, 0.0, 1.0) * np.clip((start + length - t) / 0.15, 0, 1)
        env = np.maximum(env, min_jerk(rise) * rng.uniform(0.5, 1.0))
    return env


def _slips(rng: np.random.Generator, t: np.ndarray, params: BehaviourParams,
           scale: float) -> np.ndarray:
    """(N, 3) headset slip in the left camera: x, y (image widths), roll (deg)."""
    out = np.zeros((len(t), 3))
    std = np.array([params.slip_std, params.slip_std, 1.5]) * scale
    current = np.zeros(3)
    seconds = float(t[-1]) if len(t) else 0.0
    for start in _poisson_times(rng, seconds, params.slips_per_min * scale):
        target = 0.6 * current + rng.normal(0.0, 1.0, 3) * std
        out += np.outer(min_jerk((t - start) / rng.uniform(0.08, 0.25)), target - current)
        current = target
    drift = np.stack([slow_noise(rng, t, 20.0) for _ in range(3)], 1) * std * 0.2
    return out + drift


@dataclass
class Timelines:
    """A session's scripted movements at RATE_HZ, before they become per-frame poses."""

    t: np.ndarray  # (M,) s
    gaze_x: np.ndarray  # (M,) deg, + = the wearer's left (head coordinates)
    gaze_y: np.ndarray  # (M,) deg, + = up
    closure: np.ndarray  # (2, M) 0 open .. 1 closed, left and right eye
    squint: np.ndarray  # (M,) 0..1
    wide: np.ndarray  # (M,) 0..1
    events: list[BlinkEvent]


def fine_times(seconds: float) -> np.ndarray:
    """The RATE_HZ time base of a session (a little longer, for interpolation)."""
    return np.arange(math.ceil((seconds + 0.1) * RATE_HZ) + 1) / RATE_HZ


def script_behaviour(
    rng: np.random.Generator,
    seconds: float,
    fps: float,
    params: BehaviourParams | None = None,
    slip_scale: float = 1.0,
    glasses: bool = False,
) -> BehaviourScript:
    """Per-frame poses of both eyes of one person for one session."""
    params = params or BehaviourParams()
    fine_t = fine_times(seconds)
    gx, gy = _gaze(rng, len(fine_t), params)
    closure, events = _blinks(rng, fine_t, params)
    squint = _episodes(rng, fine_t, params.squints_per_min, (1.0, 3.0))
    wide = _episodes(rng, fine_t, params.wides_per_min, (0.7, 2.0))
    timelines = Timelines(fine_t, gx, gy, closure, squint, wide, events)
    return poses_from_timelines(rng, timelines, seconds, fps, params, slip_scale, glasses)


def poses_from_timelines(
    rng: np.random.Generator,
    lines: Timelines,
    seconds: float,
    fps: float,
    params: BehaviourParams,
    slip_scale: float = 1.0,
    glasses: bool = False,
) -> BehaviourScript:
    """Sample scripted timelines at the camera's frame times, adding what every session has
    (vergence, pupil changes, headset slips, exposure, glare) and the dip during blinks."""
    n_frames = max(round(seconds * fps), 1)
    t = np.arange(n_frames) / fps
    fine_t, closure, squint = lines.t, lines.closure, lines.squint
    vergence = 2.0 + 1.5 * slow_noise(rng, fine_t, 8.0)
    pupil = np.clip(0.5 + 0.22 * slow_noise(rng, fine_t, 6.0)
                    + 0.03 * np.sin(2 * np.pi * 0.3 * fine_t), 0.0, 1.0)
    # Eyes dip down and in during a blink.
    dip = closure.max(axis=0)
    gx, gy = lines.gaze_x, lines.gaze_y - 3.0 * dip

    def at(x: np.ndarray, times: np.ndarray = t) -> np.ndarray:
        return np.interp(times, fine_t, x)

    slips = _slips(rng, t, params, slip_scale)
    exposure = 1.0 + 0.05 * slow_noise(rng, t, 10.0)
    glare = np.clip(0.6 + 0.4 * slow_noise(rng, t, 15.0), 0.0, 1.0) if glasses else np.zeros_like(t)
    base_open = 1.0 + 0.03 * slow_noise(rng, fine_t, 5.0) - 0.45 * squint + 0.35 * lines.wide
    earlier = t - params.exposure_time_s
    poses: list[list[EyePose]] = []
    for side, sign in ((0, 1.0), (1, -1.0)):
        yaw = sign * gx - vergence / 2.0
        openness = at(base_open * (1.0 - closure[side]))
        yaw_t, pitch_t = at(yaw), at(gy)
        sweep_yaw, sweep_pitch = yaw_t - at(yaw, earlier), pitch_t - at(gy, earlier)
        blinking = _inside_events(t, lines.events, EYES[side])
        squint_t, pupil_t = at(squint), at(pupil)
        eye_slip = slips * np.array([sign, 1.0, sign])  # mirrored into the right's left-eye view
        poses.append([
            EyePose(
                yaw=float(yaw_t[i]), pitch=float(pitch_t[i]), openness=float(openness[i]),
                squint=float(squint_t[i]), pupil=float(pupil_t[i]),
                slip_x=float(eye_slip[i, 0]), slip_y=float(eye_slip[i, 1]),
                slip_rot_deg=float(eye_slip[i, 2]), exposure=float(exposure[i]),
                sweep_yaw=float(sweep_yaw[i]), sweep_pitch=float(sweep_pitch[i]),
                glasses_reflection=float(glare[i]), blinking=bool(blinking[i]),
            )
            for i in range(n_frames)
        ])
    return BehaviourScript(t=t, left=poses[0], right=poses[1], events=lines.events)
