"""Raw image buffers (the fields of a sensor_msgs/Image) to grey numpy arrays.

``decode_message`` takes any image message (a rclpy sensor_msgs/Image, a rosbags one or a
plain value with the same fields); ``decode_image`` takes the fields one by one.

Eye cameras send whatever their drivers produce: padded rows, 16-bit or big-endian
pixels, YUV, colour. cv_bridge is not always installable, so the package decodes the
handful of encodings that eye cameras use itself, and checks every field first: a bad
frame must raise ``ImageDecodeError`` (with a short machine-readable ``kind`` for
counting and a human ``reason`` for the log), never crash a node or read past a buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np

# Default limit on width * height: far above any eye camera (and a camera that sees both
# eyes), far below what would exhaust memory when one garbage header arrives.
DEFAULT_MAX_PIXELS = 4096 * 4096


class ImageDecodeError(ValueError):
    """A frame that cannot be decoded; ``kind`` names the problem class for counting."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class _Layout:
    """How one encoding stores a pixel: dtype, channels and how to get grey from it."""

    dtype: str  # numpy dtype of one channel, native byte order
    channels: int
    grey: str  # "mono", "bgr", "rgb", "bgra", "rgba", "uyvy", "yuyv"

    @property
    def pixel_bytes(self) -> int:
        if self.grey in ("uyvy", "yuyv"):
            return 2
        return np.dtype(self.dtype).itemsize * self.channels


_LAYOUTS: dict[str, _Layout] = {
    "mono8": _Layout("u1", 1, "mono"),
    "8UC1": _Layout("u1", 1, "mono"),
    "mono16": _Layout("u2", 1, "mono"),
    "16UC1": _Layout("u2", 1, "mono"),
    "32FC1": _Layout("f4", 1, "mono"),
    "bgr8": _Layout("u1", 3, "bgr"),
    "rgb8": _Layout("u1", 3, "rgb"),
    "bgra8": _Layout("u1", 4, "bgra"),
    "rgba8": _Layout("u1", 4, "rgba"),
    # ROS calls UYVY "yuv422" (and, since Humble, "uyvy"); YUYV is "yuv422_yuy2"/"yuyv".
    "yuv422": _Layout("u1", 2, "uyvy"),
    "uyvy": _Layout("u1", 2, "uyvy"),
    "UYVY": _Layout("u1", 2, "uyvy"),
    "yuv422_yuy2": _Layout("u1", 2, "yuyv"),
    "yuyv": _Layout("u1", 2, "yuyv"),
    "YUYV": _Layout("u1", 2, "yuyv"),
}

# Encodings ROS defines that this decoder does not handle (told apart from typos).
_KNOWN_UNSUPPORTED = frozenset(
    [f"bayer_{p}{b}" for p in ("rggb", "bggr", "gbrg", "grbg") for b in ("8", "16")]
    + [f"{bits}{t}C{c}" for bits, t in (("8", "U"), ("8", "S"), ("16", "U"), ("16", "S"),
                                         ("32", "S"), ("32", "F"), ("64", "F"))
       for c in "1234"]
    + ["rgb16", "bgr16", "rgba16", "bgra16", "mono32", "nv12", "nv21", "nv24", "i420"]
) - set(_LAYOUTS)

SUPPORTED_ENCODINGS = tuple(sorted(_LAYOUTS))


class ImageLike(Protocol):
    """What the decoder reads from a message: sensor_msgs/Image's fields."""

    encoding: str
    width: int
    height: int
    step: int
    is_bigendian: bool | int
    data: Any


def decode_message(msg: ImageLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """An image message (anything with sensor_msgs/Image's fields) as a grey array.

    The same checks and results as ``decode_image``; raises ImageDecodeError.
    """
    return decode_image(msg.encoding, msg.width, msg.height, msg.step, msg.is_bigendian,
                        msg.data, max_pixels)


def describe_message(msg: ImageLike) -> str:
    """An image message's fields for a log line: ``'mono8' 64x48 step 64, 3072 B``."""
    return (f"{msg.encoding!r} {msg.width}x{msg.height} step {msg.step}, "
            f"{len(msg.data)} B")


def decode_image(
    encoding: str,
    width: int,
    height: int,
    step: int,
    is_bigendian: bool | int,
    data,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Decode a raw image buffer to a grey (height, width) array.

    mono8/colour/YUV give uint8, mono16 gives native uint16, 32FC1 gives float32 with
    NaN and infinities replaced by 0. Row padding (step > row bytes) is skipped.
    Raises ImageDecodeError naming the first problem found.
    """
    layout = _check_header(encoding, width, height, step, max_pixels)
    buffer = _as_bytes(data)
    expected = step * height
    if buffer.size < expected:
        raise ImageDecodeError(
            "data_short", f"data has {buffer.size} bytes, step x height needs {expected}")
    if buffer.size > expected:
        raise ImageDecodeError(
            "data_long", f"data has {buffer.size} bytes, more than step x height = {expected}")
    rows = buffer.reshape(height, step)[:, : width * layout.pixel_bytes]
    return _to_grey(rows, layout, width, height, bool(is_bigendian))


def _check_header(encoding: str, width: int, height: int, step: int,
                  max_pixels: int) -> _Layout:
    """Validate sizes and encoding before touching the data."""
    if width <= 0 or height <= 0:
        raise ImageDecodeError("zero_size", f"image size {width}x{height} has no pixels")
    if width * height > max_pixels:
        raise ImageDecodeError(
            "too_large", f"image {width}x{height} exceeds max_pixels={max_pixels}")
    layout = _LAYOUTS.get(encoding)
    if layout is None:
        if encoding in _KNOWN_UNSUPPORTED:
            raise ImageDecodeError(
                "unsupported_encoding",
                f"encoding '{encoding}' is not supported (supported: "
                f"{', '.join(SUPPORTED_ENCODINGS)})")
        raise ImageDecodeError("unknown_encoding", f"unknown encoding '{encoding}'")
    row_bytes = width * layout.pixel_bytes
    if step < row_bytes:
        raise ImageDecodeError(
            "step_too_small", f"step {step} is smaller than one row of {encoding} "
            f"({width} px x {layout.pixel_bytes} B = {row_bytes} B)")
    return layout


def _as_bytes(data) -> np.ndarray:
    """Any buffer (bytes, array.array, memoryview, numpy) as a flat uint8 view."""
    if isinstance(data, np.ndarray):
        return np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    try:
        return np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)
    except TypeError:
        return np.asarray(data, dtype=np.uint8).reshape(-1)


def _to_grey(rows: np.ndarray, layout: _Layout, width: int, height: int,
             big_endian: bool) -> np.ndarray:
    """Rows without padding (height, row_bytes) to the grey image."""
    if layout.grey in ("uyvy", "yuyv"):
        luma = 1 if layout.grey == "uyvy" else 0
        return np.ascontiguousarray(rows[:, luma::2][:, :width])
    order = ">" if big_endian else "<"
    dtype = np.dtype(layout.dtype).newbyteorder(order)
    pixels = np.ascontiguousarray(rows).view(dtype).reshape(height, width, layout.channels)
    pixels = pixels.astype(np.dtype(layout.dtype).newbyteorder("="), copy=False)
    if layout.grey == "mono":
        grey = pixels[:, :, 0]
        if grey.dtype == np.float32:
            grey = np.where(np.isfinite(grey), grey, np.float32(0.0))
        return np.ascontiguousarray(grey)
    code = {
        "bgr": cv2.COLOR_BGR2GRAY, "rgb": cv2.COLOR_RGB2GRAY,
        "bgra": cv2.COLOR_BGRA2GRAY, "rgba": cv2.COLOR_RGBA2GRAY,
    }[layout.grey]
    return cv2.cvtColor(np.ascontiguousarray(pixels), code)


def to_mono8(grey: np.ndarray) -> np.ndarray:
    """A decoded grey image as uint8 for the detectors.

    uint16 is shifted by its used bit depth (a 10-bit camera in a 16-bit container is not
    left nearly black); float images are taken as 0..1 when their maximum is at most 1,
    else as 0..255.
    """
    if grey.dtype == np.uint8:
        return grey
    if grey.dtype == np.uint16:
        peak = int(grey.max(initial=0))
        shift = max(0, peak.bit_length() - 8)
        return (grey >> shift).astype(np.uint8)
    values = np.nan_to_num(grey.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    scale = 255.0 if float(values.max(initial=0.0)) <= 1.0 else 1.0
    return np.clip(values * scale, 0.0, 255.0).astype(np.uint8)

