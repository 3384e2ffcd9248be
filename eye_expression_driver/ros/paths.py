"""Where the package's own files (config/, launch/) are: source tree or ROS install."""

from __future__ import annotations

from pathlib import Path

PACKAGE = "eye_expression_driver"
SOURCE_ROOT = Path(__file__).resolve().parents[2]


def package_file(relative: str) -> Path:
    """config/... or launch/...: from the source tree when run from it, else the share dir."""
    local = SOURCE_ROOT / relative
    if local.exists():
        return local
    try:
        from ament_index_python.packages import get_package_share_directory

        return Path(get_package_share_directory(PACKAGE)) / relative
    except (ImportError, LookupError):
        return local
