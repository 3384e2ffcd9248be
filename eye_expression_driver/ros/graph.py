"""The graph's processes as data: which node runs where, with which overrides and remaps.

The one description of the graph: ``eye-expression run`` starts exactly these processes,
and ``launch/eye_expression.launch.py`` turns the same list into launch_ros Node actions
(its string arguments read by ``graph_from_launch_arguments``). Layout (docs/ros_graph.md):

    <ns>/left/eye_tracker      image_raw -> observation      (+ debug_image)
    <ns>/right/eye_tracker     image_raw -> observation
    <ns>/coefficient_node      left/observation + right/observation -> coefficients
    <ns>/avatar_bridge         coefficients (+ input_topics) -> face_expression
                               (these two composed in one process by default:
                               coefficient_bridge; ``composed=False`` for two)
    <ns>/synthetic_headset     -> left/image_raw, right/image_raw, ground_truth  (optional)
    <ns>/vmc_sender            face_expression -> VMC over OSC/UDP               (optional)

The built-in synthetic headset is the image source when no camera is named: with
``source="auto"`` it starts unless an image topic is given (naming a camera's topics is
how a real headset joins the graph); ``"synthetic"`` and ``"none"`` say it explicitly.
Both trackers share one YAML section (``/**/eye_tracker``); ``eye`` and ``backend`` come
from here. A tracker draws the coefficients in its overlay, so its ``coefficients`` is
remapped to the graph's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from eye_expression_driver.core.names import EYES
from eye_expression_driver.vision.tracker_backends import BACKENDS

DEFAULT_IMAGE = "image_raw"
# The launch file's use_synthetic_headset -> the runner's --source (the same choices).
SOURCE_OF_HEADSET = {"auto": "auto", "true": "synthetic", "false": "none"}
SOURCES = tuple(SOURCE_OF_HEADSET.values())
BOOLEANS = ("true", "false")  # a launch argument's spelling of a flag
# The launch arguments graph_from_launch_arguments reads (the file adds config_file).
LAUNCH_ARGUMENTS = ("namespace", "backend", "left_image_topic", "right_image_topic",
                    "use_synthetic_headset", "vmc", "composed")
# The node executables (nodes/<name>, what `ros2 run` and the launch file name); each runs
# the main() of the module of the same name in ros/nodes/.
EXECUTABLES = ("eye_tracker", "coefficient_node", "avatar_bridge", "coefficient_bridge",
               "synthetic_headset", "avatar_preview", "vmc_sender")
# A composed executable -> the nodes it holds (names = their own executables').
COMPOSED = {"coefficient_bridge": ("coefficient_node", "avatar_bridge")}


@dataclass(frozen=True)
class NodeLaunch:
    executable: str  # nodes/<executable>, one of EXECUTABLES
    name: str
    namespace: str  # absolute
    parameters: dict[str, Any] = field(default_factory=dict)  # on top of the YAML
    remappings: tuple[tuple[str, str], ...] = ()

    @property
    def composed(self) -> bool:
        """Several nodes in this process: it gets no node name (each keeps its own)."""
        return self.executable in COMPOSED

    @property
    def members(self) -> tuple[str, ...]:
        """The names of the nodes this process holds (several when composed)."""
        return COMPOSED.get(self.executable, (self.name,))

    @property
    def module(self) -> str:
        """The Python module whose main() the executable runs."""
        return f"eye_expression_driver.ros.nodes.{self.executable}"

    @property
    def label(self) -> str:
        return f"{self.namespace.rstrip('/')}/{self.name}".lstrip("/")


def absolute(namespace: str) -> str:
    """'' or 'a/b/' -> '/' or '/a/b'."""
    parts = [p for p in namespace.split("/") if p]
    return "/" + "/".join(parts)


def join(namespace: str, name: str) -> str:
    return f"{namespace.rstrip('/')}/{name}"


def uses_synthetic_headset(source: str, left_image: str = DEFAULT_IMAGE,
                           right_image: str = DEFAULT_IMAGE) -> bool:
    """Whether the graph starts the built-in headset: asked for, or auto and no camera named."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    named = left_image != DEFAULT_IMAGE or right_image != DEFAULT_IMAGE
    return source == "synthetic" or (source == "auto" and not named)


def graph(namespace: str = "", backend: str = "geometric", left_image: str = DEFAULT_IMAGE,
          right_image: str = DEFAULT_IMAGE, source: str = "none",
          vmc: bool = False, composed: bool = True) -> list[NodeLaunch]:
    """The processes of the graph under one namespace: the two trackers, the coefficient
    node and the avatar bridge (one process when composed), the synthetic headset first
    when it is the source, the VMC sender last when asked for."""
    ns = absolute(namespace)
    images = {"left": left_image, "right": right_image}
    nodes = [
        NodeLaunch("eye_tracker", "eye_tracker", join(ns, eye),
                   {"eye": eye, "backend": backend},
                   (("image_raw", images[eye]), ("coefficients", join(ns, "coefficients"))))
        for eye in EYES
    ]
    if composed:
        nodes.append(NodeLaunch("coefficient_bridge", "coefficient_bridge", ns))
    else:
        nodes.append(NodeLaunch("coefficient_node", "coefficient_node", ns))
        nodes.append(NodeLaunch("avatar_bridge", "avatar_bridge", ns))
    if uses_synthetic_headset(source, left_image, right_image):
        remaps = tuple((f"{eye}/image_raw", image_topic(ns, eye, images[eye]))
                       for eye in EYES if images[eye] != DEFAULT_IMAGE)
        nodes.insert(0, NodeLaunch("synthetic_headset", "synthetic_headset", ns,
                                   remappings=remaps))
    if vmc:
        nodes.append(NodeLaunch("vmc_sender", "vmc_sender", ns))
    return nodes


def graph_from_launch_arguments(values: Mapping[str, str]) -> list[NodeLaunch]:
    """graph() for the launch file's argument values (strings, as launch gives them);
    ValueError names an argument that is missing or not one of its choices."""
    missing = [name for name in LAUNCH_ARGUMENTS if name not in values]
    if missing:
        raise ValueError(f"missing launch arguments: {', '.join(missing)}")

    def choice(name: str, choices: tuple[str, ...]) -> str:
        if values[name] not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, "
                             f"got {values[name]!r}")
        return values[name]

    return graph(values["namespace"], choice("backend", BACKENDS), values["left_image_topic"],
                 values["right_image_topic"],
                 SOURCE_OF_HEADSET[choice("use_synthetic_headset", tuple(SOURCE_OF_HEADSET))],
                 vmc=choice("vmc", BOOLEANS) == "true",
                 composed=choice("composed", BOOLEANS) == "true")


def image_topic(namespace: str, eye: str, topic: str) -> str:
    """Where a tracker's remapped image_raw resolves: absolute, or under <ns>/<eye>."""
    return topic if topic.startswith("/") else join(join(namespace, eye), topic)


def ros_value(value: Any) -> str:
    """A parameter value as written after ``-p name:=`` (YAML syntax)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(ros_value(v) for v in value) + "]"
    return str(value)


def with_parameters(node: NodeLaunch, per_node: dict[str, dict[str, Any]]) -> NodeLaunch:
    """The process with more parameters, given by node name; in a composed process each
    is qualified with its node (``-p coefficient_node:name:=value``), as a plain ``-p``
    would set it in every node of the process."""
    extra = {f"{name}:{key}" if name != node.name else key: value
             for name in node.members for key, value in per_node.get(name, {}).items()}
    return replace(node, parameters={**node.parameters, **extra})


def ros_args(node: NodeLaunch, params_file: str | None) -> list[str]:
    """The ``--ros-args ...`` of one node process (a composed one keeps its nodes' names)."""
    args = ["--ros-args"]
    if not node.composed:
        args += ["-r", f"__node:={node.name}"]
    args += ["-r", f"__ns:={node.namespace}"]
    if params_file:
        args += ["--params-file", params_file]
    for name, value in node.parameters.items():
        args += ["-p", f"{name}:={ros_value(value)}"]
    for source, target in node.remappings:
        args += ["-r", f"{source}:={target}"]
    return args
