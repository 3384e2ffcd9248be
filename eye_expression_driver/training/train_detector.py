"""Train the eye feature network from scratch on synthetic eyes and ship it as ONNX.

``eye-expression train-detector`` (or ``main(argv)``) renders a cache of random-pose eyes
from seeded subjects, trains with augmentation aimed at real infrared cameras, exports one
ONNX file, checks it against PyTorch (max abs difference <= 1e-4), measures it through the
run-time detector on held-out subjects and writes the model card next to it. The same
seed and arguments give the same model (single process, seeded streams).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F  # noqa: N812 (the usual torch alias)
from tqdm import tqdm

from eye_expression_driver.vision.eye_features import DEFAULT_MODEL, EyeFeatureDetector

from .detector_data import HOLDOUT_STREAM, EyeSamples, make_batch, render_samples
from .detector_eval import evaluate_synthetic
from .detector_model import EyeFeatureNet, NetConfig
from .detector_model_card import write_model_card
from .onnx_export import check_parity, export_onnx

PARITY_TOLERANCE = 1e-4
SMALL_EYE_SHARE = 0.4  # subjects rendered with the eye well inside the image (see data)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eye-expression train-detector``."""
    a = parser.add_argument
    a("--out", type=Path, default=DEFAULT_MODEL, help="ONNX file to write (card: same stem .md)")
    a("--work", type=Path, default=Path("out/detector"), help="cache and checkpoint folder")
    a("--seed", type=int, default=0, help="seed of subjects, poses, augmentation and weights")
    a("--subjects", type=int, default=400, help="training subjects")
    a("--frames", type=int, default=60, help="rendered frames per training subject")
    a("--render-size", type=int, default=128, help="px of the cached renders")
    a("--steps", type=int, default=10000, help="optimiser steps")
    a("--batch", type=int, default=64)
    a("--lr", type=float, default=2e-3)
    a("--size", type=int, default=64, help="network input px")
    a("--width", type=int, default=16, help="channels of the first stage")
    a("--head", choices=("regression", "hybrid"), default="hybrid")
    a("--threads", type=int, default=1,
      help="torch threads (1: the shipped model's setting; seeded, deterministic)")
    a("--holdout-subjects", type=int, default=40, help="held-out subjects for the card")
    a("--holdout-frames", type=int, default=10)
    a("--no-progress", action="store_true", help="no progress bars")


def detector_loss(
    points: torch.Tensor, raw: torch.Tensor, batch: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, dict[str, float]]:
    """L1 point errors in eye widths, radius error, and BCE of the two confidences."""
    target = batch["points"]
    width = (target[:, 18] - target[:, 6]).norm(dim=-1).clamp(min=0.05)
    eye = (batch["present"] > 0.3).float()
    pupil_seen = (batch["visible"] > 0.3).float()

    def masked(err: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return (err * mask).sum() / mask.sum().clamp(min=1.0)

    lm = masked((points[:, :24] - target[:, :24]).abs().sum(-1).mean(-1) / width, eye)
    pupil = masked((points[:, 24] - target[:, 24]).abs().sum(-1) / width, pupil_seen)
    radius = masked((F.softplus(raw[:, 2]) - batch["radius"]).abs() / width, pupil_seen)
    bce = F.binary_cross_entropy_with_logits(raw[:, 0], batch["present"]) + \
        F.binary_cross_entropy_with_logits(raw[:, 1], batch["visible"])
    total = lm + 2.0 * pupil + radius + 0.1 * bce
    return total, {"lm": lm.item(), "pupil": pupil.item(), "bce": bce.item()}


def renderer_version() -> str:
    """A short hash of the synth sources: a changed renderer never reuses an old cache."""
    digest = hashlib.sha1()
    for path in sorted((Path(__file__).resolve().parents[1] / "synth").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def cached_samples(args: argparse.Namespace) -> EyeSamples:
    """The training renders, from the work folder if an identical cache exists."""
    name = (f"train_s{args.seed}_n{args.subjects}_f{args.frames}_r{args.render_size}_"
            f"e{SMALL_EYE_SHARE}_{renderer_version()}.npz")
    path = args.work / name
    if path.is_file():
        return EyeSamples.load(path)
    samples = render_samples(args.seed, range(args.subjects), args.frames, args.render_size,
                             progress=not args.no_progress, small_eye_share=SMALL_EYE_SHARE)
    args.work.mkdir(parents=True, exist_ok=True)
    samples.save(path)
    return samples


def learning_rate(step: int, steps: int, peak: float) -> float:
    """Linear warm-up over 3% of the steps, then cosine decay to zero."""
    warm = max(1, steps // 33)
    if step < warm:
        return peak * (step + 1) / warm
    return 0.5 * peak * (1.0 + math.cos(math.pi * (step - warm) / max(1, steps - warm)))


def train(model: EyeFeatureNet, samples: EyeSamples, args: argparse.Namespace) -> list[dict]:
    """Optimise ``model`` for ``args.steps`` steps; returns a short loss history."""
    rng = np.random.default_rng([args.seed, 1])
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    history, running = [], {}
    bar = tqdm(range(args.steps), desc="train detector", disable=args.no_progress)
    model.train()
    for step in bar:
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(step, args.steps, args.lr)
        batch = make_batch(samples, args.batch, args.size, rng)
        points, raw = model.heads(batch["image"])
        loss, parts = detector_loss(points, raw, batch)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        running = {k: 0.98 * running.get(k, v) + 0.02 * v for k, v in parts.items()}
        if step % 50 == 0 or step == args.steps - 1:
            bar.set_postfix({k: f"{v:.4f}" for k, v in running.items()})
            history.append({"step": step, **running})
    model.eval()
    return history


def export_checked(model: EyeFeatureNet, samples: EyeSamples, args: argparse.Namespace) -> float:
    """Export to ``args.out`` and return the PyTorch/onnxruntime max difference."""
    batch = make_batch(samples, 16, args.size, np.random.default_rng([args.seed, 2]))
    meta = {"config": json.dumps(model.config.as_dict()), "seed": str(args.seed)}
    export_onnx(model, args.out, batch["image"][:1], "image", ["points", "scores"], meta)
    diff = check_parity(model, args.out, batch["image"])
    if diff > PARITY_TOLERANCE:
        raise RuntimeError(f"ONNX output differs from PyTorch by {diff:.2e} > {PARITY_TOLERANCE}")
    return diff


def run(args: argparse.Namespace) -> int:
    """Render, train, export, check, evaluate and write the model card."""
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    samples = cached_samples(args)
    model = EyeFeatureNet(NetConfig(size=args.size, width=args.width, head=args.head))
    history = train(model, samples, args)
    args.work.mkdir(parents=True, exist_ok=True)
    torch.save({"config": model.config.as_dict(), "state": model.state_dict()},
               args.work / "detector.pt")
    diff = export_checked(model, samples, args)
    train_minutes = (time.perf_counter() - start) / 60.0
    holdout = render_samples(HOLDOUT_STREAM, range(args.holdout_subjects), args.holdout_frames,
                             200, progress=False)
    detector = EyeFeatureDetector(args.out)
    metrics = evaluate_synthetic(detector, holdout)
    report = {"args": {k: str(v) for k, v in vars(args).items()}, "parity_max_abs": diff,
              "renderer_version": renderer_version(),
              "train_minutes": train_minutes, "holdout": metrics, "history": history[-5:]}
    (args.work / "train_report.json").write_text(json.dumps(report, indent=2))
    write_model_card(args.out.with_suffix(".md"), model, args, report)
    print(json.dumps({"parity_max_abs": diff, "train_minutes": round(train_minutes, 1),
                      **metrics}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``make models``)."""
    parser = argparse.ArgumentParser(prog="train-detector", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
