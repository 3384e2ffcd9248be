"""The launch file, the runner and the YAML agree: same executables, names, namespaces,
parameters and remaps (launch_ros is not importable here, so the launch file is parsed)."""

from __future__ import annotations

import argparse
import ast
import importlib
import os
from pathlib import Path

import pytest
import yaml

from eye_expression_driver.ros import runner
from eye_expression_driver.ros.graph import graph, ros_args
from eye_expression_driver.ros.node_params import BACKENDS

REPO = Path(__file__).resolve().parents[1]
LAUNCH = REPO / "launch" / "eye_expression.launch.py"
CONFIG = REPO / "config" / "eye_expression.yaml"
CONFIG_MARK = "<config_file>"

pytestmark = pytest.mark.ros


class LaunchFile:
    """The launch file's AST: its declared arguments and the Node actions it builds."""

    def __init__(self, path: Path) -> None:
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.functions = {f.name: f for f in self.tree.body if isinstance(f, ast.FunctionDef)}
        helpers = [f for name, f in self.functions.items() if name in ("_absolute", "_join")]
        self.env: dict = {}
        exec(compile(ast.Module(body=helpers, type_ignores=[]), str(path), "exec"), self.env)

    def arguments(self) -> dict[str, dict]:
        """DeclareLaunchArgument name -> its literal keywords."""
        out = {}
        for call in self._calls(self.tree, "DeclareLaunchArgument"):
            keywords = {k.arg: k.value for k in call.keywords}
            literal = {k: ast.literal_eval(v) for k, v in keywords.items()
                       if isinstance(v, (ast.Constant, ast.List))}
            out[ast.literal_eval(call.args[0])] = literal
        return out

    def nodes(self, launch_args: dict[str, str]) -> list[dict]:
        """Evaluate _nodes() for these launch argument values: each Node's keywords."""
        env = dict(self.env, PACKAGE="eye_expression_driver", context=None)
        for statement in self.functions["_nodes"].body:
            if isinstance(statement, ast.Assign):
                env[statement.targets[0].id] = self._eval(statement.value, env, launch_args)
        calls = self._calls(self.functions["_nodes"], "Node")
        return [{k.arg: self._eval(k.value, env, launch_args) for k in call.keywords}
                for call in calls]

    @staticmethod
    def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
        return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name) and n.func.id == name]

    def _eval(self, node: ast.AST, env: dict, launch_args: dict[str, str]):
        ev = lambda n: self._eval(n, env, launch_args)  # noqa: E731
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.List | ast.Tuple):
            return [ev(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {ev(k): ev(v) for k, v in zip(node.keys, node.values, strict=True)}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "perform":  # LaunchConfiguration("x").perform(context)
            return launch_args[ast.literal_eval(node.func.value.args[0])]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return env[node.func.id](*[ev(a) for a in node.args])
        raise AssertionError(f"launch file uses an expression this test cannot read: "
                             f"{ast.dump(node)[:120]}")


def runner_defaults() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    runner.add_arguments(parser)
    return parser.parse_args([])


CASES = [
    {"namespace": "", "backend": "geometric", "left_image_topic": "image_raw",
     "right_image_topic": "image_raw"},
    {"namespace": "headset/", "backend": "learned", "left_image_topic": "/cam/l/image",
     "right_image_topic": "cam_r"},
]


@pytest.mark.parametrize("case", CASES)
def test_launch_file_starts_what_the_runner_starts(case: dict) -> None:
    launched = LaunchFile(LAUNCH).nodes({**case, "config_file": CONFIG_MARK})
    expected = graph(case["namespace"], case["backend"], case["left_image_topic"],
                     case["right_image_topic"])
    assert len(launched) == len(expected)
    for node, spec in zip(launched, expected, strict=True):
        assert node["package"] == "eye_expression_driver"
        assert (node["executable"], node["name"], node["namespace"]) == \
            (spec.executable, spec.name, spec.namespace)
        params = node["parameters"]
        assert params[0] == CONFIG_MARK, "the YAML comes first, overrides after it"
        overrides = {k: v for d in params[1:] for k, v in d.items()}
        assert overrides == spec.parameters
        assert [tuple(r) for r in node.get("remappings", [])] == list(spec.remappings)


def test_launch_arguments_match_the_runner_options() -> None:
    arguments = LaunchFile(LAUNCH).arguments()
    defaults = runner_defaults()
    assert set(arguments) == {"namespace", "left_image_topic", "right_image_topic", "backend",
                              "config_file"}
    assert arguments["namespace"]["default_value"] == defaults.namespace
    assert arguments["left_image_topic"]["default_value"] == defaults.left_image
    assert arguments["right_image_topic"]["default_value"] == defaults.right_image
    assert arguments["backend"]["default_value"] == defaults.backend
    assert tuple(arguments["backend"]["choices"]) == BACKENDS
    assert runner.DEFAULT_CONFIG == "config/eye_expression.yaml"
    assert "eye_expression.yaml" in LAUNCH.read_text()


def test_every_executable_exists_as_script_and_module() -> None:
    for spec in graph():
        script = REPO / "nodes" / spec.executable
        assert script.is_file() and os.access(script, os.X_OK), script
        assert f"eye_expression_driver.ros.{spec.executable} import main" in script.read_text()
        assert hasattr(importlib.import_module(f"eye_expression_driver.ros.{spec.executable}"),
                       "main")


def test_runner_command_lines() -> None:
    left = graph("headset")[0]
    args = ros_args(left, "/x.yaml")
    assert args[:5] == ["--ros-args", "-r", "__node:=eye_tracker", "-r",
                        "__ns:=/headset/left"]
    assert "--params-file" in args and "eye:=left" in args
    assert "coefficients:=/headset/coefficients" in args


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
