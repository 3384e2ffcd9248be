"""Where everything lies in a synthetic frame: lids, landmarks, iris, pupil, glints.

Pure numpy, separate from drawing so that the ground truth is computed from the same curves
that the renderer fills, and can be checked without images.

Frames of reference:
* eye frame (core.landmarks): corners at (-0.5, 0) nasal and (+0.5, 0) temporal, y up,
  unit = eye width. Lid curves are functions y(u) of u = 2x in [-1, 1].
* view plane: the camera's orthographic image plane in mm, x right, y up, origin at the
  corner midpoint. The eyeball is a 3D sphere projected onto it (camera below, looking up).
* image: px, OpenCV convention (y down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eye_expression_driver.core.landmarks import N_LANDMARKS

from .pose import EyePose
from .subject import SubjectParams

# Positions u (-1 nasal corner .. 1 temporal corner) of the landmarks along the lids.
# Upper lid: 0 and 23 straddle the middle; 0..5 run to the nasal corner, 19..23 come from the
# temporal corner, evenly spaced within each half. Lower lid 7..17 evenly, 12 in the middle.
_MID = 1.0 / 12.0
UPPER_U = {i: -_MID - i * (1.0 - _MID) / 6.0 for i in range(6)} | {
    23 - j: _MID + j * (1.0 - _MID) / 5.0 for j in range(5)
}
LOWER_U = {7 + k: -1.0 + (k + 1) / 6.0 for k in range(11)}
CURVE_SAMPLES = 41  # points per lid curve for drawing and visibility tests

CORNEA_RADIUS_MM = 7.8
CORNEA_OFFSET_MM = 5.5  # centre of corneal curvature in front of the eye's rotation centre
CORNEA_CAP_COS = math.cos(math.radians(50.0))  # glints beyond this fall on the sclera: dropped
REF_WIDTH_PX = 200.0  # pixel-sized parameters are given at this image width


def lid_shape(u: np.ndarray, peak: float, roundness: float) -> np.ndarray:
    """0 at the corners (u = +-1), 1 at u = peak; rounder for larger exponents."""
    v = np.where(u > peak, (u - peak) / (1.0 - peak), (u - peak) / (1.0 + peak))
    return np.clip(1.0 - v * v, 0.0, 1.0) ** roundness


def rotation2d(deg: float) -> np.ndarray:
    """Counter-clockwise rotation in a y-up plane."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s], [s, c]])


def camera_rotation(elevation_deg: float, azimuth_deg: float) -> np.ndarray:
    """Head coordinates (x out, y up, z forward) to camera coordinates (x right, y up, z to cam).

    Looking straight ahead appears tilted upwards for a camera below the eye.
    """
    e, a = math.radians(elevation_deg), math.radians(azimuth_deg)
    rx = np.array([[1, 0, 0], [0, math.cos(e), math.sin(e)], [0, -math.sin(e), math.cos(e)]])
    ry = np.array([[math.cos(a), 0, -math.sin(a)], [0, 1, 0], [math.sin(a), 0, math.cos(a)]])
    return rx @ ry


def gaze_vector(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Unit gaze direction in head coordinates."""
    y, p = math.radians(yaw_deg), math.radians(pitch_deg)
    return np.array([math.sin(y) * math.cos(p), math.sin(p), math.cos(y) * math.cos(p)])


def apply_affine(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (..., 2) points through a 2x3 affine matrix."""
    return np.asarray(points) @ affine[:, :2].T + affine[:, 2]


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The 2x3 affine that applies ``inner`` first, then ``outer``."""
    linear = outer[:, :2] @ inner[:, :2]
    return np.hstack([linear, (outer[:, :2] @ inner[:, 2] + outer[:, 2])[:, None]])


def invert_affine(affine: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine matrix."""
    inv = np.linalg.inv(affine[:, :2])
    return np.hstack([inv, (-inv @ affine[:, 2])[:, None]])


def ellipse_params(affine: np.ndarray) -> tuple[float, float, float, float, float]:
    """(cx, cy, major, minor, angle_deg) of the image of the unit circle under an affine.

    Axes are full lengths (as cv2.fitEllipse reports them); the angle is the major axis's
    direction from image +x towards +y, in [0, 180).
    """
    u, s, _ = np.linalg.svd(affine[:, :2])
    angle = math.degrees(math.atan2(u[1, 0], u[0, 0])) % 180.0
    return float(affine[0, 2]), float(affine[1, 2]), 2.0 * float(s[0]), 2.0 * float(s[1]), angle


@dataclass(frozen=True)
class FrameGeometry:
    """Everything a frame's drawing and ground truth need, in image pixels."""

    eye_affine: np.ndarray  # 2x3: eye frame -> image px
    upper: np.ndarray  # (CURVE_SAMPLES, 2) px, nasal -> temporal
    lower: np.ndarray  # (CURVE_SAMPLES, 2) px, nasal -> temporal
    upper_u: np.ndarray  # eye-frame heights of the curves at CURVE_U
    lower_u: np.ndarray
    landmarks: np.ndarray  # (24, 2) px
    landmarks_hidden: np.ndarray  # (24,) bool
    iris_affine: np.ndarray  # 2x3: unit disc -> image px
    pupil_affine: np.ndarray
    pupil_visible: float
    glints: np.ndarray  # (K, 2) px of the visible glints
    openness: float
    lid_heights: tuple[float, float]  # upper height and lower depth at the middle (eye widths)


CURVE_U = np.linspace(-1.0, 1.0, CURVE_SAMPLES)
_DISC = np.stack(np.meshgrid(np.linspace(-1, 1, 21), np.linspace(-1, 1, 21)), -1).reshape(-1, 2)
_DISC = _DISC[np.hypot(_DISC[:, 0], _DISC[:, 1]) <= 1.0]


class EyeGeometry:
    """The fixed geometry of one subject in one camera; ``frame(pose)`` moves it."""

    def __init__(self, subject: SubjectParams, size: tuple[int, int]) -> None:
        self.subject = subject
        self.width, self.height = size
        s = subject
        self.px_per_mm = s.eye_width_frac * self.width / s.eye_width_mm
        self.cam = camera_rotation(s.camera_elevation_deg, s.camera_azimuth_deg)
        # eye frame -> view plane (mm): scale by eye width, canthal tilt.
        eye_to_view = np.hstack([s.eye_width_mm * rotation2d(s.canthal_tilt_deg), np.zeros((2, 1))])
        # view plane (mm, y up) -> image (px, y down), camera roll, subject placement.
        flip = np.diag([1.0, -1.0])
        linear = self.px_per_mm * flip @ rotation2d(s.camera_roll_deg)
        centre = np.array([s.eye_center[0] * self.width, s.eye_center[1] * self.height])
        self.view_to_image = np.hstack([linear, centre[:, None]])
        self.eye_to_view = eye_to_view
        self.iris_plane_mm = math.sqrt(s.eyeball_radius_mm**2 - s.iris_radius_mm**2)
        # Eyeball centre in the view plane: the straight-ahead iris lands on iris_offset.
        iris0 = eye_to_view[:, :2] @ np.asarray(s.iris_offset, dtype=np.float64)
        self.ball_centre = iris0 - self.iris_plane_mm * (self.cam @ np.array([0.0, 0.0, 1.0]))[:2]
        self.relaxed_aperture = float(
            s.upper_lid_height * lid_shape(np.zeros(1), s.upper_lid_peak, s.upper_lid_roundness)[0]
            + s.lower_lid_depth * lid_shape(np.zeros(1), s.lower_lid_peak, s.lower_lid_roundness)[0]
        )
        ring = math.radians(s.led_ring_deg)
        phases = np.radians(s.led_phase_deg + 360.0 * np.arange(s.led_count) / s.led_count)
        leds = np.stack(
            [np.sin(ring) * np.cos(phases), np.sin(ring) * np.sin(phases),
             np.full_like(phases, math.cos(ring))], axis=1,
        )
        half = leds + np.array([0.0, 0.0, 1.0])
        self.glint_normals = half / np.linalg.norm(half, axis=1, keepdims=True)

    def slip_affine(self, pose: EyePose) -> np.ndarray:
        """Image -> image: the headset's slip (rotation about the centre, then shift)."""
        c = np.array([(self.width - 1) / 2.0, (self.height - 1) / 2.0])
        rot = rotation2d(-pose.slip_rot_deg)  # + = counter-clockwise on screen (y down)
        shift = np.array([pose.slip_x, pose.slip_y]) * self.width
        return np.hstack([rot, (c - rot @ c + shift)[:, None]])

    def lid_curves(self, pose: EyePose, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Upper and lower lid heights (eye widths) at positions u for this pose."""
        s = self.subject
        lift = self.iris_plane_mm * math.sin(math.radians(pose.pitch)) / s.eye_width_mm
        hu = max(s.upper_lid_height + s.upper_lid_follow * lift, 0.02)
        hl = max(s.lower_lid_depth - s.lower_lid_follow * lift, 0.01) * (1.0 - 0.7 * pose.squint)
        o = max(pose.openness, 0.0)
        hl *= 1.0 - s.lower_lid_lift * (1.0 - min(o, 1.0))
        lower = -hl * lid_shape(u, s.lower_lid_peak, s.lower_lid_roundness)
        upper_relaxed = hu * lid_shape(u, s.upper_lid_peak, s.upper_lid_roundness)
        upper = lower + o * np.maximum(upper_relaxed - lower, 0.0)
        return upper, lower

    def inside_opening(self, pose: EyePose, eye_points: np.ndarray) -> np.ndarray:
        """Which eye-frame points lie strictly between the lids."""
        u = 2.0 * eye_points[..., 0]
        upper, lower = self.lid_curves(pose, np.clip(u, -1.0, 1.0))
        return (np.abs(u) < 1.0) & (eye_points[..., 1] < upper) & (eye_points[..., 1] > lower)

    def in_image(self, points: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Which px points lie inside the image (with a margin in px)."""
        x, y = points[..., 0], points[..., 1]
        return (
            (x >= margin) & (y >= margin)
            & (x <= self.width - 1 - margin) & (y <= self.height - 1 - margin)
        )

    def frame(self, pose: EyePose) -> FrameGeometry:
        """The geometry of one frame."""
        s = self.subject
        view_px = compose(self.slip_affine(pose), self.view_to_image)
        eye_px = compose(view_px, self.eye_to_view)
        upper_u, lower_u = self.lid_curves(pose, CURVE_U)
        upper = apply_affine(eye_px, np.stack([CURVE_U / 2.0, upper_u], 1))
        lower = apply_affine(eye_px, np.stack([CURVE_U / 2.0, lower_u], 1))
        landmarks, hidden = self._landmarks(pose, eye_px)

        gaze = self.cam @ gaze_vector(pose.yaw, pose.pitch)
        iris_centre = self.ball_centre + self.iris_plane_mm * gaze[:2]
        disc = self._disc_basis(gaze)
        pupil_mm = s.pupil_radius_mm[0] + np.clip(pose.pupil, 0.0, 1.0) * (
            s.pupil_radius_mm[1] - s.pupil_radius_mm[0]
        )
        centre_px = apply_affine(view_px, iris_centre)
        iris_affine = np.hstack([view_px[:, :2] @ disc * s.iris_radius_mm, centre_px[:, None]])
        pupil_affine = np.hstack([view_px[:, :2] @ disc * pupil_mm, centre_px[:, None]])

        to_eye = invert_affine(eye_px)
        pupil_pts = apply_affine(pupil_affine, _DISC)
        seen = self.inside_opening(pose, apply_affine(to_eye, pupil_pts)) & self.in_image(pupil_pts)
        glints = self._glints(pose, gaze, view_px, to_eye) if pose.glints else np.zeros((0, 2))
        mid_upper, mid_lower = self.lid_curves(pose, np.zeros(1))
        return FrameGeometry(
            eye_affine=eye_px, upper=upper, lower=lower, upper_u=upper_u, lower_u=lower_u,
            landmarks=landmarks, landmarks_hidden=hidden,
            iris_affine=iris_affine, pupil_affine=pupil_affine,
            pupil_visible=float(seen.mean()), glints=glints,
            openness=float((mid_upper[0] - mid_lower[0]) / self.relaxed_aperture),
            lid_heights=(float(mid_upper[0]), float(-mid_lower[0])),
        )

    def _landmarks(self, pose: EyePose, eye_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The 24 points on the lid margins, and which are hidden."""
        u = np.zeros(N_LANDMARKS)
        for index, value in (UPPER_U | LOWER_U).items():
            u[index] = value
        u[6], u[18] = -1.0, 1.0
        upper, lower = self.lid_curves(pose, u)
        lower_idx = np.array(sorted(LOWER_U))
        heights = upper.copy()
        heights[lower_idx] = lower[lower_idx]
        heights[[6, 18]] = 0.0
        points = apply_affine(eye_px, np.stack([u / 2.0, heights], 1))
        hidden = ~self.in_image(points)
        # A closing upper lid covers the lower margin once the aperture is below about a pixel.
        aperture_px = (upper - lower) * self.subject.eye_width_frac * self.width
        hidden[lower_idx] |= aperture_px[lower_idx] < 1.0
        return points, hidden

    def _disc_basis(self, gaze: np.ndarray) -> np.ndarray:
        """2x2 view-plane images of two orthonormal vectors spanning the iris plane (mm/mm)."""
        side = np.cross([0.0, 0.0, 1.0], gaze)
        norm = np.linalg.norm(side)
        side = np.array([1.0, 0.0, 0.0]) if norm < 1e-9 else side / norm
        other = np.cross(gaze, side)
        return np.stack([side[:2], other[:2]], axis=1)

    def _glints(
        self, pose: EyePose, gaze: np.ndarray, view_px: np.ndarray, to_eye: np.ndarray
    ) -> np.ndarray:
        """Corneal reflections of the headset LEDs that lie on the cornea, between the lids."""
        on_cap = self.glint_normals @ gaze > CORNEA_CAP_COS
        cornea = self.ball_centre + CORNEA_OFFSET_MM * gaze[:2]
        pts = apply_affine(view_px, cornea + CORNEA_RADIUS_MM * self.glint_normals[:, :2])
        inside = self.inside_opening(pose, apply_affine(to_eye, pts)) & self.in_image(pts, 1.0)
        return pts[on_cap & inside]
