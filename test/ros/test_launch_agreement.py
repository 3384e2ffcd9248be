"""The launch file and the runner start the same graph, ros.graph.graph(): the launch file's
Node actions (built with stand-ins of the launch modules: launch_ros is not importable here)
carry its processes exactly. Also: the executables, the runner's command lines, the YAML."""

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

from eye_expression_driver.ros import graph as g
from eye_expression_driver.ros.tools import run as runner

REPO = Path(__file__).resolve().parents[2]
LAUNCH = REPO / "launch" / "eye_expression.launch.py"
CONFIG = REPO / "config" / "eye_expression.yaml"

pytestmark = pytest.mark.ros
RUNNER = argparse.ArgumentParser()
runner.add_arguments(RUNNER)
# launch argument -> (the runner option's dest, its value for the launch argument's value)
OPTION_OF = {"namespace": ("namespace", str), "backend": ("backend", str),
             "left_image_topic": ("left_image", str), "right_image_topic": ("right_image", str),
             "use_synthetic_headset": ("source", g.SOURCE_OF_HEADSET.get),
             "vmc": ("vmc", "true".__eq__), "composed": ("separate", "false".__eq__)}
# The launch modules the launch file imports and the names it takes from them.
STAND_INS = {"launch": "LaunchDescription", "launch_ros": "",
             "launch.actions": "DeclareLaunchArgument OpaqueFunction",
             "launch.substitutions": "LaunchConfiguration PathJoinSubstitution",
             "launch_ros.actions": "Node", "launch_ros.substitutions": "FindPackageShare"}


class Recorded:
    """A stand-in launch action or substitution: keeps what it was built with."""

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs = args, kwargs
        self.perform = lambda context: context[args[0]]  # as LaunchConfiguration


def launch_file(monkeypatch) -> tuple[dict[str, dict], object]:
    """The launch file's declared arguments (name -> keywords) and its OpaqueFunction."""
    for name, attributes in STAND_INS.items():
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
        vars(sys.modules[name]).update(dict.fromkeys(attributes.split(), Recorded))
    actions = runpy.run_path(str(LAUNCH))["generate_launch_description"]().args[0]
    [function] = [a.kwargs["function"] for a in actions if "function" in a.kwargs]
    return {a.args[0]: a.kwargs for a in actions if "default_value" in a.kwargs}, function


def runner_graph(values: dict[str, str]) -> list[g.NodeLaunch]:
    """What `eye-expression run` starts with the options OPTION_OF makes of these values."""
    options = {"--" + dest.replace("_", "-"): convert(values[name])
               for name, (dest, convert) in OPTION_OF.items()}
    a = RUNNER.parse_args([o if v is True else f"{o}={v}" for o, v in options.items()
                           if v is not False])
    return g.graph(a.namespace, a.backend, a.left_image, a.right_image, a.source, a.vmc,
                   composed=not a.separate)  # as run() calls it


CASES = [{}, {"namespace": "headset/", "backend": "learned", "left_image_topic": "/cam/l/image",
              "right_image_topic": "cam_r"},
         {"use_synthetic_headset": "false", "vmc": "true"},
         {"namespace": "h", "left_image_topic": "cam_l", "use_synthetic_headset": "true"},
         {"namespace": "/a/b", "right_image_topic": "/r", "use_synthetic_headset": "auto"},
         {"namespace": "h", "composed": "false", "vmc": "true", "backend": "learned"}]


@pytest.mark.parametrize("case", CASES)
def test_launch_file_starts_what_the_runner_starts(case: dict, monkeypatch) -> None:
    arguments, function = launch_file(monkeypatch)
    values = {n: kw["default_value"] for n, kw in arguments.items()} | case | {
        "config_file": str(CONFIG)}
    launched = [node.kwargs for node in function(values)]
    expected = runner_graph(values)
    assert g.graph_from_launch_arguments(values) == expected
    for node, spec in zip(launched, expected, strict=True):
        assert (node["package"], node["output"]) == ("eye_expression_driver", "screen")
        name = None if spec.composed else spec.name  # composed: each node keeps its own
        assert (node["executable"], node.get("name"), node["namespace"]) == \
            (spec.executable, name, spec.namespace)
        assert node["parameters"] == [str(CONFIG), spec.parameters]  # YAML, then overrides
        assert [tuple(r) for r in node["remappings"]] == list(spec.remappings)


def test_launch_arguments_match_the_runner_options(monkeypatch) -> None:
    """Same defaults and choices (a flag's: on, off); a wrong value is a clear ValueError."""
    arguments, _ = launch_file(monkeypatch)
    options = {action.dest: action for action in RUNNER._actions}
    assert set(arguments) == {*OPTION_OF, "config_file"} == {*g.LAUNCH_ARGUMENTS, "config_file"}
    for name, (dest, convert) in OPTION_OF.items():
        launch, option = arguments[name], options[dest]
        assert convert(launch["default_value"]) == option.default, name
        choices = option.choices or ((True, False) if option.nargs == 0 else ())
        assert {convert(c) for c in launch.get("choices", ())} == set(choices), name
    assert arguments["use_synthetic_headset"]["choices"] == ["auto", "true", "false"]
    assert runner.DEFAULT_CONFIG == "config/eye_expression.yaml"
    assert "eye_expression.yaml" in LAUNCH.read_text()
    values = {name: launch["default_value"] for name, launch in arguments.items()}
    for name, wrong in (("use_synthetic_headset", "yes"), ("vmc", "True"), ("backend", "x")):
        with pytest.raises(ValueError, match=f"{name} must be one of .*got '{wrong}'"):
            g.graph_from_launch_arguments({**values, name: wrong})
    with pytest.raises(ValueError, match="missing launch arguments: composed"):
        g.graph_from_launch_arguments({k: v for k, v in values.items() if k != "composed"})


def test_the_synthetic_headset_is_the_source_when_no_camera_is_named() -> None:
    names = lambda nodes: [n.executable for n in nodes]  # noqa: E731
    assert names(g.graph(source="auto"))[0] == "synthetic_headset"
    assert "synthetic_headset" not in names(g.graph(left_image="/cam/left", source="auto"))
    assert "synthetic_headset" not in names(g.graph(source="none"))
    headset = g.graph("ns", left_image="/cam/left", right_image="cam_r", source="synthetic")[0]
    assert headset.remappings == (("left/image_raw", "/cam/left"),
                                  ("right/image_raw", "/ns/right/cam_r"))
    assert names(g.graph(vmc=True))[-1] == "vmc_sender"


def test_every_executable_exists_as_script_and_module() -> None:
    for executable in g.EXECUTABLES:
        script = REPO / "nodes" / executable
        module = f"eye_expression_driver.ros.nodes.{executable}"
        assert script.is_file() and os.access(script, os.X_OK), script
        assert f"{module} import main" in script.read_text()
        assert hasattr(importlib.import_module(module), "main")
    assert {p.name for p in (REPO / "nodes").iterdir() if not p.name.startswith(".")} == \
        set(g.EXECUTABLES)
    modules = REPO / "eye_expression_driver" / "ros" / "nodes"
    assert {p.stem for p in modules.glob("*.py") if p.stem != "__init__"} == set(g.EXECUTABLES)


def test_runner_command_lines_also_of_a_composed_process() -> None:
    left = g.graph("headset")[0]
    args = g.ros_args(left, "/x.yaml")
    assert args[:5] == ["--ros-args", "-r", "__node:=eye_tracker", "-r",
                        "__ns:=/headset/left"]
    assert "--params-file" in args and "eye:=left" in args
    assert "coefficients:=/headset/coefficients" in args
    # A composed process (coefficient_node + avatar_bridge) keeps its nodes' names: no
    # __node remap (it would rename both); a per-node override is qualified with its node.
    composed = g.graph("h")[-1]
    assert composed.executable == "coefficient_bridge" and composed.composed
    assert composed.members == ("coefficient_node", "avatar_bridge")
    assert [n.executable for n in g.graph("h", composed=False)[-2:]] == list(composed.members)
    args = g.ros_args(g.with_parameters(composed, {"coefficient_node": {"slop": 0.01},
                                                   "eye_tracker": {"eye": "left"}}), "/x.yaml")
    assert not any(a.startswith("__node:=") for a in args)
    assert "__ns:=/h" in args and "coefficient_node:slop:=0.01" in args
    assert not any("eye:=" in a for a in args)
    tracker = g.with_parameters(g.graph("h")[0], {"eye_tracker": {"debug_rate": 5.0}})
    assert "debug_rate:=5.0" in g.ros_args(tracker, None)


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


def test_config_check_names_the_problems_also_in_per_eye_sections(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("/**/coefficient_node:\n  ros__parameters:\n    slop: 1\n    sloop: 0.1\n"
                   "/**/eye_tracker:\n  ros__parameters:\n    debug_rate: -1.0\n"
                   "/**/mouth:\n  ros__parameters: {}\n")
    problems = "\n".join(runner.check_config(bad))
    assert "slop must be a float" in problems
    assert "unknown parameter 'sloop'" in problems
    assert "debug_rate must be in [0.0, 200.0]" in problems
    assert "no node of the graph is called 'mouth'" in problems
    # per-eye sections are checked too
    config = tmp_path / "per_eye.yaml"
    config.write_text(CONFIG.read_text() + "/**/left/eye_tracker:\n  ros__parameters:\n"
                      "    crop: [0, 0, 320, 240]\n    mirror: true\n")
    assert runner.check_config(config) == []
    config.write_text("/**/right/eye_tracker:\n  ros__parameters:\n    crop: [1, 2]\n")
    assert "crop: needs 4 integers" in "\n".join(runner.check_config(config))
