"""The package's small vocabularies, defined once: the eye sides and the eye coefficients.

Messages (EyeState), the method's results (EyeResult), the learned model's output vector,
the overlay and the training tables all name and order the coefficients from here.
"""

from __future__ import annotations

from typing import Literal

Eye = Literal["left", "right"]
EYES: tuple[Eye, Eye] = ("left", "right")  # the wearer's anatomical sides, in this order

# The four gaze directions of the method (E1..E4): up, down, in (towards the nose), out.
DIRECTIONS = ("up", "down", "in", "out")
# The eye coefficients [E1..E4, P]: EyeResult's and EyeState's field names, in the order of
# the learned model's output and of the labels.
COEFFICIENTS = (*(f"look_{d}" for d in DIRECTIONS), "blink")
# The same order under the short names that label files and evaluation tables print.
SHORT_NAMES = (*DIRECTIONS, "blink")


def check_eye(eye: str) -> Eye:
    """The eye, or ValueError naming the choices (a side is never guessed)."""
    if eye not in EYES:
        raise ValueError(f"eye must be one of {', '.join(EYES)}, got {eye!r}")
    return eye  # type: ignore[return-value]
