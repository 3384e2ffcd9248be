"""The launch file, the runner and the YAML agree: same executables, names, namespaces,
parameters and remaps. launch_ros is not importable here, so the launch file runs against
stand-ins of the launch modules that record what it builds."""

from __future__ import annotations

import argparse
import importlib
import os
import runpy
import sys
import types
from pathlib import Path

import pytest
import yaml

from eye_expression_driver.ros.graph import COMPOSED, EXECUTABLES, graph, ros_args, with_parameters
from eye_expression_driver.ros.node_params import BACKENDS
from eye_expression_driver.ros.tools import run as runner

REPO = Path(__file__).resolve().parents[2]
LAUNCH = REPO / "launch" / "eye_expression.launch.py"
CONFIG = REPO / "config" / "eye_expression.yaml"
CONFIG_MARK = "<config_file>"
SOURCE_OF = {"auto": "auto", "true": "synthetic", "false": "none"}  # launch -> --source

pytestmark = pytest.mark.ros


class Recorded:
    """A stand-in launch action or substitution: keeps what it was built with."""

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs = args, kwargs


class LaunchConfiguration:
    def __init__(self, name: str) -> None:
        self.name = name

    def perform(self, context: dict[str, str]) -> str:
        return context[self.name]


def stand_in_modules() -> dict[str, types.ModuleType]:
    """launch, launch.actions, ... with the names the launch file imports."""
    names = {"launch": {"LaunchDescription": Recorded},
             "launch.actions": {"DeclareLaunchArgument": Recorded, "OpaqueFunction": Recorded},
             "launch.substitutions": {"LaunchConfiguration": LaunchConfiguration,
                                      "PathJoinSubstitution": Recorded},
             "launch_ros": {}, "launch_ros.actions": {"Node": Recorded},
             "launch_ros.substitutions": {"FindPackageShare": Recorded}}
    modules = {}
    for name, attributes in names.items():
        modules[name] = types.ModuleType(name)
        vars(modules[name]).update(attributes)
    return modules


class LaunchFile:
    """The launch description the file builds: its declared arguments and Node actions."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, module in stand_in_modules().items():
            monkeypatch.setitem(sys.modules, name, module)
        actions = runpy.run_path(str(path))["generate_launch_description"]().args[0]
        self.declared = [a for a in actions if "default_value" in a.kwargs]
        self.functions = [a.kwargs["function"] for a in actions if "function" in a.kwargs]

    def arguments(self) -> dict[str, dict]:
        """DeclareLaunchArgument name -> its keywords."""
        return {a.args[0]: a.kwargs for a in self.declared}

    def nodes(self, launch_args: dict[str, str]) -> list[dict]:
        """Each Node's keywords for these launch argument values (defaults for the rest)."""
        context = {name: kw["default_value"] for name, kw in self.arguments().items()}
        context.update(launch_args)
        return [node.kwargs for function in self.functions for node in function(context)]


def runner_defaults() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    runner.add_arguments(parser)
    return parser.parse_args([])


CASES = [
    {"namespace": "", "backend": "geometric", "left_image_topic": "image_raw",
     "right_image_topic": "image_raw"},
    {"namespace": "headset/", "backend": "learned", "left_image_topic": "/cam/l/image",
     "right_image_topic": "cam_r"},
    {"namespace": "", "use_synthetic_headset": "false", "vmc": "true"},
    {"namespace": "h", "left_image_topic": "cam_l", "use_synthetic_headset": "true"},
    {"namespace": "h", "right_image_topic": "/r", "use_synthetic_headset": "auto"},
    {"namespace": "h", "composed": "false", "vmc": "true"},
]


@pytest.mark.parametrize("case", CASES)
def test_launch_file_starts_what_the_runner_starts(case: dict, monkeypatch) -> None:
    launch = LaunchFile(LAUNCH, monkeypatch)
    launched = launch.nodes({**case, "config_file": CONFIG_MARK})
    values = {name: kw["default_value"] for name, kw in launch.arguments().items()} | case
    expected = graph(values["namespace"], values["backend"], values["left_image_topic"],
                     values["right_image_topic"], SOURCE_OF[values["use_synthetic_headset"]],
                     values["vmc"] == "true", values["composed"] == "true")
    assert len(launched) == len(expected)
    for node, spec in zip(launched, expected, strict=True):
        assert node["package"] == "eye_expression_driver"
        name = None if spec.executable in COMPOSED else spec.name  # keeps its nodes' names
        assert (node["executable"], node.get("name"), node["namespace"]) == \
            (spec.executable, name, spec.namespace)
        params = node["parameters"]
        assert params[0] == CONFIG_MARK, "the YAML comes first, overrides after it"
        overrides = {k: v for d in params[1:] for k, v in d.items()}
        assert overrides == spec.parameters
        assert [tuple(r) for r in node.get("remappings", [])] == list(spec.remappings)


def test_the_synthetic_headset_is_the_source_when_no_camera_is_named() -> None:
    names = lambda nodes: [n.executable for n in nodes]  # noqa: E731
    assert names(graph(source="auto"))[0] == "synthetic_headset"
    assert "synthetic_headset" not in names(graph(left_image="/cam/left", source="auto"))
    assert "synthetic_headset" not in names(graph(source="none"))
    headset = graph("ns", left_image="/cam/left", right_image="cam_r", source="synthetic")[0]
    assert headset.remappings == (("left/image_raw", "/cam/left"),
                                  ("right/image_raw", "/ns/right/cam_r"))
    assert names(graph(vmc=True))[-1] == "vmc_sender"


def test_launch_arguments_match_the_runner_options(monkeypatch) -> None:
    arguments = LaunchFile(LAUNCH, monkeypatch).arguments()
    defaults = runner_defaults()
    assert set(arguments) == {"namespace", "left_image_topic", "right_image_topic", "backend",
                              "config_file", "use_synthetic_headset", "vmc", "composed"}
    assert arguments["namespace"]["default_value"] == defaults.namespace
    assert arguments["left_image_topic"]["default_value"] == defaults.left_image
    assert arguments["right_image_topic"]["default_value"] == defaults.right_image
    assert arguments["backend"]["default_value"] == defaults.backend
    assert tuple(arguments["backend"]["choices"]) == BACKENDS
    headset = arguments["use_synthetic_headset"]
    assert SOURCE_OF[headset["default_value"]] == defaults.source
    assert {SOURCE_OF[c] for c in headset["choices"]} == set(runner.SOURCES)
    assert (arguments["vmc"]["default_value"] == "true") == defaults.vmc
    assert (arguments["composed"]["default_value"] == "true") == (not defaults.separate)
    assert runner.DEFAULT_CONFIG == "config/eye_expression.yaml"
    assert "eye_expression.yaml" in LAUNCH.read_text()


def test_every_executable_exists_as_script_and_module() -> None:
    for executable in EXECUTABLES:
        script = REPO / "nodes" / executable
        module = f"eye_expression_driver.ros.nodes.{executable}"
        assert script.is_file() and os.access(script, os.X_OK), script
        assert f"{module} import main" in script.read_text()
        assert hasattr(importlib.import_module(module), "main")
    assert {p.name for p in (REPO / "nodes").iterdir() if not p.name.startswith(".")} == \
        set(EXECUTABLES)
    modules = REPO / "eye_expression_driver" / "ros" / "nodes"
    assert {p.stem for p in modules.glob("*.py") if p.stem != "__init__"} == set(EXECUTABLES)


def test_runner_command_lines() -> None:
    left = graph("headset")[0]
    args = ros_args(left, "/x.yaml")
    assert args[:5] == ["--ros-args", "-r", "__node:=eye_tracker", "-r",
                        "__ns:=/headset/left"]
    assert "--params-file" in args and "eye:=left" in args
    assert "coefficients:=/headset/coefficients" in args


def test_composed_process_keeps_its_nodes_names_and_parameters() -> None:
    """One process for coefficient_node + avatar_bridge: no __node remap (it would rename
    both), and a per-node override is qualified with its node, as a plain -p reaches all."""
    composed = graph("h")[-1]
    assert composed.executable == "coefficient_bridge"
    assert composed.members == ("coefficient_node", "avatar_bridge")
    assert [n.executable for n in graph("h", composed=False)[-2:]] == list(composed.members)
    args = ros_args(with_parameters(composed, {"coefficient_node": {"slop": 0.01},
                                               "eye_tracker": {"eye": "left"}}), "/x.yaml")
    assert not any(a.startswith("__node:=") for a in args)
    assert "__ns:=/h" in args and "coefficient_node:slop:=0.01" in args
    assert not any("eye:=" in a for a in args)
    tracker = with_parameters(graph("h")[0], {"eye_tracker": {"debug_rate": 5.0}})
    assert "debug_rate:=5.0" in ros_args(tracker, None)


def test_yaml_is_valid_and_documents_every_parameter() -> None:
    assert runner.check_config(CONFIG) == []
    data = yaml.safe_load(CONFIG.read_text())
    launcher_set = {"eye", "backend"}
    for section, specs in runner.SECTIONS.items():
        values = data[f"/**/{section}"]["ros__parameters"]
        for spec in specs:
            if spec.name in launcher_set or spec.array_of:
                assert spec.name not in values or spec.array_of
                continue
            assert values[spec.name] == spec.default, (section, spec.name)


def test_config_check_names_the_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("/**/coefficient_node:\n  ros__parameters:\n    slop: 1\n    sloop: 0.1\n"
                   "/**/eye_tracker:\n  ros__parameters:\n    debug_rate: -1.0\n"
                   "/**/mouth:\n  ros__parameters: {}\n")
    problems = "\n".join(runner.check_config(bad))
    assert "slop must be a float" in problems
    assert "unknown parameter 'sloop'" in problems
    assert "debug_rate must be in [0.0, 200.0]" in problems
    assert "no node of the graph is called 'mouth'" in problems


def test_per_eye_sections_are_checked_too(tmp_path: Path) -> None:
    config = tmp_path / "per_eye.yaml"
    config.write_text(CONFIG.read_text() + "/**/left/eye_tracker:\n  ros__parameters:\n"
                      "    crop: [0, 0, 320, 240]\n    mirror: true\n")
    assert runner.check_config(config) == []
    config.write_text("/**/right/eye_tracker:\n  ros__parameters:\n    crop: [1, 2]\n")
    assert "crop: needs 4 integers" in "\n".join(runner.check_config(config))
