"""CPU time and memory of running processes, read from /proc (Linux; no psutil needed)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads); None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak so far) in MB; empty when the process is gone."""
    out = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024.0
    return out


def machine() -> dict[str, object]:
    """Core count (and the ones this process may use) and the load averages now."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cores": os.cpu_count(), "usable_cores": usable,
            "load_average_1_5_15": [round(v, 2) for v in load]}


@dataclass
class ProcessWatch:
    """CPU use and RSS over time of named processes (sample() from the caller's loop)."""

    pids: dict[str, int]
    period: float = 1.0
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    _cpu0: dict[str, float] = field(default_factory=dict)
    _t0: float = 0.0
    _last: float = -1e9

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._cpu0 = {n: cpu_seconds(p) or 0.0 for n, p in self.pids.items()}
        self.samples = {n: [] for n in self.pids}
        self._last = -1e9
        self.sample(force=True)

    def sample(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.period:
            return
        self._last = now
        for name, pid in self.pids.items():
            rss = memory_mb(pid).get("VmRSS")
            if rss is not None:
                self.samples[name].append((now - self._t0, rss))

    def result(self) -> dict[str, dict[str, float]]:
        """Per process: CPU % of one core over the watch, peak and last RSS, VmHWM."""
        self.sample(force=True)
        wall = max(time.monotonic() - self._t0, 1e-9)
        out = {}
        for name, pid in self.pids.items():
            cpu = cpu_seconds(pid)
            rss = [r for _, r in self.samples[name]]
            out[name] = {
                "cpu_percent": None if cpu is None else 100.0 * (cpu - self._cpu0[name]) / wall,
                "rss_peak_mb": max(rss) if rss else None,
                "rss_last_mb": rss[-1] if rss else None,
                "hwm_mb": memory_mb(pid).get("VmHWM"),
            }
        return out
