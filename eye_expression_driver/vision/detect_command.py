"""``eye-expression detect PATH... [--eye left|right] [--jsonl OUT]``: features of image files.

A stable interface other tools parse: one JSON object per image, one per line, in the
order given (a directory contributes its PNG/JPG files sorted by name). A file that cannot
be read or used gives ``{"image": ..., "error": ...}`` and the command goes on; the exit
status is 0 unless the model itself cannot be loaded (2).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from eye_expression_driver.core.names import EYES

from .eye_features import EyeFeatureDetector, ModelFileError, UnusableImageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eye-expression detect``."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image files or directories")
    parser.add_argument("--eye", choices=EYES, default="left",
                        help="which eye the images show (right: mirrored in and back)")
    parser.add_argument("--jsonl", type=Path, metavar="OUT", help="write here, not stdout")
    parser.add_argument("--model", type=Path, help="ONNX model (default: the shipped one)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads")


def expand_paths(paths: list[str]) -> Iterator[str]:
    """Files as given; directories as their image files sorted by name."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            yield from (str(p) for p in found)
        else:
            yield given


def read_image(path: str) -> np.ndarray:
    """Decode a file as stored (8/16 bit, grey or colour); raises OSError with a reason."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except (OSError, ValueError) as exc:
        raise OSError(f"cannot read file: {exc.strerror or exc}") from exc
    if data.size == 0:
        raise OSError("empty file")
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise OSError("not a decodable image")
    return image


def detect_one(detector: EyeFeatureDetector, path: str, eye: str) -> dict:
    """The JSON record of one image: features or an error."""
    try:
        features = detector.detect(read_image(path), eye=eye)
    except (OSError, UnusableImageError) as exc:
        return {"image": path, "error": str(exc)}
    return {"image": path, **features.to_json()}


def write_records(detector: EyeFeatureDetector, args: argparse.Namespace, out: TextIO) -> None:
    """One line per image, flushed so a reader can follow along."""
    for path in expand_paths(args.paths):
        out.write(json.dumps(detect_one(detector, path, args.eye)) + "\n")
        out.flush()


def run(args: argparse.Namespace) -> int:
    """Detect in every image; 2 if the model cannot be loaded."""
    try:
        detector = EyeFeatureDetector(args.model, threads=args.threads)
    except ModelFileError as exc:
        print(f"eye-expression detect: {exc}", file=sys.stderr)
        return 2
    if args.jsonl is None:
        write_records(detector, args, sys.stdout)
        return 0
    with open(args.jsonl, "w", encoding="utf-8") as out:
        write_records(detector, args, out)
    return 0
