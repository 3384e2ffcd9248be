"""The graph's processes as data: which node runs where, with which overrides and remaps.

``eye-expression run`` starts exactly these; ``launch/eye_expression.launch.py`` writes the
same out for launch_ros, and a test checks that the two agree. Layout (DESIGN.md 2):

    <ns>/left/eye_tracker      image_raw -> observation      (+ debug_image)
    <ns>/right/eye_tracker     image_raw -> observation
    <ns>/coefficient_node      left/observation + right/observation -> coefficients
    <ns>/avatar_bridge         coefficients (+ input_topics) -> face_expression

Both trackers share one YAML section (``/**/eye_tracker``); ``eye`` and ``backend`` come
from here. A tracker draws the coefficients in its overlay, so its ``coefficients`` is
remapped to the graph's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EYES = ("left", "right")
DEFAULT_IMAGE = "image_raw"


@dataclass(frozen=True)
class NodeLaunch:
    executable: str  # nodes/<executable> = module eye_expression_driver.ros.<executable>
    name: str
    namespace: str  # absolute
    parameters: dict[str, Any] = field(default_factory=dict)  # on top of the YAML
    remappings: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.namespace.rstrip('/')}/{self.name}".lstrip("/")


def absolute(namespace: str) -> str:
    """'' or 'a/b/' -> '/' or '/a/b'."""
    parts = [p for p in namespace.split("/") if p]
    return "/" + "/".join(parts)


def join(namespace: str, name: str) -> str:
    return f"{namespace.rstrip('/')}/{name}"


def graph(namespace: str = "", backend: str = "geometric", left_image: str = DEFAULT_IMAGE,
          right_image: str = DEFAULT_IMAGE) -> list[NodeLaunch]:
    """The four processes of the graph under one namespace."""
    ns = absolute(namespace)
    images = {"left": left_image, "right": right_image}
    nodes = [
        NodeLaunch("eye_tracker", "eye_tracker", join(ns, eye),
                   {"eye": eye, "backend": backend},
                   (("image_raw", images[eye]), ("coefficients", join(ns, "coefficients"))))
        for eye in EYES
    ]
    nodes.append(NodeLaunch("coefficient_node", "coefficient_node", ns))
    nodes.append(NodeLaunch("avatar_bridge", "avatar_bridge", ns))
    return nodes


def ros_value(value: Any) -> str:
    """A parameter value as written after ``-p name:=`` (YAML syntax)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(ros_value(v) for v in value) + "]"
    return str(value)


def ros_args(node: NodeLaunch, params_file: str | None) -> list[str]:
    """The ``--ros-args ...`` of one node process."""
    args = ["--ros-args", "-r", f"__node:={node.name}", "-r", f"__ns:={node.namespace}"]
    if params_file:
        args += ["--params-file", params_file]
    for name, value in node.parameters.items():
        args += ["-p", f"{name}:={ros_value(value)}"]
    for source, target in node.remappings:
        args += ["-r", f"{source}:={target}"]
    return args
