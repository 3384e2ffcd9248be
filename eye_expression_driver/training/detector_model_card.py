"""The eye feature model's card: what it was trained on, its input, accuracy and speed.

Written by the training run from its own measurements, so the card can never describe a
different model than the file beside it. Real-eye figures come from the benchmark
(``benchmarks/bench_detector.py --card``), which replaces the section marked below.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from eye_expression_driver.vision.eye_features import EyeFeatureDetector

from .detector_model import EyeFeatureNet

REAL_SECTION = "## Real infrared eyes"


def detect_speed_ms(model_path: Path, sizes: tuple[int, ...] = (200, 400)) -> dict[int, float]:
    """Median ``detect`` time (ms, one thread) on random-texture images of each size."""
    detector = EyeFeatureDetector(model_path, threads=1)
    rng = np.random.default_rng(0)
    out = {}
    for size in sizes:
        image = rng.integers(0, 255, (size, size), dtype=np.uint8)
        for _ in range(20):
            detector.detect(image)
        times = []
        for _ in range(200):
            t = time.perf_counter()
            detector.detect(image)
            times.append(time.perf_counter() - t)
        out[size] = 1e3 * float(np.median(times))
    return out


def write_model_card(path: Path, model: EyeFeatureNet, args: argparse.Namespace,
                     report: dict) -> None:
    """Write the markdown card; keeps an existing real-eye section from the benchmark."""
    onnx_path = path.with_suffix(".onnx")
    m = report["holdout"]
    speed = detect_speed_ms(onnx_path)
    params = sum(p.numel() for p in model.parameters())
    real = ""
    if path.is_file() and REAL_SECTION in path.read_text():
        real = path.read_text().split(REAL_SECTION, 1)[1]
    cfg = model.config
    framing_rows = "\n".join([
        f"| the same, frames with both corners in the image "
        f"({100 * m['corners_in_view_share']:.0f} %) "
        f"| {m['landmark_error_mean_pct_corners_in_view']:.2f} % |",
        f"| the same, close-ups with a corner outside the image "
        f"| {m['landmark_error_mean_pct_corners_cut']:.2f} % |",
    ])
    text = f"""# Eye feature detector (`{onnx_path.name}`)

24 eyelid landmarks, the pupil centre and radius, an eye-present and a pupil-visible
confidence from one grey eye image. Run-time: `eye_expression_driver.vision.eye_features`.

## Model
- Input `image` (N, 1, {cfg.size}, {cfg.size}) float32, any intensity scale: the image is
  letterboxed (bilinear to twice the size, 2x2 area average, replicated borders) and
  standardised inside the graph.
- Outputs `points` (N, 25, 2): 24 landmarks + pupil in units of the input square;
  `scores` (N, 3): P(eye present), P(pupil visible), pupil radius (input-square units).
- Architecture: 8 conv3x3-BN-ReLU layers in 4 stride-2 stages (width {cfg.width}), dense
  regression head; head `{cfg.head}` ({"pupil by soft-argmax heatmap at 1/4 resolution"
  if cfg.head == "hybrid" else "all points regressed"}). {params:,} parameters,
  {onnx_path.stat().st_size / 1e6:.2f} MB, opset 18, one file.
- Run-time pupil refinement: dark-blob fit at source resolution (`vision/pupil_refine.py`).

## Training data
Only images the package renders itself (`synth.renderer.EyeRenderer`, sources hash
`{report["renderer_version"]}`): {args.subjects} random subjects (the renderer's headset
framings, close-ups that overflow the image included; 40 % redrawn with the eye at 0.4-0.9
of the image width) x {args.frames} random poses (closed, half-closed, open and wide eyes,
gaze +-32 deg yaw, +-25 deg pitch, pupil sizes, glasses reflections, motion blur), rendered
at {args.render_size} px. Augmentation: zoom (half around the source framing, half any
framing; eye 0.3-1.8 of the input width; crops that cut the eye off), rotation, aspect,
shift, letterbox bands, a brighter sclera (visible-light look), brows, extra glints, lash strokes
and occluders, gamma, illumination gradients, blur, resolution loss, noise, JPEG; 8 %
eye-free inputs. Seed {args.seed}, {args.steps} steps of {args.batch},
AdamW lr {args.lr} with cosine decay.
Training took {report["train_minutes"]:.1f} min with {args.threads} CPU thread(s) (shared machine).

## Accuracy on held-out synthetic subjects
{m["frames"]} frames of {args.holdout_subjects} subjects never used in training, 200x200,
measured through the run-time detector (ONNX + refinement):

| figure | value |
|---|---|
| landmark error, mean point distance / eye width | {m["landmark_error_mean_pct"]:.2f} % |
{framing_rows}
| pupil centre error, median / eye width (open eyes) | {m["pupil_error_median_pct"]:.2f} % |
| pupil centre error, 90th percentile / eye width | {m["pupil_error_p90_pct"]:.2f} % |
| eyelid distance, mean absolute error | {m["eyelid_distance_error_mean"]:.4f} |
| pupil confidence: open / closed eyes (mean) | {m["pupil_confidence_open_mean"]:.2f} / \
{m["pupil_confidence_closed_mean"]:.2f} |
| eyelid distance of closed eyes (mean) | {m["eyelid_distance_closed_mean"]:.3f} |

ONNX vs PyTorch max abs difference: {report["parity_max_abs"]:.1e}.

## Speed
Median `detect()` per image on one thread (pre-processing, inference, refinement):
{", ".join(f"{s}x{s}: {t:.2f} ms" for s, t in speed.items())} (measured at training time on
the training machine; `benchmarks/bench_detector.py` measures on yours).

{REAL_SECTION}{real or '''
Not measured yet: run `benchmarks/bench_detector.py --realeye DIR --card` .
'''}"""
    path.write_text(text)
