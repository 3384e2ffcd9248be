"""Shared fixtures: per-test ROS domains and environments for spawned processes.

The tests are laid out like the package (test/core, test/vision, ..., test/ros); their
shared helpers live in test/support, which is put on the import path here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SUPPORT_DIR = Path(__file__).resolve().parent / "support"
if str(SUPPORT_DIR) not in sys.path:
    sys.path.insert(0, str(SUPPORT_DIR))

from ros_domains import next_domain  # noqa: E402  (test/support is on the path from here)


@pytest.fixture
def ros_domain() -> int:
    """A fresh ROS_DOMAIN_ID for one test, so concurrent runs do not hear each other."""
    return next_domain()


@pytest.fixture
def ros_env(ros_domain: int) -> dict[str, str]:
    """The environment for processes a test spawns: this one plus the test's domain."""
    env = dict(os.environ)
    env["ROS_DOMAIN_ID"] = str(ros_domain)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SUPPORT_DIR), str(REPO)] + [p for p in sys.path if p.endswith("site-packages")]
        + [env.get("PYTHONPATH", "")]
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env
