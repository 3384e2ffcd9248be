"""Accuracy and speed of the eye feature detector, side by side with Detector2D.

    python benchmarks/bench_detector.py --realeye DIR [--card] [--json OUT]

Measures, with the shipped model unless --model is given:
* held-out synthetic subjects: landmark error / eye width, pupil error / eye width;
* real infrared eyes (inp_itmo/PupilEye): pupil centre error in px against the mask
  centroid, median and share within 5 px, with and without the sub-pixel refinement, and
  Pupil Labs' ``pupil_detectors.Detector2D`` on the same images (if installed);
* real open/closed eyes (cew_eye_patches/train): ROC AUC of the normalised eyelid distance;
* speed: median ``detect`` per image by image size, and Detector2D on the same images.
Prints a table and writes JSON. The real-eye data is read in place and never copied.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from eye_expression_driver.media.image_decode import decode_image  # noqa: E402
from eye_expression_driver.training.detector_data import (  # noqa: E402
    HOLDOUT_STREAM,
    render_samples,
)
from eye_expression_driver.training.detector_eval import evaluate_synthetic  # noqa: E402
from eye_expression_driver.training.detector_model_card import REAL_SECTION  # noqa: E402
from eye_expression_driver.vision.eye_features import (  # noqa: E402
    DEFAULT_MODEL,
    EyeFeatureDetector,
)

SPEED_SIZES = (64, 100, 200, 320, 400)


def detector2d():
    """Pupil Labs' 2D detector, or None when pupil-detectors is not installed."""
    try:
        from pupil_detectors import Detector2D
    except ImportError:
        return None
    return Detector2D()


def pupil_eye_pairs(root: Path, limit: int | None) -> list[tuple[Path, Path]]:
    """(image, mask) pairs of inp_itmo/PupilEye, sorted, optionally every k-th for --limit."""
    folder = root / "inp_itmo" / "PupilEye"
    images = sorted(p for p in folder.glob("*.png") if not p.stem.endswith("m"))
    pairs = [(p, p.with_name(p.stem + "m.png")) for p in images]
    pairs = [pair for pair in pairs if pair[1].is_file()]
    if limit and len(pairs) > limit:
        pairs = pairs[:: len(pairs) // limit][:limit]
    return pairs


def timed(fn, *args, **kwargs):
    """(result, seconds) of one call."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def error_stats(errors: list[float], times: list[float]) -> dict[str, float]:
    """Median/mean error, share within 5 px and median time of one method."""
    e = np.asarray(errors)
    return {"median_px": float(np.median(e)), "mean_px": float(np.mean(e)),
            "within_5px": float(np.mean(e <= 5.0)), "p90_px": float(np.percentile(e, 90)),
            "median_ms": 1e3 * float(np.median(times))}


def bench_pupil_eye(model: Path, root: Path, limit: int | None) -> dict:
    """Pupil centre error against the mask centroid, ours (+/- refinement) and Detector2D."""
    ours = {True: EyeFeatureDetector(model, refine=True),
            False: EyeFeatureDetector(model, refine=False)}
    pl = detector2d()
    results = {name: ([], []) for name in ("ours", "ours_no_refine", "detector2d")}
    subjects = {}
    for image_path, mask_path in pupil_eye_pairs(root, limit):
        image = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE) > 127
        ys, xs = np.nonzero(mask)
        truth = np.array([xs.mean(), ys.mean()])
        eye = "right" if "_Right_" in image_path.name else "left"
        for refine, name in ((True, "ours"), (False, "ours_no_refine")):
            found, dt = timed(ours[refine].detect, image, eye=eye)
            results[name][0].append(float(np.linalg.norm(found.pupil - truth)))
            results[name][1].append(dt)
            if refine:
                subj = image_path.name.split("_")[0]
                subjects.setdefault(subj, []).append(results[name][0][-1])
        if pl is not None:
            found, dt = timed(pl.detect, image)
            centre = np.array(found["ellipse"]["center"])
            results["detector2d"][0].append(float(np.linalg.norm(centre - truth)))
            results["detector2d"][1].append(dt)
    out = {name: error_stats(*vals) for name, vals in results.items() if vals[0]}
    out["images"] = len(results["ours"][0])
    out["ours_median_px_by_subject"] = {k: float(np.median(v)) for k, v in subjects.items()}
    return out


def roc_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    pos, neg = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


def bench_cew(model: Path, root: Path, limit: int | None) -> dict:
    """How well the eyelid distance (and pupil confidence) separates open from closed eyes."""
    detector = EyeFeatureDetector(model)
    values: dict[str, dict[str, list[float]]] = {}
    for label in ("open", "closed"):
        files = sorted((root / "cew_eye_patches" / "train" / label).glob("*.jpg"))
        if limit:
            files = files[:limit]
        lids, pupils = [], []
        for f in files:
            image = cv2.imread(str(f), cv2.IMREAD_GRAYSCALE)
            up = cv2.resize(image, (96, 96), interpolation=cv2.INTER_CUBIC)
            found = detector.detect(up, eye="right" if f.stem.endswith("_R") else "left")
            lids.append(found.eyelid_distance)
            pupils.append(found.pupil_confidence)
        values[label] = {"lid": lids, "pupil": pupils}
    lid_open, lid_closed = np.nan_to_num(values["open"]["lid"]), np.nan_to_num(
        values["closed"]["lid"])
    return {
        "images_open": len(lid_open), "images_closed": len(lid_closed),
        "auc_eyelid_distance": roc_auc(lid_open, lid_closed),
        "auc_pupil_confidence": roc_auc(values["open"]["pupil"], values["closed"]["pupil"]),
        "eyelid_distance_open_median": float(np.median(lid_open)),
        "eyelid_distance_closed_median": float(np.median(lid_closed)),
    }


def speed_images(root: Path | None) -> list[np.ndarray]:
    """Real eye images when available (refinement then does real work), else renders."""
    if root is not None:
        pairs = pupil_eye_pairs(root, 20)
        return [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p, _ in pairs]
    samples = render_samples(HOLDOUT_STREAM, range(5), 4, 200, progress=False)
    return list(samples.images)


def time_each(fn, items: list, repeats: int) -> list[float]:
    """Seconds of fn(item) for every item, ``repeats`` passes after one warm-up pass."""
    for item in items:
        fn(item)
    return [timed(fn, item)[1] for _ in range(repeats) for item in items]


def bench_speed(model: Path, root: Path | None, repeats: int) -> dict:
    """Median per-image times by size: detect on an array, PNG decode, and Detector2D."""
    detector = EyeFeatureDetector(model, threads=1)
    pl = detector2d()
    base = speed_images(root)
    out = {}
    for size in SPEED_SIZES:
        images = [cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA if size < 200
                             else cv2.INTER_LINEAR) for im in base]
        pngs = [cv2.imencode(".png", im)[1] for im in images]
        # Each method in its own loop, as each runs alone in an eye's process.
        ours = time_each(detector.detect, images, repeats)
        decode = time_each(lambda png: cv2.imdecode(png, cv2.IMREAD_UNCHANGED), pngs, repeats)
        raws = [(im.shape[1], im.shape[0], im.tobytes()) for im in images]
        raw = time_each(lambda r: decode_image("mono8", r[0], r[1], r[0], False, r[2]), raws,
                        repeats)
        theirs = time_each(pl.detect, images, repeats) if pl is not None else []
        row = {"detect_ms": 1e3 * float(np.median(ours)),
               "raw_decode_ms": 1e3 * float(np.median(raw)),
               "png_decode_ms": 1e3 * float(np.median(decode))}
        if theirs:
            row["detector2d_ms"] = 1e3 * float(np.median(theirs))
            row["detector2d_over_ours"] = row["detector2d_ms"] / row["detect_ms"]
        out[str(size)] = row
    return out


def print_table(report: dict) -> None:
    """The headline figures, one line each."""
    syn = report.get("synthetic", {})
    if syn:
        print(f"synthetic held-out ({syn['frames']} frames): landmark error "
              f"{syn['landmark_error_mean_pct']:.2f} % of eye width (target <= 3), pupil median "
              f"{syn['pupil_error_median_pct']:.2f} % (target <= 1); without refinement "
              f"{report['synthetic_no_refine']['pupil_error_median_pct']:.2f} %")
    real = report.get("pupil_eye")
    if real:
        print(f"\nreal PupilEye ({real['images']} images, 200x200): pupil centre vs mask centroid")
        print(f"{'method':<16}{'median px':>10}{'mean px':>9}{'p90 px':>8}{'<=5px':>7}{'ms':>7}")
        for name in ("ours", "ours_no_refine", "detector2d"):
            if name in real:
                r = real[name]
                print(f"{name:<16}{r['median_px']:>10.2f}{r['mean_px']:>9.2f}{r['p90_px']:>8.2f}"
                      f"{100 * r['within_5px']:>6.1f}%{r['median_ms']:>7.3f}")
    cew = report.get("cew")
    if cew:
        print(f"\nCEW open/closed ({cew['images_open']}/{cew['images_closed']}): ROC AUC eyelid "
              f"distance {cew['auc_eyelid_distance']:.3f} (target >= 0.95), pupil confidence "
              f"{cew['auc_pupil_confidence']:.3f}")
    print("\nspeed, median ms per image, one core (raw: a camera frame's mono8 buffer)")
    print(f"{'size':>6}{'detect':>9}{'raw decode':>12}{'png decode':>12}{'Detector2D':>12}"
          f"{'ratio':>7}")
    for size, r in report["speed"].items():
        print(f"{size:>6}{r['detect_ms']:>9.3f}{r['raw_decode_ms']:>12.3f}"
              f"{r['png_decode_ms']:>12.3f}"
              f"{r.get('detector2d_ms', float('nan')):>12.3f}"
              f"{r.get('detector2d_over_ours', float('nan')):>7.2f}")


def card_section(report: dict, command: str) -> str:
    """The real-eye section of the model card."""
    real, cew = report.get("pupil_eye", {}), report.get("cew", {})
    lines = [f"\nMeasured with `{command}`.\n"]
    if real:
        lines.append(f"inp_itmo PupilEye ({real['images']} 200x200 NIR images, 10 subjects), "
                     "pupil centre error against the mask centroid:\n")
        lines.append("| method | median px | within 5 px | median ms (in turn with the others) |")
        lines.append("|---|---|---|---|")
        for name in ("ours", "ours_no_refine", "detector2d"):
            if name in real:
                r = real[name]
                lines.append(f"| {name} | {r['median_px']:.2f} | {100 * r['within_5px']:.1f} % |"
                             f" {r['median_ms']:.3f} |")
    speed = report.get("speed", {})
    if speed:
        lines.append("\nSpeed, median ms per image on one core (real eye images resized; raw: "
                     "decoding a camera's mono8 buffer):\n")
        lines.append("| size | detect | raw decode | PNG decode | Detector2D |")
        lines.append("|---|---|---|---|---|")
        for size, r in speed.items():
            lines.append(f"| {size} | {r['detect_ms']:.3f} | {r['raw_decode_ms']:.3f} | "
                         f"{r['png_decode_ms']:.3f} | {r.get('detector2d_ms', float('nan')):.3f} |")
    if cew:
        lines.append(f"\nCEW eye patches (24x24 visible light, upsampled): ROC AUC of the eyelid "
                     f"distance open vs closed {cew['auc_eyelid_distance']:.3f}, of the pupil "
                     f"confidence {cew['auc_pupil_confidence']:.3f}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realeye", type=Path, help="the realeye folder (inp_itmo, cew_...)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--json", type=Path, default=REPO / "out" / "bench_detector.json")
    parser.add_argument("--limit", type=int, help="at most this many real images per set")
    parser.add_argument("--holdout-subjects", type=int, default=40)
    parser.add_argument("--holdout-frames", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5, help="speed: passes over the images")
    parser.add_argument("--card", action="store_true", help="write real-eye figures to the card")
    args = parser.parse_args(argv)
    holdout = render_samples(HOLDOUT_STREAM, range(args.holdout_subjects), args.holdout_frames,
                             200, progress=False)
    report = {"model": str(args.model),
              "synthetic": evaluate_synthetic(EyeFeatureDetector(args.model), holdout),
              "synthetic_no_refine": evaluate_synthetic(
                  EyeFeatureDetector(args.model, refine=False), holdout)}
    if args.realeye:
        report["pupil_eye"] = bench_pupil_eye(args.model, args.realeye, args.limit)
        report["cew"] = bench_cew(args.model, args.realeye, args.limit)
    report["speed"] = bench_speed(args.model, args.realeye, args.repeats)
    print_table(report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.json}")
    if args.card and args.realeye:
        card = args.model.with_suffix(".md")
        head = card.read_text().split(REAL_SECTION, 1)[0]
        command = "python benchmarks/bench_detector.py --realeye DIR --card"
        card.write_text(head + REAL_SECTION + card_section(report, command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
