"""``eye-expression label SEQUENCES... --out DIR``: auto-label sessions, write the summary.

The command around ``auto_label`` (labelling) and ``label_summary`` (statistics and plot
over all tracks), kept apart so that neither of the two imports the other's caller.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from eye_expression_driver.core.names import EYES
from eye_expression_driver.vision.eye_features import EyeFeatureDetector, ModelFileError

from .auto_label import INPUT_SIZE, detector_features, label_session
from .label_sources import Session, SourceError, open_session
from .label_summary import write_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eye-expression label``."""
    a = parser.add_argument
    a("sequences", nargs="+", metavar="SEQUENCE",
      help="synthetic sequence dirs, folders of frames of one eye, or rosbag2 bags")
    a("--out", type=Path, required=True, help="directory for labels, statistics and summary")
    a("--detector", type=Path, help="eye feature model (default: the shipped one)")
    a("--eye", choices=EYES, default="left",
      help="the eye of a folder of frames (or of a bag topic without left/right in its name)")
    a("--fps", type=float, default=120.0, help="frame rate of a folder of frames (Hz)")
    a("--topic", action="append", help="bag image topic to label (repeatable; default all)")
    a("--size", type=int, default=INPUT_SIZE, help="px of the stored model input squares")
    a("--threads", type=int, default=1, help="onnxruntime threads")
    a("--no-progress", action="store_true")


def unique_names(sessions: list[Session]) -> None:
    """Rename sessions that share a name (two folders called 'left') so files do not clash."""
    seen: dict[str, int] = {}
    for s in sessions:
        count = seen.get(s.name, 0)
        seen[s.name] = count + 1
        if count:
            s.name = f"{s.name}_{count}"


def run(args: argparse.Namespace) -> int:
    """Label each sequence; 2 when a sequence or the detector cannot be opened."""
    try:
        sessions = [open_session(p, args.eye, args.fps, args.topic) for p in args.sequences]
        detector = EyeFeatureDetector(args.detector, threads=args.threads)
    except (SourceError, ModelFileError) as exc:
        print(f"eye-expression label: {exc}", file=sys.stderr)
        return 2
    unique_names(sessions)
    tracks = []
    for session in tqdm(sessions, desc="label", disable=args.no_progress):
        for track in label_session(session, detector_features(detector), size=args.size):
            track.save(args.out)
            tracks.append(track)
    summary = write_summary(tracks, args.out)
    print(json.dumps({k: summary[k] for k in ("tracks", "frames", "kept")}))
    return 0

