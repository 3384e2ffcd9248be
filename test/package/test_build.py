"""The repository builds like any ROS 2 package, and installs with pip without ROS.

Both tests build from a copy of the repository's package files, as a newcomer or a
colcon workspace would see them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
PACKAGE_FILES = ("CMakeLists.txt", "package.xml", "setup.py", "pyproject.toml", "msg", "srv",
                 "eye_expression_driver", "nodes", "launch", "config")
PY_DIR = f"python{sys.version_info[0]}.{sys.version_info[1]}"

pytestmark = pytest.mark.slow


def copy_package(dest: Path) -> Path:
    """Copy the package's own files (no venv, no build trees) to dest."""
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGE_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def run(cmd: list[str], env: dict, cwd: Path, timeout: float) -> str:
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
    report = f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, report
    return proc.stdout


def clean_env() -> dict[str, str]:
    """The environment without this checkout's paths, so only what was built is used."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "AMENT_PREFIX_PATH", "CMAKE_PREFIX_PATH",
                        "LD_LIBRARY_PATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(VENV / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
    return env


@pytest.mark.ros
def test_colcon_build_installs_package_messages_and_nodes(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    copy_package(ws / "src" / "eye_expression_driver")
    env = clean_env()
    env.update(AMENT_PREFIX_PATH=str(VENV), CMAKE_PREFIX_PATH=str(VENV))
    run([str(VENV / "bin" / "colcon"), "build", "--event-handlers", "console_direct-",
         "--cmake-args", f"-DPython3_EXECUTABLE={VENV / 'bin' / 'python'}",
         "-DBUILD_TESTING=OFF"], env, ws, timeout=900)
    prefix = ws / "install" / "eye_expression_driver"
    site = prefix / "lib" / PY_DIR / "site-packages"
    assert (site / "eye_expression_driver" / "core" / "landmarks.py").is_file()
    assert (prefix / "share" / "eye_expression_driver" / "package.xml").is_file()
    installed_nodes = {p.name for p in (prefix / "lib" / "eye_expression_driver").glob("*")}
    source_nodes = {p.name for p in (REPO / "nodes").glob("*") if not p.name.startswith(".")}
    assert source_nodes <= installed_nodes
    env.update(PYTHONPATH=str(site), AMENT_PREFIX_PATH=f"{prefix}:{VENV}",
               LD_LIBRARY_PATH=f"{prefix / 'lib'}:{VENV / 'lib'}")
    probe = ("import eye_expression_driver as p, eye_expression_driver.core.landmarks as l;"
             "from eye_expression_driver.msg import EyeObservation, FaceExpression;"
             "from eye_expression_driver.srv import ProfileFile;"
             "m = FaceExpression(names=['eyeBlinkLeft'], weights=[0.5]);"
             "print(l.__file__); print(m.weights[0])")
    out = run([str(VENV / "bin" / "python"), "-c", probe], env, tmp_path, timeout=60)
    assert out.splitlines()[0].startswith(str(site))
    assert out.splitlines()[1] == "0.5"


def test_pip_install_without_ros_imports_core(tmp_path: Path) -> None:
    src = copy_package(tmp_path / "src")
    venv = tmp_path / "venv"
    base_python = Path(sysconfig.get_config_var("BINDIR")) / "python3"
    env = clean_env()
    run([str(base_python), "-m", "venv", str(venv)], env, tmp_path, timeout=120)
    py = str(venv / "bin" / "python")
    run([py, "-m", "pip", "install", "-q", "-c", str(REPO / "constraints.txt"), str(src)],
        env, tmp_path, timeout=900)
    probe = ("import importlib.util as u, eye_expression_driver.core.landmarks as l;"
             "print(u.find_spec('rclpy') is None, l.N_LANDMARKS)")
    assert run([py, "-c", probe], env, tmp_path, timeout=60).split() == ["True", "24"]
    assert "eye-expression" in run([str(venv / "bin" / "eye-expression"), "--help"],
                                   env, tmp_path, timeout=60)
