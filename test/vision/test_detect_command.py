"""``eye-expression detect``: one JSON line per image, errors reported and skipped."""

from __future__ import annotations

import json

import cv2
import numpy as np

from eye_expression_driver.cli import main
from eye_expression_driver.core.landmarks import mirror_x
from eye_expression_driver.synth.pose import EyePose
from eye_expression_driver.synth.renderer import EyeRenderer
from eye_expression_driver.synth.subject import SubjectParams

FIELDS = {"image", "landmarks", "pupil", "eyelid_distance", "confidence", "pupil_confidence"}


def write_eye(path, flip: bool = False, dtype=np.uint8) -> None:
    rng = np.random.default_rng([515, 1])
    image, _ = EyeRenderer(SubjectParams.sample(rng)).render(EyePose(yaw=10.0), rng)
    image = cv2.flip(image, 1) if flip else image
    cv2.imwrite(str(path), image.astype(dtype) * (257 if dtype == np.uint16 else 1))


def run_detect(args: list[str], capsys) -> list[dict]:
    assert main(["detect", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_files_directories_and_errors(tmp_path, capsys) -> None:
    folder = tmp_path / "eyes"
    folder.mkdir()
    write_eye(folder / "b.png")
    write_eye(folder / "a.jpg")
    write_eye(folder / "c16.png", dtype=np.uint16)
    (folder / "notes.txt").write_text("not an image")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "junk.png").write_bytes(b"\x89PNG garbage")
    records = run_detect([str(tmp_path / "empty.png"), str(folder),
                          str(tmp_path / "missing.png"), str(tmp_path / "junk.png")], capsys)
    names = [r["image"].rsplit("/", 1)[-1] for r in records]
    assert names == ["empty.png", "a.jpg", "b.png", "c16.png", "missing.png", "junk.png"]
    assert set(records[0]) == {"image", "error"} and "empty" in records[0]["error"]
    assert set(records[4]) == {"image", "error"} and set(records[5]) == {"image", "error"}
    for record in records[1:4]:
        assert set(record) == FIELDS
        assert len(record["landmarks"]) == 24 and len(record["pupil"]) == 2
        assert 0.0 <= record["confidence"] <= 1.0
    assert np.allclose(records[2]["landmarks"], records[3]["landmarks"], atol=0.5)


def test_right_eye_option_mirrors_and_jsonl_output(tmp_path, capsys) -> None:
    write_eye(tmp_path / "left.png")
    write_eye(tmp_path / "right.png", flip=True)
    out = tmp_path / "out.jsonl"
    assert main(["detect", str(tmp_path / "left.png"), "--jsonl", str(out)]) == 0
    assert main(["detect", str(tmp_path / "right.png"), "--eye", "right", "--jsonl",
                 str(tmp_path / "r.jsonl")]) == 0
    assert capsys.readouterr().out == ""
    left = json.loads(out.read_text())
    right = json.loads((tmp_path / "r.jsonl").read_text())
    assert np.allclose(right["landmarks"], mirror_x(np.array(left["landmarks"]), 200), atol=0.01)
    assert right["eyelid_distance"] == left["eyelid_distance"]


def test_missing_model_exits_with_2(tmp_path, capsys) -> None:
    write_eye(tmp_path / "e.png")
    assert main(["detect", str(tmp_path / "e.png"), "--model", str(tmp_path / "x.onnx")]) == 2
    assert "x.onnx" in capsys.readouterr().err
