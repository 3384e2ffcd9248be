"""Train the expression coefficient recognition model and ship it as one ONNX file.

``eye-expression train --data DIR --out MODEL.onnx`` trains on auto-labelled tracks
(``eye-expression label``). ``python -m eye_expression_driver.training.train_coefficients``
with no ``--data`` is the ``make models`` entry: it renders the training people
(``synthetic_sets.TRAIN_STREAM``), labels them with the shipped eye feature detector (cached
in ``--work``), trains, and writes the shipped model, its card and a held-out evaluation.

Training compares the network's output with the labels (L1, the error the targets are
stated in) and stops when the validation error (the worst coefficient's mean absolute error
on held-out sessions, of the learned path as it runs: the features with each session's
statistics) is within ``--tolerance`` or when ``--steps`` are spent, and says which.
Checkpoints go to ``--work`` (``--resume`` continues). The state at the end is exported
(and checked against PyTorch, max abs difference <= 1e-4), not the one with the lowest
validation error: an early "best" of the direct coefficients, which sit at the single-image
floor and only fluctuate, left the blink coefficient undertrained (measured: P MAE 0.054 vs
0.049, blink F1 0.91 vs 0.96).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F  # noqa: N812 (the usual torch alias)
from tqdm import tqdm

from eye_expression_driver.core.eye_coefficients import CoefficientConfig, label_sequence
from eye_expression_driver.core.eye_tracking import learned_pupil_confidence
from eye_expression_driver.vision.coefficient_model import DEFAULT_MODEL, OUTPUTS

from .auto_label import INPUT_SIZE, TrackLabels, detector_features, label_session, load_tracks
from .coefficient_data import (
    CoefficientData,
    batches_in_order,
    from_tracks,
    make_batch,
    sample_weights,
    split_sessions,
)
from .coefficient_net import FEATURE_SCALE, CoefficientNet, CoefficientNetConfig
from .onnx_export import check_parity, export_onnx
from .synthetic_sets import TRAIN_STREAM, session_seeds, synthetic_sessions
from .train_detector import learning_rate

PARITY_TOLERANCE = 1e-4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eye-expression train``."""
    a = parser.add_argument
    a("--data", type=Path, action="append",
      help="labelled directory from 'eye-expression label' (repeatable); default: render "
           "and label --subjects synthetic people into --work")
    a("--out", type=Path, help="ONNX file to write (card: same stem .md); default without "
      "--data: the shipped model")
    a("--work", type=Path, default=Path("out/coefficients"), help="cache and checkpoints")
    a("--seed", type=int, default=0, help="seed of the split, batches and weights")
    a("--steps", type=int, default=10000, help="iteration budget (optimiser steps)")
    a("--tolerance", type=float, default=0.02,
      help="stop when every coefficient's validation MAE is at most this")
    a("--eval-every", type=int, default=250, help="steps between validations and checkpoints")
    a("--batch", type=int, default=128)
    a("--lr", type=float, default=3e-3)
    a("--width", type=int, default=8, help="channels of the first stage")
    a("--hidden", type=int, default=64, help="units of the dense layer")
    a("--val-fraction", type=float, default=0.1, help="share of sessions held out")
    a("--aux-weight", type=float, default=2.0,
      help="weight of the feature loss (the labeller's pupil offset and eyelid distance, "
           "exported for the session normalisation)")
    a("--threads", type=int, default=1, help="torch threads")
    a("--resume", action="store_true", help="continue from --work/checkpoint.pt")
    a("--no-progress", action="store_true")
    g = parser.add_argument_group("synthetic data (without --data)")
    g.add_argument("--subjects", type=int, default=96, help="synthetic training people")
    g.add_argument("--seconds", type=float, default=40.0, help="length of each session")
    g.add_argument("--fps", type=float, default=20.0, help="frame rate of the sessions")
    g.add_argument("--detector", type=Path, help="eye feature model (default: shipped)")
    g.add_argument("--holdout-subjects", type=int, default=6,
                   help="held-out people evaluated for the card (0: skip)")


def file_digest(path: Path) -> str:
    """Short hash of a file (the detector behind the labels names the label cache)."""
    return hashlib.sha1(path.read_bytes()).hexdigest()[:10]


def synthetic_labels(args: argparse.Namespace) -> tuple[list[TrackLabels], list[int]]:
    """Label the training people with the detector; cached by seeds, timing and detector."""
    from eye_expression_driver.vision.eye_features import DEFAULT_MODEL as DETECTOR
    from eye_expression_driver.vision.eye_features import EyeFeatureDetector

    detector_path = args.detector or DETECTOR
    seeds = session_seeds(TRAIN_STREAM, args.subjects)
    key = f"n{args.subjects}_s{args.seconds:g}_f{args.fps:g}_d{file_digest(detector_path)}"
    folder = args.work / f"labels_{key}"
    if (folder / "summary.json").is_file():
        return load_tracks(folder), seeds
    detector = EyeFeatureDetector(detector_path)
    from .label_summary import write_summary

    tracks = []
    sessions = synthetic_sessions(seeds, args.seconds, args.fps)
    for session in tqdm(sessions, total=len(seeds), desc="label", disable=args.no_progress):
        for track in label_session(session, detector_features(detector), size=INPUT_SIZE):
            track.save(folder)
            tracks.append(track)
    write_summary(tracks, folder)
    return tracks, seeds


def training_seeds(tracks: list[TrackLabels]) -> list[int]:
    """Synthetic seeds behind the tracks (recorded in the model: held-out checks)."""
    seeds = {t.statistics.get("source", {}).get("seed") for t in tracks}
    return sorted(s for s in seeds if isinstance(s, int))


def coefficient_loss(logits: torch.Tensor, batch: dict[str, torch.Tensor],
                     aux_weight: float = 0.0):
    """Mean absolute error of the 5 coefficients (eye images only) + 0.1 BCE of presence
    + ``aux_weight`` x L1 of the geometric features (where known) + 0.1 BCE of the pupil's
    visibility; returns (loss, L1)."""
    present = batch["present"]
    error = (torch.sigmoid(logits[:, :5]) - batch["labels"]).abs().mean(dim=1)
    l1 = (error * present).sum() / present.sum().clamp(min=1.0)
    bce = F.binary_cross_entropy_with_logits(logits[:, 5], present)
    loss = l1 + 0.1 * bce
    if aux_weight > 0.0 and "aux" in batch:
        geometry, visible = batch["aux"][:, :3], batch["aux"][:, 3]
        known = torch.isfinite(geometry) & (present[:, None] > 0)
        target = torch.nan_to_num(geometry) * FEATURE_SCALE
        aux = ((logits[:, 6:9] - target).abs() * known).sum() / known.sum().clamp(min=1)
        seen = F.binary_cross_entropy_with_logits(  # no eye: no visible pupil
            logits[:, 9], torch.nan_to_num(visible).clamp(0, 1) * present)
        loss = loss + aux_weight * aux + 0.1 * seen
    return loss, l1.item()


@torch.no_grad()
def predictions(model: CoefficientNet, data: CoefficientData) -> tuple[np.ndarray, ...]:
    """Direct coefficients (N, 5), confidence (N,) and features (N, 4) of every frame."""
    model.eval()
    parts = [tuple(o.numpy() for o in model(images)) for images, _ in
             batches_in_order(data, 512)]
    model.train()
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def session_coefficients(confidence: np.ndarray, features: np.ndarray,
                         data: CoefficientData) -> np.ndarray:
    """What the run time makes of the features: the method with each track's statistics."""
    out = np.zeros((len(data), 5))
    config = CoefficientConfig()
    for track in np.unique(data.track):
        rows = np.flatnonzero(data.track == track)
        f = features[rows].astype(np.float64)
        conf = confidence[rows].astype(np.float64)
        out[rows] = label_sequence(f[:, 2], f[:, :2], conf,
                                   learned_pupil_confidence(conf, f[:, 3]), config,
                                   times=data.t[rows])[0]
    return out


def validate(model: CoefficientNet, data: CoefficientData) -> tuple[np.ndarray, np.ndarray]:
    """Mean absolute errors (5,) against the labels over all frames of ``data``: of the
    learned path as it runs (features + session statistics), and of the direct output."""
    if not len(data):
        return np.zeros(5), np.zeros(5)
    coefficients, confidence, features = predictions(model, data)
    session = session_coefficients(confidence, features, data)
    return (np.abs(session - data.labels).mean(axis=0),
            np.abs(coefficients - data.labels).mean(axis=0))


@dataclass
class Progress:
    """What training did: validations, the best state and why it stopped."""

    history: list[dict] = field(default_factory=list)
    best_error: float = float("inf")  # lowest mean validation MAE seen (for the report)
    best_step: int = -1
    stop_reason: str = ""
    step: int = 0


def _checkpoint(path: Path, model, optimiser, rng, progress: Progress) -> None:
    """Everything ``--resume`` needs, written atomically."""
    tmp = path.with_suffix(".tmp")
    torch.save({"config": model.config.as_dict(), "state": model.state_dict(),
                "optimiser": optimiser.state_dict(), "rng": rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(), "progress": progress.__dict__}, tmp)
    tmp.replace(path)


def _validate_step(model, val, step, args, progress: Progress, running: float) -> bool:
    """Validate and log; True when the tolerance is reached."""
    error, direct = validate(model, val)
    worst = float(error.max())
    progress.history.append({"step": step, "train_l1": round(running, 5),
                             "val_mae": [round(float(e), 5) for e in error],
                             "val_mae_direct": [round(float(e), 5) for e in direct]})
    if float(error.mean()) < progress.best_error:
        progress.best_error, progress.best_step = float(error.mean()), step
    if worst <= args.tolerance:
        progress.stop_reason = (f"tolerance reached: worst validation MAE {worst:.4f} <= "
                                f"{args.tolerance} at step {step}")
        return True
    return False


def train(model: CoefficientNet, train_data: CoefficientData, val: CoefficientData,
          args: argparse.Namespace) -> Progress:
    """Optimise until the tolerance or the iteration budget; returns the progress."""
    rng = np.random.default_rng([args.seed, 1])
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    progress, checkpoint = Progress(), args.work / "checkpoint.pt"
    if args.resume and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(saved["state"])
        optimiser.load_state_dict(saved["optimiser"])
        rng.bit_generator.state = saved["rng"]
        torch.set_rng_state(saved["torch_rng"])
        progress = Progress(**saved["progress"])
    weights = sample_weights(train_data.labels)
    running = 0.0
    bar = tqdm(range(progress.step, args.steps), desc="train coefficients",
               disable=args.no_progress, initial=progress.step, total=args.steps)
    model.train()
    for step in bar:
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(step, args.steps, args.lr)
        batch = make_batch(train_data, args.batch, rng, weights)
        loss, l1 = coefficient_loss(model.logits(batch["image"]), batch, args.aux_weight)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        running = l1 if step == progress.step else 0.98 * running + 0.02 * l1
        last = step == args.steps - 1
        if (step + 1) % args.eval_every == 0 or last:
            done = _validate_step(model, val, step + 1, args, progress, running)
            progress.step = step + 1
            _checkpoint(checkpoint, model, optimiser, rng, progress)
            bar.set_postfix(l1=f"{running:.4f}", val=f"{max(progress.history[-1]['val_mae']):.4f}")
            if done:
                break
    if not progress.stop_reason:
        progress.stop_reason = (f"iteration budget spent: {args.steps} steps, worst validation "
                                f"MAE {max(progress.history[-1]['val_mae']):.4f} > "
                                f"{args.tolerance}" if progress.history else "no steps to run")
    model.eval()
    return progress


def export_checked(model: CoefficientNet, data: CoefficientData, path: Path,
                   metadata: dict[str, str]) -> float:
    """Export to ``path``; raise if onnxruntime and PyTorch differ by more than 1e-4."""
    batch = make_batch(data, 16, np.random.default_rng(2), augmented=False)
    export_onnx(model, path, batch["image"][:1], "image", list(OUTPUTS), metadata)
    diff = check_parity(model, path, batch["image"])
    if diff > PARITY_TOLERANCE:
        raise RuntimeError(f"ONNX output differs from PyTorch by {diff:.2e} > {PARITY_TOLERANCE}")
    return diff


def load_data(args: argparse.Namespace) -> tuple[list[TrackLabels], list[int]]:
    """Tracks from --data directories, or the synthetic training people."""
    if not args.data:
        return synthetic_labels(args)
    tracks = [t for folder in args.data for t in load_tracks(folder)]
    if not tracks:
        raise SystemExit(f"no labelled tracks in {', '.join(map(str, args.data))}")
    return tracks, training_seeds(tracks)


def run(args: argparse.Namespace) -> int:
    """Label (if needed), train, export, check and write the model card."""
    if args.out is None and args.data:
        raise SystemExit("eye-expression train: --out is needed with --data "
                         "(the shipped model is only rebuilt from synthetic data)")
    args.out = args.out or DEFAULT_MODEL
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    tracks, seeds = load_data(args)
    train_data, val_data = split_sessions(from_tracks(tracks), args.val_fraction, args.seed)
    label_minutes = (time.perf_counter() - start) / 60.0
    config = CoefficientNetConfig(size=train_data.size, width=args.width, hidden=args.hidden)
    model = CoefficientNet(config)
    progress = train(model, train_data, val_data, args)
    print(progress.stop_reason)
    torch.save({"config": config.as_dict(), "state": model.state_dict()},
               args.work / "coefficients.pt")
    meta = {"config": json.dumps(config.as_dict()), "train_seeds": json.dumps(seeds),
            "label_config": json.dumps(CoefficientConfig().calibration.__dict__)}
    diff = export_checked(model, val_data if len(val_data) else train_data, args.out, meta)
    report = {"args": {k: str(v) for k, v in vars(args).items()}, "parity_max_abs": diff,
              "stop_reason": progress.stop_reason, "best_step": progress.best_step,
              "val_mae": progress.history[-1]["val_mae"] if progress.history else None,
              "val_mae_direct": progress.history[-1]["val_mae_direct"]
              if progress.history else None,
              "best_val_mae_mean": progress.best_error,
              "train_frames": len(train_data), "val_frames": len(val_data),
              "label_minutes": label_minutes,
              "train_minutes": (time.perf_counter() - start) / 60.0 - label_minutes,
              "history": progress.history}
    from .coefficient_model_card import finish_report

    finish_report(report, model, args, tracks)
    print(json.dumps({k: report[k] for k in ("stop_reason", "best_step", "parity_max_abs")}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``make models``)."""
    parser = argparse.ArgumentParser(prog="train_coefficients", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
