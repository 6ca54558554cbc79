#!/usr/bin/env bash
# Configures and builds the project into BUILD_DIR (default: build) with the desktop agent.
# Extra arguments go to cmake's configure step, e.g. -DVCS_AGENT_GUI=OFF.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$source_dir/build}
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@"
cmake --build "$build_dir" --parallel "$(nproc)"
