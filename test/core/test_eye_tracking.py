"""core.eye_tracking and core.overlay: crop and mirror round trips, learned path, drawing."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from eye_expression_driver.core.eye_tracking import CropError, EyeTracking, View
from eye_expression_driver.outputs.overlay import draw_overlay


def dot_detector(image: np.ndarray, eye: str):
    """A detector for a test image with one bright pixel: every point sits on it."""
    y, x = np.unravel_index(int(np.argmax(image)), image.shape)
    points = np.tile([float(x), float(y)], (24, 1))
    points[6] -= (5, 0)
    points[18] += (5, 0)
    return SimpleNamespace(landmarks=points, pupil=np.array([x, y], float), eye_width=10.0,
                           eyelid_distance=0.3, pupil_offset=np.zeros(2), confidence=2.0,
                           pupil_confidence=0.5)


@pytest.mark.parametrize("crop", [(0, 0, 0, 0), (10, 5, 30, 20), (-5, -5, 40, 40)])
@pytest.mark.parametrize("mirror", [False, True])
def test_points_come_back_in_source_pixels(crop, mirror) -> None:
    image = np.zeros((40, 60), np.uint8)
    image[12, 17] = 255
    tracking = EyeTracking("left", dot_detector, view=View(crop, mirror))
    obs = tracking.process(image)
    assert obs.pupil.tolist() == [17.0, 12.0]
    assert obs.landmarks[0].tolist() == [17.0, 12.0]
    assert obs.confidence == 1.0 and np.isnan(obs.learned).all()


def test_crop_outside_the_image_is_refused() -> None:
    with pytest.raises(CropError, match="outside"):
        EyeTracking("left", dot_detector, view=View((100, 0, 10, 10))).process(
            np.zeros((20, 20), np.uint8))


def learned(visible: float, confidence: float = 0.8):
    """A stand-in model of the learned estimate's shape (coefficients, confidence, features)."""
    return lambda img, eye: ([0.1, 0, 0, 0.2, 0.9], confidence, (0.03, -0.01), 0.27, visible)


def test_learned_model_alone() -> None:
    obs = EyeTracking("right", None, predict=learned(0.25)).process(np.zeros((20, 20), np.uint8))
    assert obs.learned.tolist() == [0.1, 0, 0, 0.2, 0.9]
    assert np.isnan(obs.landmarks).all() and obs.confidence == 0.8
    assert obs.pupil_offset.tolist() == [0.03, -0.01] and obs.eyelid_distance == 0.27
    assert obs.pupil_confidence == pytest.approx(0.2)  # eye present x pupil visible


def test_overlay_draws_on_a_bigger_picture() -> None:
    image = np.zeros((40, 60), np.uint8)
    image[12, 30] = 255
    obs = EyeTracking("left", dot_detector).process(image)
    picture = draw_overlay(image, obs, {"blink": 0.5, "look_up": 1.0})
    assert picture.shape == (213, 320, 3) and picture.dtype == np.uint8
    assert picture.any()
    empty = draw_overlay(image, EyeTracking("left", None, learned(0.0, 0.0)).process(
        image))
    assert empty.shape == picture.shape
