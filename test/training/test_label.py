"""Auto-labelling: sources, labels against the method on ground truth, files and summary."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from learned_helpers import noisy_truth, tiny_detector

from eye_expression_driver.cli import main as cli_main
from eye_expression_driver.core.eye_coefficients import label_sequence
from eye_expression_driver.synth.sequence import generate_sequence, write_sequence
from eye_expression_driver.synth.wide import generate_wide_sequence
from eye_expression_driver.training.auto_label import (
    Features,
    TrackLabels,
    label_session,
    load_tracks,
    truth_features,
)
from eye_expression_driver.training.label_sources import (
    SourceError,
    open_session,
    synthetic_session,
)
from eye_expression_driver.training.label_summary import write_summary


def short_sequence():
    return generate_sequence(11, 5.0, 30.0, (100, 100))


@pytest.fixture(scope="module")
def labelled():
    """A 5 s session labelled from noisy truth, and the method's labels on exact truth."""
    noisy = label_session(synthetic_session(short_sequence()), noisy_truth(0))
    exact = label_session(synthetic_session(short_sequence()), truth_features)
    return noisy, exact


def test_labels_match_the_method_on_ground_truth(labelled) -> None:
    noisy, exact = labelled
    assert [t.eye for t in noisy] == ["left", "right"]
    for got, truth in zip(noisy, exact, strict=True):
        assert len(got) == 150 and got.keep.all()
        error = np.abs(got.labels - truth.labels).mean(axis=0)
        assert error.max() < 0.05, error
        closed = truth.labels[:, 4] > 0.9
        assert closed.any() and got.labels[closed, 4].mean() > 0.85
        th = got.statistics["thresholds"]
        assert th["ready"] and th["blink_calibrated"]


def test_exact_truth_gives_exactly_label_sequence(labelled) -> None:
    _, exact = labelled
    track = exact[0]
    expected, _ = label_sequence(track.eyelid_distance, track.pupil_offset, track.confidence,
                                 track.pupil_confidence, times=track.t)
    np.testing.assert_allclose(track.labels, expected, atol=1e-6)


def test_low_confidence_frames_are_marked_and_not_kept() -> None:
    exact = truth_features

    def unsure_every_tenth(frame):
        f = exact(frame)
        unsure = round(frame.t * 30) % 10 == 0
        return Features(f.eyelid_distance, f.pupil_offset, 0.2 if unsure else 0.9,
                        f.pupil_confidence)

    tracks = label_session(synthetic_session(generate_sequence(3, 2.0, 30.0)), unsure_every_tenth)
    for track in tracks:
        assert (~track.keep).sum() == 6
        assert np.isfinite(track.labels).all()


def test_files_round_trip_and_summary(tmp_path, labelled) -> None:
    noisy, _ = labelled
    for track in noisy:
        track.save(tmp_path)
    loaded = load_tracks(tmp_path)
    assert [t.name for t in loaded] == [t.name for t in noisy]
    np.testing.assert_array_equal(loaded[0].images, noisy[0].images)
    assert loaded[0].images.shape == (150, 64, 64) and loaded[0].images.dtype == np.uint8
    assert loaded[1].statistics["thresholds"] == noisy[1].statistics["thresholds"]
    summary = write_summary(loaded, tmp_path)
    assert summary["kept"] == 300 and summary["coefficients"]["blink"]["above_half_share"] > 0
    assert (tmp_path / "summary.png").stat().st_size > 1000
    assert json.loads((tmp_path / "summary.json").read_text())["tracks"] == 2


def test_right_eye_inputs_are_mirrored_into_the_left_view(labelled) -> None:
    noisy, _ = labelled
    frame = next(short_sequence())
    from eye_expression_driver.training.auto_label import stored_square

    right = stored_square(frame.right, "right", 64)
    np.testing.assert_array_equal(noisy[1].images[0], right)
    np.testing.assert_array_equal(stored_square(frame.right[:, ::-1], "left", 64), right)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One short session on disk as files and as a bag (eye-expression synth)."""
    out = tmp_path_factory.mktemp("synth")
    assert cli_main(["synth", "--subjects", "1", "--seconds", "0.5", "--fps", "30", "--bag",
                     "--out", str(out)]) == 0
    return out / "subject_000"


def test_directory_bag_and_folder_give_the_same_frames(written) -> None:
    def frames(session, eye):
        return [(round(f.t, 6), f.image) for f in session.frames() if f.eye == eye]

    directory = frames(open_session(written), "right")
    bag = frames(open_session(written / "bag"), "right")
    folder = frames(open_session(written / "right", eye="right", fps=30.0), "right")
    assert len(directory) == len(bag) == len(folder) == 15
    for (t0, a), (t1, b), (t2, c) in zip(directory, bag, folder, strict=True):
        assert t0 == pytest.approx(t1, abs=1e-6) and t0 == pytest.approx(t2, abs=1e-6)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert open_session(written / "bag").name == "subject_000_bag"


def test_wide_sequence_truth_lands_in_each_eyes_view(tmp_path) -> None:
    write_sequence(generate_wide_sequence(5, 0.2, 30.0), tmp_path / "wide")
    session = open_session(tmp_path / "wide")
    assert session.eyes == ("left", "right")
    for frame in session.frames():
        _height, width = frame.image.shape
        points = frame.truth.landmarks
        assert width == 200 and points[6, 0] < points[18, 0]  # nasal corner on the left
        assert (points[:, 0] > -width * 0.2).all() and (points[:, 0] < width * 1.2).all()
        assert math.isfinite(truth_features(frame).eyelid_distance)


def test_bad_sources_are_refused(tmp_path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        open_session(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no image files"):
        open_session(tmp_path / "empty")
    (tmp_path / "broken.mcap").write_bytes(b"not a bag")
    with pytest.raises(SourceError, match="rosbag2"):
        open_session(tmp_path / "broken.mcap")


def test_label_command_writes_labels_statistics_and_summary(tmp_path, written, capsys) -> None:
    detector = tiny_detector(tmp_path / "det.onnx")
    out = tmp_path / "labels"
    code = cli_main(["label", str(written), str(written / "left"), "--out", str(out),
                     "--detector", str(detector), "--fps", "30", "--no-progress"])
    assert code == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["tracks"] == 3
    names = sorted(p.name for p in out.glob("*.npz"))
    assert names == ["subject_000.left.npz", "subject_000.right.npz",
                     "subject_000_left.left.npz"]
    track = TrackLabels.load(out / "subject_000.right.npz")
    assert track.labels.shape == (15, 5) and track.statistics["source"]["kind"] == "synthetic_dir"
    assert cli_main(["label", str(tmp_path / "nothing"), "--out", str(out)]) == 2
