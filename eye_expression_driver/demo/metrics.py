"""How well a recorded session's coefficients follow the synthetic truth, and how fast.

Input is plain arrays taken from a recording (stamps in ns, truth per frame pair, ARKit
weights per FaceExpression); no ROS. Outputs carry the stamp of the images they came from,
so a coefficient is matched to its truth by equal stamps, and the delay from the image
stamp to the recorder receiving the FaceExpression is the end-to-end latency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eye_expression_driver.core.names import EYES

CLOSED_OPENNESS = 0.2  # truth openness below this counts as a closed eye
GAZE_MIN_DEG = 8.0  # truth angles beyond this must give the coefficient's sign


@dataclass
class EyeTruth:
    openness: np.ndarray  # (N,) 0 closed .. 1 relaxed open (>1 wide)
    yaw: np.ndarray  # (N,) deg, + = out
    pitch: np.ndarray  # (N,) deg, + = up
    blinking: np.ndarray  # (N,) bool, inside a scripted blink or wink

    @property
    def blink(self) -> np.ndarray:
        """The truth as an ARKit eyeBlink value: how far the lid is closed, 0..1."""
        return np.clip(1.0 - self.openness, 0.0, 1.0)


@dataclass
class Session:
    truth_ns: np.ndarray  # (N,) stamps of the frame pairs the headset published
    truth: dict[str, EyeTruth]  # per side
    face_ns: np.ndarray  # (M,) FaceExpression stamps
    face_rx_ns: np.ndarray  # (M,) when the recorder received them
    weights: dict[str, np.ndarray]  # ARKit name -> (M,)
    counts: dict[str, int] = field(default_factory=dict)  # topic -> messages recorded


def side_name(side: str) -> str:
    return side.capitalize()  # "left" -> the ARKit suffix "Left"


def match(truth_ns: np.ndarray, face_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices (truth, face) of the frames that produced a FaceExpression (equal stamps)."""
    _, ti, fi = np.intersect1d(truth_ns, face_ns, assume_unique=False, return_indices=True)
    return ti, fi


def percentiles_ms(values_ns: np.ndarray) -> dict[str, float]:
    if values_ns.size == 0:
        return {}
    ms = values_ns.astype(np.float64) / 1e6
    return {"mean": float(ms.mean()), "p50": float(np.percentile(ms, 50)),
            "p95": float(np.percentile(ms, 95)), "p99": float(np.percentile(ms, 99)),
            "max": float(ms.max())}


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def gaze_signal(weights: dict[str, np.ndarray], side: str) -> tuple[np.ndarray, np.ndarray]:
    """(out - in, up - down) of one eye: the coefficients as signed directions."""
    s = side_name(side)
    zeros = np.zeros(len(weights[f"eyeBlink{s}"]))

    def get(stem: str) -> np.ndarray:
        return weights.get(f"{stem}{s}", zeros)

    return get("eyeLookOut") - get("eyeLookIn"), get("eyeLookUp") - get("eyeLookDown")


def eye_errors(truth: EyeTruth, weights: dict[str, np.ndarray], side: str) -> dict[str, float]:
    """Blink and gaze agreement of one eye over matched frames (arrays of equal length)."""
    blink = weights[f"eyeBlink{side_name(side)}"]
    closed = truth.openness < CLOSED_OPENNESS
    opened = ~truth.blinking & (truth.openness > 0.8)
    horizontal, vertical = gaze_signal(weights, side)
    result = {
        "blink MAE": float(np.mean(np.abs(blink - truth.blink))),
        "blink while closed (mean)": float(blink[closed].mean()) if closed.any() else np.nan,
        "blink while open (mean)": float(blink[opened].mean()) if opened.any() else np.nan,
        "horizontal gaze r": _corr(horizontal[opened], truth.yaw[opened]),
        "vertical gaze r": _corr(vertical[opened], truth.pitch[opened]),
    }
    far = opened & (np.abs(truth.yaw) > GAZE_MIN_DEG)
    if far.any():
        result["horizontal sign agreement"] = float(
            np.mean(np.sign(horizontal[far]) == np.sign(truth.yaw[far])))
    return result


def evaluate(session: Session, skip_seconds: float = 0.0) -> dict[str, object]:
    """Latency, frame drops and per-eye errors; the first skip_seconds (warm-up) not judged."""
    ti, fi = match(session.truth_ns, session.face_ns)  # each stamp at most once
    frames = int(session.truth_ns.size)
    report: dict[str, object] = {
        "frame pairs published": frames,
        "frame pairs with a FaceExpression": int(ti.size),
        "frames without output": frames - int(ti.size),
        "latency ms": percentiles_ms(session.face_rx_ns[fi] - session.face_ns[fi]),
    }
    if frames:
        judged = session.truth_ns[ti] >= session.truth_ns[0] + skip_seconds * 1e9
        ti, fi = ti[judged], fi[judged]
    report["judged frames"] = int(ti.size)
    matched = {name: w[fi] for name, w in session.weights.items()}
    for side in EYES:
        t = session.truth[side]
        sub = EyeTruth(t.openness[ti], t.yaw[ti], t.pitch[ti], t.blinking[ti])
        report[f"{side} eye"] = eye_errors(sub, matched, side) if ti.size else {}
    return report


def headline(report: dict[str, object], skip_seconds: float,
             drops: dict[str, int] | None = None) -> str:
    """The figures a user looks for first: latency percentiles, frame drops (and where the
    graph's nodes dropped frames), and each eye's coefficient errors."""
    frames, lost = report["frame pairs published"], report["frames without output"]
    lat = report["latency ms"] or {}
    lines = ["end-to-end latency (image stamp to FaceExpression received): " + (
        ", ".join(f"{k} {lat[k]:.1f} ms" for k in ("p50", "p95", "p99", "max")) if lat
        else "no output")]
    share = f" ({100.0 * lost / frames:.1f} %)" if frames else ""
    lines.append(f"frame drops: {lost} of {frames} frame pairs gave no FaceExpression{share}")
    if drops:
        lines.append("  counted by the nodes: " + ", ".join(f"{k} {v}" for k, v in drops.items()))
    lines.append(f"coefficient errors after the {skip_seconds:g} s calibration warm-up "
                 f"({report['judged frames']} frames):")
    for side in EYES:
        e = report[f"{side} eye"]
        if not e:
            lines.append(f"  {side} eye: nothing to judge")
            continue
        sign = e.get("horizontal sign agreement", float("nan"))
        lines.append(
            f"  {side + ' eye:':10s} blink MAE {e['blink MAE']:.3f} (closed "
            f"{e['blink while closed (mean)']:.2f}, open {e['blink while open (mean)']:.2f}); "
            f"gaze r horizontal {e['horizontal gaze r']:.2f}, vertical "
            f"{e['vertical gaze r']:.2f}; horizontal direction right {100 * sign:.0f} %")
    return "\n".join(lines) + "\n"


def format_report(report: dict[str, object], counts: dict[str, int]) -> str:
    """All figures as short text lines (the details below the headline)."""
    lines = []
    for key, value in report.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in value.items())
            lines.append(f"{key}: {inner or 'none'}")
        else:
            lines.append(f"{key}: {value}")
    if counts:
        lines.append("messages recorded:")
        lines += [f"  {n:7d}  {topic}" for topic, n in sorted(counts.items())]
    return "\n".join(lines) + "\n"
