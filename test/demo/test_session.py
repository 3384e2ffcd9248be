"""The demo session's script (demo.session): every kind of eye behaviour the demo is
meant to show is in the plan, and the movements really do it at the planned times."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from eye_expression_driver.demo import session as demo
from eye_expression_driver.synth.sequence import generate_sequence


@pytest.fixture(scope="module")
def lines():
    return demo.demo_timelines(np.random.default_rng(5), demo.DEMO_SECONDS)


def inside(lines, seg, margin: float = 0.0) -> np.ndarray:
    return (lines.t >= seg.start + margin) & (lines.t < seg.end - margin)


def speed(lines, window: int = 10) -> np.ndarray:
    """deg/s of the gaze over `window` ms (longer than the fixational tremor's samples)."""
    dx, dy = (a[window:] - a[:-window] for a in (lines.gaze_x, lines.gaze_y))
    step = np.hypot(dx, dy) * demo.RATE_HZ / window
    return np.append(step, np.full(window, step[-1]))


def test_the_plan_has_every_kind_within_the_session() -> None:
    assert {s.kind for s in demo.PLAN} == set(demo.KINDS)
    assert {s.eye for s in demo.PLAN if s.kind == "wink"} == {"left", "right"}
    assert all(0.0 <= s.start < s.end <= demo.DEMO_SECONDS for s in demo.PLAN)
    gaze = demo.GAZE_PLAN  # one gaze segment at a time, no gap
    assert gaze[0].start == 0.0 and gaze[-1].end == demo.DEMO_SECONDS
    assert all(a.end == b.start for a, b in itertools.pairwise(gaze))


def test_lids_close_open_squint_and_widen_as_planned(lines) -> None:
    for seg in demo.LID_PLAN:
        during = inside(lines, seg)
        left, right = lines.closure[0][during].max(), lines.closure[1][during].max()
        if seg.kind == "blink":
            assert left > 0.99 and right > 0.99, seg
        elif seg.kind == "wink":
            shut, other = (left, right) if seg.eye == "left" else (right, left)
            assert shut > 0.99 and other < 0.3, seg
        else:
            envelope = lines.squint if seg.kind == "squint" else lines.wide
            assert envelope[inside(lines, seg, 0.2)].min() > 0.99, seg
    episodes = [s for s in demo.LID_PLAN if s.kind in ("squint", "wide")]
    quiet = ~np.any([inside(lines, s) for s in episodes], axis=0)
    assert lines.squint[quiet].max() == 0.0 and lines.wide[quiet].max() == 0.0
    closing = [s for s in demo.LID_PLAN if s.kind in ("blink", "wink")]
    open_ = ~np.any([inside(lines, s) for s in closing], axis=0)
    assert lines.closure[:, open_].max() == 0.0
    assert [e.kind for e in lines.events] == [s.kind for s in closing]


def test_gaze_fixates_jumps_pursues_and_reads_below(lines) -> None:
    v = speed(lines)
    for seg in demo.GAZE_PLAN:
        during = inside(lines, seg, 0.1)
        if seg.kind in ("saccade", "fixation"):
            held = inside(lines, seg, 0.3)  # after the jump, on target
            target = np.array(seg.target)[:, None]
            offset = np.hypot(*(np.stack([lines.gaze_x[held], lines.gaze_y[held]]) - target))
            assert np.median(offset) < 1.5 and np.median(v[held]) < 5.0, seg
        if seg.kind == "saccade" and seg.target != (0.0, 0.0):
            assert v[inside(lines, seg)].max() > 200.0, seg  # a real saccade, not a glide
        if seg.kind == "pursuit":
            assert 15.0 < np.median(v[during]) < 30.0 and v[during].max() < 60.0
            assert np.ptp(lines.gaze_x[during]) > 20 and np.ptp(lines.gaze_y[during]) > 20
        if seg.kind == "reading":
            assert lines.gaze_y[during].max() < -10.0  # looking down
            jumps = np.diff((v[during] > 100.0).astype(int)) == 1
            assert jumps.sum() >= 10  # word by word


def test_frames_follow_the_plan_and_longer_sessions_repeat_it() -> None:
    seq = generate_sequence(3, 13.0, 30.0, (64, 64), scripter=demo.script_demo_session)
    t = seq.script.t
    wink = next(s for s in demo.LID_PLAN if s.kind == "wink" and s.eye == "left")
    middle = int(np.argmin(np.abs(t - (wink.start + wink.end) / 2)))
    assert seq.script.left[middle].openness < 0.1 < 0.5 < seq.script.right[middle].openness
    assert seq.script.left[middle].blinking and not seq.script.right[middle].blinking
    again = generate_sequence(3, 13.0, 30.0, (64, 64), scripter=demo.script_demo_session)
    assert [p.yaw for p in again.script.left] == [p.yaw for p in seq.script.left]
    long = demo.demo_timelines(np.random.default_rng(0), 2 * demo.DEMO_SECONDS + 2.0)
    blinks = [e.start for e in long.events if e.kind == "blink"]
    assert blinks[:2] == [0.8, 5.0] and 0.8 + 2 * demo.DEMO_SECONDS in blinks
    assert [s.kind for s in demo.segments_until(1.4)] == ["fixation", "blink"]
