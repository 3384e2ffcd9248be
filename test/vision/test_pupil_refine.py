"""Sub-pixel pupil refinement on drawn pupils: accurate when credible, None when not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from eye_expression_driver.vision.pupil_refine import refine_pupil


def eye_patch(centre: tuple[float, float], axes: tuple[float, float], angle: float,
              glint: bool, size: int = 200, seed: int = 0) -> np.ndarray:
    """Noisy iris-grey background, a darker anti-aliased pupil ellipse and a glint on it."""
    rng = np.random.default_rng(seed)
    image = np.full((size, size), 70.0, np.float32)
    cv2.circle(image, (size // 2, size // 2), int(size * 0.3), 45.0, -1, cv2.LINE_AA)
    s = 16
    cv2.ellipse(image, (round(centre[0] * s), round(centre[1] * s)),
                (round(axes[0] * s), round(axes[1] * s)), angle, 0, 360, 15.0, -1,
                cv2.LINE_AA, 4)
    if glint:
        cv2.circle(image, (int(centre[0] + axes[0] * 0.6), int(centre[1] + 3)), 4, 255.0, -1)
    image += rng.normal(0, 2.0, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("glint", "tolerance"), [(False, 0.4), (True, 1.2)])
def test_refinement_recovers_the_centre_from_a_rough_guess(glint: bool, tolerance: float) -> None:
    errors = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        centre = rng.uniform(85, 115, 2)
        major = rng.uniform(12, 25)
        axes = (major, major * rng.uniform(0.7, 1.0))  # oblique views flatten the pupil
        image = eye_patch(tuple(centre), axes, rng.uniform(0, 180), glint=glint, seed=seed)
        guess = centre + rng.normal(0, 1.0, 2) + 1.0  # the network's typical miss
        found = refine_pupil(image, guess, float(np.sqrt(axes[0] * axes[1])) * 1.2)
        assert found is not None
        errors.append(np.linalg.norm(found - centre))
    assert max(errors) < tolerance


def test_a_blob_far_from_the_estimate_is_not_credible() -> None:
    image = eye_patch((100, 100), (15, 15), 0, glint=False)
    assert refine_pupil(image, np.array([108.0, 100.0]), 15.0) is None  # 0.53 radii away
    assert refine_pupil(image, np.array([103.0, 100.0]), 15.0) is not None


def test_flat_image_gives_none() -> None:
    assert refine_pupil(np.full((100, 100), 80, np.uint8), np.array([50.0, 50.0]), 10.0) is None


def test_bad_guesses_give_none() -> None:
    image = eye_patch((100, 100), (15, 15), 0, glint=False)
    assert refine_pupil(image, np.array([np.nan, 50.0]), 10.0) is None
    assert refine_pupil(image, np.array([100.0, 100.0]), 0.2) is None
    assert refine_pupil(image, np.array([-500.0, 100.0]), 10.0) is None
