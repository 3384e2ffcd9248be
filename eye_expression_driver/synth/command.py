"""`eye-expression synth`: write synthetic sessions as image files (and rosbag2 bags).

One subject is one session of one person with one headset: ``<out>/subject_NNN/`` holds
``left/``, ``right/`` (or ``wide/``) PNGs, ``truth.npz`` and ``meta.json`` (sequence.py), and
with ``--bag`` a rosbag2 directory ``bag/`` (``bag.mcap`` + metadata.yaml, bag.py). Every
subject's seed comes from ``--seed`` and its index, so the same command gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .sequence import FORMAT, generate_sequence, write_sequence
from .wide import WIDE_SIZE, generate_wide_sequence


def parse_size(text: str) -> tuple[int, int]:
    """'200x200' -> (200, 200) (width, height)."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WxH, e.g. 200x200, got {text!r}") from None
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise argparse.ArgumentTypeError(f"size out of range 16..4096: {text!r}")
    return width, height


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subjects", type=int, default=1, help="sessions, one person each")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each session (s)")
    parser.add_argument("--fps", type=float, default=120.0, help="camera frame rate (Hz)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes")
    parser.add_argument("--size", type=parse_size, default=None,
                        help="image size WxH (default 200x200, with --wide 400x200)")
    parser.add_argument("--bag", action="store_true",
                        help="also write a rosbag2 .mcap per session (needs rosbags)")
    parser.add_argument("--wide", action="store_true",
                        help="one wide camera that sees both eyes (crop rectangles in meta.json)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace sessions already in --out")


def subject_seed(seed: int, index: int) -> int:
    """The seed of one session: independent streams for every (seed, index)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def _counted(frames: Iterable[Any], bar: tqdm) -> Iterator[Any]:
    for frame in frames:
        yield frame
        bar.update(1)


def write_session(seq: Any, out: Path, bag: bool, wide: bool, bar: tqdm) -> dict:
    """Files (and the bag) of one session; returns its index entry."""
    frames: Iterable[Any] = _counted(seq, bar)
    if bag:
        from .bag import SequenceBag

        with SequenceBag(out / "bag", wide=wide) as writer:
            write_sequence(writer.passthrough(frames), out, meta=seq.meta())
    else:
        write_sequence(frames, out, meta=seq.meta())
    return {"dir": out.name, "seed": seq.seed, "frames": len(seq)}


def _occupied(path: Path) -> bool:
    return path.exists() and any(path.iterdir())


def run(args: argparse.Namespace) -> int:
    if args.subjects < 1 or args.seconds <= 0 or not 1.0 <= args.fps <= 1000.0:
        print("need --subjects >= 1, --seconds > 0 and 1 <= --fps <= 1000", file=sys.stderr)
        return 2
    size = args.size or (WIDE_SIZE if args.wide else (200, 200))
    if args.wide and size[0] % 2:
        print(f"--wide needs an even width, got {size[0]}", file=sys.stderr)
        return 2
    dirs = [args.out / f"subject_{k:03d}" for k in range(args.subjects)]
    taken = [d for d in dirs if _occupied(d)]
    if taken and not args.overwrite:
        print(f"{taken[0]} exists and is not empty (use --overwrite)", file=sys.stderr)
        return 1
    for d in taken:
        _clear(d)
    make = generate_wide_sequence if args.wide else generate_sequence
    total = args.subjects * max(round(args.seconds * args.fps), 1)
    entries = []
    with tqdm(total=total, unit="frame", desc="synth") as bar:
        for k, out in enumerate(dirs):
            seq = make(subject_seed(args.seed, k), args.seconds, args.fps, size)
            entries.append(write_session(seq, out, args.bag, args.wide, bar))
    index = {"format": FORMAT, "seed": args.seed, "seconds": args.seconds, "fps": args.fps,
             "size": list(size), "camera": "wide" if args.wide else "per_eye",
             "bag": bool(args.bag), "sessions": entries}
    (args.out / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(entries)} sessions, {total // len(entries)} frames each of "
          f"{'1 wide image' if args.wide else '2 eye images'}, to {args.out}")
    return 0


def _clear(directory: Path) -> None:
    """Remove what a previous run wrote into a session directory (only its own names)."""
    import shutil

    for name in ("left", "right", "wide", "bag"):
        if (directory / name).is_dir():
            shutil.rmtree(directory / name)
    for name in ("truth.npz", "meta.json"):
        (directory / name).unlink(missing_ok=True)
