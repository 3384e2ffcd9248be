"""media.image_decode: every supported encoding, row padding, every malformed case, and
whole messages (any value with sensor_msgs/Image's fields)."""

from __future__ import annotations

import array
from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from eye_expression_driver.media.image_decode import (
    ImageDecodeError,
    decode_image,
    decode_message,
    describe_message,
    to_mono8,
)

RNG = np.random.default_rng(3)
GREY = RNG.integers(0, 256, size=(5, 7), dtype=np.uint8)


def padded(rows: np.ndarray, pad: int) -> tuple[int, bytes]:
    """(step, data) of rows (height, row_bytes) with pad bytes of junk after each row."""
    junk = np.full((rows.shape[0], pad), 0xAB, dtype=np.uint8)
    return rows.shape[1] + pad, np.hstack([rows, junk]).tobytes()


@pytest.mark.parametrize("pad", [0, 3])
def test_mono8_with_and_without_padding(pad: int) -> None:
    step, data = padded(GREY, pad)
    out = decode_image("mono8", 7, 5, step, 0, data)
    assert out.dtype == np.uint8 and np.array_equal(out, GREY)


@pytest.mark.parametrize("big", [False, True])
def test_mono16_both_endiannesses(big: bool) -> None:
    values = RNG.integers(0, 65536, size=(5, 7), dtype=np.uint16)
    raw = values.astype(">u2" if big else "<u2").view(np.uint8).reshape(5, 14)
    step, data = padded(raw, 2)
    out = decode_image("mono16", 7, 5, step, big, data)
    assert out.dtype == np.uint16 and np.array_equal(out, values)


@pytest.mark.parametrize("encoding,code", [
    ("bgr8", None), ("rgb8", cv2.COLOR_BGR2RGB),
    ("bgra8", cv2.COLOR_BGR2BGRA), ("rgba8", cv2.COLOR_BGR2RGBA),
])
def test_colour_encodings_give_the_same_grey(encoding: str, code: int | None) -> None:
    bgr = RNG.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    pixels = bgr if code is None else cv2.cvtColor(bgr, code)
    rows = pixels.reshape(5, -1)
    step, data = padded(rows, 1)
    out = decode_image(encoding, 7, 5, step, 0, data)
    assert np.array_equal(out, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))


@pytest.mark.parametrize("encoding,luma", [("yuv422", 1), ("uyvy", 1),
                                           ("yuv422_yuy2", 0), ("yuyv", 0)])
def test_yuv422_takes_the_luma(encoding: str, luma: int) -> None:
    grey = RNG.integers(0, 256, size=(4, 6), dtype=np.uint8)
    rows = np.full((4, 12), 128, dtype=np.uint8)
    rows[:, luma::2] = grey
    step, data = padded(rows, 4)
    assert np.array_equal(decode_image(encoding, 6, 4, step, 0, data), grey)


def test_32fc1_replaces_nan_and_inf() -> None:
    values = np.array([[0.5, np.nan], [np.inf, -np.inf]], dtype=np.float32)
    out = decode_image("32FC1", 2, 2, 8, 0, values.tobytes())
    assert out.dtype == np.float32 and np.all(np.isfinite(out))
    assert out[0, 0] == 0.5 and out[0, 1] == 0 and out[1, 0] == 0


def test_accepts_array_array_like_rclpy() -> None:
    data = array.array("B", GREY.tobytes())
    assert np.array_equal(decode_image("mono8", 7, 5, 7, 0, data), GREY)


@pytest.mark.parametrize("kind,args", [
    ("unknown_encoding", ("grey9", 7, 5, 7, 0, GREY.tobytes())),
    ("unsupported_encoding", ("bayer_rggb8", 7, 5, 7, 0, GREY.tobytes())),
    ("step_too_small", ("bgr8", 7, 5, 7, 0, bytes(35))),
    ("data_short", ("mono8", 7, 5, 7, 0, bytes(34))),
    ("data_long", ("mono8", 7, 5, 7, 0, bytes(36))),
    ("zero_size", ("mono8", 0, 5, 0, 0, b"")),
    ("zero_size", ("mono8", 7, 0, 7, 0, b"")),
    ("too_large", ("mono8", 8000, 8000, 8000, 0, b"")),
])
def test_malformed_frames_raise_with_kind_and_reason(kind: str, args: tuple) -> None:
    with pytest.raises(ImageDecodeError) as info:
        decode_image(*args)
    assert info.value.kind == kind
    assert str(info.value)


def test_max_pixels_is_a_parameter() -> None:
    data = bytes(100 * 100)
    assert decode_image("mono8", 100, 100, 100, 0, data, max_pixels=10_000).shape == (100, 100)
    with pytest.raises(ImageDecodeError, match="max_pixels"):
        decode_image("mono8", 100, 100, 100, 0, data, max_pixels=9_999)


def test_to_mono8_scales_16_bit_and_float() -> None:
    ten_bit = np.array([[0, 1023]], dtype=np.uint16)
    assert to_mono8(ten_bit).tolist() == [[0, 255]]
    assert to_mono8(np.array([[0.0, 1.0]], dtype=np.float32)).tolist() == [[0, 255]]
    assert to_mono8(GREY) is GREY



@dataclass
class ImageFields:
    """A message-like value: the fields of sensor_msgs/Image, nothing else."""

    encoding: str
    width: int
    height: int
    step: int
    is_bigendian: int
    data: object


def test_decode_message_reads_the_fields_of_a_message_like_value() -> None:
    step, data = padded(GREY, 3)
    msg = ImageFields("mono8", 7, 5, step, 0, array.array("B", data))
    assert np.array_equal(decode_message(msg), GREY)
    values = RNG.integers(0, 65536, size=(5, 7), dtype=np.uint16)
    as_numpy = np.frombuffer(values.astype(">u2").tobytes(), np.uint8)  # as rosbags gives it
    assert np.array_equal(decode_message(ImageFields("mono16", 7, 5, 14, 1, as_numpy)), values)


def test_decode_message_refuses_a_malformed_message_like_decode_image() -> None:
    short = ImageFields("mono8", 7, 5, 7, 0, bytes(34))
    with pytest.raises(ImageDecodeError) as info:
        decode_message(short)
    assert info.value.kind == "data_short"
    with pytest.raises(ImageDecodeError, match="max_pixels"):
        decode_message(ImageFields("mono8", 100, 100, 100, 0, bytes(100 * 100)), max_pixels=99)


def test_describe_message_names_the_header_fields_and_the_data_size() -> None:
    msg = ImageFields("bgr8", 7, 5, 21, 0, bytes(34))
    assert describe_message(msg) == "'bgr8' 7x5 step 21, 34 B"
