"""The ``eye-expression`` command line.

Each subcommand lives in the module that owns its work and exposes
``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only when their
subcommand runs, so ``--help`` stays fast and run-time commands never import torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module under eye_expression_driver, one-line help). Add a subcommand by adding
# one row.
COMMANDS: dict[str, tuple[str, str]] = {
    "record": ("ros.tools.record", "record the package's topics to a bag"),
    "play": ("ros.tools.play", "publish a bag's images with their timing"),
    "demo": ("ros.tools.demo", "run the graph on the synthetic headset, report"),
    "detect": ("vision.detect_command", "eye landmarks and pupil of images"),
    "train-detector": ("training.train_detector", "retrain the eye detector"),
    "label": ("training.label_command", "auto-label eye image sequences"),
    "train": ("training.train_coefficients", "train the coefficient model"),
    "evaluate": ("training.evaluate_coefficients",
                 "both paths against synthetic truth on held-out people"),
    "run": ("ros.tools.run", "start the ROS 2 graph (a process per eye tracker)"),
    "synth": ("synth.command", "write synthetic eye camera sessions"),
}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one lazily bound subparser per command."""
    parser = argparse.ArgumentParser(
        prog="eye-expression",
        description="Eye expression coefficients from headset eye cameras.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: dispatch to the subcommand's module."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv or ["--help"])
        return 2
    name, rest = argv[0], argv[1:]
    module = importlib.import_module(f"eye_expression_driver.{COMMANDS[name][0]}")
    command_parser = argparse.ArgumentParser(
        prog=f"eye-expression {name}", description=COMMANDS[name][1]
    )
    module.add_arguments(command_parser)
    args = command_parser.parse_args(rest)
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
