"""The demo session: a fixed 20 s tour of everything the eyes do that the graph should show.

Random sessions (behaviour.script_behaviour) are realistic but a 20 s one may lack a wink
or a squint; the demo must show each kind once, at times a viewer of the report can find.
``PLAN`` is that script, at fixed times: fixations, saccades in the four directions, a
smooth-pursuit circle, blinks, a wink of each eye, a squint, wide eyes and reading (looking
down, line by line). Only the fixational micro-movements and the renderer's noise come from
the seed. A session longer than the plan repeats it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eye_expression_driver.core.names import EYES
from eye_expression_driver.synth.behaviour import (
    RATE_HZ,
    BehaviourParams,
    BehaviourScript,
    BlinkEvent,
    GazeWriter,
    Timelines,
    closure_profile,
    fine_times,
    min_jerk,
    poses_from_timelines,
)

DEMO_SECONDS = 20.0
KINDS = ("fixation", "saccade", "pursuit", "reading", "blink", "wink", "squint", "wide")
# No headset slips: the demo shows expressions, not robustness.
DEMO_PARAMS = BehaviourParams(slips_per_min=0.0)
PURSUIT_RADIUS_DEG = 12.0
READING_LINE_DEG = -14.0  # below straight ahead, as a page held low
READING_HALF_WIDTH_DEG = 10.0


@dataclass(frozen=True)
class Segment:
    """One scripted thing at fixed times; ``target`` is a gaze (x + = wearer's left, y + = up)
    in deg for gaze kinds, ``eye`` says which lids a wink closes."""

    kind: str
    start: float  # s from the session start
    end: float
    target: tuple[float, float] = (0.0, 0.0)
    eye: str = "both"


# Gaze: consecutive segments covering the plan; a saccade segment jumps, then holds (a
# fixation segment too, if it does not start on its target).
GAZE_PLAN = (
    Segment("fixation", 0.0, 1.5),
    # The four directions early, so the calibration has seen the range when judging starts.
    Segment("saccade", 1.5, 2.3, (-14.0, 0.0)),  # to the wearer's right
    Segment("saccade", 2.3, 3.1, (14.0, 0.0)),
    Segment("saccade", 3.1, 3.9, (0.0, 10.0)),  # up
    Segment("saccade", 3.9, 4.7, (0.0, -10.0)),  # down
    Segment("saccade", 4.7, 5.5, (0.0, 0.0)),
    Segment("pursuit", 5.5, 9.0),  # one circle
    Segment("fixation", 9.0, 13.0),
    Segment("saccade", 13.0, 15.0, (6.0, 3.0)),  # held through the squint
    Segment("saccade", 15.0, 16.5, (0.0, 0.0)),  # held through the wide eyes
    Segment("reading", 16.5, 20.0),
)
# Lids: blinks and winks close, squint and wide change the open lid for a while.
LID_PLAN = (
    Segment("blink", 0.8, 1.2),
    Segment("blink", 5.0, 5.4),
    Segment("blink", 7.8, 8.2),
    Segment("wink", 9.6, 10.3, eye="left"),
    Segment("wink", 11.4, 12.1, eye="right"),
    Segment("squint", 13.2, 14.8),
    Segment("wide", 15.2, 16.3),
    Segment("blink", 18.6, 19.0),
)
PLAN = tuple(sorted(GAZE_PLAN + LID_PLAN, key=lambda s: s.start))


def _write_gaze(writer: GazeWriter, offset: float) -> None:
    """One pass of GAZE_PLAN, each segment ending at its planned time."""
    for seg in GAZE_PLAN:
        end = round((offset + seg.end) * RATE_HZ)
        if seg.kind == "saccade" or (seg.kind == "fixation"
                                     and np.hypot(*(writer.pos - seg.target)) > 1.0):
            writer.saccade(np.array(seg.target))
        elif seg.kind == "pursuit":
            _pursue_circle(writer, seg.end - seg.start)
        elif seg.kind == "reading":
            _read_down(writer, end)
        if writer.i < end:
            writer.fixate((end - writer.i) / RATE_HZ)


def _pursue_circle(writer: GazeWriter, seconds: float) -> None:
    """A saccade onto a circle, then smooth pursuit once round it (back to the start)."""
    writer.saccade(np.array([PURSUIT_RADIUS_DEG, 0.0]))
    n = max(int((seconds - 0.1) * RATE_HZ), 1)
    angle = 2 * np.pi * np.arange(1, n + 1) / n  # constant speed, about 22 deg/s
    writer.put(PURSUIT_RADIUS_DEG * np.cos(angle), PURSUIT_RADIUS_DEG * np.sin(angle))


def _read_down(writer: GazeWriter, end: int) -> None:
    """Lines of text below straight ahead: 0.22 s fixations 2.5 deg apart, return sweeps."""
    line = READING_LINE_DEG
    room = lambda: writer.i < end - 250 and not writer.done  # noqa: E731
    while room():
        x = READING_HALF_WIDTH_DEG  # gaze x + = the wearer's left: a line starts on the left
        writer.saccade(np.array([x, line]))
        while x > -READING_HALF_WIDTH_DEG and room():
            writer.fixate(0.22)
            x -= 2.5
            writer.saccade(np.array([x, line]))
        line -= 1.5


def _envelope(t: np.ndarray, start: float, end: float) -> np.ndarray:
    """0..1 with 150 ms eased ramps at both ends (as behaviour's squint/wide episodes)."""
    rise = np.clip((t - start) / 0.15, 0.0, 1.0) * np.clip((end - t) / 0.15, 0.0, 1.0)
    return min_jerk(rise)


def _lids(t: np.ndarray, offset: float, lines: Timelines) -> None:
    """Add one pass of LID_PLAN to the closure, squint and wide timelines and the events."""
    for seg in LID_PLAN:
        start, end = offset + seg.start, offset + seg.end
        if seg.kind in ("blink", "wink"):
            hold = 0.04 if seg.kind == "blink" else end - start - 0.34
            closure = closure_profile(t, start, 0.11, hold, end - start - 0.11 - hold)
            for side, name in enumerate(EYES):
                depth = 1.0 if seg.eye in ("both", name) else 0.25  # the other eye narrows
                lines.closure[side] = np.maximum(lines.closure[side], depth * closure)
            lines.events.append(BlinkEvent(seg.kind, seg.eye, start, end, 1.0))
        elif seg.kind == "squint":
            lines.squint[:] = np.maximum(lines.squint, _envelope(t, start, end))
        elif seg.kind == "wide":
            lines.wide[:] = np.maximum(lines.wide, _envelope(t, start, end))


def demo_timelines(rng: np.random.Generator, seconds: float = DEMO_SECONDS) -> Timelines:
    """The plan's movements at RATE_HZ for a session of ``seconds`` (repeating the plan)."""
    t = fine_times(seconds)
    writer = GazeWriter(len(t), rng, DEMO_PARAMS)
    zeros = np.zeros_like(t)
    lines = Timelines(t, writer.x, writer.y, np.zeros((2, len(t))), zeros.copy(),
                      zeros.copy(), [])
    for k in range(math.ceil(t[-1] / DEMO_SECONDS)):
        if not writer.done:
            _write_gaze(writer, k * DEMO_SECONDS)
        _lids(t, k * DEMO_SECONDS, lines)
    lines.events[:] = sorted((e for e in lines.events if e.start < seconds),
                             key=lambda e: e.start)
    return lines


def script_demo_session(rng: np.random.Generator, seconds: float, fps: float,
                        params: BehaviourParams | None = None, slip_scale: float = 1.0,
                        glasses: bool = False) -> BehaviourScript:
    """Per-frame poses of the demo session (same signature as behaviour.script_behaviour, so
    synth.sequence renders it the same way); ``params`` is ignored: the plan is fixed."""
    lines = demo_timelines(rng, seconds)
    return poses_from_timelines(rng, lines, seconds, fps, DEMO_PARAMS, slip_scale, glasses)


def segments_until(seconds: float) -> list[Segment]:
    """The plan's segments that start within a session of ``seconds``, repeats included."""
    out = []
    for k in range(math.ceil(seconds / DEMO_SECONDS)):
        shift = k * DEMO_SECONDS
        out += [Segment(s.kind, s.start + shift, min(s.end + shift, seconds), s.target, s.eye)
                for s in PLAN if s.start + shift < seconds]
    return out
