"""Letterbox geometry and input checks of the eye feature detector's pre-processing."""

from __future__ import annotations

import numpy as np
import pytest

from eye_expression_driver.vision.preprocess import (
    UnusableImageError,
    letterbox,
    mirror,
    to_grey,
)


def dot_image(w: int, h: int, x: float, y: float, dtype=np.uint8) -> np.ndarray:
    """A dark image with one bright Gaussian dot at (x, y)."""
    yy, xx = np.mgrid[0:h, 0:w]
    blob = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 6.0**2))
    return (blob * 200).astype(dtype)


def centroid(image: np.ndarray) -> np.ndarray:
    weights = np.clip(image - image.max() * 0.3, 0, None)
    yy, xx = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    return np.array([(xx * weights).sum(), (yy * weights).sum()]) / weights.sum()


@pytest.mark.parametrize("w,h", [(200, 200), (400, 160), (90, 300), (40, 40)])
def test_letterbox_maps_points_both_ways(w: int, h: int) -> None:
    point = np.array([w * 0.3, h * 0.6])
    square, box = letterbox(dot_image(w, h, *point), 64)
    assert square.shape == (64, 64) and square.dtype == np.float32
    assert np.linalg.norm(centroid(square) - box.to_input(point)) < 0.25
    assert np.allclose(box.to_source(box.to_input(point)), point)


def test_letterbox_pads_the_short_side_with_replicated_edges() -> None:
    image = np.zeros((50, 200), np.uint8)
    image[:, :100] = 100
    square, _ = letterbox(image, 64)
    assert np.allclose(square[0], square[20])  # rows above the picture copy its first row
    assert square[0, 5] == pytest.approx(100) and square[0, 60] == pytest.approx(0)


def test_grey_from_colour_16bit_and_float() -> None:
    grey = np.arange(64 * 48, dtype=np.uint8).reshape(48, 64)
    bgr = np.dstack([grey] * 3)
    assert np.array_equal(to_grey(bgr), grey)
    assert to_grey(np.dstack([grey] * 3 + [np.full_like(grey, 255)])).shape == (48, 64)
    assert to_grey(grey.astype(np.uint16) * 257).dtype == np.uint16
    assert to_grey(grey[:, :, None]).shape == (48, 64)
    assert to_grey(grey.astype(np.float64)).shape == (48, 64)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((0, 0), np.uint8),
        np.zeros((1, 1), np.uint8),
        np.zeros((100, 2), np.uint8),
        np.zeros((20, 20), bool),
        np.zeros((20, 20), np.int64),
        np.zeros((20, 20, 2), np.uint8),
        np.zeros((2, 20, 20, 1), np.uint8),
        np.full((20, 20), np.nan, np.float32),
        [[1, 2], [3, 4]],
    ],
    ids=["empty", "1x1", "thin", "bool", "int64", "2-channel", "4-d", "nan", "list"],
)
def test_unusable_inputs_raise_a_clear_error(image) -> None:
    with pytest.raises(UnusableImageError):
        to_grey(image)


def test_mirror_flips_x() -> None:
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert np.array_equal(mirror(image)[:, 0], image[:, 3])
