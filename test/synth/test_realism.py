"""The realism statistics measure what they claim, on frames whose truth is known."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from eye_expression_driver.synth.geometry import ellipse_params
from eye_expression_driver.synth.pose import EyePose
from eye_expression_driver.synth.realism import (
    coverage,
    measure_iris,
    measure_pupil,
    overlap,
    synthetic_masks,
)
from eye_expression_driver.synth.renderer import EyeRenderer
from eye_expression_driver.synth.subject import SubjectParams


def _frame(seed: int, **pose):
    subject = dataclasses.replace(SubjectParams.sample(np.random.default_rng(seed)),
                                  eye_width_frac=0.9, eye_center=(0.5, 0.55), led_count=1)
    renderer = EyeRenderer(subject)
    p = EyePose(**pose)
    image, truth = renderer.render(p, np.random.default_rng(seed))
    return renderer, image, truth, renderer.geometry.frame(p)


@pytest.mark.parametrize("seed", range(3))
def test_pupil_size_grey_levels_and_glint_match_the_truth(seed):
    renderer, image, truth, geo = _frame(seed, pitch=8.0, noise=0.0)
    pupil, _ = synthetic_masks(geo, renderer.size)
    stats = measure_pupil(image, pupil)
    major, minor = truth.pupil_ellipse[2:4]
    assert truth.pupil_visible == 1.0
    assert stats.pupil_diameter == pytest.approx(np.sqrt(major * minor), abs=1.5)
    assert stats.pupil_grey < stats.iris_grey
    assert stats.noise < 0.6  # noiseless render: quantisation and texture only
    if len(truth.glints):
        nearest = np.linalg.norm(truth.glints - truth.pupil, axis=1).min()
        radius = 0.5 * np.sqrt(major * minor)
        assert stats.glint_offset == pytest.approx(nearest / radius, abs=0.35)


def test_iris_width_and_lid_edges():
    renderer, image, _, geo = _frame(1, pitch=5.0, noise=0.0, glints=False)
    _, iris = synthetic_masks(geo, renderer.size)
    stats = measure_iris(image, iris)
    iris_major = ellipse_params(geo.iris_affine)[2]
    assert stats.iris_diameter == pytest.approx(iris_major, rel=0.06)
    # The lids are skin, brighter than the iris they cover.
    assert stats.upper_edge_contrast > 0 or stats.lower_edge_contrast > 0
    assert measure_pupil(image, np.zeros_like(iris)) is None


def test_overlap_and_coverage():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 4000), rng.normal(0, 1, 4000)
    bins = np.linspace(-4, 4, 33)
    assert overlap(a, b, bins) > 0.9
    assert overlap(a, b + 10.0, np.linspace(-4, 14, 73)) < 0.05
    assert coverage(a, 3.0 * b) > 0.99  # a wider synthetic range covers the real one
    assert coverage(a + 5.0, b) < 0.1
