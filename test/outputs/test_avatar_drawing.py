"""The avatar preview drawing: the face follows the weights (the node: test/ros)."""

from __future__ import annotations

import numpy as np
import pytest
from preview_helpers import changed_pixels, inside

from eye_expression_driver.outputs.avatar_preview import eye_box, render_avatar


def test_blink_left_closes_the_eye_on_the_image_right() -> None:
    size = 256
    neutral = render_avatar({}, size)
    blink = render_avatar({"eyeBlinkLeft": 1.0}, size)
    changed = changed_pixels(neutral, blink)
    in_box, outside = inside(changed, "Left", size)
    assert in_box > 200 and outside == 0
    assert eye_box("Left", size).x0 > size // 2  # the wearer's left eye is on the image right
    # Closed: no iris/pupil (dark) pixels remain inside the left eye's box.
    box = eye_box("Left", size)
    grey = blink[box.y0:box.y1, box.x0:box.x1].mean(axis=2)
    assert (render_avatar({}, size)[box.y0:box.y1, box.x0:box.x1].mean(axis=2) < 40).sum() > 20
    assert (grey < 40).sum() == 0


def test_half_blink_is_between_open_and_closed() -> None:
    open_, half, closed = (render_avatar({"eyeBlinkRight": w}) for w in (0.0, 0.5, 1.0))
    sclera = [int((img.min(axis=2) > 235).sum()) for img in (open_, half, closed)]
    assert sclera[0] > sclera[1] > sclera[2]


def dark_centroid_x(image: np.ndarray, side: str) -> float:
    box = eye_box(side, image.shape[0])
    _ys, xs = np.nonzero(image[box.y0:box.y1, box.x0:box.x1].mean(axis=2) < 40)
    return float(xs.mean()) + box.x0


@pytest.mark.parametrize("side", ["Left", "Right"])
def test_look_out_moves_the_pupil_away_from_the_nose(side: str) -> None:
    mid = 128
    straight = dark_centroid_x(render_avatar({}, 256), side)
    out = dark_centroid_x(render_avatar({f"eyeLookOut{side}": 1.0}, 256), side)
    in_ = dark_centroid_x(render_avatar({f"eyeLookIn{side}": 1.0}, 256), side)
    assert abs(out - mid) > abs(straight - mid) + 5 > abs(in_ - mid) + 10


def test_unknown_and_invalid_weights_are_neutral() -> None:
    neutral = render_avatar({})
    odd = render_avatar({"notABlendshape": 1.0, "eyeBlinkLeft": float("nan"),
                         "eyeBlinkRight": -3.0})
    assert np.array_equal(neutral, odd)
    with pytest.raises(ValueError):
        render_avatar({}, 8)
