"""VMC/OSC output: message building and checks without ROS (the sender node: test/ros)."""

from __future__ import annotations

import pytest
from pythonosc.osc_bundle import OscBundle

from eye_expression_driver.outputs.vmc import (
    APPLY_ADDRESS,
    VAL_ADDRESS,
    blend_messages,
    check_host,
    osc_bundle,
    parse_name_map,
)


def test_vals_then_apply_clipped_and_renamed() -> None:
    names = ["eyeBlinkLeft", "eyeLookUpRight", "jawOpen", "tongueOut", "eyeWideLeft"]
    weights = [0.25, 1.5, float("nan"), 0.5, -0.2]
    messages = blend_messages(names, weights, {"eyeBlinkLeft": "Blink_L", "tongueOut": ""})
    assert messages == [
        (VAL_ADDRESS, ("Blink_L", 0.25)),
        (VAL_ADDRESS, ("eyeLookUpRight", 1.0)),
        (VAL_ADDRESS, ("eyeWideLeft", 0.0)),
        (APPLY_ADDRESS, ()),
    ]


def test_bundle_holds_the_messages_in_order() -> None:
    bundle = OscBundle(osc_bundle(blend_messages(["a", "b"], [0.5, 0.75])).dgram)
    decoded = [(m.address, tuple(m.params)) for m in bundle]
    assert decoded == [(VAL_ADDRESS, ("a", 0.5)), (VAL_ADDRESS, ("b", 0.75)), (APPLY_ADDRESS, ())]


def test_name_map_and_host_checks() -> None:
    assert parse_name_map(["eyeBlinkLeft=Blink_L", " jawOpen = A "]) == {
        "eyeBlinkLeft": "Blink_L", "jawOpen": "A"}
    for bad in (["eyeBlinkLeft"], ["=x"], ["a=b", "a=c"]):
        with pytest.raises(ValueError):
            parse_name_map(bad)
    for good in ("127.0.0.1", "::1", "localhost", "vseeface-pc.local"):
        assert check_host(good) is None
    for bad in ("", "bad host", "300.1.2.3.4/5", "-x"):
        assert check_host(bad) is not None
