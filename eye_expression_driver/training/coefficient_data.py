"""Training data of the coefficient network: labelled tracks -> augmented batches.

Only frames the labeller kept are used. Validation holds out whole sessions (both eyes of a
person go to the same side), so the validation error measures people the network has not
seen. Closed and half-closed eyes are rare in real sequences (a blink every few seconds), so
batches draw frames evenly over bins of P; gaze needs no such help (it varies all the time).

Augmentation keeps the labels exact: the eyelid distance and the pupil offset are measured
in the eye's own frame (divided by the eye width, along the corner line), so a similarity
transform (zoom, roll, shift) of the image does not change them; nor do the photometric
changes. Aspect changes and mirroring would, and are not used. Resampling and photometric
steps are the detector's (``detector_augment``), so both networks see the same kind of
camera variation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .auto_label import TrackLabels
from .detector_augment import negative_view, photometric, warp_area

P_BINS = np.array([0.1, 0.3, 0.5, 0.7, 0.9])  # edges of the P bins batches draw evenly from


@dataclass
class CoefficientData:
    """Kept frames of several tracks: model inputs, labels and which track each came from."""

    images: np.ndarray  # (N, S, S) uint8
    labels: np.ndarray  # (N, 5) float32
    track: np.ndarray  # (N,) int32 index into names
    names: list[str]
    aux: np.ndarray  # (N, 4) float32 pupil offset x, y, eyelid distance (NaN: unknown) and
    # the labeller's pupil confidence (the pupil is visible)
    t: np.ndarray  # (N,) float64 s: frame times within the track (session statistics)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def size(self) -> int:
        return int(self.images.shape[1])

    def subset(self, rows: np.ndarray) -> CoefficientData:
        return CoefficientData(self.images[rows], self.labels[rows], self.track[rows], self.names,
                               self.aux[rows], self.t[rows])


def from_tracks(tracks: list[TrackLabels]) -> CoefficientData:
    """The kept frames of all tracks (all must have the same input size)."""
    sizes = {t.images.shape[1] for t in tracks}
    if len(sizes) != 1:
        raise ValueError(f"tracks have different input sizes {sorted(sizes)}; relabel with one")
    return CoefficientData(
        np.concatenate([t.images[t.keep] for t in tracks]),
        np.concatenate([t.labels[t.keep] for t in tracks]).astype(np.float32),
        np.concatenate([np.full(int(t.keep.sum()), i, np.int32) for i, t in enumerate(tracks)]),
        [t.name for t in tracks],
        np.concatenate([np.column_stack([t.pupil_offset, t.eyelid_distance,
                                         t.pupil_confidence])[t.keep]
                        for t in tracks]).astype(np.float32),
        np.concatenate([t.t[t.keep] for t in tracks]).astype(np.float64),
    )


def session_of(track_name: str) -> str:
    """'<session>.<eye>' -> '<session>'."""
    return track_name.rsplit(".", 1)[0]


def split_sessions(data: CoefficientData, val_fraction: float,
                   seed: int) -> tuple[CoefficientData, CoefficientData]:
    """(train, validation) with whole sessions on one side; at least one session each
    when there are two or more sessions."""
    sessions = sorted({session_of(n) for n in data.names})
    rng = np.random.default_rng([seed, 3])
    order = rng.permutation(len(sessions))
    n_val = round(val_fraction * len(sessions))
    n_val = min(max(n_val, 1 if len(sessions) > 1 and val_fraction > 0 else 0),
                len(sessions) - 1)
    val_sessions = {sessions[i] for i in order[:n_val]}
    is_val = np.array([session_of(n) in val_sessions for n in data.names])[data.track]
    if not n_val:  # one session only: validate on a time slice of it (better than nothing)
        is_val = np.zeros(len(data), bool)
        is_val[int(len(data) * (1 - val_fraction)):] = val_fraction > 0
    return data.subset(~is_val), data.subset(is_val)


def sample_weights(labels: np.ndarray) -> np.ndarray:
    """Per-frame sampling probabilities: half uniform, half even over the P bins."""
    bins = np.digitize(labels[:, 4], P_BINS)
    counts = np.bincount(bins, minlength=len(P_BINS) + 1).astype(np.float64)
    per_bin = 1.0 / (counts[bins] * np.count_nonzero(counts))
    weights = 0.5 / len(labels) + 0.5 * per_bin
    return weights / weights.sum()


def jitter_affine(rng: np.random.Generator, size: int) -> np.ndarray:
    """A 2x3 similarity about the square's centre: small zoom, roll and shift."""
    scale = float(np.exp(rng.normal(0.0, 0.08)))
    angle = np.radians(rng.normal(0.0, 4.0))
    linear = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.full(2, (size - 1) / 2.0)
    target = centre + rng.normal(0.0, 0.04 * size, 2)
    return np.hstack([linear, (target - linear @ centre)[:, None]])


def augment(image: np.ndarray, rng: np.random.Generator, geometric: float = 0.8,
            photo: float = 0.5) -> np.ndarray:
    """One augmented float32 input from a stored uint8 square (labels stay valid)."""
    out = image.astype(np.float32)
    size = out.shape[0]
    if rng.random() < geometric:
        out = warp_area(out, jitter_affine(rng, size), size, rng)
    if rng.random() < photo:
        out = photometric(out, rng)
    return out


def make_batch(data: CoefficientData, batch: int, rng: np.random.Generator,
               weights: np.ndarray | None = None, negative_fraction: float = 0.05,
               augmented: bool = True) -> dict[str, torch.Tensor]:
    """Images (B, 1, S, S), labels (B, 5) and eye-present targets (B,) for one step."""
    size = data.size
    rows = rng.choice(len(data), size=batch, p=weights)
    images, present = [], np.ones(batch, np.float32)
    for k, row in enumerate(rows):
        if augmented and rng.random() < negative_fraction:
            images.append(negative_view(data.images[row], size, rng).image)
            present[k] = 0.0
        elif augmented:
            images.append(augment(data.images[row], rng))
        else:
            images.append(data.images[row].astype(np.float32))
    return {
        "image": torch.from_numpy(np.stack(images)[:, None]),
        "labels": torch.from_numpy(data.labels[rows]),
        "present": torch.from_numpy(present),
        "aux": torch.from_numpy(data.aux[rows]),
    }


def batches_in_order(data: CoefficientData, batch: int):
    """Un-augmented batches over every frame once (validation)."""
    for start in range(0, len(data), batch):
        stop = min(start + batch, len(data))
        yield (torch.from_numpy(data.images[start:stop, None].astype(np.float32)),
               torch.from_numpy(data.labels[start:stop]))
