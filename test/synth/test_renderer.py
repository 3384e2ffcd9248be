"""The synthetic eye camera: its ground truth matches what it draws."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.landmarks import CORNERS, LOWER_LID, UPPER_LID, mirror_x
from eye_expression_driver.synth.pose import EyePose
from eye_expression_driver.synth.renderer import EyeRenderer, HeadsetRenderer
from eye_expression_driver.synth.subject import SubjectParams

CLEAN = {"noise": 0.0, "glints": False, "glasses_reflection": 0.0}


def _subject(seed: int, **changes) -> SubjectParams:
    return dataclasses.replace(SubjectParams.sample(np.random.default_rng(seed)), **changes)


def _edge_offsets(image: np.ndarray, landmarks: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Per lid landmark: where along the contour's normal (px) the image gradient peaks."""
    img = image.astype(np.float32)
    steps = np.arange(-4.0, 4.01, 0.25)
    offsets = []
    for i in range(len(landmarks)):
        if i in CORNERS or hidden[i]:
            continue
        tangent = landmarks[(i + 1) % 24] - landmarks[(i - 1) % 24]
        normal = np.array([-tangent[1], tangent[0]]) / np.linalg.norm(tangent)
        pts = (landmarks[i] + steps[:, None] * normal).astype(np.float32)
        profile = cv2.remap(img, pts[:, :1], pts[:, 1:], cv2.INTER_LINEAR)[:, 0]
        offsets.append(steps[np.argmax(np.abs(np.gradient(profile)))])
    return np.array(offsets)


def test_landmarks_lie_on_rendered_lid_edges():
    offsets = []
    for seed in range(6):
        rng = np.random.default_rng(100 + seed)
        renderer = EyeRenderer(_subject(seed))
        pose = EyePose(yaw=rng.uniform(-15, 15), pitch=rng.uniform(-10, 10), **CLEAN)
        image, truth = renderer.render(pose, rng)
        offsets.append(_edge_offsets(image, truth.landmarks, truth.landmarks_hidden))
    offsets = np.abs(np.concatenate(offsets))
    assert len(offsets) > 100
    assert np.median(offsets) <= 0.6
    assert np.mean(offsets <= 1.5) >= 0.85


def test_shifted_landmarks_are_off_the_edges():
    """The edge check above can fail: points moved 3 px off the lids are caught."""
    renderer = EyeRenderer(_subject(1))
    image, truth = renderer.render(EyePose(**CLEAN), np.random.default_rng(0))
    moved = truth.landmarks + np.array([0.0, 3.0])
    offsets = np.abs(_edge_offsets(image, moved, truth.landmarks_hidden))
    assert np.median(offsets) > 1.5


@pytest.mark.parametrize("seed", range(5))
def test_closed_eye_has_eyelid_distance_near_zero(seed):
    renderer = EyeRenderer(_subject(seed))
    rng = np.random.default_rng(seed)
    _, open_truth = renderer.render(EyePose(**CLEAN), rng)
    _, closed = renderer.render(EyePose(openness=0.0, **CLEAN), rng)
    assert eyelid_distance(open_truth.landmarks) > 0.12
    assert abs(eyelid_distance(closed.landmarks)) < 0.05
    assert closed.openness == pytest.approx(0.0, abs=1e-9)
    assert open_truth.openness == pytest.approx(1.0, abs=0.01)
    assert closed.pupil_visible == 0.0
    assert closed.landmarks_hidden[list(LOWER_LID)].all()
    upper = list(UPPER_LID)
    inside = renderer.geometry.in_image(closed.landmarks[upper])  # close-ups cut the lids
    assert inside.sum() >= 5
    assert not closed.landmarks_hidden[upper][inside].any()
    assert closed.landmarks_hidden[upper][~inside].all()


def _dark_centroid(image: np.ndarray, near: np.ndarray, level: float) -> np.ndarray:
    """Centroid of the connected dark region that contains ``near``."""
    dark = (image < level).astype(np.uint8)
    _, labels = cv2.connectedComponents(dark)
    col, row = np.round(near).astype(int)
    label = labels[row, col]
    assert label != 0, "no dark pupil at the true centre"
    ys, xs = np.nonzero(labels == label)
    return np.array([xs.mean(), ys.mean()])


def _pupil_level(renderer: EyeRenderer, truth) -> float:
    """A third of the way from pupil to iris grey at the pupil, after illumination (the iris
    darkens under the lids, so halfway could join the pupil to shaded iris)."""
    s = renderer.subject
    x, y = np.round(truth.pupil).astype(int)
    return (s.pupil + (s.iris - s.pupil) / 3.0) * 255.0 * float(renderer.textures.light[y, x])


@pytest.mark.parametrize("seed", range(6))
def test_pupil_centre_is_the_centroid_of_the_dark_pupil(seed):
    rng = np.random.default_rng(seed)
    # Moderate defocus: a strong blur lets dark lid shadow next to the pupil pull the
    # thresholded centroid of the image (not the truth) by up to ~0.5 px.
    renderer = EyeRenderer(_subject(seed, limbus_darkness=0.2, iris_offset=(0.0, 0.0),
                                    defocus_px=0.8))
    pose = EyePose(yaw=rng.uniform(-20, 20), pitch=rng.uniform(-10, 10), pupil=rng.uniform(),
                   **CLEAN)
    image, truth = renderer.render(pose, rng)
    assert truth.pupil_visible == 1.0
    centroid = _dark_centroid(image, truth.pupil, _pupil_level(renderer, truth))
    assert np.linalg.norm(centroid - truth.pupil) < 0.5
    assert np.allclose(truth.pupil, truth.pupil_ellipse[:2])


def test_pupil_ellipse_foreshortens_when_the_eye_turns():
    renderer = EyeRenderer(_subject(2, camera_elevation_deg=0.0, camera_azimuth_deg=0.0))
    rng = np.random.default_rng(0)
    _, ahead = renderer.render(EyePose(**CLEAN), rng)
    _, turned = renderer.render(EyePose(yaw=30.0, **CLEAN), rng)
    ratio = lambda t: t.pupil_ellipse[3] / t.pupil_ellipse[2]  # noqa: E731
    assert ratio(ahead) == pytest.approx(1.0, abs=1e-6)
    assert ratio(turned) == pytest.approx(np.cos(np.radians(30.0)), abs=1e-3)
    assert turned.pupil[0] > ahead.pupil[0] + 5  # out = towards the temple = image right


def test_upper_lid_follows_vertical_gaze():
    renderer = EyeRenderer(_subject(3))
    rng = np.random.default_rng(0)
    down = renderer.render(EyePose(pitch=-20.0, **CLEAN), rng)[1]
    up = renderer.render(EyePose(pitch=15.0, **CLEAN), rng)[1]
    assert eyelid_distance(down.landmarks) < eyelid_distance(up.landmarks) - 0.03
    assert down.openness < 1.0 < up.openness


def test_right_eye_is_the_mirrored_left_eye_view():
    subject = _subject(4, iris_offset=(0.0, 0.0))
    pair = HeadsetRenderer(subject, subject)
    pose = EyePose(yaw=10.0, pitch=5.0, **CLEAN)
    left, right, left_truth, right_truth = pair.render_pair(pose, pose, np.random.default_rng(0))
    assert np.array_equal(right, cv2.flip(left, 1))
    assert np.allclose(right_truth.landmarks, mirror_x(left_truth.landmarks, 200))
    assert right_truth.landmarks[6, 0] > right_truth.landmarks[18, 0]  # nose on the right
    level = _pupil_level(pair.right, right_truth)
    centroid = _dark_centroid(right, right_truth.pupil, level)
    assert np.linalg.norm(centroid - right_truth.pupil) < 0.5
    mirrored_angle = (180.0 - left_truth.pupil_ellipse[4]) % 180.0
    assert right_truth.pupil_ellipse[4] == pytest.approx(mirrored_angle)
    assert right_truth.yaw == left_truth.yaw


def test_glints_are_bright_spots_at_their_positions():
    renderer = EyeRenderer(_subject(5, led_count=4))
    image, truth = renderer.render(EyePose(noise=0.0), np.random.default_rng(0))
    assert len(truth.glints) >= 1
    for x, y in np.round(truth.glints).astype(int):
        assert image[y, x] >= 200


def test_speed_and_size_options():
    renderer = EyeRenderer(_subject(6), size=(320, 240))
    image, truth = renderer.render(EyePose(), np.random.default_rng(0))
    assert image.shape == (240, 320) and image.dtype == np.uint8
    assert truth.landmarks.shape == (24, 2) and truth.landmarks_hidden.shape == (24,)
