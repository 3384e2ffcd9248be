"""Draw one near-infrared headset eye image and return its exact ground truth.

A frame is composed from per-subject textures (textures.py) and per-frame geometry
(geometry.py): the eye layer (sclera, iris, pupil, lid shadow) is blended into the skin
through the anti-aliased lid opening, then lid margins, lashes and the crease shade it, and the
camera adds illumination, glints, lens reflections, defocus and sensor noise. Only cv2
primitives and whole-array numpy run per frame, so 200x200 renders at several hundred fps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from eye_expression_driver.core.landmarks import mirror_x

from .geometry import (
    REF_WIDTH_PX,
    EyeGeometry,
    FrameGeometry,
    apply_affine,
    ellipse_params,
    gaze_vector,
)
from .pose import EyePose
from .subject import SubjectParams
from .textures import IRIS_TEXTURE_PX, SubjectTextures, make_textures

SHIFT = 4  # sub-pixel bits for cv2 polygon drawing
_ONE = 1 << SHIFT
_CIRCLE = np.stack(
    [np.cos(np.linspace(0, 2 * np.pi, 64, endpoint=False)),
     np.sin(np.linspace(0, 2 * np.pi, 64, endpoint=False))], 1,
)
SHADE_ZERO = 128  # the shading layer's neutral value: below darkens, above brightens


@dataclass(frozen=True)
class FrameTruth:
    """The exact ground truth of one eye image, in that image's pixels (OpenCV convention)."""

    landmarks: np.ndarray  # (24, 2) px, numbering of core.landmarks
    landmarks_hidden: np.ndarray  # (24,) bool: outside the image or covered by the closed lid
    pupil: np.ndarray  # (2,) px: centre of the projected pupil ellipse
    pupil_ellipse: np.ndarray  # (5,) cx, cy, major, minor (full axes, px), angle_deg [0, 180)
    pupil_visible: float  # 0..1 fraction of the pupil area between the lids and in the image
    openness: float  # lid aperture at the middle / the subject's relaxed straight-gaze aperture
    yaw: float  # deg, + = out (temporal), anatomical for either eye
    pitch: float  # deg, + = up
    glints: np.ndarray  # (K, 2) px of the visible corneal glints
    blinking: bool

    def mirrored(self, width: int) -> FrameTruth:
        """The truth of the image flipped with cv2.flip(img, 1) (same indices and angles)."""
        ellipse = self.pupil_ellipse.copy()
        ellipse[0] = (width - 1) - ellipse[0]
        ellipse[4] = (180.0 - ellipse[4]) % 180.0
        return replace(
            self,
            landmarks=mirror_x(self.landmarks, width),
            pupil=mirror_x(self.pupil, width),
            pupil_ellipse=ellipse,
            glints=mirror_x(self.glints, width),
        )


def _fixed(points: np.ndarray) -> np.ndarray:
    """Float px to cv2's fixed-point int32 polygon coordinates."""
    return np.round(np.asarray(points) * _ONE).astype(np.int32)


def _bbox(points: np.ndarray, pad: float, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) around points, padded and clipped to the image (may be empty)."""
    lo = np.floor(points.min(0) - pad).astype(int)
    hi = np.ceil(points.max(0) + pad).astype(int) + 1
    return max(lo[0], 0), max(lo[1], 0), min(hi[0], width), min(hi[1], height)


class EyeRenderer:
    """Renders one subject's eye camera (a left-eye view) at a fixed size (width, height)."""

    def __init__(self, subject: SubjectParams, size: tuple[int, int] = (200, 200)) -> None:
        self.subject = subject
        self.size = (int(size[0]), int(size[1]))
        self.geometry = EyeGeometry(subject, self.size)
        self.textures: SubjectTextures = make_textures(self.geometry)
        self.scale = self.size[0] / REF_WIDTH_PX
        self.eye_px = subject.eye_width_frac * self.size[0]
        self.lashes = lash_layout(subject)

    def render(self, pose: EyePose, rng: np.random.Generator) -> tuple[np.ndarray, FrameTruth]:
        """One uint8 (H, W) image and its ground truth."""
        geo = self.geometry.frame(pose)
        skin, eye = self._face_layers(pose)
        self._draw_iris(eye, geo, pose)
        self._shadow_at_lids(eye, geo)
        opening = self._opening_mask(geo)
        image = skin + (eye - skin) * opening
        image *= self._shading(geo, pose)
        image *= self.textures.light * pose.exposure
        if pose.glasses_reflection > 0.0:
            image += pose.glasses_reflection * self.textures.glasses
        self._add_glints(image, geo.glints)
        sigma = math.hypot(self.subject.defocus_px, pose.blur_px) * self.scale
        if sigma > 0.3:
            image = cv2.GaussianBlur(image, (0, 0), sigma)
        if pose.noise > 0.0:
            self._add_noise(image, pose.noise, rng)
        np.clip(image, 0.0, 255.0, out=image)
        return (image + 0.5).astype(np.uint8), self._truth(geo, pose)

    # -- layers ---------------------------------------------------------------------------
    def _face_layers(self, pose: EyePose) -> tuple[np.ndarray, np.ndarray]:
        """Skin and sclera (float32), moved with the headset's slip."""
        face = self.textures.face
        if pose.slip_x or pose.slip_y or pose.slip_rot_deg:
            slip = self.geometry.slip_affine(pose)
            face = cv2.warpAffine(face, slip, self.size, flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REFLECT)
        skin, sclera = cv2.split(face)
        return skin.astype(np.float32), sclera.astype(np.float32)

    def _draw_iris(self, eye: np.ndarray, geo: FrameGeometry, pose: EyePose) -> None:
        """Blend the textured iris and the dark pupil into the eye layer (in place)."""
        w, h = self.size
        outline = apply_affine(geo.iris_affine, _CIRCLE)
        sweep = self._sweep_px(geo, pose)
        x0, y0, x1, y1 = _bbox(outline, 2.0 + float(np.abs(sweep).max()), w, h)
        if x1 <= x0 or y1 <= y0:
            return
        roi = eye[y0:y1, x0:x1]
        half = IRIS_TEXTURE_PX / 2.0
        warp = geo.iris_affine.copy()
        warp[:, :2] /= half
        warp[:, 2] -= warp[:, :2] @ np.full(2, (IRIS_TEXTURE_PX - 1) / 2.0) + np.array([x0, y0])
        iris = cv2.warpAffine(self.textures.iris, warp, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        grey, alpha = cv2.split(iris.astype(np.float32))
        alpha *= 1.0 / 255.0
        pupil = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(pupil, [_fixed(apply_affine(geo.pupil_affine, _CIRCLE) - [x0, y0])], 255,
                     cv2.LINE_AA, SHIFT)
        p = pupil.astype(np.float32) * (1.0 / 255.0)
        grey += (self.subject.pupil * 255.0 - grey) * p
        roi += (grey - roi) * alpha
        if np.hypot(*sweep) > 0.75:
            roi[:] = cv2.filter2D(roi, -1, _line_kernel(sweep), borderType=cv2.BORDER_REPLICATE)

    def _sweep_px(self, geo: FrameGeometry, pose: EyePose) -> np.ndarray:
        """Image motion (px) of the iris centre during the exposure."""
        if not (pose.sweep_yaw or pose.sweep_pitch):
            return np.zeros(2)
        g = self.geometry
        before = g.cam @ gaze_vector(pose.yaw - pose.sweep_yaw, pose.pitch - pose.sweep_pitch)
        now = g.cam @ gaze_vector(pose.yaw, pose.pitch)
        delta = g.iris_plane_mm * (now - before)[:2]
        return geo.eye_affine[:, :2] @ np.linalg.solve(g.eye_to_view[:, :2], delta)

    def _shadow_at_lids(self, eye: np.ndarray, geo: FrameGeometry) -> None:
        """Darken the eyeball below the upper lid (lid and lashes shade it) and, less, where it
        turns away under the lower lid."""
        w, h = self.size
        small = np.zeros((h // 2, w // 2), np.uint8)
        top = np.array([[geo.upper[-1, 0], -h], [geo.upper[0, 0], -h]])
        bottom = np.array([[geo.lower[-1, 0], 2 * h], [geo.lower[0, 0], 2 * h]])
        cv2.fillPoly(small, [_fixed(np.vstack([geo.lower, bottom]) / 2.0)], 170, cv2.LINE_AA, SHIFT)
        cv2.fillPoly(small, [_fixed(np.vstack([geo.upper, top]) / 2.0)], 255, cv2.LINE_AA, SHIFT)
        small = cv2.GaussianBlur(small, (0, 0), max(0.03 * self.eye_px / 2.0, 0.6))
        shadow = cv2.resize(small, self.size, interpolation=cv2.INTER_LINEAR)
        eye *= 1.0 - shadow.astype(np.float32) * (0.45 / 255.0)

    def _opening_mask(self, geo: FrameGeometry) -> np.ndarray:
        """Anti-aliased coverage (0..1) of the eye opening between the lid margins."""
        w, h = self.size
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [_fixed(np.vstack([geo.upper, geo.lower[::-1]]))], 255,
                     cv2.LINE_AA, SHIFT)
        return mask.astype(np.float32) * (1.0 / 255.0)

    def _shading(self, geo: FrameGeometry, pose: EyePose) -> np.ndarray:
        """Multiplicative shading by lid margins, lashes and the crease (1 = unchanged)."""
        s, w, h = self.subject, self.size[0], self.size[1]
        layer = np.full((h, w), SHADE_ZERO, np.uint8)
        ew = self.eye_px
        upper_t = max(s.upper_margin_px * self.scale, 1.0)
        lower_t = max(s.lower_margin_px * self.scale, 1.0)
        u = np.linspace(-1.0, 1.0, len(geo.upper_u))
        curve = np.stack([u / 2.0, geo.upper_u], 1)
        lower_curve = np.stack([u / 2.0, geo.lower_u], 1)

        def line(points: np.ndarray, value: float, thickness: float) -> None:
            px = apply_affine(geo.eye_affine, points)
            cv2.polylines(layer, [_fixed(px)], False, int(np.clip(value, 0, 255)),
                          max(round(thickness), 1), cv2.LINE_AA, SHIFT)

        def strip(inner: np.ndarray, outer: np.ndarray, value: float) -> None:
            px = apply_affine(geo.eye_affine, np.vstack([inner, outer[::-1]]))
            cv2.fillPoly(layer, [_fixed(px)], int(np.clip(value, 0, 255)), cv2.LINE_AA, SHIFT)

        closed = 1.0 - min(max(pose.openness, 0.0), 1.0)
        crease = curve.copy()
        crease[:, 1] = geo.upper_u + (s.crease_height * (1.0 - 0.5 * closed)) * (1.0 - u * u) ** 0.7
        line(crease[3:-3], SHADE_ZERO * (1.0 - 0.3 * s.crease_strength), 2.5 * self.scale)
        # Lid margins: bands that start exactly on the opening's edge. The upper rim faces the
        # camera below and is lit; the lash roots line it.
        strip(lower_curve, lower_curve - np.array([0.0, lower_t / ew]),
              SHADE_ZERO * s.lower_margin_shade)
        strip(curve, curve + np.array([0.0, upper_t / ew]), SHADE_ZERO * 1.2)
        line(curve + np.array([0.0, (upper_t + 0.7 * self.scale) / ew]), SHADE_ZERO * 0.85,
             1.4 * self.scale)
        self._draw_lashes(layer, geo, pose, (upper_t + 0.7 * self.scale) / ew)
        return layer.astype(np.float32) * (1.0 / SHADE_ZERO)

    def _draw_lashes(
        self, layer: np.ndarray, geo: FrameGeometry, pose: EyePose, root: float
    ) -> None:
        """Upper lashes curl up and out when open and hang down when closed; a few lower ones.

        Each lash is a short curved stroke (a quadratic through four points) whose tip bends
        up and away from the middle; roots are thicker than tips, and every other lash is
        lighter so that the fringe is not a uniform comb.
        """
        openness = min(max(pose.openness, 0.0), 1.0)
        steps = np.array([0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0])[None, :, None]
        strokes = []
        for (u, angle, length, curl), upper in ((self.lashes[0], True), (self.lashes[1], False)):
            if len(u) == 0:
                continue
            heights = np.interp(u, np.linspace(-1, 1, len(geo.upper_u)),
                                geo.upper_u if upper else geo.lower_u)
            rise = (2.0 * openness - 0.6) if upper else -1.0
            base = np.stack([u / 2.0, heights + (root if upper else -root)], 1)
            direction = np.stack([np.sin(angle), np.cos(angle) * rise], 1)
            bend = np.stack([0.6 * curl * np.sin(angle), curl * abs(rise)], 1)
            pts = base[:, None] + length[:, None, None] * (steps * direction[:, None]
                                                           + steps**2 * bend[:, None])
            strokes.extend(_fixed(apply_affine(geo.eye_affine, pts)))
        darkness = self.subject.lash_darkness
        root_px = max(round(2.0 * self.scale), 1)
        for group, shade in ((strokes[0::2], darkness), (strokes[1::2], 0.8 * darkness)):
            if not group:
                continue
            value = int(SHADE_ZERO * (1.0 - shade))
            cv2.polylines(layer, group, False, value, 1, cv2.LINE_AA, SHIFT)
            if root_px > 1:
                cv2.polylines(layer, [g[:2] for g in group], False, value, root_px,
                              cv2.LINE_AA, SHIFT)

    def _add_glints(self, image: np.ndarray, glints: np.ndarray) -> None:
        """Saturating Gaussian spots at sub-pixel glint positions."""
        h, w = image.shape
        sigma = max(self.subject.glint_size_px * self.eye_px / REF_WIDTH_PX, 0.5)
        r = math.ceil(3.0 * sigma) + 1
        peak = 600.0 * self.subject.glint_brightness  # a saturated core, as real glints have
        for x, y in glints:
            cx, cy = round(float(x)), round(float(y))
            x0, x1, y0, y1 = max(cx - r, 0), min(cx + r + 1, w), max(cy - r, 0), min(cy + r + 1, h)
            if x1 <= x0 or y1 <= y0:
                continue
            xs = np.arange(x0, x1) - x
            ys = np.arange(y0, y1) - y
            spot = np.exp(-(ys[:, None] ** 2 + xs[None, :] ** 2) / (2.0 * sigma * sigma))
            image[y0:y1, x0:x1] += peak * spot

    def _add_noise(self, image: np.ndarray, gain: float, rng: np.random.Generator) -> None:
        """Read plus shot noise from a random window of the subject's noise tile."""
        h, w = image.shape
        oy, ox = rng.integers(0, h), rng.integers(0, w)
        window = self.textures.noise[oy : oy + h, ox : ox + w]
        read = self.subject.noise * gain
        std = np.sqrt(read * read + (self.subject.shot_noise * gain) * np.maximum(image, 0.0))
        image += std * window

    def _truth(self, geo: FrameGeometry, pose: EyePose) -> FrameTruth:
        ellipse = np.array(ellipse_params(geo.pupil_affine))
        return FrameTruth(
            landmarks=geo.landmarks,
            landmarks_hidden=geo.landmarks_hidden,
            pupil=ellipse[:2].copy(),
            pupil_ellipse=ellipse,
            pupil_visible=geo.pupil_visible,
            openness=geo.openness,
            yaw=float(pose.yaw),
            pitch=float(pose.pitch),
            glints=geo.glints,
            blinking=bool(pose.blinking),
        )


LashSet = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def lash_layout(subject: SubjectParams) -> tuple[LashSet, LashSet]:
    """Per-subject lash positions u, tilts (rad), lengths (eye widths) and curls (upper,
    lower lid)."""
    rng = np.random.default_rng(subject.texture_seed + 1)

    def layout(count: int, length: float, spread: float) -> LashSet:
        # Lashes grow in small clumps: positions jitter around fewer clump centres.
        centres = rng.uniform(-0.85, 0.95, max(count // 3, 1))
        u = np.sort(np.clip(rng.choice(centres, count) + rng.normal(0.0, 0.03, count),
                            -0.9, 0.97))
        angle = 1.3 * u + rng.normal(0.0, spread, count)  # fan out towards the corners
        lengths = length * rng.uniform(0.35, 1.1, count) * (1.0 - 0.5 * u * u)
        return u, angle, lengths, rng.uniform(0.1, 0.8, count)

    return (layout(subject.lash_count, subject.lash_length, 0.3),
            layout(subject.lower_lash_count, 0.4 * subject.lash_length, 0.3))


def _line_kernel(sweep: np.ndarray) -> np.ndarray:
    """A normalised line kernel along a motion of ``sweep`` px."""
    length = float(np.hypot(*sweep))
    k = math.ceil(length) | 1
    kernel = np.zeros((k, k), np.uint8)
    c = (k - 1) / 2.0
    d = sweep / length * (length / 2.0)
    cv2.line(kernel, _fixed([c - d[0], c - d[1]]), _fixed([c + d[0], c + d[1]]), 255, 1,
             cv2.LINE_AA, SHIFT)
    kernel = kernel.astype(np.float32)
    return kernel / kernel.sum()


class HeadsetRenderer:
    """Both eyes of one subject: the right eye is a left-eye view, mirrored into its image."""

    def __init__(self, left: SubjectParams, right: SubjectParams,
                 size: tuple[int, int] = (200, 200)) -> None:
        self.left = EyeRenderer(left, size)
        self.right = EyeRenderer(right, size)

    def render_pair(
        self, left_pose: EyePose, right_pose: EyePose, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, FrameTruth, FrameTruth]:
        """Left and right images as their cameras see them, with truths in those images."""
        left_img, left_truth = self.left.render(left_pose, rng)
        right_view, right_truth = self.right.render(right_pose, rng)
        width = self.right.size[0]
        return left_img, cv2.flip(right_view, 1), left_truth, right_truth.mirrored(width)
