"""Which synthetic people the coefficient model trains on and which it is judged on.

Each person is one synthetic session whose seed comes from a stream and an index
(``synth.command.subject_seed``, the seeds ``eye-expression synth`` uses). Training and
held-out evaluation draw from different streams, and the model records its training seeds
in its ONNX metadata, so ``evaluate`` can prove that no held-out person was trained on.
"""

from __future__ import annotations

from collections.abc import Iterator

from eye_expression_driver.synth.command import subject_seed
from eye_expression_driver.synth.sequence import generate_sequence

from .label_sources import Session, synthetic_session

TRAIN_STREAM = 61  # people the shipped coefficient model is trained on
HOLDOUT_STREAM = 62  # people it is evaluated on


def session_seeds(stream: int, count: int, first: int = 0) -> list[int]:
    """The sequence seeds of people first .. first + count - 1 of a stream."""
    return [subject_seed(stream, i) for i in range(first, first + count)]


def synthetic_sessions(seeds: list[int], seconds: float, fps: float,
                       size: tuple[int, int] = (200, 200)) -> Iterator[Session]:
    """One in-memory session per seed (rendered lazily, both eyes in one pass)."""
    for seed in seeds:
        yield synthetic_session(generate_sequence(seed, seconds, fps, size), f"synth_{seed}")
