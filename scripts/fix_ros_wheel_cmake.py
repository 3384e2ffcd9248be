"""Point the ROS 2 wheels' CMake files at this machine's Python and numpy headers.

The PyPI wheels were built in a manylinux image and name its interpreter's include
directories (/opt/python/cp311-cp311/...). Message generation needs the real ones.
Idempotent: run it after every install into the venv.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import numpy

BUILD_PY = "/opt/python/cp311-cp311"


def replacements() -> dict[str, str]:
    """Build-machine path -> path on this machine."""
    return {
        f"{BUILD_PY}/lib/python3.11/site-packages/numpy/_core/include": numpy.get_include(),
        f"{BUILD_PY}/include/python3.11": sysconfig.get_paths()["include"],
    }


def fix(prefix: Path) -> int:
    """Rewrite every CMake file under prefix/share; return how many changed."""
    changed = 0
    for path in (prefix / "share").rglob("*.cmake"):
        text = path.read_text(errors="surrogateescape")
        if BUILD_PY not in text:
            continue
        for old, new in replacements().items():
            text = text.replace(old, new)
        path.write_text(text, errors="surrogateescape")
        changed += 1
    return changed


if __name__ == "__main__":
    venv = Path(sys.argv[1] if len(sys.argv) > 1 else sys.prefix)
    print(f"fixed build-machine paths in {fix(venv)} CMake files under {venv}/share")
