"""Per-subject images computed once, so that a frame only warps and blends them.

Everything here is drawn from ``SubjectParams.texture_seed``: the same subject always gets the
same skin, iris and noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .geometry import EyeGeometry, apply_affine
from .subject import SubjectParams

IRIS_TEXTURE_PX = 128  # the iris texture's side; its disc fills the square


@dataclass(frozen=True)
class SubjectTextures:
    """Images fixed to the face (skin, sclera), to the iris, and to the camera (light, noise)."""

    face: np.ndarray  # (H, W, 2) uint8: skin and sclera, unslipped image coordinates
    iris: np.ndarray  # (T, T, 2) uint8: iris grey and alpha, disc of radius T/2
    light: np.ndarray  # (H, W) float32: illumination x vignetting x exposure
    glasses: np.ndarray  # (H, W) float32: lens reflections to add (grey levels at strength 1)
    noise: np.ndarray  # (2H, 2W) float32: standard normal samples, windows are drawn per frame


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Zero-mean, unit-std Gaussian-filtered noise (a cheap stand-in for Perlin noise)."""
    field = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return (field - field.mean()) / (field.std() + 1e-6)


def _blob(shape: tuple[int, int], centre: np.ndarray, radii: tuple[float, float]) -> np.ndarray:
    """A Gaussian bump of height 1 at centre (px) with the given radii (px)."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    return np.exp(-(((xs - centre[0]) / radii[0]) ** 2 + ((ys - centre[1]) / radii[1]) ** 2))


def _skin(geo: EyeGeometry, rng: np.random.Generator) -> np.ndarray:
    s, shape = geo.subject, (geo.height, geo.width)
    eye = geo.view_to_image
    ew = s.eye_width_frac * geo.width  # eye width in px

    def at(x: float, y: float) -> np.ndarray:  # eye-frame point -> unslipped px
        return apply_affine(eye, geo.eye_to_view[:, :2] @ np.array([x, y]))

    base = 1.0 + 0.06 * smooth_noise(rng, shape, ew * 0.2)
    base += 0.12 * _blob(shape, at(0.05, -0.32), (ew * 0.55, ew * 0.16))  # lower-lid bulge
    base += 0.12 * _blob(shape, at(0.0, 0.3), (ew * 0.6, ew * 0.12))  # upper lid / orbit
    base -= 0.15 * _blob(shape, at(-0.55, 0.05), (ew * 0.12, ew * 0.25))  # nose-side shadow
    pores = 0.015 * smooth_noise(rng, shape, 0.7) + 0.02 * smooth_noise(rng, shape, 2.0)
    skin = s.skin * 255.0 * base * (1.0 + pores)
    for _ in range(int(rng.integers(0, 5))):  # fine wrinkles at the temporal corner
        start = at(0.5 + rng.uniform(0.02, 0.2), rng.uniform(-0.25, 0.1))
        end = start + rng.uniform(0.1, 0.3) * ew * np.array([1.0, rng.uniform(-0.6, 0.6)])
        cv2.line(skin, tuple(int(v) for v in start), tuple(int(v) for v in end),
                 float(s.skin * 200.0), 1, cv2.LINE_AA)
    return skin


def _sclera(geo: EyeGeometry, rng: np.random.Generator) -> np.ndarray:
    """Sclera grey: darker towards the eyeball's rim, caruncle at the nasal corner."""
    s, shape = geo.subject, (geo.height, geo.width)
    centre = apply_affine(geo.view_to_image, geo.ball_centre)
    radius = s.eyeball_radius_mm * geo.px_per_mm
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    r2 = ((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / radius**2
    shade = np.clip(1.0 - 0.55 * r2, 0.3, 1.0)
    sclera = s.sclera * 255.0 * shade * (1.0 + 0.04 * smooth_noise(rng, shape, 3.0))
    caruncle = apply_affine(geo.view_to_image, geo.eye_to_view[:, :2] @ np.array([-0.46, -0.01]))
    ew = s.eye_width_frac * geo.width
    sclera *= 1.0 - 0.3 * _blob(shape, caruncle, (ew * 0.05, ew * 0.04))
    return sclera


def _iris(subject: SubjectParams, rng: np.random.Generator) -> np.ndarray:
    """Radial fibres, crypts, a collarette and a dark limbal ring, with a soft alpha edge."""
    t = IRIS_TEXTURE_PX
    ys, xs = np.mgrid[0:t, 0:t].astype(np.float32) - (t - 1) / 2.0
    r = np.hypot(xs, ys) / (t / 2.0)
    theta = np.arctan2(ys, xs)
    fibres = np.interp(theta, np.linspace(-np.pi, np.pi, 181), rng.standard_normal(181))
    fine = np.interp(theta, np.linspace(-np.pi, np.pi, 721), rng.standard_normal(721))
    pattern = 0.6 * fibres + 0.4 * fine * (0.5 + r)
    pattern += 0.8 * smooth_noise(rng, (t, t), 2.5)
    collarette = np.exp(-(((r - rng.uniform(0.4, 0.55)) / 0.05) ** 2))
    grey = 1.0 + subject.iris_texture * (0.25 * pattern + 0.5 * collarette)
    grey *= 1.0 - subject.limbus_darkness * np.clip((r - 0.8) / 0.2, 0.0, 1.0) ** 2
    value = np.clip(subject.iris * 255.0 * grey, 0, 255)
    alpha = np.clip(((t / 2.0) - np.hypot(xs, ys)) / 3.0 + 0.5, 0.0, 1.0) * 255.0
    return np.stack([value, alpha], -1).astype(np.uint8)


def _light(geo: EyeGeometry) -> np.ndarray:
    """Uneven LED illumination and lens vignetting, times the subject's exposure."""
    s = geo.subject
    ys, xs = np.mgrid[0 : geo.height, 0 : geo.width].astype(np.float32)
    x = (xs - geo.width / 2.0) / (geo.width / 2.0)
    y = (ys - geo.height / 2.0) / (geo.width / 2.0)
    gradient = 1.0 + s.light_gradient[0] * x - s.light_gradient[1] * y
    return (s.exposure * gradient * (1.0 - s.vignetting * 0.5 * (x * x + y * y))).astype(
        np.float32
    )


def _glasses(geo: EyeGeometry, rng: np.random.Generator) -> np.ndarray:
    """Soft reflections of the LEDs on a spectacle lens and a faint rim edge."""
    layer = np.zeros((geo.height, geo.width), np.float32)
    if not geo.subject.glasses:
        return layer
    w = geo.width
    for _ in range(int(rng.integers(1, 5))):
        centre = rng.uniform(0.1, 0.9, 2) * np.array([w, geo.height])
        radii = (rng.uniform(0.02, 0.08) * w, rng.uniform(0.02, 0.06) * w)
        layer += rng.uniform(60.0, 220.0) * _blob(layer.shape, centre, radii)
    rim = np.zeros_like(layer)
    y0 = int(rng.uniform(0.75, 1.0) * geo.height)
    cv2.line(rim, (0, y0), (w - 1, y0 + int(rng.uniform(-0.2, 0.2) * w)), 40.0, max(2, w // 50))
    return layer + cv2.GaussianBlur(rim, (0, 0), 2.0)


def make_textures(geo: EyeGeometry) -> SubjectTextures:
    """All per-subject images for a geometry (image size and placement)."""
    rng = np.random.default_rng(geo.subject.texture_seed)
    face = np.stack([_skin(geo, rng), _sclera(geo, rng)], -1)
    return SubjectTextures(
        face=np.clip(face, 0, 255).astype(np.uint8),
        iris=_iris(geo.subject, rng),
        light=_light(geo),
        glasses=_glasses(geo, rng),
        noise=rng.standard_normal((2 * geo.height, 2 * geo.width)).astype(np.float32),
    )
