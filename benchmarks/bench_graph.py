"""End to end over real DDS: the graph as node processes, a camera process, a receiver.

The graph is started exactly as ``eye-expression run`` starts it by default (ros.graph's
NodeLaunch list: the trackers and coefficient_bridge, through ros.tools.run.NodeProcess,
parameters from a copy of the package YAML). ``bench_publisher.py`` streams pre-rendered
synthetic pairs at each rate, stamped with the wall clock; this process receives
``face_expression`` (and, for the breakdown, both ``observation`` topics and
``coefficients``) with rclpy's MessageInfo, so every message carries when its writer
sent it and when this process's middleware got it:

* latency = FaceExpression received (middleware) - source image stamp (= publish time);
* per hop: camera -> tracker observation sent, tracker -> coefficients sent, coefficients
  -> face sent, face sent -> received; the tracker's own processing time from its message;
* drops: published pairs without a FaceExpression, and where they were lost (an eye's
  observation missing, a pair without coefficients, coefficients without a face), next to
  the nodes' own counters from /diagnostics (images in, newest-wins drops, unpaired);
* CPU % and RSS of every process from /proc, sampled during each phase.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rclpy
import yaml
from diagnostic_msgs.msg import DiagnosticArray
from eye_expression_driver.msg import EyeCoefficients, EyeObservation, FaceExpression
from proc_stats import ProcessWatch, memory_mb
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile, QoSReliabilityPolicy

from eye_expression_driver.core.names import EYES
from eye_expression_driver.ros.graph import NodeLaunch, graph, ros_args
from eye_expression_driver.ros.paths import package_file
from eye_expression_driver.ros.tools.run import (
    DEFAULT_CONFIG,
    NodeProcess,
    _die_with_parent,
    check_config,
    stop_all,
)
from eye_expression_driver.synth.sequence import generate_sequence

HERE = Path(__file__).resolve().parent
RECEIVER_QOS = QoSProfile(depth=1000, reliability=QoSReliabilityPolicy.RELIABLE)
STATUS = {"left/eye_tracker": "left/eye_tracker: eye tracker",
          "right/eye_tracker": "right/eye_tracker: eye tracker",
          "coefficient_node": "coefficient_node: coefficients",
          "avatar_bridge": "avatar_bridge: avatar bridge"}
NODE_COUNTERS = {  # per node: diagnostics counters whose increase over a phase is reported
    "eye_tracker": ("images in", "observations out", "dropped", "malformed", "internal error",
                    "detector error"),
    "coefficient_node": ("left observations in", "right observations in", "coefficients out",
                         "unpaired dropped", "stamp jumps"),
    "avatar_bridge": ("coefficients in", "face expressions out"),
}


@dataclass(frozen=True)
class Phase:
    name: str
    rate: float  # frame pairs per second
    pairs: int
    judged: bool = True  # False: warm-up, not reported


# --- the graph ----------------------------------------------------------------------


def bench_config(out_dir: Path, model: Path | None, diagnostics_period: float = 1.0,
                 learned: Path | None = None) -> Path:
    """The package YAML with the benchmark's model, no user profile, given diagnostics
    period; ``learned``: the coefficient model for the learned backend."""
    data = yaml.safe_load(package_file(DEFAULT_CONFIG).read_text(encoding="utf-8"))
    for section, body in data.items():
        params = body["ros__parameters"]
        params["diagnostics_period"] = float(diagnostics_period)
        if section.endswith("eye_tracker") and model is not None:
            params["landmark_model"] = str(model)
        if section.endswith("eye_tracker") and learned is not None:
            params["coefficient_model"] = str(learned)  # the backend: Graph(backend=...)
        if section.endswith("coefficient_node"):
            params["load_profile_on_start"] = False
            params["profile_path"] = str(out_dir / "bench_profile.json")
    path = out_dir / "bench_graph.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    problems = check_config(path)
    if problems:
        raise RuntimeError(f"benchmark config {path}: " + "; ".join(problems))
    return path


def render_frames(path: Path, size: int, pairs: int, seed: int = 3) -> Path:
    """Pre-rendered pairs (N, 2, H, W) for the camera process (blinks and saccades)."""
    frames = generate_sequence(seed, pairs / 120.0, 120.0, (size, size))
    stack = np.stack([np.stack([f.left, f.right]) for f in frames])
    np.save(path, stack)
    return path


class Receiver:
    """The graph's outputs, received in this process with MessageInfo timestamps."""

    def __init__(self, domain: int, namespace: str = "", hops: bool = True) -> None:
        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=domain)
        self.node = rclpy.create_node("bench_receiver", namespace=namespace or None,
                                      context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.face: list[tuple[int, int, int, int]] = []  # stamp, rmw rx, source, callback rx
        self.obs: dict[str, list[tuple[int, int, int, float]]] = {s: [] for s in EYES}
        self.coeff: list[tuple[int, int, int]] = []
        self.diagnostics: list[tuple[float, str, dict[str, str]]] = []
        self.subs = [self.node.create_subscription(FaceExpression, "face_expression",
                                                   self._on_face, RECEIVER_QOS)]
        if hops:
            for side in EYES:
                self.subs.append(self.node.create_subscription(
                    EyeObservation, f"{side}/observation",
                    lambda m, i, s=side: self._on_obs(s, m, i), RECEIVER_QOS))
            self.subs.append(self.node.create_subscription(
                EyeCoefficients, "coefficients", self._on_coeff, RECEIVER_QOS))
        self.node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diag,
                                      QoSProfile(depth=100))

    @staticmethod
    def _stamp(msg) -> int:
        return msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec

    def _on_face(self, msg, info) -> None:
        self.face.append((self._stamp(msg), info["received_timestamp"],
                          info["source_timestamp"], time.time_ns()))

    def _on_obs(self, side: str, msg, info) -> None:
        self.obs[side].append((self._stamp(msg), info["received_timestamp"],
                               info["source_timestamp"], msg.processing_time))

    def _on_coeff(self, msg, info) -> None:
        self.coeff.append((self._stamp(msg), info["received_timestamp"],
                           info["source_timestamp"]))

    def _on_diag(self, msg) -> None:
        now = time.monotonic()
        for status in msg.status:
            self.diagnostics.append((now, status.name,
                                     {kv.key: kv.value for kv in status.values}))

    def spin(self, seconds: float, tick=None) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.executor.spin_once(timeout_sec=min(left, 0.05))
            if tick is not None:
                tick()

    def matched(self) -> bool:
        return all(s.get_publisher_count() > 0 for s in self.subs)

    def statuses(self, before: float | None = None) -> dict[str, dict[str, str]]:
        """The latest diagnostics values of each status (received before a time)."""
        out = {}
        for when, name, values in self.diagnostics:
            if before is None or when <= before:
                out[name] = values
        return out

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


def module(node: NodeLaunch) -> str:
    """The Python module a node process runs."""
    return getattr(node, "module", f"eye_expression_driver.ros.{node.executable}")


class VariantProcess(NodeProcess):
    """A node process started through node_variant.py (another executor, switch interval)."""

    def __init__(self, node: NodeLaunch, args: list[str], variant: list[str], out) -> None:
        self.node, self.out = node, out
        command = [sys.executable, "-u", str(HERE / "node_variant.py"), *variant,
                   module(node), *args]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        self._reader = threading.Thread(target=self._forward, daemon=True)
        self._reader.start()


class Graph:
    """The node processes of ``eye-expression run`` with their output in a log file.

    By default exactly what ``eye-expression run`` starts (the coefficient node and the
    avatar bridge composed in one process); ``separate``: those two in a process each (as
    ``--separate``); ``variant``: node_variant.py options (e.g. ["--executor", "single"])
    to measure a change.
    """

    def __init__(self, config: Path, log: Path, namespace: str = "",
                 variant: list[str] | None = None, separate: bool = False,
                 backend: str = "geometric") -> None:
        self.log_path = log
        self._log = log.open("w", encoding="utf-8")
        nodes = graph(namespace, backend, composed=not separate)
        self.processes = [
            VariantProcess(node, ros_args(node, str(config)), variant, self._log) if variant
            else NodeProcess(node, str(config), out=self._log) for node in nodes]

    @property
    def pids(self) -> dict[str, int]:
        return {p.node.label: p.proc.pid for p in self.processes}

    def dead(self) -> list[str]:
        return [p.node.label for p in self.processes if p.proc.poll() is not None]

    def stop(self, timeout: float = 10.0) -> dict[str, int]:
        """SIGINT each node (then TERM, KILL); their exit codes."""
        stop_all(self.processes, timeout)
        codes = {p.node.label: p.finish() for p in self.processes}
        self._log.close()
        return codes


# --- one phase ------------------------------------------------------------------------


def run_phase(phase: Phase, graph_: Graph, receiver: Receiver, frames: Path, work: Path,
              env: dict[str, str], sample_period: float, settle: float,
              namespace: str = "", profile: Path | None = None) -> dict:
    """Stream one phase; the raw material for analyse()."""
    out = work / f"stamps_{phase.name}.npz"
    marker = out.with_suffix(".started")
    for stale in (out, marker):
        stale.unlink(missing_ok=True)
    log = (work / f"publisher_{phase.name}.log").open("w")
    command = [sys.executable, str(HERE / "bench_publisher.py"), str(frames),
               "--rate", str(phase.rate), "--pairs", str(phase.pairs), "--out", str(out),
               "--namespace", namespace]
    publisher = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True, preexec_fn=_die_with_parent)
    watch = ProcessWatch({**graph_.pids, "receiver (bench)": os.getpid()}, sample_period)
    profilers: list[subprocess.Popen] = []
    try:
        while publisher.poll() is None and not marker.exists():
            receiver.spin(0.05)
        before = receiver.statuses()
        watch.start()
        if profile is not None:
            profilers = start_profilers(graph_.pids, profile / phase.name,
                                        0.8 * phase.pairs / phase.rate)
        started = time.monotonic()
        while publisher.poll() is None:
            receiver.spin(0.1, watch.sample)
            if graph_.dead():
                raise RuntimeError(f"node(s) died: {graph_.dead()}; see {graph_.log_path}")
        wall = time.monotonic() - started
        processes = watch.result()
        receiver.spin(settle)
    finally:
        if publisher.poll() is None:
            publisher.send_signal(signal.SIGINT)
            publisher.wait(10)
        for p in profilers:
            p.wait(30)
        log.close()
    if publisher.returncode != 0 or not out.exists():
        raise RuntimeError(f"camera process failed ({publisher.returncode}); see {log.name}")
    sent = np.load(out)
    processes["camera (bench)"] = {"cpu_percent": 100.0 * float(sent["cpu_seconds"]) / wall}
    return {"phase": phase, "stamps": sent["stamps"], "publish_costs": sent["costs"],
            "wall": wall, "processes": processes, "rss_timeline": watch.samples,
            "before": before, "after": receiver.statuses()}


def start_profilers(pids: dict[str, int], folder: Path, seconds: float) -> list:
    """py-spy (when installed) sampling every node process, all threads, for seconds."""
    exe = Path(sys.executable).with_name("py-spy")
    if not exe.exists():
        return []
    folder.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen(
        [str(exe), "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
         "--rate", "250", "--format", "raw", "--threads", "--nonblocking", "-o",
         str(folder / (label.replace("/", "_") + ".txt"))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for label, pid in pids.items()]


# --- analysis -------------------------------------------------------------------------


def percentiles(values_ns: np.ndarray) -> dict[str, float]:
    """p50/p95/p99/max/mean in ms (empty when there are no values)."""
    if values_ns.size == 0:
        return {}
    ms = values_ns.astype(np.float64) / 1e6
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)), "max": float(ms.max()),
            "mean": float(ms.mean())}


def _lookup(stamps: np.ndarray, table: list[tuple], column: int) -> np.ndarray:
    """For each stamp, the column of the table row with that stamp (first one); -1 if none."""
    out = np.full(stamps.size, -1, np.int64)
    if not table:
        return out
    rows = np.asarray([(r[0], r[column]) for r in table], dtype=np.int64)
    keys, first = np.unique(rows[:, 0], return_index=True)
    pos = np.searchsorted(keys, stamps)
    pos = np.clip(pos, 0, keys.size - 1)
    hit = keys[pos] == stamps
    out[hit] = rows[first[pos[hit]], 1]
    return out


def _counter_deltas(before: dict, after: dict) -> dict[str, dict[str, int]]:
    out = {}
    for label, status in STATUS.items():
        kind = label.rsplit("/", 1)[-1]
        old, new = before.get(status, {}), after.get(status, {})
        out[label] = {name: int(new.get(f"{name} count", 0)) - int(old.get(f"{name} count", 0))
                      for name in NODE_COUNTERS[kind]}
        for key in ("processing p50 (ms)", "processing p99 (ms)", "processing max (ms)"):
            if key in new:
                out[label][key] = float(new[key])
    return out


def analyse(raw: dict, receiver: Receiver) -> dict:
    """Latency, drops and where they happen, node counters and processes of one phase."""
    stamps = raw["stamps"]
    face_rx = _lookup(stamps, receiver.face, 1)
    face_src = _lookup(stamps, receiver.face, 2)
    face_cb = _lookup(stamps, receiver.face, 3)
    got = face_rx >= 0
    result = {
        "rate_hz": raw["phase"].rate,
        "pairs_published": int(stamps.size),
        "achieved_rate_hz": float((stamps.size - 1) / max((stamps[-1] - stamps[0]) * 1e-9,
                                                             1e-9)),
        "publish_call_ms_p50": 1e3 * float(np.median(raw["publish_costs"])),
        "pairs_without_face": int((~got).sum()),
        "latency_ms": percentiles(face_rx[got] - stamps[got]),
        "latency_to_callback_ms": percentiles(face_cb[got] - stamps[got]),
        "processes": raw["processes"],
        "nodes": _counter_deltas(raw["before"], raw["after"]),
    }
    if receiver.coeff:
        obs_src = {s: _lookup(stamps, receiver.obs[s], 2) for s in EYES}
        proc_s = {s: _lookup(stamps, [(r[0], int(r[3] * 1e9)) for r in receiver.obs[s]], 1)
                  for s in EYES}
        coeff_src = _lookup(stamps, receiver.coeff, 2)
        both = (obs_src["left"] >= 0) & (obs_src["right"] >= 0)
        full = both & (coeff_src >= 0) & got
        last_obs = np.maximum(obs_src["left"], obs_src["right"])
        hops = {f"camera -> {s} observation sent": percentiles(
            obs_src[s][full] - stamps[full]) for s in EYES}
        hops.update({f"{s} tracker processing (its own clock)": percentiles(proc_s[s][full])
                     for s in EYES})
        hops["last observation -> coefficients sent"] = percentiles(
            coeff_src[full] - last_obs[full])
        hops["coefficients -> face sent"] = percentiles(face_src[full] - coeff_src[full])
        hops["face sent -> received"] = percentiles(face_rx[full] - face_src[full])
        result["hops_ms"] = hops
        result["lost_at"] = {
            "left observation missing": int((obs_src["left"] < 0).sum()),
            "right observation missing": int((obs_src["right"] < 0).sum()),
            "both observations, no coefficients": int((both & (coeff_src < 0)).sum()),
            "coefficients, no face": int(((coeff_src >= 0) & ~got).sum()),
        }
    return result


def soak_growth(timeline: dict[str, list[tuple[float, float]]], skip: float,
                window: int = 5) -> dict[str, dict[str, float]]:
    """Per process: RSS after the warm-up (median of the first samples) vs at the end."""
    out = {}
    for name, samples in timeline.items():
        kept = [r for t, r in samples if t >= skip] or [r for _, r in samples]
        if not kept:
            continue
        first, last = float(np.median(kept[:window])), float(np.median(kept[-window:]))
        out[name] = {"first_mb": first, "last_mb": last, "growth_mb": last - first,
                     "max_mb": float(max(kept)), "samples": len(kept)}
    return out


# --- the whole run ----------------------------------------------------------------------


def run(phases: list[Phase], out_dir: Path, model: Path | None, size: int = 200,
        domain: int | None = None, hops: bool = True, sample_period: float = 1.0,
        settle: float = 2.5, soak: Phase | None = None, soak_skip: float = 20.0,
        profile: Path | None = None, variant: list[str] | None = None,
        separate: bool = False, fifo: int | None = None, learned: Path | None = None,
        progress=print) -> dict:
    """Start the graph, run the phases (and the soak), stop everything; the figures.

    ``fifo``: run this process and so every process it starts (nodes, camera) under
    SCHED_FIFO with this priority, which shields the graph from the other load of a shared
    machine (the figures then show what the graph does when it gets the CPU it asks for).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    domain = domain if domain is not None else 150 + os.getpid() % 60
    env = {**os.environ, "ROS_DOMAIN_ID": str(domain), "PYTHONUNBUFFERED": "1"}
    os.environ["ROS_DOMAIN_ID"] = str(domain)  # the node processes inherit it
    config = bench_config(out_dir, model, learned=learned)
    frames = render_frames(out_dir / f"frames_{size}.npy", size, 240)
    policy = os.sched_getscheduler(0), os.sched_getparam(0)
    if fifo:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(fifo))  # children inherit it
    receiver = Receiver(domain, hops=hops)
    graph_ = Graph(config, out_dir / "graph.log", variant=variant, separate=separate,
                   backend="learned" if learned else "geometric")
    report: dict = {"domain": domain, "frame_size": size, "config": str(config),
                    "node_variant": variant or "as eye-expression run starts them",
                    "composed": not separate, "sched_fifo_priority": fifo,
                    "model": str(model) if model else "shipped",
                    "backend": "learned" if learned else "geometric", "phases": {}}
    try:
        deadline = time.monotonic() + 120.0
        while time.monotonic() < deadline and not (
                receiver.matched() and len(receiver.statuses()) >= len(STATUS)):
            receiver.spin(0.2)
            if graph_.dead():
                raise RuntimeError(f"node(s) died at start: {graph_.dead()}; "
                                   f"see {graph_.log_path}")
        if not receiver.matched():
            raise RuntimeError(f"the graph did not come up in 120 s; see {graph_.log_path}")
        report["rss_at_start_mb"] = {n: memory_mb(p).get("VmRSS") for n, p in
                                     graph_.pids.items()}
        for phase in [*phases, *([soak] if soak else [])]:
            progress(f"  {phase.name}: {phase.pairs} pairs at {phase.rate:g} Hz "
                     f"({phase.pairs / phase.rate:.0f} s)")
            raw = run_phase(phase, graph_, receiver, frames, out_dir, env, sample_period,
                            settle, profile=profile if phase.judged else None)
            if not phase.judged:
                continue
            result = analyse(raw, receiver)
            if phase is soak:
                result["rss_growth"] = soak_growth(raw["rss_timeline"], soak_skip)
            report["phases"][phase.name] = result
            receiver.face.clear()
            receiver.coeff.clear()
            for side in EYES:
                receiver.obs[side].clear()
    finally:
        report["exit_codes"] = graph_.stop()
        receiver.close()
        os.sched_setscheduler(0, *policy)
    return report
