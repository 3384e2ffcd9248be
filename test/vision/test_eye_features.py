"""The shipped eye feature model through the run-time detector, on freshly rendered eyes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.landmarks import mirror_x
from eye_expression_driver.synth.pose import EyePose
from eye_expression_driver.synth.renderer import EyeRenderer
from eye_expression_driver.synth.subject import SubjectParams
from eye_expression_driver.vision.eye_features import (
    DEFAULT_MODEL,
    EyeFeatureDetector,
    ModelFileError,
    UnusableImageError,
)

STREAM = 424_242  # subjects of this test: not the training stream


@pytest.fixture(scope="module")
def detector() -> EyeFeatureDetector:
    return EyeFeatureDetector()


def render(index: int, pose: EyePose, size: int = 200):
    rng = np.random.default_rng([STREAM, index])
    return EyeRenderer(SubjectParams.sample(rng), (size, size)).render(pose, rng)


def test_the_model_is_shipped_small_and_loads() -> None:
    assert DEFAULT_MODEL.is_file() and DEFAULT_MODEL.stat().st_size < 5e6
    assert DEFAULT_MODEL.with_suffix(".md").is_file()
    assert EyeFeatureDetector().size >= 32


def test_finds_landmarks_and_pupil_of_open_rendered_eyes(detector) -> None:
    lm_err, pupil_err = [], []
    for index in range(8):
        pose = EyePose(yaw=(index - 4) * 5.0, pitch=(index % 3 - 1) * 8.0, openness=1.0)
        image, truth = render(index, pose)
        found = detector.detect(image)
        width = np.linalg.norm(truth.landmarks[18] - truth.landmarks[6])
        lm_err.append(np.linalg.norm(found.landmarks - truth.landmarks, axis=1).mean() / width)
        pupil_err.append(np.linalg.norm(found.pupil - truth.pupil) / width)
        assert found.confidence > 0.5 and found.pupil_confidence > 0.5
        assert abs(found.eyelid_distance - eyelid_distance(truth.landmarks)) < 0.05
        # Close-ups put the corners outside the image: their width is extrapolated.
        assert found.eye_width == pytest.approx(width, rel=0.15)
    assert np.mean(lm_err) < 0.05
    assert np.median(pupil_err) < 0.02


def test_closed_eyes_have_low_pupil_confidence_and_small_eyelid_distance(detector) -> None:
    for index in range(6):
        image, _ = render(index, EyePose(openness=0.0, yaw=(index - 3) * 6.0))
        found = detector.detect(image)
        assert found.pupil_confidence < 0.3
        assert abs(found.eyelid_distance) < 0.06


def test_no_eye_gives_low_confidence(detector) -> None:
    rng = np.random.default_rng(0)
    field = cv2.resize(rng.uniform(80, 160, (4, 4)).astype(np.float32), (200, 200),
                       interpolation=cv2.INTER_CUBIC)
    assert detector.detect(field.astype(np.uint8)).confidence < 0.5


def test_right_eye_is_mirrored_in_and_back(detector) -> None:
    image, truth = render(3, EyePose(yaw=15.0, openness=0.9), size=200)
    left = detector.detect(image)
    right_image = cv2.flip(image, 1)  # the same eye as a right eye's camera would see it
    right = detector.detect(right_image, eye="right")
    assert np.allclose(right.landmarks, mirror_x(left.landmarks, 200), atol=1e-3)
    assert np.allclose(right.pupil, mirror_x(left.pupil, 200), atol=1e-3)
    assert right.eyelid_distance == pytest.approx(left.eyelid_distance, abs=1e-6)
    assert np.allclose(right.pupil_offset, left.pupil_offset, atol=1e-6)
    # Numbering stays anatomical: the nasal corner (6) is on the right eye image's right.
    assert right.landmarks[6, 0] > right.landmarks[18, 0]
    width = np.linalg.norm(truth.landmarks[18] - truth.landmarks[6])
    error = np.linalg.norm(right.landmarks - mirror_x(truth.landmarks, 200), axis=1).mean()
    assert error < 0.08 * width


def test_16bit_colour_and_float_give_the_same_result(detector) -> None:
    image, _ = render(5, EyePose(openness=1.0))
    base = detector.detect(image)
    variants = [image.astype(np.uint16) * 257, cv2.cvtColor(image, cv2.COLOR_GRAY2BGR),
                image.astype(np.float32) / 255.0]
    for variant in variants:
        found = detector.detect(variant)
        assert np.abs(found.landmarks - base.landmarks).max() < 0.5
        assert np.abs(found.pupil - base.pupil).max() < 0.5


def test_any_size_and_aspect_returns_source_pixels(detector) -> None:
    image, truth = render(6, EyePose(openness=1.0), size=200)
    wide = cv2.copyMakeBorder(image, 0, 0, 100, 60, cv2.BORDER_REPLICATE)  # 360 x 200
    found = detector.detect(wide)
    shifted = truth.landmarks + np.array([100.0, 0.0])
    width = np.linalg.norm(truth.landmarks[18] - truth.landmarks[6])
    assert np.linalg.norm(found.landmarks - shifted, axis=1).mean() / width < 0.08
    small = detector.detect(cv2.resize(image, (50, 50), interpolation=cv2.INTER_AREA))
    assert np.abs(small.landmarks * 4 - found.landmarks + (100, 0)).mean() < 12


@pytest.mark.parametrize(
    "image", [np.zeros((0, 0), np.uint8), np.zeros((1, 1), np.uint8),
              np.zeros((20, 20), bool), np.zeros((20, 20, 2), np.uint8)],
    ids=["empty", "1x1", "bool", "2-channel"],
)
def test_unusable_images_raise_a_clear_error(detector, image) -> None:
    with pytest.raises(UnusableImageError):
        detector.detect(image)


def test_tiny_and_flat_images_give_results(detector) -> None:
    for image in (np.zeros((4, 4), np.uint8), np.full((30, 500), 7, np.uint16)):
        found = detector.detect(image)
        assert found.landmarks.shape == (24, 2) and np.isfinite(found.landmarks).all()


def test_bad_eye_name_is_rejected(detector) -> None:
    with pytest.raises(ValueError, match="eye"):
        detector.detect(np.zeros((50, 50), np.uint8), eye="both")


def test_missing_or_corrupt_model_names_the_file(tmp_path) -> None:
    missing = tmp_path / "nothing.onnx"
    with pytest.raises(ModelFileError, match=r"nothing\.onnx"):
        EyeFeatureDetector(missing)
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"not a model at all")
    with pytest.raises(ModelFileError, match=r"corrupt\.onnx"):
        EyeFeatureDetector(corrupt)
