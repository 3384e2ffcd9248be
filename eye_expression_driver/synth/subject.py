"""Per-person (and per-headset) parameters of the synthetic eye camera.

People differ in eye size, lid shape, canthal tilt and reflectance, and headsets differ in
camera pose and LED layout; drawing all of them per subject is what makes per-person
calibration necessary, as on a real headset. Lengths are in eye widths (the corner-to-corner
distance) unless a name says ``_mm``; angles in degrees; reflectances in 0..1 of full scale.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SubjectParams:
    """One eye of one person seen by one headset camera (described as a left-eye view)."""

    texture_seed: int = 0
    # Placement in the image: eye width as a fraction of the image width, the corner midpoint
    # as fractions of width and height, the camera's roll about its optical axis.
    eye_width_frac: float = 0.72
    eye_center: tuple[float, float] = (0.5, 0.5)
    camera_roll_deg: float = 0.0
    # The camera sits below and in front of the eye looking up (elevation) and a little to the
    # side (azimuth, + = on the temporal side).
    camera_elevation_deg: float = 25.0
    camera_azimuth_deg: float = 0.0
    canthal_tilt_deg: float = 4.0  # + = temporal corner higher
    # Lids in eye widths: relaxed upper-lid height and lower-lid depth at the middle, the
    # position of their extreme point (u in -1 nasal .. 1 temporal), roundness exponents.
    upper_lid_height: float = 0.21
    lower_lid_depth: float = 0.11
    upper_lid_peak: float = -0.1
    lower_lid_peak: float = 0.12
    upper_lid_roundness: float = 0.8
    lower_lid_roundness: float = 0.9
    upper_lid_follow: float = 0.75  # upper-lid share of the iris's vertical motion
    lower_lid_follow: float = 0.25
    lower_lid_lift: float = 0.8  # how far the lower lid rises towards the corner line in a blink
    crease_height: float = 0.1  # above the relaxed upper lid
    crease_strength: float = 0.5  # 0 = hooded, no visible crease
    upper_margin_px: float = 1.5  # lid-margin thickness at 200 px width
    lower_margin_px: float = 2.0
    lower_margin_shade: float = 1.08  # brightness of the lower lid margin (1 = skin)
    # Eyeball (mm): iris radius, eyeball radius, pupil radius range; straight-gaze iris centre
    # in the eye frame (eye widths).
    eye_width_mm: float = 29.0
    iris_radius_mm: float = 6.0
    eyeball_radius_mm: float = 12.0
    pupil_radius_mm: tuple[float, float] = (1.4, 3.4)
    iris_offset: tuple[float, float] = (0.0, 0.04)
    # Near-infrared reflectances (0..1).
    skin: float = 0.42
    sclera: float = 0.32
    iris: float = 0.14
    pupil: float = 0.035
    iris_texture: float = 0.35  # contrast of the iris pattern
    limbus_darkness: float = 0.5
    lash_count: int = 60
    lash_length: float = 0.09  # eye widths
    lash_darkness: float = 0.75
    lower_lash_count: int = 15
    # Headset: LEDs around the lens (count, ring half-angle, phase, brightness).
    led_count: int = 1
    led_ring_deg: float = 14.0
    led_phase_deg: float = 90.0
    glint_brightness: float = 1.0
    glint_size_px: float = 0.9  # Gaussian sigma (px) for an eye 200 px wide (scales with it)
    glasses: bool = False
    # Imaging: illumination gradient, vignetting, defocus, noise, how much the headset slips.
    light_gradient: tuple[float, float] = (0.0, 0.15)
    vignetting: float = 0.3
    defocus_px: float = 0.8
    noise: float = 2.0  # grey levels (read noise)
    shot_noise: float = 0.04  # shot-noise variance per grey level of signal
    exposure: float = 1.0
    slip_scale: float = 1.0

    @classmethod
    def sample(cls, rng: np.random.Generator) -> SubjectParams:
        """A random person and headset; the ranges follow adult anatomy and IR eye crops.

        Framing is a mixture: headset cameras that see the whole eye (eye width 0.55-1.05 image
        widths, corners in view) and close-up cameras whose eye fills and overflows the image
        (1.05-1.65, corners cut by the border), as in real IR eye crops (iris about 0.6 image
        widths, pupils 28-54 px at 200 px; docs/synthetic.md, scripts/compare_realism.py).
        Grey levels, noise and blur are set so that real crops fall inside the synthetic range.
        """
        u = rng.uniform
        lo_pupil = u(1.1, 1.9)
        skin = u(0.2, 0.44)
        iris = skin * u(0.3, 0.55)
        close_up = rng.random() < 0.6
        leds = int(rng.choice([1, 1, 1, 2, 4, 6, 8]))
        ring = leds >= 4  # LED rings: smaller, well separated glints (as headsets show them)
        return cls(
            texture_seed=int(rng.integers(0, 2**31 - 1)),
            eye_width_frac=u(1.05, 1.65) if close_up else u(0.55, 1.05),
            eye_center=(0.5 + u(-0.07, 0.07), 0.5 + u(-0.08, 0.1)),
            camera_roll_deg=float(rng.normal(0.0, 4.0)),
            camera_elevation_deg=u(10.0, 35.0),
            camera_azimuth_deg=u(-15.0, 15.0),
            canthal_tilt_deg=float(np.clip(rng.normal(4.0, 3.5), -5.0, 12.0)),
            upper_lid_height=u(0.19, 0.32),
            lower_lid_depth=u(0.09, 0.17),
            upper_lid_peak=u(-0.3, 0.12),
            lower_lid_peak=u(-0.05, 0.3),
            upper_lid_roundness=u(0.4, 0.8),
            lower_lid_roundness=u(0.6, 1.0),
            upper_lid_follow=u(0.55, 0.95),
            lower_lid_follow=u(0.1, 0.4),
            lower_lid_lift=u(0.7, 0.92),
            crease_height=u(0.05, 0.16),
            crease_strength=float(np.clip(u(-0.3, 1.0), 0.0, 1.0)),
            upper_margin_px=u(0.8, 2.5),
            lower_margin_px=u(1.2, 3.5),
            lower_margin_shade=u(0.7, 1.2),  # grazing (dark) to wet and lit (bright)
            eye_width_mm=u(26.0, 32.0),
            iris_radius_mm=u(5.5, 6.4),
            eyeball_radius_mm=u(11.3, 12.8),
            pupil_radius_mm=(lo_pupil, lo_pupil + u(1.0, 2.4)),
            iris_offset=(u(-0.04, 0.05), u(-0.02, 0.08)),
            skin=skin,
            sclera=skin * u(0.55, 0.9),  # in near-infrared the sclera is rarely above skin
            iris=iris,
            pupil=min(u(0.02, 0.065), 0.45 * iris),  # IR pupils are dark, not black
            iris_texture=u(0.15, 0.6),
            limbus_darkness=u(0.2, 0.8),
            lash_count=int(rng.integers(35, 130)),
            lash_length=u(0.06, 0.15),
            lash_darkness=u(0.3, 0.8),  # IR lashes are grey and blurred, rarely black
            lower_lash_count=int(rng.integers(0, 35)),
            led_count=leds,
            led_ring_deg=u(12.0, 22.0) if ring else u(6.0, 22.0),
            led_phase_deg=u(0.0, 360.0),
            glint_brightness=u(0.8, 1.3),
            glint_size_px=u(0.6, 1.2) if ring else u(1.0, 2.2),
            glasses=bool(rng.random() < 0.2),
            light_gradient=(u(-0.25, 0.25), u(-0.1, 0.35)),
            vignetting=u(0.1, 0.5),
            defocus_px=u(0.6, 2.4),
            noise=float(np.exp(u(np.log(0.1), np.log(3.5)))),  # clean sensors to noisy ones
            shot_noise=float(np.exp(u(np.log(0.0005), np.log(0.06)))),
            exposure=u(0.6, 1.15),
            slip_scale=u(0.3, 1.5),
        )

    def other_eye(self, rng: np.random.Generator) -> SubjectParams:
        """The same person's other eye (as a left-eye view): small asymmetries, own camera."""
        n = rng.normal

        def jitter(value: float, rel: float) -> float:
            return float(value * (1.0 + n(0.0, rel)))

        return dataclasses.replace(
            self,
            texture_seed=int(rng.integers(0, 2**31 - 1)),
            eye_width_frac=jitter(self.eye_width_frac, 0.03),
            eye_center=(self.eye_center[0] + n(0, 0.015), self.eye_center[1] + n(0, 0.015)),
            camera_roll_deg=self.camera_roll_deg + n(0.0, 1.5),
            camera_elevation_deg=self.camera_elevation_deg + n(0.0, 1.5),
            camera_azimuth_deg=self.camera_azimuth_deg + n(0.0, 1.5),
            canthal_tilt_deg=self.canthal_tilt_deg + n(0.0, 1.0),
            upper_lid_height=jitter(self.upper_lid_height, 0.06),
            lower_lid_depth=jitter(self.lower_lid_depth, 0.06),
            upper_lid_peak=self.upper_lid_peak + n(0.0, 0.03),
            crease_height=jitter(self.crease_height, 0.08),
            lash_count=max(5, int(self.lash_count * (1.0 + n(0.0, 0.1)))),
            iris_offset=(self.iris_offset[0] + n(0, 0.01), self.iris_offset[1] + n(0, 0.01)),
            led_phase_deg=self.led_phase_deg + n(0.0, 3.0),
        )
