"""core.eye_tracking and outputs.overlay: crop and mirror round trips, learned path, the
frame checks of ``track`` (too small, uniform, detector error, no eye, crop outside), drawing."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from eye_expression_driver.core.eye_tracking import (
    MIN_SIDE,
    NO_EYE_CONFIDENCE,
    CropError,
    EyeTracking,
    FrameIssue,
    Observation,
    View,
)
from eye_expression_driver.outputs.overlay import draw_overlay


def dot_detector(image: np.ndarray, eye: str, confidence: float = 2.0):
    """A detector for a test image with one bright pixel: every point sits on it."""
    y, x = np.unravel_index(int(np.argmax(image)), image.shape)
    points = np.tile([float(x), float(y)], (24, 1))
    points[6] -= (5, 0)
    points[18] += (5, 0)
    return SimpleNamespace(landmarks=points, pupil=np.array([x, y], float), eye_width=10.0,
                           eyelid_distance=0.3, pupil_offset=np.zeros(2), confidence=confidence,
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


def dot_image(height: int = 40, width: int = 60) -> np.ndarray:
    image = np.zeros((height, width), np.uint8)
    image[height // 2, width // 3] = 255
    return image


def test_track_a_good_frame_gives_the_observation_and_no_issue() -> None:
    obs, issue = EyeTracking("left", dot_detector).track(dot_image())
    assert issue is None and obs is not None
    assert obs.pupil.tolist() == [20.0, 20.0] and obs.confidence == 1.0


def test_track_a_tiny_frame_is_too_small_with_an_empty_observation() -> None:
    obs, issue = EyeTracking("left", dot_detector).track(dot_image(MIN_SIDE - 1, 30))
    assert issue == FrameIssue("too small", f"30x{MIN_SIDE - 1} frame is too small for an "
                               f"eye (at least {MIN_SIDE} px a side)")
    assert issue.log_key == "too small" and not issue.malformed
    assert isinstance(obs, Observation)
    assert obs.confidence == 0.0 and np.isnan(obs.pupil).all()


@pytest.mark.parametrize("value", [0, 255])
def test_track_a_uniform_frame_is_no_eye_keyed_by_its_value(value: int) -> None:
    def never(image, eye):
        raise AssertionError("a uniform frame must not reach the detector")

    obs, issue = EyeTracking("right", never).track(np.full((40, 60), value, np.uint8))
    assert issue.kind == "uniform" and issue.log_key == f"uniform {value}"
    assert issue.message == f"uniform frame (every pixel {value}): no eye"
    assert obs.confidence == 0.0 and np.isnan(obs.landmarks).all()


def test_track_a_detector_that_raises_is_a_detector_error_not_an_exception() -> None:
    def broken(image, eye):
        raise RuntimeError("model exploded")

    obs, issue = EyeTracking("left", broken).track(dot_image())
    assert issue.kind == "detector error" and not issue.malformed
    assert issue.message == "detector failed on a 60x40 frame: RuntimeError: model exploded"
    assert obs.confidence == 0.0 and np.isnan(obs.pupil).all()


def test_track_a_low_confidence_result_is_no_eye_but_keeps_the_observation() -> None:
    low = NO_EYE_CONFIDENCE / 2

    def unsure(image, eye):
        return dot_detector(image, eye, confidence=low)

    obs, issue = EyeTracking("left", unsure).track(dot_image())
    assert issue == FrameIssue("no eye", f"no eye found (confidence {low:.2f})")
    assert obs.confidence == low and obs.pupil.tolist() == [20.0, 20.0]


def test_track_a_crop_outside_the_image_is_malformed_and_has_no_observation() -> None:
    tracking = EyeTracking("left", dot_detector, view=View((100, 0, 10, 10)))
    obs, issue = tracking.track(dot_image(20, 20))
    assert obs is None
    assert issue.malformed and issue.kind == CropError.kind == issue.log_key
    assert "outside the 20x20 image" in issue.message


def test_an_unknown_eye_is_refused() -> None:
    with pytest.raises(ValueError, match="eye must be one of left, right"):
        EyeTracking("middle", dot_detector)


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
