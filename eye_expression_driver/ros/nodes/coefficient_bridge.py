"""coefficient_bridge: coefficient_node and avatar_bridge composed in one process.

What ``eye-expression run`` and the launch file start by default (``--separate`` /
``composed:=false`` for one process each). Both nodes keep their names, topics, services
and YAML sections; they share one context (one DDS participant) and one executor, so an
EyeCoefficients message reaches the bridge without a process hop and the graph needs one
process fewer. At 2 x 200 Hz the coefficients -> face hop fell from about 0.45 to 0.25 ms
(p50; docs/ros_graph.md, "Latency").
"""

from __future__ import annotations

from eye_expression_driver.ros.node_support import run_nodes

from .avatar_bridge import AvatarBridgeNode
from .coefficient_node import CoefficientNode

NODES = (CoefficientNode, AvatarBridgeNode)


def main(args: list[str] | None = None) -> int:
    return run_nodes(NODES, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
