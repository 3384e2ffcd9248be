"""A small stand-in for diagnostic_updater: one DiagnosticStatus per node on /diagnostics.

diagnostic_updater is not installable everywhere; this publishes the same message
(``diagnostic_msgs/DiagnosticArray`` on ``/diagnostics``, status name "<node>: <task>")
from a ``runtime.stats.NodeStats`` and a node-provided summary, and throttles the
node's log lines per problem kind.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.node import Node
from rclpy.qos import QoSProfile

from eye_expression_driver.runtime.stats import LogThrottle, NodeStats

OK, WARN, ERROR = DiagnosticStatus.OK, DiagnosticStatus.WARN, DiagnosticStatus.ERROR
Summary = Callable[[float], tuple[bytes, str]]  # now -> (level OK/WARN/ERROR, message)


class Diagnostics:
    """Publishes the node's stats periodically and offers a per-kind throttled logger."""

    def __init__(self, node: Node, task: str, hardware_id: str, stats: NodeStats,
                 summary: Summary, period: float = 1.0, log_period: float = 5.0) -> None:
        self._node, self._stats, self._summary = node, stats, summary
        self.name = f"{node.get_fully_qualified_name().lstrip('/')}: {task}"
        self.hardware_id = hardware_id
        self.throttle = LogThrottle(log_period)
        self._pub = node.create_publisher(DiagnosticArray, "/diagnostics", QoSProfile(depth=10))
        self._timer = node.create_timer(period, self.publish)

    def apply(self, changed: dict) -> None:
        """Follow changes of the common parameters diagnostics_period and log_period."""
        if "diagnostics_period" in changed:
            self._node.destroy_timer(self._timer)
            self._timer = self._node.create_timer(changed["diagnostics_period"], self.publish)
        if "log_period" in changed:
            self.throttle.period = changed["log_period"]

    def status(self, now: float | None = None) -> DiagnosticStatus:
        now = time.monotonic() if now is None else now
        level, message = self._summary(now)
        values = [KeyValue(key=k, value=v) for k, v in self._stats.snapshot(now)]
        return DiagnosticStatus(level=level, name=self.name, message=message,
                                hardware_id=self.hardware_id, values=values)

    def publish(self) -> None:
        msg = DiagnosticArray(status=[self.status()])
        msg.header.stamp = self._node.get_clock().now().to_msg()
        self._pub.publish(msg)

    def warn(self, key: str, message: str) -> None:
        """Log a warning at most once per log period per key, saying how many were held."""
        allowed, suppressed = self.throttle.allow(key, time.monotonic())
        if allowed:
            more = f" ({suppressed} more since the last report)" if suppressed else ""
            self._node.get_logger().warning(message + more)
