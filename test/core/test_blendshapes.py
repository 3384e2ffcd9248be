"""core.blendshapes: ARKit names, eye weights, and the face template file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eye_expression_driver.core.blendshapes import (
    ARKIT52,
    EYE_BLENDSHAPES,
    FaceTemplate,
    TemplateError,
    eye_weights,
)
from eye_expression_driver.core.eye_coefficients import EyeResult

TEMPLATE = Path(__file__).resolve().parents[2] / "config" / "face_template_arkit52.yaml"


def test_arkit_names() -> None:
    assert len(ARKIT52) == 52 == len(set(ARKIT52))
    assert set(EYE_BLENDSHAPES) <= set(ARKIT52)


def test_eye_weights_map_each_eye_to_its_side() -> None:
    left = EyeResult(look_up=0.1, look_down=0.0, look_in=0.3, look_out=0.0, blink=0.9, wide=0.2)
    right = EyeResult(look_up=0.0, look_down=0.4, look_in=0.0, look_out=0.6, blink=0.05, wide=0.0)
    w = eye_weights(left, right)
    assert w == {
        "eyeBlinkLeft": 0.9, "eyeLookUpLeft": 0.1, "eyeLookDownLeft": 0.0,
        "eyeLookInLeft": 0.3, "eyeLookOutLeft": 0.0,
        "eyeBlinkRight": 0.05, "eyeLookUpRight": 0.0, "eyeLookDownRight": 0.4,
        "eyeLookInRight": 0.0, "eyeLookOutRight": 0.6,
    }
    wide = eye_weights(left, right, include_wide=True)
    assert (wide["eyeWideLeft"], wide["eyeWideRight"]) == (0.2, 0.0)
    assert set(wide) == set(EYE_BLENDSHAPES)


def test_shipped_template_is_the_neutral_arkit_face() -> None:
    template = FaceTemplate.load(TEMPLATE)
    assert template == FaceTemplate.arkit52()
    assert template.schema == "arkit52" and set(template.names) == set(ARKIT52)
    weights = template.weights({"eyeBlinkLeft": 0.7, "jawOpen": float("nan")})
    assert weights[template.names.index("eyeBlinkLeft")] == 0.7
    assert np.count_nonzero(weights) == 1
    with pytest.raises(KeyError, match="notAName"):
        template.weights({"notAName": 0.5})


def test_other_schemas_may_have_their_own_names(tmp_path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("schema: custom\nblendshapes:\n  smile: 0.2\n  blink_L: 0\n")
    template = FaceTemplate.load(path)
    assert template.names == ("smile", "blink_L") and template.neutral == (0.2, 0.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema: arkit52\nblendshapes: [1, 2]\n", "mapping"),
        ("blendshapes:\n  a: 0\n", "schema"),
        ("schema: arkit52\nblendshapes:\n  eyeBlinkLeft: 0.0\n", "misses"),
        ("schema: custom\nblendshapes:\n  a: 1.5\n", "0..1"),
        ("schema: custom\nblendshapes:\n  a: yes\n", "0..1"),
        ("schema: custom\nblendshapes:\n  a: 0\n  a: 1\n", "repeated"),
        ("schema: [unclosed\n", "not valid YAML"),
        ("just text\n", "schema"),
    ],
)
def test_bad_template_is_refused_with_its_reason(tmp_path, text, message) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError, match=message):
        FaceTemplate.load(path)


def test_missing_template_is_refused(tmp_path) -> None:
    with pytest.raises(TemplateError, match="cannot read"):
        FaceTemplate.load(tmp_path / "absent.yaml")


def test_arkit_template_with_an_unknown_name_is_refused(tmp_path) -> None:
    text = TEMPLATE.read_text().replace("tongueOut", "tongueOutt")
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError, match="tongueOutt"):
        FaceTemplate.load(path)
