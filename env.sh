# Source this to use the locally built package by hand: `source env.sh`.
# Puts the venv, the built messages and the `eye-expression` command on the paths.
_eed_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
source "$_eed_root/.venv/bin/activate"
_eed_py=$(python -c 'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")')
export AMENT_PREFIX_PATH="$_eed_root/install:$VIRTUAL_ENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
export PYTHONPATH="$_eed_root:$_eed_root/install/lib/$_eed_py/site-packages${PYTHONPATH:+:$PYTHONPATH}"
export LD_LIBRARY_PATH="$_eed_root/install/lib:$VIRTUAL_ENV/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RMW_IMPLEMENTATION="${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}"
unset _eed_py
