"""Speed, latency and memory of eye_expression_driver: one table, one JSON file.

    python benchmarks/run_all.py [--quick] [--realeye DIR] [--json out/bench/bench.json]

1. Per stage on one core, median and p99 per eye image (bench_stages): decode, detector,
   coefficient method, binocular step, learned model, node glue.
2. Side by side on the same images: Pupil Labs' Detector2D vs our detector (bench_detector's
   speed part), when ``pupil-detectors`` is installed (benchmark only:
   ``pip install --no-deps pupil-detectors cysignals``).
3. End to end over real DDS (bench_graph): the graph as node processes, two eye streams at
   each rate for --seconds, latency from image publish to FaceExpression received, drops,
   CPU % and peak RSS of every process.
4. Soak: --soak-frames frame pairs (two eye images each) through the same graph, RSS growth
   of every process after --soak-skip seconds of warm-up.
Targets (two-core machine, 2 x 200 Hz) are printed beside the figures with the
machine's core count and load average, which say how far the figures can be trusted.
Without a shipped model, an untrained network of the shipped architecture is exported
(needs torch) so speed can still be measured; the table says so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))

import bench_graph  # noqa: E402
import bench_stages  # noqa: E402
from proc_stats import machine  # noqa: E402

from eye_expression_driver.core.names import EYES  # noqa: E402
from eye_expression_driver.vision.tracker_backends import BACKENDS  # noqa: E402

TARGETS = {"p50_ms": 3.0, "p99_ms": 10.0, "drops": 0, "rss_mb": 250.0, "growth_mb": 10.0,
           "at_rate_hz": 200.0}


# --- models -----------------------------------------------------------------------------


def untrained_model(kind: str, folder: Path) -> Path:
    """An untrained network of the shipped architecture as ONNX (speed only)."""
    import torch

    from eye_expression_driver.training.onnx_export import export_onnx

    if kind == "detector":
        from eye_expression_driver.training.detector_model import EyeFeatureNet

        net, outputs = EyeFeatureNet(), ["points", "scores"]
    else:
        from eye_expression_driver.training.coefficient_net import CoefficientNet

        net, outputs = CoefficientNet(), ["coefficients", "confidence"]
    size = net.config.size
    path = folder / f"untrained_{kind}.onnx"
    export_onnx(net, path, torch.rand(1, 1, size, size) * 255, "image", outputs)
    return path


def resolve_model(given: Path | None, shipped: Path, kind: str, folder: Path
                  ) -> tuple[Path | None, str]:
    """(model file, how it was chosen) for the detector or the learned model."""
    if given is not None:
        return given, "given"
    if shipped.is_file():
        return shipped, "shipped"
    try:
        return untrained_model(kind, folder), "UNTRAINED stand-in (no shipped model yet)"
    except ImportError as exc:
        return None, f"none (no shipped model and no torch for a stand-in: {exc})"


# --- the parts ----------------------------------------------------------------------------


def side_by_side(model: Path, realeye: Path | None, repeats: int, core: int) -> dict:
    """bench_detector's speed comparison (ours vs Detector2D) on the same images."""
    import bench_detector

    if bench_detector.detector2d() is None:
        return {"skipped": "pupil-detectors not installed (benchmark only: "
                           "pip install --no-deps pupil-detectors cysignals)"}
    with bench_stages.one_core(core):
        speed = bench_detector.bench_speed(model, realeye, repeats)
    return {"images": "real PupilEye (realeye)" if realeye else "rendered synthetic eyes",
            "sizes": speed}


def graph_phases(args: argparse.Namespace) -> tuple[list, object]:
    phases = [bench_graph.Phase("warm-up", 120.0, round(120 * args.warmup), judged=False)]
    phases += [bench_graph.Phase(f"{rate:g} Hz", rate, round(rate * args.seconds))
               for rate in args.rates]
    soak = None
    if args.soak_frames > 0:
        soak = bench_graph.Phase("soak", args.soak_rate, args.soak_frames)
    return phases, soak


# --- the table ------------------------------------------------------------------------


def mark(ok: bool | None) -> str:
    return "" if ok is None else (" ok" if ok else " MISSED")


def fmt(value, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(report: dict) -> str:
    lines = []
    m0, m1 = report["machine"], report.get("machine_at_end", report["machine"])
    lines.append(f"eye_expression_driver benchmark: {m0['cores']} cores; load average "
                 f"{m0['load_average_1_5_15']} at start, {m1['load_average_1_5_15']} at end "
                 "(above ~0.5 per core the figures are pessimistic)")
    lines.append(f"detector model: {report['models']['detector']}; learned model: "
                 f"{report['models']['learned']}")
    stages = report.get("stages")
    if stages:
        lines.append(f"\nper stage, one core (core {report['options']['core']}), ms per call; "
                     "wall (with preemption) and this thread's CPU time")
        lines.append(f"  {'':54s}{'median':>8}{'p99':>8}{'CPU p50':>8}{'CPU p99':>8}"
                     f"{'CPU max':>8}")
        for name, row in stages.items():
            lines.append(f"  {name:54s}{row['median_ms']:>8.3f}{row['p99_ms']:>8.3f}"
                         f"{row['cpu_median_ms']:>8.3f}{row['cpu_p99_ms']:>8.3f}"
                         f"{row['cpu_max_ms']:>8.2f}")
    sbs = report.get("side_by_side")
    if sbs:
        if "skipped" in sbs:
            lines.append(f"\nside by side with Detector2D: skipped, {sbs['skipped']}")
        else:
            lines.append(f"\nside by side, same images ({sbs['images']}), median ms per image")
            lines.append(f"  {'size':>8}{'ours':>9}{'Detector2D':>12}{'D2D / ours':>12}")
            for size, row in sbs["sizes"].items():
                lines.append(f"  {size + ' px':>8}{row['detect_ms']:>9.3f}"
                             f"{fmt(row.get('detector2d_ms'), 3):>12}"
                             f"{fmt(row.get('detector2d_over_ours')):>12}")
    graph = report.get("graph")
    if graph:
        lines += graph_table(graph)
    return "\n".join(lines)


def graph_table(graph: dict) -> list[str]:
    phases = {k: v for k, v in graph["phases"].items() if k != "soak"}
    if not phases:
        return [f"\nend to end: {graph.get('error', 'no phase ran')}"]
    names = list(phases)
    target_phase = phases.get(f"{TARGETS['at_rate_hz']:g} Hz")
    composed = ("coefficient node + bridge composed" if graph.get("composed")
                else "coefficient node and bridge separate")
    lines = [f"\nend to end over DDS, 2 eye streams ({graph['frame_size']} px mono8), nodes "
             f"{graph['node_variant']}, {composed}, {graph.get('backend', 'geometric')} "
             "backend"
             + (f", SCHED_FIFO {graph['sched_fifo_priority']}"
                if graph.get("sched_fifo_priority") else ""),
             f"  {'':44s}" + "".join(f"{n:>12}" for n in names) + "   target at 200 Hz"]

    def row(label: str, get, target: str = "", ok=None, digits: int = 2) -> None:
        values = [fmt(get(phases[n]), digits) for n in names]
        check = mark(ok(target_phase)) if ok and target_phase else ""
        lines.append(f"  {label:44s}" + "".join(f"{v:>12}" for v in values)
                     + (f"   {target}{check}" if target else ""))

    lat = lambda key: lambda p: p["latency_ms"].get(key)  # noqa: E731
    row("pairs published", lambda p: p["pairs_published"])
    row("achieved camera rate (Hz)", lambda p: p["achieved_rate_hz"], digits=1)
    row("latency p50 (ms)", lat("p50"), f"<= {TARGETS['p50_ms']:g}",
        lambda p: p["latency_ms"].get("p50", 1e9) <= TARGETS["p50_ms"])
    row("latency p95 (ms)", lat("p95"))
    row("latency p99 (ms)", lat("p99"), f"<= {TARGETS['p99_ms']:g}",
        lambda p: p["latency_ms"].get("p99", 1e9) <= TARGETS["p99_ms"])
    row("latency max (ms)", lat("max"))
    row("pairs without FaceExpression (dropped)", lambda p: p["pairs_without_face"], "0",
        lambda p: p["pairs_without_face"] == 0)
    for side in EYES:
        label = f"{side}/eye_tracker"
        row(f"  {side} images lost before the tracker (DDS)",
            lambda p, s=label: p["pairs_published"] - p["nodes"][s]["images in"])
        row(f"  {side} tracker drops (newest frame wins)",
            lambda p, s=label: p["nodes"][s]["dropped"])
    row("  coefficient node unpaired drops",
        lambda p: p["nodes"]["coefficient_node"]["unpaired dropped"])
    processes = list(next(iter(phases.values()))["processes"])
    for name in processes:
        row(f"CPU % {name}", lambda p, n=name: p["processes"].get(n, {}).get("cpu_percent"),
            digits=0)
    for name in processes:
        if "(bench)" in name:
            continue
        row(f"peak RSS MB {name}", lambda p, n=name: p["processes"][n].get("rss_peak_mb"),
            f"<= {TARGETS['rss_mb']:g}",
            lambda p, n=name: (p["processes"][n].get("rss_peak_mb") or 0) <= TARGETS["rss_mb"],
            digits=0)
    if target_phase and "hops_ms" in target_phase:
        lines.append("  where the time goes at 200 Hz (ms, p50 / p99 over pairs that made it):")
        for hop, stats in target_phase["hops_ms"].items():
            if stats:
                lines.append(f"    {hop:52s}{stats['p50']:>8.2f} /{stats['p99']:>7.2f}")
        lost = target_phase.get("lost_at", {})
        if lost:
            lines.append("  pairs lost at: " + ", ".join(f"{k} {v}" for k, v in lost.items()))
    soak = graph["phases"].get("soak")
    if soak:
        lines.append(f"\nsoak: {soak['pairs_published']} pairs ({2 * soak['pairs_published']} "
                     f"eye images) at {soak['rate_hz']:g} Hz; latency p50 "
                     f"{fmt(soak['latency_ms'].get('p50'))} p99 "
                     f"{fmt(soak['latency_ms'].get('p99'))} ms; "
                     f"{soak['pairs_without_face']} pairs without FaceExpression")
        lines.append(f"  RSS after warm-up -> at the end (MB), growth (target < "
                     f"{TARGETS['growth_mb']:g} MB):")
        for name, g in soak["rss_growth"].items():
            ok = g["growth_mb"] < TARGETS["growth_mb"] if "(bench)" not in name else None
            lines.append(f"    {name:36s}{g['first_mb']:>8.1f} ->{g['last_mb']:>8.1f}"
                         f"{g['growth_mb']:>+8.1f}{mark(ok)}")
    return lines


# --- main ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=REPO / "out" / "bench" / "bench.json")
    parser.add_argument("--quick", action="store_true",
                        help="a short run to try the harness (5 s per rate, 2000-pair soak)")
    parser.add_argument("--seconds", type=float, default=30.0, help="per rate")
    parser.add_argument("--rates", type=float, nargs="+", default=[120.0, 200.0],
                        help="frame pairs per second (each pair = one image per eye)")
    parser.add_argument("--warmup", type=float, default=5.0, help="s at 120 Hz, not judged")
    parser.add_argument("--soak-frames", type=int, default=100_000,
                        help="frame pairs for the soak (0: no soak)")
    parser.add_argument("--soak-rate", type=float, default=200.0)
    parser.add_argument("--soak-skip", type=float, default=30.0,
                        help="s of the soak treated as warm-up for the RSS growth")
    parser.add_argument("--size", type=int, default=200, help="eye image side, px")
    parser.add_argument("--runs", type=int, default=3000, help="calls per stage")
    parser.add_argument("--core", type=int, default=0, help="core for the per-stage part")
    parser.add_argument("--realeye", type=Path, help="real eye images for the side by side "
                        "(evaluation only; read in place)")
    parser.add_argument("--model", type=Path, help="detector ONNX (default: the shipped one)")
    parser.add_argument("--backend", choices=BACKENDS, default="geometric",
                        help="the trackers' backend in the end-to-end part")
    parser.add_argument("--learned-model", type=Path,
                        help="coefficient model ONNX (default: the shipped one)")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["stages", "side-by-side", "graph"], help="parts to leave out")
    parser.add_argument("--executor", choices=("single", "events", "multi"),
                        help="start the nodes with this executor (node_variant.py) to "
                        "measure a fix; default: exactly as eye-expression run")
    parser.add_argument("--switch-interval", type=float,
                        help="sys.setswitchinterval for the nodes (node_variant.py)")
    parser.add_argument("--separate", action="store_true",
                        help="coefficient node and avatar bridge in a process each (default: "
                        "composed, as eye-expression run starts them)")
    parser.add_argument("--fifo", type=int, metavar="PRIORITY",
                        help="run the graph part (nodes, camera, receiver) under SCHED_FIFO "
                        "(needs root): shields it from other load on a shared machine")
    parser.add_argument("--hops", action="store_true",
                        help="also subscribe to every observation and the coefficients for a "
                        "per-hop breakdown; a second subscriber costs each tracker about "
                        "0.1 ms per publish and the receiver CPU, so the judged figures are "
                        "taken without it (as a user's graph runs: one face consumer)")
    parser.add_argument("--profile", type=Path,
                        help="py-spy every node during each rate (if py-spy is installed)")
    parser.add_argument("--domain", type=int, help="ROS_DOMAIN_ID (default: from the pid)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup, args.runs = min(args.seconds, 5.0), 2.0, 300
        args.soak_frames, args.soak_skip = min(args.soak_frames, 2000), 3.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from eye_expression_driver.vision.coefficient_model import DEFAULT_MODEL as LEARNED
    from eye_expression_driver.vision.eye_features import DEFAULT_MODEL as DETECTOR

    out_dir = args.json.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    model, model_note = resolve_model(args.model, DETECTOR, "detector", out_dir)
    learned, learned_note = resolve_model(args.learned_model, LEARNED, "learned", out_dir)
    report: dict = {
        "machine": machine(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "models": {"detector": f"{model} ({model_note})",
                   "learned": f"{learned} ({learned_note})"},
        "targets": TARGETS,
    }
    if model is None:
        print(f"no detector model: {model_note}", file=sys.stderr)
        return 2
    if "stages" not in args.skip:
        print("per-stage times ...", flush=True)
        report["stages"] = bench_stages.run(model, learned, args.runs, args.core)
    if "side-by-side" not in args.skip:
        print("side by side with Detector2D ...", flush=True)
        report["side_by_side"] = side_by_side(model, args.realeye, 1 if args.quick else 3,
                                              args.core)
    if "graph" not in args.skip:
        print("end to end over DDS ...", flush=True)
        phases, soak = graph_phases(args)
        variant = []
        if args.executor:
            variant += ["--executor", args.executor]
        if args.switch_interval:
            variant += ["--switch-interval", str(args.switch_interval)]
        try:
            report["graph"] = bench_graph.run(
                phases, out_dir, model, args.size, args.domain, hops=args.hops,
                soak=soak, soak_skip=args.soak_skip, profile=args.profile,
                variant=variant or None, separate=args.separate, fifo=args.fifo,
                learned=learned if args.backend == "learned" else None)
        except (RuntimeError, PermissionError) as exc:
            report["graph"] = {"error": str(exc), "phases": {}}
            print(f"end to end failed: {exc}", file=sys.stderr)
    report["machine_at_end"] = machine()
    report["seconds"] = time.monotonic() - started
    text = table(report)
    print("\n" + text)
    args.json.write_text(json.dumps(report, indent=2, default=str))
    with contextlib.suppress(OSError):
        args.json.with_suffix(".txt").write_text(text + "\n")
    print(f"\nwrote {args.json} ({report['seconds']:.0f} s)")
    return 1 if "error" in report.get("graph", {}) else 0


if __name__ == "__main__":
    raise SystemExit(main())
