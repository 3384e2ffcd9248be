"""Synthetic training and evaluation data for the eye feature detector.

Frames come from the package's own renderer (``synth``) with poses drawn independently per
frame, so one cache covers every subject x gaze x openness combination evenly (sequences
would spend most frames on relaxed straight gaze). Subjects are drawn from seeded streams:
``subject_rng(seed, i)`` for training and a disjoint stream for held-out evaluation, so
"never seen in training" is guaranteed by construction. Images are cached as uint8 and
turned into varied network inputs on the fly by ``detector_augment``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from eye_expression_driver.synth.pose import EyePose
from eye_expression_driver.synth.renderer import EyeRenderer
from eye_expression_driver.synth.subject import SubjectParams

from .detector_augment import View, augment_view, negative_view

HOLDOUT_STREAM = 7_919  # entropy tag of held-out subjects; training uses the run's seed


@dataclass
class EyeSamples:
    """Rendered left-eye views and their truth (source pixels), one row per frame."""

    images: np.ndarray  # (N, H, W) uint8
    landmarks: np.ndarray  # (N, 24, 2) float32
    pupil: np.ndarray  # (N, 2) float32
    pupil_radius: np.ndarray  # (N,) float32, geometric mean of the ellipse half-axes
    pupil_visible: np.ndarray  # (N,) float32, visible fraction of the pupil
    openness: np.ndarray  # (N,) float32
    subject: np.ndarray  # (N,) int32

    def __len__(self) -> int:
        return len(self.images)

    def save(self, path: str | Path) -> None:
        np.savez(path, **{f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, path: str | Path) -> EyeSamples:
        with np.load(path) as data:
            return cls(**{f.name: data[f.name] for f in fields(cls)})


def subject_rng(stream: int, index: int) -> np.random.Generator:
    """The random stream of one subject: (stream, index) -> independent generator."""
    return np.random.default_rng([stream, index])


def random_pose(rng: np.random.Generator, subject: SubjectParams) -> EyePose:
    """A pose drawn to cover closed, half-closed, open and wide eyes at every gaze."""
    kind = rng.random()
    openness = (rng.uniform(0.0, 0.08) if kind < 0.15 else
                rng.uniform(0.08, 0.7) if kind < 0.35 else rng.uniform(0.7, 1.3))
    sweep = rng.normal(0.0, 3.0, 2) if rng.random() < 0.1 else np.zeros(2)
    return EyePose(
        yaw=rng.uniform(-32.0, 32.0), pitch=rng.uniform(-25.0, 25.0), openness=openness,
        squint=rng.uniform(0.0, 1.0) if rng.random() < 0.3 else 0.0, pupil=rng.uniform(),
        slip_x=rng.normal(0.0, 0.03), slip_y=rng.normal(0.0, 0.03),
        slip_rot_deg=rng.normal(0.0, 3.0), exposure=rng.uniform(0.6, 1.4),
        blur_px=rng.uniform(0.0, 2.0) if rng.random() < 0.3 else 0.0,
        sweep_yaw=float(sweep[0]), sweep_pitch=float(sweep[1]), noise=rng.uniform(0.3, 2.0),
        glints=bool(rng.random() < 0.9),
        glasses_reflection=rng.uniform(0.0, 1.0) if subject.glasses else 0.0,
    )


SMALL_EYE = (0.4, 0.9)  # eye width / image width of the "small eye" share of subjects


def render_samples(
    stream: int, subjects: Iterable[int], frames: int, size: int, progress: bool = True,
    small_eye_share: float = 0.0,
) -> EyeSamples:
    """Render ``frames`` random poses of each subject index at size x size px.

    Subjects keep the renderer's headset framing, except a ``small_eye_share`` of them
    whose eye is redrawn to fill only part of the image (``SMALL_EYE``): there the
    training views find real skin, brows and lids around the eye when zoomed out.
    """
    subjects = list(subjects)
    n = len(subjects) * frames
    out = EyeSamples(
        np.zeros((n, size, size), np.uint8), np.zeros((n, 24, 2), np.float32),
        np.zeros((n, 2), np.float32), np.zeros(n, np.float32), np.zeros(n, np.float32),
        np.zeros(n, np.float32), np.zeros(n, np.int32),
    )
    row = 0
    for index in tqdm(subjects, desc=f"render {n} frames", disable=not progress):
        rng = subject_rng(stream, index)
        subject = SubjectParams.sample(rng)
        if rng.random() < small_eye_share:
            subject = replace(subject, eye_width_frac=float(rng.uniform(*SMALL_EYE)))
        renderer = EyeRenderer(subject, (size, size))
        for _ in range(frames):
            image, truth = renderer.render(random_pose(rng, subject), rng)
            major, minor = truth.pupil_ellipse[2:4]
            out.images[row] = image
            out.landmarks[row] = truth.landmarks
            out.pupil[row] = truth.pupil
            out.pupil_radius[row] = 0.5 * np.sqrt(major * minor)
            out.pupil_visible[row] = truth.pupil_visible
            out.openness[row] = truth.openness
            out.subject[row] = index
            row += 1
    return out


def sample_view(samples: EyeSamples, row: int, size: int, rng: np.random.Generator) -> View:
    """One augmented input from one cached frame."""
    return augment_view(
        samples.images[row], samples.landmarks[row].astype(np.float64),
        samples.pupil[row].astype(np.float64), float(samples.pupil_radius[row]),
        float(samples.pupil_visible[row]), size, rng,
    )


def make_batch(
    samples: EyeSamples, batch: int, size: int, rng: np.random.Generator,
    negative_fraction: float = 0.08,
) -> dict[str, torch.Tensor]:
    """A training batch: images and targets in input-square units (0..1 edge to edge)."""
    views = []
    for _ in range(batch):
        row = int(rng.integers(len(samples)))
        if rng.random() < negative_fraction:
            views.append(negative_view(samples.images[row], size, rng))
        else:
            views.append(sample_view(samples, row, size, rng))
    return views_to_batch(views, size)


def views_to_batch(views: list[View], size: int) -> dict[str, torch.Tensor]:
    """Stack views into tensors; points in units of the input square."""
    points = np.stack([np.vstack([v.landmarks, v.pupil[None]]) for v in views])
    return {
        "image": torch.from_numpy(np.stack([v.image for v in views])[:, None]),
        "points": torch.from_numpy(((points + 0.5) / size).astype(np.float32)),
        "radius": torch.tensor([v.pupil_radius / size for v in views], dtype=torch.float32),
        "present": torch.tensor([v.eye_present for v in views], dtype=torch.float32),
        "visible": torch.tensor([v.pupil_visible for v in views], dtype=torch.float32),
    }
