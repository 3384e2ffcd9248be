"""The shipped coefficient model at run time: loading, open vs closed, the right eye, inputs."""

from __future__ import annotations

import numpy as np
import pytest
from learned_helpers import tiny_detector

from eye_expression_driver.core.eye_tracking import EyeTracking
from eye_expression_driver.synth.pose import EyePose
from eye_expression_driver.synth.renderer import EyeRenderer
from eye_expression_driver.synth.subject import SubjectParams
from eye_expression_driver.vision.coefficient_model import (
    DEFAULT_MODEL,
    CoefficientModel,
    ModelFileError,
    UnusableImageError,
)

UP, DOWN, IN, OUT, BLINK = range(5)


@pytest.fixture(scope="module")
def model() -> CoefficientModel:
    return CoefficientModel()


def render(seed: int, **pose) -> np.ndarray:
    """A left-eye view of a random synthetic person (not one of the training people)."""
    rng = np.random.default_rng([12345, seed])
    renderer = EyeRenderer(SubjectParams.sample(rng), (200, 200))
    image, _ = renderer.render(EyePose(**pose), rng)
    return image


def test_shipped_model_is_small_and_loads(model: CoefficientModel) -> None:
    assert DEFAULT_MODEL.stat().st_size < 3e6
    assert DEFAULT_MODEL.with_suffix(".md").is_file()
    assert model.size == 64


@pytest.mark.parametrize("seed", range(4))
def test_closed_eyes_give_a_higher_blink_than_open_eyes(model, seed: int) -> None:
    opened = model.predict(render(seed, openness=1.0))
    closed = model.predict(render(seed, openness=0.0))
    open_p, closed_p = opened.coefficients[BLINK], closed.coefficients[BLINK]
    assert closed_p > open_p + 0.5, (open_p, closed_p)
    assert closed_p > 0.7 and open_p < 0.3
    # the features the session normalisation uses: the lids close, the pupil disappears
    assert closed.eyelid_distance < opened.eyelid_distance - 0.1
    assert opened.pupil_confidence > 0.5 > closed.pupil_confidence


@pytest.mark.parametrize("seed", range(3))
def test_mirrored_right_eye_keeps_in_and_out_anatomical(model, seed: int) -> None:
    looking_in = render(seed, yaw=-28.0)  # left-eye view: nose on the image's left
    left = model.predict(looking_in, "left")
    assert left.coefficients[IN] > 0.3 and left.coefficients[IN] > left.coefficients[OUT] + 0.2
    assert left.pupil_offset[0] < -0.03  # +x is out (temporal): in is negative
    right_camera = np.ascontiguousarray(looking_in[:, ::-1])  # a right eye looking in
    right = model.predict(right_camera, "right")
    np.testing.assert_allclose(right.coefficients, left.coefficients, atol=1e-6)
    np.testing.assert_allclose(right.pupil_offset, left.pupil_offset, atol=1e-6)
    wrong = model.predict(right_camera, "left")  # not mirrored: seen as looking out
    assert wrong.coefficients[OUT] > wrong.coefficients[IN] and wrong.pupil_offset[0] > 0.03


def test_looking_up_and_down(model) -> None:
    up = model.predict(render(0, pitch=22.0))
    down = model.predict(render(0, pitch=-20.0))
    assert up.coefficients[UP] > up.coefficients[DOWN]
    assert down.coefficients[DOWN] > down.coefficients[UP]
    assert up.pupil_offset[1] > down.pupil_offset[1] + 0.05


def test_any_camera_image_and_bad_ones(model) -> None:
    eye = render(1)
    deep = eye.astype(np.uint16) * 257
    colour = np.dstack([eye] * 3)
    reference = model.predict(eye).coefficients
    for image in (deep, colour, eye.astype(np.float32)):  # resampling rounds differently
        np.testing.assert_allclose(model.predict(image).coefficients, reference, atol=0.02)
    assert model.predict(eye).confidence > 0.5
    with pytest.raises(UnusableImageError):
        model.predict(np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="eye must be"):
        model.predict(eye, "middle")


def test_eye_tracking_uses_coefficients_and_confidence(model) -> None:
    eye = render(2, openness=0.0)
    obs = EyeTracking("left", None, predict=model.predict).process(eye)
    assert obs.learned.shape == (5,) and obs.learned[BLINK] > 0.7
    assert 0.0 <= obs.confidence <= 1.0


def test_files_that_are_not_coefficient_models_are_refused(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        CoefficientModel(tmp_path / "missing.onnx")
    with pytest.raises(ModelFileError, match="not an eye coefficient model"):
        CoefficientModel(tiny_detector(tmp_path / "detector.onnx"))


def test_with_session_statistics_it_follows_a_held_out_person(model) -> None:
    """The learned path as the coefficient node runs it (features + the session's
    statistics) on 20 s of a person no model was trained on, against the method on exact
    truth; the model's direct coefficients alone are worse at gaze (no session)."""
    from eye_expression_driver.core.eye_coefficients import CoefficientConfig
    from eye_expression_driver.training.auto_label import truth_features
    from eye_expression_driver.training.evaluate_coefficients import collect, track_outputs
    from eye_expression_driver.training.synthetic_sets import (
        HOLDOUT_STREAM,
        session_seeds,
        synthetic_sessions,
    )

    (session,) = synthetic_sessions(session_seeds(HOLDOUT_STREAM, 1, first=7), 20.0, 30.0,
                                    (200, 200))
    for run in collect(session, truth_features, model):  # truth stands in for the detector
        outputs, _ = track_outputs(run, CoefficientConfig())
        learned = np.abs(outputs["learned"] - outputs["truth"]).mean(axis=0)
        direct = np.abs(outputs["learned_image"] - outputs["truth"]).mean(axis=0)
        assert (learned < 0.1).all(), (run.name, learned)
        assert learned[:4].mean() < direct[:4].mean(), (learned, direct)
