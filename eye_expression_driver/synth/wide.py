"""One wide camera that sees both eyes, for the crop-and-mirror path (docs/design.md, "Both eyes").

The camera faces the wearer, so the wearer's right eye is on the image's left half (nose on
its right: a mirrored left-eye view) and the left eye on the right half (a left-eye view as
it is). Each half is rendered by the per-eye renderer with the framing of a camera that holds
both eyes (smaller eyes, one roll, one vignetting over the whole image), and the truth of each
eye is given in the wide image's pixels together with its crop rectangle: cropping that
rectangle and mirroring the right eye's crop gives exactly the left-eye view the renderer drew.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .behaviour import BehaviourParams
from .pose import EyePose
from .renderer import EyeRenderer, FrameTruth
from .sequence import SyntheticSequence
from .subject import SubjectParams

WIDE_SIZE = (400, 200)
WIDE_EYE_WIDTH = (0.45, 0.8)  # eye width as a fraction of its half of the image
SEAM_PX = 4  # half-width of the band smoothed where the two halves meet (nose bridge)

Crop = tuple[int, int, int, int]  # x, y, width, height (as core.eye_tracking.View.crop)


@dataclass(frozen=True)
class WideFrame:
    """One wide image and both eyes' truths in its pixels."""

    index: int
    t: float
    image: np.ndarray  # (H, W) uint8
    left_truth: FrameTruth
    right_truth: FrameTruth
    crops: dict[str, Crop]  # eye -> crop; the right eye's crop is mirrored into a left view

    def images(self) -> dict[str, np.ndarray]:
        """The frame's images by file-folder name (see sequence.write_sequence)."""
        return {"wide": self.image}


def shifted(truth: FrameTruth, dx: float) -> FrameTruth:
    """The truth moved right by dx px (an eye's half placed into the wide image)."""
    offset = np.array([dx, 0.0])
    ellipse = truth.pupil_ellipse.copy()
    ellipse[0] += dx
    return replace(truth, landmarks=truth.landmarks + offset, pupil=truth.pupil + offset,
                   pupil_ellipse=ellipse, glints=truth.glints + offset)


def wide_subjects(left: SubjectParams, right: SubjectParams) -> tuple[SubjectParams, ...]:
    """Both eyes framed by one camera: smaller in frame, one roll, lighting left to the
    whole image (WideHeadsetRenderer applies it), eye heights tilted by the roll."""
    rng = np.random.default_rng(left.texture_seed + 2)
    frac = float(rng.uniform(*WIDE_EYE_WIDTH))
    roll = left.camera_roll_deg
    lift = 0.25 * math.sin(math.radians(roll))  # half the eye distance (= W/2) over H = W/2
    common = {"vignetting": 0.0, "light_gradient": (0.0, left.light_gradient[1])}
    return (
        replace(left, eye_width_frac=frac, eye_center=(left.eye_center[0],
                left.eye_center[1] - lift), **common),
        replace(right, eye_width_frac=frac * right.eye_width_frac / left.eye_width_frac,
                camera_roll_deg=-right.camera_roll_deg,  # rendered, then mirrored
                eye_center=(right.eye_center[0], right.eye_center[1] + lift), **common),
    )


class WideHeadsetRenderer:
    """Both eyes of one subject in one image of ``size`` (width, height); width even."""

    def __init__(self, left: SubjectParams, right: SubjectParams,
                 size: tuple[int, int] = WIDE_SIZE) -> None:
        width, height = int(size[0]), int(size[1])
        if width % 2:
            raise ValueError(f"the wide image width must be even, got {width}")
        self.size, self.half = (width, height), width // 2
        self.light = _wide_light(self.size, left.vignetting, left.light_gradient[0])
        left, right = wide_subjects(left, right)
        self.left = EyeRenderer(left, (self.half, height))
        self.right = EyeRenderer(right, (self.half, height))
        self.crops: dict[str, Crop] = {"left": (self.half, 0, self.half, height),
                                       "right": (0, 0, self.half, height)}

    def render_pair(self, left_pose: EyePose, right_pose: EyePose,
                    rng: np.random.Generator) -> tuple[np.ndarray, FrameTruth, FrameTruth]:
        """The wide image and the left and right truths in its pixels."""
        left_img, left_truth = self.left.render(left_pose, rng)
        right_view, right_truth = self.right.render(right_pose, rng)
        image = np.hstack([cv2.flip(right_view, 1), left_img]).astype(np.float32)
        band = image[:, self.half - 2 * SEAM_PX : self.half + 2 * SEAM_PX]
        band[:, SEAM_PX:-SEAM_PX] = cv2.blur(band, (2 * SEAM_PX + 1, 1))[:, SEAM_PX:-SEAM_PX]
        image *= self.light
        image = np.clip(image + 0.5, 0.0, 255.0).astype(np.uint8)
        return (image, shifted(left_truth, float(self.half)),
                right_truth.mirrored(self.half))


def _wide_light(size: tuple[int, int], vignetting: float, gradient_x: float) -> np.ndarray:
    """One vignetting and horizontal illumination gradient over the whole wide image."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    x = (xs - width / 2.0) / (width / 2.0)
    y = (ys - height / 2.0) / (width / 2.0)
    return ((1.0 + 0.5 * gradient_x * x) * (1.0 - 0.5 * vignetting * (x * x + y * y))).astype(
        np.float32)


class WideSequence(SyntheticSequence):
    """A synthetic session seen by one wide camera: the same person and script as
    ``generate_sequence(seed, ...)``, framed for a camera that sees both eyes."""

    def __init__(self, seed: int, seconds: float, fps: float, size: tuple[int, int] = WIDE_SIZE,
                 params: BehaviourParams | None = None) -> None:
        super().__init__(seed, seconds, fps, (int(size[0]) // 2, int(size[1])), params)
        self.renderer = WideHeadsetRenderer(self.left_subject, self.right_subject, size)
        self.size = self.renderer.size

    def __next__(self) -> WideFrame:  # type: ignore[override]
        i = self._next
        if i >= len(self):
            raise StopIteration
        self._next += 1
        image, left, right = self.renderer.render_pair(self.script.left[i],
                                                       self.script.right[i], self._rng)
        return WideFrame(i, float(self.script.t[i]), image, left, right, self.renderer.crops)

    def meta(self) -> dict:
        meta = super().meta()
        meta["camera"] = "wide"
        meta["crops"] = {eye: list(crop) for eye, crop in self.renderer.crops.items()}
        meta["mirror"] = {"left": False, "right": True}
        meta["subjects"] = {eye: dataclasses.asdict(r.subject) for eye, r in
                            (("left", self.renderer.left), ("right", self.renderer.right))}
        return meta


def generate_wide_sequence(seed: int, seconds: float, fps: float,
                           size: tuple[int, int] = WIDE_SIZE,
                           params: BehaviourParams | None = None) -> WideSequence:
    """The frames of one session as one wide camera sees them (``size`` = (width, height))."""
    return WideSequence(seed, seconds, fps, size, params)
