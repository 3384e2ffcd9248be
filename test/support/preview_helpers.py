"""Reading the avatar preview drawing: which pixels changed, and where."""

from __future__ import annotations

import numpy as np

from eye_expression_driver.outputs.avatar_preview import eye_box


def changed_pixels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=2)


def inside(mask: np.ndarray, side: str, size: int) -> tuple[int, int]:
    """(changed pixels inside that eye's box, changed pixels outside it)."""
    box = eye_box(side, size)
    region = np.zeros_like(mask)
    region[box.y0:box.y1, box.x0:box.x1] = True
    return int((mask & region).sum()), int((mask & ~region).sum())
