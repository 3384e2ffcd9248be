"""core.face_merge: template, priority by name, easing of stale sources back to neutral."""

from __future__ import annotations

import pytest

from eye_expression_driver.core.face_merge import FaceMerger, ease_factor

NAMES = ["eyeBlinkLeft", "jawOpen", "mouthSmileLeft"]


def test_ease_factor_is_smooth_and_bounded() -> None:
    assert ease_factor(0.2, 0.5, 1.0) == 1.0
    assert ease_factor(1.0, 0.5, 1.0) == pytest.approx(0.5)
    assert ease_factor(2.0, 0.5, 1.0) == 0.0
    assert ease_factor(0.6, 0.5, 0.0) == 0.0


def test_template_until_a_source_speaks() -> None:
    merger = FaceMerger(NAMES, [0.0, 0.1, 0.0])
    face = merger.merged(now=0.0)
    assert face.weights.tolist() == [0.0, 0.1, 0.0]
    assert face.confidences.tolist() == [0.0, 0.0, 0.0] and face.stamp_ns == 0


def test_sources_merge_by_name_and_higher_priority_wins() -> None:
    merger = FaceMerger(NAMES, [0.0, 0.1, 0.0])
    merger.update("eyes", {"eyeBlinkLeft": 0.9}, now=0.0, stamp_ns=10, priority=10)
    merger.update("mouth", {"jawOpen": 0.5, "eyeBlinkLeft": 0.2, "nope": 1.0}, now=0.0,
                  stamp_ns=20, priority=1, confidences={"jawOpen": 0.7})
    face = merger.merged(now=0.1)
    assert face.weights.tolist() == pytest.approx([0.9, 0.5, 0.0])
    assert face.confidences.tolist() == pytest.approx([1.0, 0.7, 0.0])
    assert face.stamp_ns == 20
    assert merger.unknown_names == {"nope"}


def test_stale_source_eases_back_to_neutral_or_the_lower_priority() -> None:
    merger = FaceMerger(NAMES, [0.0, 0.1, 0.0], stale_after=0.5, ease_time=1.0)
    merger.update("mouth", {"jawOpen": 0.6, "eyeBlinkLeft": 0.2}, now=0.0, stamp_ns=1,
                  priority=1)
    merger.update("eyes", {"eyeBlinkLeft": 1.0}, now=1.0, stamp_ns=2, priority=10)
    half = merger.merged(now=1.0)  # mouth halfway eased, eyes fresh
    assert half.weights[1] == pytest.approx(0.35)
    assert half.weights[0] == pytest.approx(1.0)
    later = merger.merged(now=2.0)  # mouth gone, eyes halfway: between 0.2*0 and 1.0
    assert later.weights[1] == pytest.approx(0.1)
    assert later.weights[0] == pytest.approx(0.5)
    assert merger.merged(now=5.0).weights.tolist() == pytest.approx([0.0, 0.1, 0.0])
    assert merger.settled_after() == pytest.approx(2.5)
    assert merger.easing(2.0) and not merger.easing(0.3) and not merger.easing(2.6)
