"""`eye-expression synth`: files, rosbag2 bags and the one-wide-camera option."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from synth_helpers import digest

from eye_expression_driver.cli import main
from eye_expression_driver.core.eye_tracking import View
from eye_expression_driver.core.landmarks import NASAL_CORNER, TEMPORAL_CORNER
from eye_expression_driver.media.bag import typestore
from eye_expression_driver.synth.bag import EPOCH_NS, FRAME_IDS, TOPICS
from eye_expression_driver.synth.command import subject_seed
from eye_expression_driver.synth.pose import EyePose
from eye_expression_driver.synth.sequence import generate_sequence, load_sequence, write_sequence
from eye_expression_driver.synth.subject import SubjectParams
from eye_expression_driver.synth.wide import WideHeadsetRenderer, generate_wide_sequence

rosbag2 = pytest.importorskip("rosbags.rosbag2")
rosbags_image = pytest.importorskip("rosbags.image")

CLEAN = {"noise": 0.0, "glints": False, "glasses_reflection": 0.0}


def _synth(out: Path, *extra: str) -> int:
    return main(["synth", "--subjects", "2", "--seconds", "0.2", "--fps", "30", "--seed", "3",
                 "--size", "64x48", "--out", str(out), *extra])


def _bag_messages(path: Path) -> dict[str, list[tuple[int, object]]]:
    store = typestore()
    out: dict[str, list[tuple[int, object]]] = {}
    with rosbag2.Reader(path) as reader:
        for conn, stamp, raw in reader.messages():
            out.setdefault(conn.topic, []).append((stamp, store.deserialize_cdr(raw, conn.msgtype)))
    return out


def _stamp(header) -> int:
    return header.stamp.sec * 10**9 + header.stamp.nanosec


def test_command_writes_files_and_a_matching_bag(tmp_path):
    assert _synth(tmp_path / "a", "--bag") == 0
    session = tmp_path / "a" / "subject_001"
    loaded = load_sequence(session)
    assert len(loaded) == 6 and loaded.images["left"][0].shape == (48, 64)
    frames = list(generate_sequence(subject_seed(3, 1), 0.2, 30.0, (64, 48)))

    messages = _bag_messages(session / "bag")
    assert set(messages) == {TOPICS["left"], TOPICS["right"], TOPICS["truth"]}
    expected = [EPOCH_NS + round(t * 1e9) for t in loaded.t]
    for topic, eye in ((TOPICS["left"], "left"), (TOPICS["right"], "right")):
        stamps = [_stamp(m.header) for _, m in messages[topic]]
        assert stamps == [s for s, _ in messages[topic]] == expected
        assert {m.header.frame_id for _, m in messages[topic]} == {FRAME_IDS[eye]}
        image = rosbags_image.message_to_cvimage(messages[topic][2][1])
        assert np.array_equal(image, getattr(frames[2], eye))
        assert np.array_equal(image, loaded.images[eye][2])
    truths = [m for _, m in messages[TOPICS["truth"]]]
    assert [_stamp(m.header) for m in truths] == expected
    for index, msg in enumerate(truths):
        for eye, part in (("left", msg.left), ("right", msg.right)):
            truth = frames[index].left_truth if eye == "left" else frames[index].right_truth
            assert part.eye == (0 if eye == "left" else 1)
            assert np.allclose(part.landmarks_x, truth.landmarks[:, 0], atol=1e-3)
            assert np.allclose(part.landmarks_y, truth.landmarks[:, 1], atol=1e-3)
            assert np.array_equal(part.landmarks_hidden, truth.landmarks_hidden)
            assert part.pupil_x == pytest.approx(truth.pupil[0], abs=1e-3)
            assert part.openness == pytest.approx(truth.openness, abs=1e-5)
            assert part.gaze_yaw == pytest.approx(truth.yaw, abs=1e-4)
            assert part.blinking == truth.blinking


def test_same_seed_same_bytes_and_no_silent_overwrite(tmp_path, capsys):
    assert _synth(tmp_path / "a", "--bag") == 0
    assert _synth(tmp_path / "b", "--bag") == 0
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert _synth(tmp_path / "a") == 1  # already there
    assert "--overwrite" in capsys.readouterr().err
    assert _synth(tmp_path / "a", "--overwrite", "--seed", "4") == 0
    assert not (tmp_path / "a" / "subject_000" / "bag").exists()
    assert digest(tmp_path / "a") != digest(tmp_path / "b")


def _dark_centroid(image: np.ndarray, truth) -> np.ndarray:
    """Centroid of the dark pupil: pixels below halfway between pupil and surrounding iris."""
    (cx, cy), radius = truth.pupil, 0.25 * (truth.pupil_ellipse[2] + truth.pupil_ellipse[3])
    ys, xs = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    r = np.hypot(xs - cx, ys - cy) / radius
    level = 0.5 * (np.median(image[r < 0.5]) + np.median(image[(r > 1.3) & (r < 1.6)]))
    _, labels = cv2.connectedComponents((image < level).astype(np.uint8))
    ys, xs = np.nonzero(labels == labels[round(cy), round(cx)])
    return np.array([xs.mean(), ys.mean()])


@pytest.mark.parametrize("seed", range(3))
def test_wide_camera_crop_and_mirror_gives_the_left_eye_view(seed):
    rng = np.random.default_rng(seed)
    left = replace(SubjectParams.sample(rng), defocus_px=0.8)  # strong blur biases the centroid
    right = left.other_eye(rng)
    renderer = WideHeadsetRenderer(left, right, (400, 200))
    pose = EyePose(yaw=rng.uniform(-15, 15), pitch=rng.uniform(0, 8), **CLEAN)
    image, left_truth, right_truth = renderer.render_pair(pose, pose, rng)
    assert left_truth.pupil_visible == right_truth.pupil_visible == 1.0
    assert image.shape == (200, 400)
    # The wearer's right eye is on the image's left, nose towards the middle.
    assert right_truth.landmarks[NASAL_CORNER, 0] > right_truth.landmarks[TEMPORAL_CORNER, 0]
    assert left_truth.landmarks[NASAL_CORNER, 0] < left_truth.landmarks[TEMPORAL_CORNER, 0]
    assert right_truth.pupil[0] < 200 < left_truth.pupil[0]

    _, own = renderer.right.render(pose, rng)  # the right eye as the renderer drew it
    view = View(renderer.crops["right"], mirror=True)
    crop, region = view.apply(image)
    assert crop.shape == (200, 200)
    assert np.allclose(view.to_source(own.landmarks, region), right_truth.landmarks)
    assert np.allclose(view.to_source(own.pupil, region), right_truth.pupil)
    assert own.landmarks[NASAL_CORNER, 0] < own.landmarks[TEMPORAL_CORNER, 0]  # a left view
    assert np.linalg.norm(_dark_centroid(crop, own) - own.pupil) < 0.5

    left_view = View(renderer.crops["left"], mirror=False)
    left_crop, left_region = left_view.apply(image)
    _, left_own = renderer.left.render(pose, rng)
    assert np.allclose(left_view.to_source(left_own.landmarks, left_region), left_truth.landmarks)
    assert np.linalg.norm(_dark_centroid(left_crop, left_own) - left_own.pupil) < 0.5


def test_wide_sequence_files_and_bag(tmp_path):
    seq = generate_wide_sequence(5, 0.1, 30.0, (160, 80))
    frames = list(generate_wide_sequence(5, 0.1, 30.0, (160, 80)))
    loaded = load_sequence(write_sequence(seq, tmp_path / "w"))
    assert loaded.meta["camera"] == "wide"
    assert loaded.meta["crops"] == {"left": [80, 0, 80, 80], "right": [0, 0, 80, 80]}
    assert np.array_equal(loaded.images["wide"][1], frames[1].image)
    assert np.allclose(loaded.truth["right"]["landmarks"][1], frames[1].right_truth.landmarks,
                       atol=1e-4)
    assert main(["synth", "--subjects", "1", "--seconds", "0.1", "--fps", "30", "--wide",
                 "--size", "160x80", "--bag", "--out", str(tmp_path / "c")]) == 0
    messages = _bag_messages(tmp_path / "c" / "subject_000" / "bag")
    assert set(messages) == {TOPICS["wide"], TOPICS["truth"]}
    assert len(messages[TOPICS["wide"]]) == len(messages[TOPICS["truth"]]) == 3
    assert messages[TOPICS["wide"]][0][1].width == 160
