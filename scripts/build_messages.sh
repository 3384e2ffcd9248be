#!/usr/bin/env bash
# Build this package (messages + Python package + node executables) with CMake against
# the venv's ROS 2 wheels, into a local install prefix. Usage: build_messages.sh VENV PREFIX
#
# The venv lives inside the repository, and CMake refuses generated targets whose include
# paths (numpy's, in the venv) lie inside the source tree, so the package is staged into
# build/src first: the same files a colcon workspace would see.
set -euo pipefail
venv=$(cd "$1" && pwd)
prefix=$2
here=$(cd "$(dirname "$0")/.." && pwd)
stage="$here/build/src/eye_expression_driver"
log="$here/build/cmake.log"
rm -rf "$stage" && mkdir -p "$stage"
cp -r "$here"/{CMakeLists.txt,package.xml,msg,srv,eye_expression_driver,nodes,launch,config} "$stage/"
export AMENT_PREFIX_PATH="$venv" CMAKE_PREFIX_PATH="$venv" PATH="$venv/bin:$PATH"
run() { "$@" >>"$log" 2>&1 || { tail -40 "$log"; exit 1; }; }
: >"$log"
run cmake -S "$stage" -B "$here/build/cmake" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DPython3_EXECUTABLE="$venv/bin/python" \
  -DCMAKE_INSTALL_RPATH="$prefix/lib;$venv/lib" -DBUILD_TESTING=OFF
run cmake --build "$here/build/cmake" -j "$(nproc)"
run cmake --install "$here/build/cmake"
echo "built eye_expression_driver into $prefix"
