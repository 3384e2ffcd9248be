"""Deterministic filling and comparison of ROS 2 messages, for message round-trip tests.

Every field gets a distinct non-default value derived from its path and a seed, so a
field lost or swapped in transport shows up as a difference.
"""

from __future__ import annotations

import array
import importlib
import zlib
from typing import Any

import numpy as np

INT_RANGES = {"uint8": 255, "int8": 127, "uint16": 65535, "int16": 32767,
              "uint32": 2**31, "int32": 2**31 - 1, "uint64": 2**40, "int64": 2**40}


def message_class(type_name: str) -> type:
    """'eye_expression_driver/msg/EyeState' -> the class."""
    package, kind, name = type_name.split("/")
    return getattr(importlib.import_module(f"{package}.{kind}"), name)


def _number(path: str, seed: int) -> int:
    return zlib.crc32(f"{seed}:{path}".encode())


def _scalar(kind: str, path: str, seed: int) -> Any:
    n = _number(path, seed)
    if kind == "boolean":
        return bool(n % 2) or True
    if kind in ("float", "double"):
        return float(n % 10007) / 16.0 + 0.5  # exact in float32
    if kind == "string":
        return f"{path}#{n % 997}"
    if kind in INT_RANGES:
        return n % INT_RANGES[kind] + 1
    raise TypeError(f"no filler for {kind} at {path}")


def _base(kind: str) -> str:
    return kind.split("[")[0].removeprefix("sequence<").removesuffix(">").split(",")[0]


def fill(msg: Any, seed: int = 1, prefix: str = "") -> Any:
    """Fill every field of msg in place with deterministic values; return msg."""
    for name, kind in msg.get_fields_and_field_types().items():
        path = f"{prefix}{name}"
        current = getattr(msg, name)
        base = _base(kind)
        if hasattr(current, "get_fields_and_field_types"):
            fill(current, seed, path + ".")
        elif "[" in kind or kind.startswith("sequence<"):
            length = len(current) if "[" in kind and not kind.endswith("[]") else 3
            values = [_scalar(base, f"{path}[{i}]", seed) for i in range(length)]
            if isinstance(current, np.ndarray):
                values = np.array(values, dtype=current.dtype)
            elif isinstance(current, array.array):
                values = array.array(current.typecode, values)
            setattr(msg, name, values)
        else:
            setattr(msg, name, _scalar(base, path, seed))
    return msg


def differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Field paths whose values differ between two messages of one type."""
    diffs = []
    for name in a.get_fields_and_field_types():
        path = f"{prefix}{name}"
        va, vb = getattr(a, name), getattr(b, name)
        if hasattr(va, "get_fields_and_field_types"):
            diffs += differences(va, vb, path + ".")
        elif isinstance(va, (np.ndarray, array.array, list, tuple)):
            if len(va) != len(vb) or not all(x == y for x, y in zip(va, vb, strict=True)):
                diffs.append(path)
        elif va != vb:
            diffs.append(path)
    return diffs
