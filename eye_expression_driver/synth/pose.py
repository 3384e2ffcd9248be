"""The per-frame state of one eye and its camera, as the behaviour script drives it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EyePose:
    """What changes from frame to frame, described in a left-eye view.

    Gaze angles are the eye's rotation in the head: yaw + = out (temporal), pitch + = up.
    ``openness`` commands the upper lid: 0 closed, 1 relaxed, >1 wide; ``squint`` (0..1)
    raises the lower lid. The true openness reported with a frame is measured from the lid
    aperture that results, so gaze and squint change it as on a real face.
    """

    yaw: float = 0.0  # deg
    pitch: float = 0.0  # deg
    openness: float = 1.0
    squint: float = 0.0
    pupil: float = 0.5  # 0..1 within the subject's pupil radius range
    slip_x: float = 0.0  # camera slip: image shift in image widths (+ = right)
    slip_y: float = 0.0  # image shift in image widths (+ = down)
    slip_rot_deg: float = 0.0  # image rotation about its centre (+ = counter-clockwise)
    exposure: float = 1.0  # gain on the subject's exposure
    blur_px: float = 0.0  # extra defocus (Gaussian sigma, px at 200 px width)
    sweep_yaw: float = 0.0  # gaze swept during the exposure (deg): motion blur of the eye
    sweep_pitch: float = 0.0
    noise: float = 1.0  # gain on the subject's sensor noise (0 = noiseless)
    glints: bool = True
    glasses_reflection: float = 0.0  # 0..1 strength of lens reflections (glasses wearers)
    blinking: bool = False  # inside a scripted blink (carried into the ground truth)
